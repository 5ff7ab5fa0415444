#!/usr/bin/env python3
"""Runs a whole model compiled for a GPU and compares its logits with the same
model compiled for the CPU: without a GPU on the PTX simulator, or on a GPU
machine that has no wq (only Python, the compiled folder and the saved CPU
reference).

    gpu_model_sim.py --driver libwqrt_callback_cuda.so --wq-run PATH \\
        --gpu GPU_FOLDER --cpu CPU_FOLDER [--prompt TEXT] [--prompt-tokens 16]
        [--steps 8] [--bound 1e-3] [--ctx 2048] [--profile]
    gpu_model_sim.py --wq-run PATH --cpu CPU_FOLDER --save-expected REF.json
    gpu_model_sim.py --gpu GPU_FOLDER --expected REF.json [--time N]   (on a GPU)
    gpu_model_sim.py --gpu GPU_FOLDER --time-only N                     (on a GPU)

The GPU folder's model.so is loaded into this process as it is: its host
code (allocations, copies, launches, the deallocation helper) runs natively,
linked against the kernels runtime copied beside it, and the runtime loads
the CUDA driver named by WQRT_CUDA_DRIVER. With --driver that is the callback
driver (kernels_runtime/test/CallbackCudaDriver.cpp), whose memory, module and
launch entry points call back into this script, which executes every kernel
(PTX: compile with --gpu-format isa) with scripts/ptx_sim.py on a simulated
device memory; without it, libcuda and the machine's GPU. The caches and
logits are device memory from the runtime (wqrtMalloc, as CompiledModel
allocates them), a prompt's token ids host memory (the forward function's
contract). Decode steps run the library's decode function as CompiledModel
does: directly once at load (which uploads the weights), then captured once
as a CUDA graph by the first call (the callback driver records and replays
it) and replayed.

The prompt (`--prompt-tokens` ids of the text, from `wq-run --tokenize`) runs
as one batch at position 0 with every row's logits returned, then `--steps`
decode steps of one token each, greedy on the CPU build's logits so that both
builds see the same tokens. Each call's logits must be within `--bound` of the
CPU build's (relative Frobenius norm). Prints one line per call and exits 1
on any failure. --time N then times N decode calls and one prompt call.
"""
import argparse
import ctypes
import json
import math
import os
import re
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptx_sim  # noqa: E402

CUresult = ctypes.c_int
CUDA_SUCCESS, CUDA_ERROR_INVALID_VALUE, CUDA_ERROR_SIM = 0, 1, 999
PARAM_BYTES = {"u64": 8, "b64": 8, "s64": 8, "f64": 8, "u32": 4, "b32": 4, "s32": 4,
               "f32": 4, "u16": 2, "b16": 2, "s16": 2, "u8": 1, "b8": 1, "s8": 1}


class Callbacks(ctypes.Structure):
    _fields_ = [
        ("alloc", ctypes.CFUNCTYPE(CUresult, ctypes.POINTER(ctypes.c_uint64), ctypes.c_size_t)),
        ("release", ctypes.CFUNCTYPE(CUresult, ctypes.c_uint64)),
        ("copy", ctypes.CFUNCTYPE(CUresult, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_size_t)),
        ("fill", ctypes.CFUNCTYPE(CUresult, ctypes.c_uint64, ctypes.c_uint, ctypes.c_size_t,
                                  ctypes.c_uint)),
        ("loadModule", ctypes.CFUNCTYPE(CUresult, ctypes.POINTER(ctypes.c_void_p),
                                        ctypes.c_char_p)),
        ("getFunction", ctypes.CFUNCTYPE(CUresult, ctypes.POINTER(ctypes.c_void_p),
                                         ctypes.c_void_p, ctypes.c_char_p)),
        ("launch", ctypes.CFUNCTYPE(CUresult, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint),
                                    ctypes.POINTER(ctypes.c_uint), ctypes.c_uint,
                                    ctypes.POINTER(ctypes.c_void_p))),
        ("parameterSizes", ctypes.CFUNCTYPE(CUresult, ctypes.c_void_p,
                                            ctypes.POINTER(ctypes.c_size_t), ctypes.c_uint,
                                            ctypes.POINTER(ctypes.c_uint))),
    ]


class SimulatedGpu:
    """The callbacks: device memory, PTX modules and launches."""

    def __init__(self):
        self.memory = ptx_sim.GlobalMemory()
        self.modules = []    # handle - 1 -> {kernel name: (Kernel, parameter bytes)}
        self.functions = []  # handle - 1 -> (Kernel, parameter bytes)
        self.launches = 0
        self.instructions = 0
        self.profile = {}  # kernel -> [launches, instructions, seconds, last grid/block]
        self.error = None

    def guarded(self, fn):
        def call(*args):
            try:
                return fn(*args)
            except Exception as error:
                # Printed now: the mgpu entry points exit on a failure.
                if self.error is None:
                    self.error = f"{type(error).__name__}: {error}"
                    print(f"sim: {fn.__name__}: FAIL: {self.error}", flush=True)
                return CUDA_ERROR_SIM
        return call

    def alloc(self, out, nbytes):
        out[0] = self.memory.alloc(nbytes)
        return CUDA_SUCCESS

    def release(self, addr):
        if addr:  # cuMemFree(0) does nothing
            self.memory.free(addr)
        return CUDA_SUCCESS

    def copy(self, dst, src, nbytes):
        if nbytes == 0:
            return CUDA_SUCCESS
        src_device, dst_device = self.memory.owns(src), self.memory.owns(dst)
        if src_device:
            self.memory.check(src, nbytes)
            data = bytes(self.memory.data[src:src + nbytes])
        else:
            data = ctypes.string_at(src, nbytes)
        if dst_device:
            self.memory.check(dst, nbytes)
            self.memory.data[dst:dst + nbytes] = data
        else:
            ctypes.memmove(dst, data, nbytes)
        return CUDA_SUCCESS

    def fill(self, dst, value, count, width):
        self.memory.check(dst, count * width)
        self.memory.data[dst:dst + count * width] = value.to_bytes(width, "little") * count
        return CUDA_SUCCESS

    def load_module(self, out, image):
        text = image.decode()
        if ".entry" not in text:
            raise ptx_sim.SimError("the module image is not PTX (compile with --gpu-format isa)")
        kernels = ptx_sim.parse_ptx(text)
        sizes = {}
        for m in re.finditer(r"\.entry\s+(\w+)\s*\((.*?)\)", text, re.S):
            sizes[m.group(1)] = [PARAM_BYTES[t] for t in
                                 re.findall(r"\.param\s+\.(\w+)\s[^,]*?\w+_param_\d+", m.group(2))]
        self.modules.append({name: (kernel, sizes[name]) for name, kernel in kernels.items()})
        out[0] = len(self.modules)
        return CUDA_SUCCESS

    def get_function(self, out, module, name):
        kernels = self.modules[module - 1]
        name = name.decode()
        if name not in kernels:
            return 500  # CUDA_ERROR_NOT_FOUND
        self.functions.append(kernels[name])
        out[0] = len(self.functions)
        return CUDA_SUCCESS

    def launch(self, function, grid, block, shared, params):
        kernel, sizes = self.functions[function - 1]
        values = []
        for i, size in enumerate(sizes):
            values.append(int.from_bytes(ctypes.string_at(params[i], size), "little"))
        launch = ptx_sim.Launch(kernel, [grid[i] for i in range(3)],
                                [block[i] for i in range(3)],
                                dict(zip(kernel.params, values)), self.memory, shared)
        start = time.time()
        launch.run(max_instructions=1 << 40)
        self.launches += 1
        self.instructions += launch.executed
        stats = self.profile.setdefault(kernel.name, [0, 0, 0.0, None])
        stats[0] += 1
        stats[1] += launch.executed
        stats[2] += time.time() - start
        stats[3] = (tuple(grid[i] for i in range(3)), tuple(block[i] for i in range(3)))
        return CUDA_SUCCESS

    def parameter_sizes(self, function, sizes, capacity, count):
        kernel_sizes = self.functions[function - 1][1]
        if len(kernel_sizes) > capacity:
            raise ptx_sim.SimError(f"{len(kernel_sizes)} kernel parameters")
        for i, size in enumerate(kernel_sizes):
            sizes[i] = size
        count[0] = len(kernel_sizes)
        return CUDA_SUCCESS

    def install(self, driver):
        g = self.guarded
        self.table = Callbacks(
            Callbacks._fields_[0][1](g(self.alloc)),
            Callbacks._fields_[1][1](g(self.release)),
            Callbacks._fields_[2][1](g(self.copy)),
            Callbacks._fields_[3][1](g(self.fill)),
            Callbacks._fields_[4][1](g(self.load_module)),
            Callbacks._fields_[5][1](g(self.get_function)),
            Callbacks._fields_[6][1](g(self.launch)),
            Callbacks._fields_[7][1](g(self.parameter_sizes)))
        driver.wqsimInstall(ctypes.byref(self.table))


def memref(address, sizes):
    """StridedMemRefType<T, rank> of a contiguous buffer: {allocated,
    aligned, offset, sizes[rank], strides[rank]}."""
    strides = [math.prod(sizes[i + 1:]) for i in range(len(sizes))]
    raw = struct.pack(f"<QQq{len(sizes)}q{len(sizes)}q", address, address, 0, *sizes, *strides)
    return ctypes.create_string_buffer(raw, len(raw))


class Model:
    """A compiled model folder loaded with ctypes; `allocate(bytes)` gives
    the buffers of its caches and logits (host or simulated device). With
    `runtime` (a GPU model), calls of one token run its decode step as
    CompiledModel does: token and position copied to the device, the step
    run directly once at load (uploading the weights), captured as a CUDA
    graph by the first call and replayed from then on."""

    def __init__(self, folder, allocate, read, runtime=None, context=2048):
        self.folder = folder
        self.config = json.load(open(os.path.join(folder, "config.json")))
        self.lib = ctypes.CDLL(os.path.join(folder, "model.so"), mode=os.RTLD_LOCAL)
        weights = open(os.path.join(folder, "model.weights"), "rb").read()
        self.weights = ctypes.create_string_buffer(weights, len(weights))
        ctypes.c_void_p.in_dll(self.lib, "wq_weights").value = ctypes.addressof(self.weights)
        c = self.config
        # The KV caches' positions: wq-run's --ctx (its default 2048, at most
        # the model's own context).
        self.context = min(context, c["seq_len"])
        self.kv_dim = c["n_kv_heads"] * c["dim"] // c["n_heads"]
        cache_bytes = c["n_layers"] * self.context * self.kv_dim * 4
        self.keys, self.values = allocate(cache_bytes), allocate(cache_bytes)
        self.allocate, self.read = allocate, read
        self.logits, self.logits_bytes = None, 0
        self.forward = self.lib._mlir_ciface_forward
        self.forward.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                                 ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p]
        self.forward.restype = None
        self.runtime, self.graph = runtime, None
        if runtime:
            self.decode = self.lib._mlir_ciface_decode
            self.decode.argtypes = [ctypes.c_void_p] * 4
            self.decode.restype = None
            self.step = allocate(8)
            self.step_logits = allocate(c["vocab_size"] * 4)
            # As CompiledModel::load: one step directly (uploads the weights).
            self.run_decode_step(0, 0, direct=True)

    def run_decode_step(self, token, pos, direct=False):
        c, runtime = self.config, self.runtime
        runtime.write(self.step, struct.pack("<ii", token, pos))
        cache = [c["n_layers"], self.context, self.kv_dim]
        arguments = [memref(self.step, [2]), memref(self.keys, cache),
                     memref(self.values, cache), memref(self.step_logits, [1, c["vocab_size"]])]
        if direct:
            self.decode(*arguments)
            self.last_step = "direct"
        else:
            self.last_step = "replay"
            if self.graph is None:
                self.graph = runtime.capture(lambda: self.decode(*arguments))
                self.last_step = "captured, replay"
            runtime.replay(self.graph)
        data = self.read(self.step_logits, c["vocab_size"] * 4)
        return [struct.unpack(f"<{c['vocab_size']}f", data)]

    def run(self, tokens, pos, first):
        if self.runtime and len(tokens) == 1:
            return self.run_decode_step(tokens[0], pos)
        c = self.config
        ids = (ctypes.c_int32 * len(tokens))(*tokens)
        rows, vocab = len(tokens) - first, c["vocab_size"]
        if rows * vocab * 4 > self.logits_bytes:  # grown, never freed
            self.logits, self.logits_bytes = self.allocate(rows * vocab * 4), rows * vocab * 4
        logits = self.logits
        cache = [c["n_layers"], self.context, self.kv_dim]
        self.forward(memref(ctypes.addressof(ids), [len(tokens)]), pos,
                     memref(self.keys, cache), memref(self.values, cache), first,
                     memref(logits, [rows, vocab]))
        data = self.read(logits, rows * vocab * 4)
        values = struct.unpack(f"<{rows * vocab}f", data)
        return [values[r * vocab:(r + 1) * vocab] for r in range(rows)]


class Runtime:
    """Device memory through the kernels runtime the GPU model links
    (libwq_runtime.so.1 beside model.so): the same calls CompiledModel makes."""

    def __init__(self, folder):
        self.lib = ctypes.CDLL(os.path.join(folder, "libwq_runtime.so.1"))
        self.lib.wqrtGetLastErrorMessage.restype = ctypes.c_char_p
        self.lib.wqrtMalloc.argtypes = [ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p)]
        self.lib.wqrtMemcpyDeviceToHost.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                                    ctypes.c_size_t]
        self.lib.wqrtMemcpyHostToDevice.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                                    ctypes.c_size_t]
        self.lib.wqrtCaptureEnd.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
        self.lib.wqrtGraphLaunch.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        self.lib.wqrtStreamSynchronize.argtypes = [ctypes.c_void_p]
        self.lib.wqrtMemcpyDeviceToDevice.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                                      ctypes.c_size_t]
        self.lib.wqrtEventRecord.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        self.lib.wqrtEventSynchronize.argtypes = [ctypes.c_void_p]
        self.lib.wqrtEventDestroy.argtypes = [ctypes.c_void_p]
        self.lib.wqrtEventElapsedMs.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                                ctypes.POINTER(ctypes.c_float)]
        self.lib.wqrtFree.argtypes = [ctypes.c_void_p]
        self.check(self.lib.wqrtInit(0), "starting the GPU")

    def check(self, status, what):
        if status != 0:
            raise RuntimeError(f"{what}: {self.lib.wqrtGetLastErrorMessage().decode()}")

    def alloc(self, nbytes):
        pointer = ctypes.c_void_p()
        self.check(self.lib.wqrtMalloc(nbytes, ctypes.byref(pointer)), f"allocating {nbytes} bytes")
        return pointer.value

    def write(self, address, data):
        self.check(self.lib.wqrtMemcpyHostToDevice(address, data, len(data)),
                   "copying to the device")

    def capture(self, enqueue):
        """The CUDA graph of what `enqueue()` enqueues."""
        self.check(self.lib.wqrtCaptureBegin(), "starting a capture")
        enqueue()
        graph = ctypes.c_void_p()
        self.check(self.lib.wqrtCaptureEnd(ctypes.byref(graph)), "capturing the decode step")
        return graph

    def event_time_ms(self, enqueue):
        """Milliseconds between events recorded on the default stream before
        and after what `enqueue()` enqueues there."""
        events = [ctypes.c_void_p(), ctypes.c_void_p()]
        for event in events:
            self.check(self.lib.wqrtEventCreate(ctypes.byref(event)), "creating an event")
        self.check(self.lib.wqrtEventRecord(events[0], None), "recording an event")
        enqueue()
        self.check(self.lib.wqrtEventRecord(events[1], None), "recording an event")
        self.check(self.lib.wqrtEventSynchronize(events[1]), "waiting for an event")
        ms = ctypes.c_float()
        self.check(self.lib.wqrtEventElapsedMs(events[0], events[1], ctypes.byref(ms)),
                   "timing")
        for event in events:
            self.lib.wqrtEventDestroy(event)
        return ms.value

    def copy_bandwidth(self, nbytes=1 << 30, repeats=10):
        """Device-to-device copy rate in bytes/s, counting the bytes read and
        written (2 x nbytes per copy)."""
        source, destination = self.alloc(nbytes), self.alloc(nbytes)

        def copies():
            for _ in range(repeats):
                self.check(self.lib.wqrtMemcpyDeviceToDevice(destination, source, nbytes),
                           "copying on the device")
        copies()  # warm-up
        ms = self.event_time_ms(copies)
        self.lib.wqrtFree(ctypes.c_void_p(source))
        self.lib.wqrtFree(ctypes.c_void_p(destination))
        return 2 * nbytes * repeats / (ms * 1e-3) if ms > 0 else float("nan")

    def replay(self, graph):
        self.check(self.lib.wqrtGraphLaunch(graph, None), "replaying the decode step")
        self.check(self.lib.wqrtStreamSynchronize(None), "waiting for the replay")

    def read(self, address, nbytes):
        buffer = ctypes.create_string_buffer(nbytes)
        self.check(self.lib.wqrtMemcpyDeviceToHost(buffer, address, nbytes), "copying logits back")
        return buffer.raw


def relative_error(got, expected):
    error_sq = norm_sq = 0.0
    for row_got, row_expected in zip(got, expected):
        for a, b in zip(row_got, row_expected):
            if not math.isfinite(a):
                return float("inf")
            error_sq += (a - b) ** 2
            norm_sq += b * b
    return math.sqrt(error_sq / norm_sq)


def prompt_perplexity(logits, tokens):
    """exp of the mean negative log-likelihood of tokens[1:] under the
    prompt's logits rows[:-1] (each row predicts the next token)."""
    total = 0.0
    for row, target in zip(logits[:-1], tokens[1:]):
        top = max(row)
        total += top + math.log(math.fsum(math.exp(v - top) for v in row)) - row[target]
    return math.exp(total / (len(tokens) - 1))


def reference_calls(args):
    """The calls (prompt, then greedy decode steps) and the CPU build's
    logits of each."""
    tokenized = subprocess.run([args.wq_run, args.cpu, "--tokenize", args.prompt],
                               capture_output=True, text=True, check=True).stdout
    tokens = [int(t) for t in re.findall(r"-?\d+", tokenized)][:args.prompt_tokens]
    if len(tokens) < args.prompt_tokens:
        raise RuntimeError(f"the prompt has only {len(tokens)} tokens")
    host_buffers = []

    def host_allocate(nbytes):
        buffer = ctypes.create_string_buffer(nbytes)
        host_buffers.append(buffer)
        return ctypes.addressof(buffer)

    cpu = Model(args.cpu, host_allocate, ctypes.string_at, context=args.ctx)
    calls, batch, pos = [], tokens, 0
    for _ in range(args.steps + 1):
        logits = cpu.run(batch, pos, 0)
        calls.append({"tokens": batch, "pos": pos, "first": 0, "logits": logits})
        pos += len(batch)
        last = logits[-1]
        batch = [max(range(len(last)), key=last.__getitem__)]
    return calls


def time_decode_step(model, runtime, replays, label):
    """Times `replays` graph replays of the decode step (after one direct
    step and the capture) and compares the step with streaming the weights
    once at the device's copy rate."""
    model.run([1], 1, 0)  # captured and replayed (the load ran one step directly)
    graph = model.graph

    def replay_all():
        for _ in range(replays):
            runtime.check(runtime.lib.wqrtGraphLaunch(graph, None), "replaying")
    replay_all()  # warm-up
    step_ms = runtime.event_time_ms(replay_all) / replays
    if step_ms <= 0:
        print(f"{label}: no timing (the events measured nothing: a simulated GPU)")
        return 0
    weight_bytes = os.path.getsize(os.path.join(model.folder, "model.weights"))
    rate = runtime.copy_bandwidth()
    bound_ms = weight_bytes / rate * 1e3
    c = model.config
    print(f"{label} decode step: {step_ms * 1e3:.1f} us per token by graph replay ({replays} "
          f"replays, position 1, context {model.context}); {c['n_layers']} layers of dim "
          f"{c['dim']}, FFN {c['hidden_dim']}, {c['n_heads']} heads / {c['n_kv_heads']} KV heads")
    print(f"{label} weights {weight_bytes / 2**20:.1f} MiB per token; device copy rate "
          f"{rate / 1e12:.2f} TB/s (read + write); bound {bound_ms * 1e3:.1f} us; "
          f"bound / step = {bound_ms / step_ms:.2f}")
    return 0


def time_prompt(model, tokens, label):
    """Times a prompt of `tokens` tokens as one call (the forward function:
    M = tokens; the last row's logits copied back), after a warm-up call:
    the mean of three."""
    prompt = [1 + i % 255 for i in range(tokens)]
    model.run(prompt, 0, tokens - 1)  # warm-up
    start = time.perf_counter()
    for _ in range(3):
        model.run(prompt, 0, tokens - 1)
    seconds = (time.perf_counter() - start) / 3
    print(f"{label} prompt of {tokens} tokens: {seconds * 1e3:.2f} ms per call, "
          f"{tokens / seconds:.0f} tokens/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", help="the callback CUDA driver library: simulate the GPU "
                        "(without it: the machine's GPU, through libcuda)")
    parser.add_argument("--wq-run", help="wq-run, to tokenize the prompt (with --cpu)")
    parser.add_argument("--gpu", help="the model compiled for sm_80/sm_90 (--gpu-format isa "
                        "to simulate)")
    parser.add_argument("--cpu", help="the same model compiled for the CPU: the reference")
    parser.add_argument("--expected", help="the reference saved by --save-expected instead "
                        "of --cpu (on a GPU machine without wq)")
    parser.add_argument("--save-expected", help="write the CPU build's calls and logits to "
                        "this JSON file and stop")
    parser.add_argument("--prompt", default="Once upon a time, there was a little girl named "
                        "Lily. She loved to play outside in the park with her friends.")
    parser.add_argument("--prompt-tokens", type=int, default=16)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--bound", type=float, default=1e-3)
    parser.add_argument("--ctx", type=int, default=2048,
                        help="KV-cache positions, as wq-run's --ctx (at most the model's "
                        "context; the decode step's attention spans all of them)")
    parser.add_argument("--time", type=int, default=0, metavar="N",
                        help="then time N decode calls (one token each) and one prompt of "
                        "--prompt-tokens tokens")
    parser.add_argument("--time-only", type=int, default=0, metavar="N",
                        help="no reference: time N replays of the decode step's graph with "
                        "events against the weights' bandwidth bound (model.weights bytes "
                        "/ device copy rate); for stacks whose weights are synthesized on "
                        "the GPU machine (values do not change the timing)")
    parser.add_argument("--time-prompt", type=int, default=0, metavar="N",
                        help="with --time-only: also time a prompt of N tokens as one call")
    parser.add_argument("--profile", action="store_true",
                        help="print launches, instructions and seconds per kernel (simulator)")
    args = parser.parse_args()

    if args.time_only:
        calls = None
    elif args.cpu:
        calls = reference_calls(args)
        if args.save_expected:
            with open(args.save_expected, "w") as f:
                json.dump(calls, f)
            return 0
    elif args.expected:
        calls = json.load(open(args.expected))
    else:
        parser.error("--cpu, --expected or --time-only is required")

    label = "sim" if args.driver else "gpu"
    gpu_sim = None
    if args.driver:
        # The callbacks are installed before model.so loads: its constructors
        # load the kernels through the driver.
        gpu_sim = SimulatedGpu()
        driver = ctypes.CDLL(os.path.abspath(args.driver), mode=os.RTLD_GLOBAL)
        gpu_sim.install(driver)
        os.environ["WQRT_CUDA_DRIVER"] = os.path.abspath(args.driver)
    try:
        # The runtime first (the caches are allocated with it); model.so then
        # finds the same library through its rpath.
        runtime = Runtime(args.gpu)
        gpu = Model(args.gpu, runtime.alloc, runtime.read, runtime, context=args.ctx)
    except RuntimeError as error:
        print(f"{label}: loading the GPU model: FAIL: {error}")
        return 1

    if calls is None:
        status = time_decode_step(gpu, runtime, args.time_only, label)
        if args.time_prompt:
            time_prompt(gpu, args.time_prompt, label)
        return status
    failures = 0
    for call in calls:
        batch, at, first = call["tokens"], call["pos"], call["first"]
        start = time.time()
        try:
            got = gpu.run(batch, at, first)
        except RuntimeError as error:
            print(f"{label} call at position {at}: FAIL: {error}")
            return 1
        relative = relative_error(got, call["logits"])
        ok = relative <= args.bound
        failures += not ok
        kind = (f"prompt of {len(batch)} tokens" if len(batch) > 1 else
                f"decode at {at} ({gpu.last_step})")
        print(f"{label} {kind}: {'ok' if ok else 'FAIL'} (relative error {relative:.1e}, bound "
              f"{args.bound:.0e}; {len(got)} logits rows; {time.time() - start:.1f} s)")
        if len(batch) > 2 and len(got) == len(batch):
            # The prompt's perplexity (issue 15 compares it with the CPU build's).
            ours = prompt_perplexity(got, batch)
            theirs = prompt_perplexity(call["logits"], batch)
            difference = abs(ours - theirs) / theirs
            ok = difference <= args.bound
            failures += not ok
            print(f"{label} perplexity of the prompt's {len(batch) - 1} next tokens: "
                  f"{'ok' if ok else 'FAIL'} ({ours:.6f} vs the reference's {theirs:.6f}, "
                  f"relative difference {difference:.1e}, bound {args.bound:.0e})")
    sequence = calls[0]["tokens"] + [c["tokens"][0] for c in calls[1:]]
    if gpu_sim:
        print(f"sim: {gpu_sim.launches} kernel launches, {gpu_sim.instructions} thread "
              f"instructions; tokens {sequence}")
    else:
        print(f"gpu: tokens {sequence}")
    if args.time:
        pos = sum(len(c["tokens"]) for c in calls)
        start = time.perf_counter()
        for i in range(args.time):
            gpu.run([sequence[-1]], pos + i, 0)
        decode = time.perf_counter() - start
        prompt = calls[0]["tokens"]
        start = time.perf_counter()
        gpu.run(prompt, 0, len(prompt) - 1)
        prefill = time.perf_counter() - start
        print(f"{label} timing: decode {args.time / decode:.1f} tokens/s ({args.time} calls of "
              f"one token, logits copied back each); prefill {len(prompt) / prefill:.1f} "
              f"tokens/s ({len(prompt)} tokens in one call)")
    if args.profile and gpu_sim:
        for name, (count, executed, seconds, shape) in sorted(
                gpu_sim.profile.items(), key=lambda item: -item[1][2]):
            print(f"  {name}: {count} launches, {executed} instructions, {seconds:.1f} s, "
                  f"last grid/block {shape}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
