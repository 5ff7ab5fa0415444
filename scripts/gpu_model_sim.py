#!/usr/bin/env python3
"""Runs a whole model compiled for a GPU (wq-compile --target sm_90
--gpu-format isa) without a GPU, and compares its logits with the same model
compiled for the CPU.

    gpu_model_sim.py --driver libwqrt_callback_cuda.so --wq-run PATH \\
        --gpu GPU_FOLDER --cpu CPU_FOLDER [--prompt TEXT] [--prompt-tokens 16]
        [--steps 8] [--bound 1e-3]

The GPU folder's model.so is loaded into this process as it is: its host
code (allocations, copies, launches, the deallocation helper) runs natively,
linked against the kernels runtime copied beside it, and the runtime loads
the CUDA driver named by WQRT_CUDA_DRIVER: here the callback driver
(kernels_runtime/test/CallbackCudaDriver.cpp), whose memory, module and launch
entry points call back into this script, which executes every kernel with
scripts/ptx_sim.py on a simulated device memory. The caches and logits live
in that device memory, the token ids in host memory (the forward function's
contract, see CompiledModel).

The prompt (`--prompt-tokens` ids of the text, from `wq-run --tokenize`) runs
as one batch at position 0 with every row's logits returned, then `--steps`
decode steps of one token each, greedy on the CPU build's logits so that both
builds see the same tokens. Each call's logits must be within `--bound` of the
CPU build's (relative Frobenius norm). Prints one line per call and exits 1
on any failure.
"""
import argparse
import bisect
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


class DeviceMemory(ptx_sim.GlobalMemory):
    """The simulated device memory: buffers that can be freed (a freed
    buffer's bytes are poisoned and no longer valid), found by bisection."""

    def __init__(self):
        super().__init__()
        self.starts, self.ends = [], {}

    def alloc(self, nbytes, init=None):
        addr = super().alloc(max(nbytes, 1), init)
        self.valid.pop()  # kept in starts/ends instead
        self.starts.append(addr)  # addresses only grow: stays sorted
        self.ends[addr] = addr + nbytes
        return addr

    def free(self, addr):
        if addr not in self.ends:
            raise ptx_sim.SimError(f"free of {addr:#x}, which is not a live allocation")
        end = self.ends.pop(addr)
        self.starts.pop(bisect.bisect_left(self.starts, addr))
        self.data[addr:end] = b"\xff" * (end - addr)

    def owns(self, addr):
        i = bisect.bisect_right(self.starts, addr) - 1
        return i >= 0 and addr < self.ends[self.starts[i]]

    def check(self, addr, nbytes):
        i = bisect.bisect_right(self.starts, addr) - 1
        if i < 0 or addr + nbytes > self.ends[self.starts[i]]:
            raise ptx_sim.SimError(f"global access of {nbytes} bytes at {addr:#x} is "
                                   "outside every live buffer")


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
    ]


class SimulatedGpu:
    """The callbacks: device memory, PTX modules and launches."""

    def __init__(self):
        self.memory = DeviceMemory()
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

    def install(self, driver):
        g = self.guarded
        self.table = Callbacks(
            Callbacks._fields_[0][1](g(self.alloc)),
            Callbacks._fields_[1][1](g(self.release)),
            Callbacks._fields_[2][1](g(self.copy)),
            Callbacks._fields_[3][1](g(self.fill)),
            Callbacks._fields_[4][1](g(self.load_module)),
            Callbacks._fields_[5][1](g(self.get_function)),
            Callbacks._fields_[6][1](g(self.launch)))
        driver.wqsimInstall(ctypes.byref(self.table))


def memref(address, sizes):
    """StridedMemRefType<T, rank> of a contiguous buffer: {allocated,
    aligned, offset, sizes[rank], strides[rank]}."""
    strides = [math.prod(sizes[i + 1:]) for i in range(len(sizes))]
    raw = struct.pack(f"<QQq{len(sizes)}q{len(sizes)}q", address, address, 0, *sizes, *strides)
    return ctypes.create_string_buffer(raw, len(raw))


class Model:
    """A compiled model folder loaded with ctypes; `allocate(bytes)` gives
    the buffers of its caches and logits (host or simulated device)."""

    def __init__(self, folder, allocate, read):
        self.config = json.load(open(os.path.join(folder, "config.json")))
        self.lib = ctypes.CDLL(os.path.join(folder, "model.so"), mode=os.RTLD_LOCAL)
        weights = open(os.path.join(folder, "model.weights"), "rb").read()
        self.weights = ctypes.create_string_buffer(weights, len(weights))
        ctypes.c_void_p.in_dll(self.lib, "wq_weights").value = ctypes.addressof(self.weights)
        c = self.config
        self.context = c["seq_len"]
        self.kv_dim = c["n_kv_heads"] * c["dim"] // c["n_heads"]
        cache_bytes = c["n_layers"] * self.context * self.kv_dim * 4
        self.keys, self.values = allocate(cache_bytes), allocate(cache_bytes)
        self.allocate, self.read = allocate, read
        self.forward = self.lib._mlir_ciface_forward
        self.forward.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
                                 ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p]
        self.forward.restype = None

    def run(self, tokens, pos, first):
        c = self.config
        ids = (ctypes.c_int32 * len(tokens))(*tokens)
        rows, vocab = len(tokens) - first, c["vocab_size"]
        logits = self.allocate(rows * vocab * 4)
        cache = [c["n_layers"], self.context, self.kv_dim]
        self.forward(memref(ctypes.addressof(ids), [len(tokens)]), pos,
                     memref(self.keys, cache), memref(self.values, cache), first,
                     memref(logits, [rows, vocab]))
        data = self.read(logits, rows * vocab * 4)
        values = struct.unpack(f"<{rows * vocab}f", data)
        return [values[r * vocab:(r + 1) * vocab] for r in range(rows)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--driver", required=True, help="the callback CUDA driver library")
    parser.add_argument("--wq-run", required=True)
    parser.add_argument("--gpu", required=True, help="folder compiled for sm_80/sm_90, isa")
    parser.add_argument("--cpu", required=True, help="the same model compiled for the CPU")
    parser.add_argument("--prompt", default="Once upon a time, there was a little girl named "
                        "Lily. She loved to play outside in the park with her friends.")
    parser.add_argument("--prompt-tokens", type=int, default=16)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--bound", type=float, default=1e-3)
    parser.add_argument("--profile", action="store_true",
                        help="print launches, instructions and seconds per kernel")
    args = parser.parse_args()

    tokenized = subprocess.run([args.wq_run, args.cpu, "--tokenize", args.prompt],
                               capture_output=True, text=True, check=True).stdout
    tokens = [int(t) for t in re.findall(r"-?\d+", tokenized)][:args.prompt_tokens]
    if len(tokens) < args.prompt_tokens:
        print(f"the prompt has only {len(tokens)} tokens", file=sys.stderr)
        return 1

    host_buffers = []

    def host_allocate(nbytes):
        buffer = ctypes.create_string_buffer(nbytes)
        host_buffers.append(buffer)
        return ctypes.addressof(buffer)

    cpu = Model(args.cpu, host_allocate, ctypes.string_at)

    gpu_sim = SimulatedGpu()
    driver = ctypes.CDLL(os.path.abspath(args.driver), mode=os.RTLD_GLOBAL)
    gpu_sim.install(driver)
    os.environ["WQRT_CUDA_DRIVER"] = os.path.abspath(args.driver)

    def device_read(addr, nbytes):
        return bytes(gpu_sim.memory.data[addr:addr + nbytes])

    gpu = Model(args.gpu, gpu_sim.memory.alloc, device_read)
    if gpu_sim.error:
        print(f"loading the GPU model: {gpu_sim.error}")
        return 1

    failures = 0
    calls = [(tokens, 0, 0)]
    pos = len(tokens)
    sequence = list(tokens)
    for step in range(args.steps + 1):
        batch, at, first = calls[-1]
        start = time.time()
        expected = cpu.run(batch, at, first)
        got = gpu.run(batch, at, first)
        if gpu_sim.error:
            print(f"sim call at position {at} ({len(batch)} tokens): FAIL: {gpu_sim.error}")
            return 1
        error_sq = norm_sq = 0.0
        finite = True
        for row_got, row_expected in zip(got, expected):
            for a, b in zip(row_got, row_expected):
                finite = finite and math.isfinite(a)
                error_sq += (a - b) ** 2
                norm_sq += b * b
        relative = math.sqrt(error_sq / norm_sq) if finite else float("inf")
        ok = relative <= args.bound
        failures += not ok
        kind = f"prompt of {len(batch)} tokens" if len(batch) > 1 else f"decode at {at}"
        print(f"sim {kind}: {'ok' if ok else 'FAIL'} (relative error {relative:.1e}, bound "
              f"{args.bound:.0e}; {len(got)} logits rows; {time.time() - start:.1f} s)")
        if step == args.steps:
            break
        last = expected[-1]
        token = max(range(len(last)), key=last.__getitem__)
        sequence.append(token)
        calls.append(([token], pos, 0))
        pos += 1
    print(f"sim: {gpu_sim.launches} kernel launches, {gpu_sim.instructions} thread "
          f"instructions; tokens {sequence}")
    if args.profile:
        for name, (count, executed, seconds, shape) in sorted(
                gpu_sim.profile.items(), key=lambda item: -item[1][2]):
            print(f"  {name}: {count} launches, {executed} instructions, {seconds:.1f} s, "
                  f"last grid/block {shape}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
