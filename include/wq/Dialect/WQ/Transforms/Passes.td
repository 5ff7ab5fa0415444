//===- Passes.td - wq transformation passes -----------------*- tablegen -*-===//
//
// wq passes (keep alphabetical).
//
//===----------------------------------------------------------------------===//

#ifndef WQ_PASSES
#define WQ_PASSES

include "mlir/Pass/PassBase.td"

def WQAllocateOnDevicePass : Pass<"wq-allocate-on-device", "::mlir::ModuleOp"> {
  let summary = "Place the buffers of host functions in GPU device memory";
  let description = [{
    Runs on bufferized IR before its loops become GPU kernels, so that every
    buffer a kernel touches is device memory: in host functions (those outside
    `gpu.module`s) `memref.alloc` becomes `gpu.alloc` and `memref.dealloc`
    becomes `gpu.dealloc`; `memref.copy` becomes `linalg.copy`, which then
    runs as a kernel like the other linalg ops. Constant weights baked into
    the module are placed on the device here, once and for good: a
    `memref.get_global` of a constant global becomes the device copy
    kernels_runtime keeps (`wqrtDeviceConstant(host, bytes, stream)`:
    uploaded on the first call, the same buffer on every later one; kernels
    never write to it, since bufferization copies before any write to a
    constant). A constant the function returns (the caller owns and frees
    it) or a mutable global is copied into a `gpu.alloc` buffer with
    `gpu.memcpy` on entry instead, freed before returning unless returned.
    Buffers that host code reads or writes element by element (`memref.load`
    / `memref.store` outside linalg ops, such as the arrays the deallocation
    lowering fills for its helper) stay in host memory. Function arguments
    are the caller's: device memory (`wq_runtime` or `mgpuMemAlloc`
    allocations), except those the host code reads element by element (the
    token ids of a model's forward function), which are host memory.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def WQFoldConstantDequantizePass : Pass<"wq-fold-constant-dequantize"> {
  let summary = "Fold wq.dequantize of constant operands into a float constant";
  let description = [{
    Replaces `wq.dequantize` whose operands are all constants by an
    `arith.constant` holding the dequantized weight. This trades memory for
    nothing at run time and is therefore opt-in (for example to feed a
    quantized checkpoint to a flow that expects float weights, or to check
    numerics). Weights larger than `max-elements` are left alone.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"1 << 26",
           "Largest weight (in elements) to materialize">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def WQInsertObserversPass : Pass<"wq-insert-observers", "::mlir::ModuleOp"> {
  let summary = "Record the activations of linear ops to calibrate quantization";
  let description = [{
    Before each linear op that `wq-quantize-weights` would quantize (same op
    kinds, constant 2-D weights, `wq.skip` honored), inserts a call

    ```mlir
    func.call @wqObserveF32(%x_unranked, %name_unranked)
        : (tensor<*xf32>, tensor<*xi8>) -> ()
    ```

    passing the op's activations and the weight's name. Running the lowered
    program with wq's observer runtime (`libwq_observer.so`, see README)
    accumulates, per weight, GPTQ's Hessian H = 2 X^T X (running average over
    calls) and the mean |x| per input channel, and writes them at exit to the
    safetensors file named by the environment variable WQ_CALIBRATION_OUT as
    `<name>.hessian` and `<name>.channel_mean_abs`: the `calibration` input
    of `wq-quantize-weights`. Weights are named by the op's `wq.name`, else
    by the weight constant's location name; unnamed ones get
    `<function>.linear<i>`, recorded as `wq.name` on the op so that the same
    module quantizes with the statistics later. Activations must be f32.
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "Op kinds to observe (default: as wq-quantize-weights)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def WQLowerToLinalgPass : Pass<"wq-lower-to-linalg"> {
  let summary = "Lower wq ops to fused linalg.generic ops on tensors";
  let description = [{
    Lowers `wq.matmul` to a single `linalg.generic` whose body unpacks each
    stored integer, subtracts the zero point, multiplies by the group scale and
    accumulates `x * w` in f32, so the float weight is never materialized. The
    iteration space is `[batch, m, n, group, byte, element-in-byte]`, with the
    activations reshaped (and zero-padded for ragged groups) to
    `[batch, M, G, Bg, 8/bits]`, which keeps every indexing map a projected
    permutation so that later tiling and vectorization apply. Act-order
    permutations gather the activation channels first; outlier channels add a
    small full-precision matmul. `wq.dequantize` lowers to the same decoding
    generic without the reduction. `wq.rms_norm` becomes a row reduction
    (sum of squares) and one element-wise scaling. `wq.attention` becomes
    three generics over every head and row (the scores; their max and sum
    of exponentials; the weighted sum of the values), reading the caches
    through read-only tensors.

    Storage widths that divide 8 (2, 4, 8 bits) are supported; `wq.quantize`
    must have folded (constant input) before this pass.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

def WQLowerToVectorPass : Pass<"wq-lower-to-vector"> {
  let summary = "Lower decode-shaped wq.matmul to vector code for the CPU";
  let description = [{
    The CPU fast path for `wq.matmul` on 2-D weights with 4- or 8-bit storage
    whose groups fill whole 8-byte chunks (int4: group size a multiple of 16,
    int8: of 8; per channel: K likewise), without act-order permutation,
    AWQ input scales or outlier channels (those go to `wq-lower-to-linalg`).
    For each output channel (on OpenMP threads for layers of at least 2^18
    weights) and activation row it walks the groups two at a time, widens 8
    packed bytes at once to 32-bit lanes, masks/shifts out the nibbles,
    converts to f32 and accumulates `x * q` in registers of 8 lanes; each
    group's scale is applied with one FMA and the zero points once per
    output (`sum_g s z sum(x_g)`, with the activation group sums computed
    once per call). For int4 the activations are reordered once per call
    (within each 16: even then odd positions) so that no weight shuffles are
    needed.

    `activation-bits=8` (int4 weights with groups of a multiple of 32, x86
    hosts with AVX2) quantizes the activations once per call to int8 with
    one f32 scale per 32 (symmetric, round to nearest even, like llama.cpp's
    Q8_0) and computes each 32-weight block with integer dot products
    (`vpmaddubsw` + `vpmaddwd`), then one FMA with both scales. Faster, but
    no longer exact with respect to the f32 activations: the relative error
    of an output grows by about 0.3%.
  }];
  let options = [
    Option<"activationBits", "activation-bits", "unsigned", /*default=*/"32",
           "Precision of the activations inside int4 kernels: 32 (f32, "
           "exact) or 8 (int8 per 32 with integer dot products; AVX2)">,
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def WQLowerFloatLinearPass : Pass<"wq-lower-float-linear"> {
  let summary = "Lower float linear layers to vector code for the CPU";
  let description = [{
    `linalg.matmul` with an `[N, K]` weight (the nn.Linear layout, indexing
    map `(m, n, k) -> (n, k)`) and `linalg.matvec` whose weight is a static
    f32, f16 or bf16 tensor, with f32 activations (any number of rows) and
    output: for each output channel (on OpenMP threads for layers of at
    least 2^18 weights) and activation row, 8-lane f32 FMAs over K in four
    independent accumulators (f16/bf16 weights widened in registers), one
    horizontal reduction added to the output's initial value, a scalar loop
    for the last K % 8. Reassociates the sum (fast-math `reassoc`); the
    layers wq leaves in float (a classifier kept in f32, `--bits 16`
    layers) run at memory speed instead of the scalar loops of
    `convert-linalg-to-loops`. Weights stored `[K, N]` are left alone.
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def WQFuseSiblingMatmulsPass : Pass<"wq-fuse-sibling-matmuls"> {
  let summary = "Fuse wq.matmul ops that read the same activations into one";
  let description = [{
    `wq.matmul` ops of one block that read the same input value and whose
    weights differ only in N (same bits, signedness, group size, scale type,
    zero points and offsets, `row_major` layout, no act-order permutation,
    input scales or outlier channels; constant operands) become one
    `wq.matmul` over the weights stacked along N, placed at the first of
    them; each original result is a `tensor.extract_slice` of its channels.
    Every output channel is computed exactly as before (the products of one
    channel do not depend on the others), so results are bit-identical.

    Why: a transformer layer's Q, K and V projections (and the FFN's gate and
    up projections) read one normalized activation. Fused, the activations
    are prepared once (int8 quantization, reordering) and the kernel runs one
    parallel loop instead of three, which at decode (M = 1) is per-call
    overhead comparable to the kernel itself on small models. `wq-cpu-pipeline`
    runs it first.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def WQLowerStridedCopiesPass : Pass<"wq-lower-strided-copies"> {
  let summary = "Turn memref.copy of strided memrefs into linalg.copy";
  let description = [{
    `finalize-memref-to-llvm` lowers a `memref.copy` to a `memcpy` only when
    both memrefs are contiguous (identity layout, or static and row-major);
    any other copy becomes a call to the C runner's `memrefCopy`, which moves
    one element at a time through `memcpy`. Bufferization creates such
    copies for slices (a fused matmul's result columns written into a KV
    cache, for instance). This pass rewrites exactly those copies into
    `linalg.copy`, which `convert-linalg-to-loops` turns into loops the LLVM
    vectorizer handles; contiguous copies keep their `memcpy`. Run it after
    bufferization (`wq-cpu-pipeline` does).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def WQPackLayoutPass : Pass<"wq-pack-layout"> {
  let summary = "Re-tile constant quantized weights into the order a kernel reads";
  let description = [{
    Rewrites the packed bytes, scales and zero points of constant `wq.matmul`
    weights into a GPU tile layout at compile time and records it in the
    weight's `#wq.layout`; the meaning of the weight (fields, scales, zero
    points) is unchanged.

    `layout=mma_tiles`: int4 (int8) weights of decode-shaped matmuls that the
    tensor-core decode schedule runs (2-D, K a multiple of 64 (32), groups of
    16, 32 or a multiple of 64 (32) positions or per channel, static
    [M <= 16, K] f16 or bf16 activations and result; act-order permutations,
    input scales and outlier channels are applied around the kernel) are
    stored as 16-channel x 64 (32)-position tiles in mma fragment order (see
    `#wq.layout`). Others, and weights that are not constants (their bytes
    are only known at run time), keep `row_major` and the SIMT decode kernel.
    Run it before `wq-lower-to-gpu-decode` (`wq-gpu-pipeline` does).
  }];
  let options = [
    Option<"layout", "layout", "std::string", /*default=*/"\"mma_tiles\"",
           "Target layout (mma_tiles)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def WQExternalizeWeightsPass : Pass<"wq-externalize-weights", "::mlir::ModuleOp"> {
  let summary = "Move large constant globals (the weights) out of the module into a file";
  let description = [{
    Runs on host code in the LLVM dialect, last. Every constant
    `llvm.mlir.global` of the module with a dense or dense_resource value of
    at least `min-bytes` bytes is appended to `file` (64-byte aligned, in
    the order of the module) and removed; each `llvm.mlir.addressof` of it
    becomes the address `wq_weights + offset`, where `wq_weights` is a
    pointer global the module defines (null) and exports, and
    `wq_weights_bytes` (an exported i64 constant) the file's size. The code
    generator then never sees the weights (no LLVM constant, no object-file
    copy), and a loader maps the file and stores its address in
    `wq_weights` before the first call (wq_model::CompiledModel does). No
    global is moved when none is large enough; then no file is written.
  }];
  let options = [
    Option<"file", "file", "std::string", /*default=*/"\"\"",
           "Where the weights go (required)">,
    Option<"minBytes", "min-bytes", "int64_t", /*default=*/"1024",
           "Globals smaller than this stay in the module">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def WQAnnotateGpuKernelsPass : Pass<"wq-annotate-gpu-kernels", "::mlir::ModuleOp"> {
  let summary = "Turn wq's kernel hints into NVVM kernel attributes after outlining";
  let description = [{
    `gpu-kernel-outlining` keeps no attributes of a `gpu.launch`, so wq's
    kernel builders leave hints on an op of the kernel body instead; after
    outlining, this pass moves them onto the kernel `gpu.func`:
    `wq.min_blocks_per_sm = n` becomes `nvvm.minctasm = n` (PTX
    `.minnctapersm`). The tensor-core decode kernel asks for 32 resident
    warps per SM (32 / warps per block blocks, at most 64 registers per
    thread): with only the `.maxntid` that outlining derives from the block
    size, ptxas spends up to ~120 registers and halves the resident warps,
    which the kernel needs to keep enough weight loads in flight.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def WQEnableProgrammaticLaunchPass : Pass<"wq-enable-programmatic-launch", "::mlir::ModuleOp"> {
  let summary = "Let each GPU kernel launch while the kernel before it still runs (sm_90)";
  let description = [{
    Hopper's programmatic dependent launch: a kernel launched with
    programmatic stream serialization may start before the previous kernel
    in its stream (or CUDA graph) has finished, and its
    `griddepcontrol.wait` then waits until the predecessors have completed
    and their writes are visible. A decode step is a chain of small
    dependent kernels whose launch latency is a large part of their time;
    with this each launch overlaps the previous kernel's execution.

    Runs after outlining. Every kernel `gpu.func` starts with
    `nvvm.griddepcontrol wait` (before any memory access, so that it is
    correct whatever the kernel does) and then
    `nvvm.griddepcontrol launch_dependents` (its successor may launch once
    every block of this one has started; the successor waits likewise).
    Each `gpu.module` with a kernel defines the constant global
    `wq_programmatic_launch`; kernels_runtime looks that name up in every
    module it loads (`cuModuleGetGlobal`) and launches the kernels of
    modules that define it with `cuLaunchKernelEx` and the
    programmatic-stream-serialization attribute, unless
    `WQRT_PROGRAMMATIC_LAUNCH=0` (or the driver refuses the attribute: then
    plain launches). `griddepcontrol` needs sm_90: `wq-gpu-pipeline` runs
    this pass for `chip=sm_90` only (option `programmatic-launch`), and a
    module already targeting an older chip is an error.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

def WQDeduplicateGpuKernelsPass : Pass<"wq-deduplicate-gpu-kernels", "::mlir::ModuleOp"> {
  let summary = "Keep one copy of each identical outlined GPU kernel";
  let description = [{
    `gpu-kernel-outlining` gives every `gpu.launch` its own `gpu.module`, so
    a model whose layers launch the same kernels (the same shapes and
    schedules, layer after layer) carries one copy per layer: 30 of each for
    SmolLM2-135M, all compiled to PTX and assembled by ptxas one by one,
    which is most of a GPU model's compile time. This pass compares the
    kernel modules (operations, attributes and types; symbol names and
    locations aside), keeps the first of each set of identical modules,
    points every `gpu.launch_func` of the others at it, and erases them.

    Modules of one kernel that differ only in the values of integer
    constants used as memory indices (operands of loads and stores and of
    the integer adds, multiplies, comparisons and casts that compute them;
    not loop bounds or divisors, whose values let the compiler unroll or
    strength-reduce) become the first of them: each set of operands whose
    values differ becomes a new kernel argument, and every launch passes
    its own module's values. A model's layers differ so in their row of the
    KV cache: SmolLM2-135M's sm_90 build goes from 140 modules to 24, its
    compile from 24 s to 18 s.
    Run it after outlining and before the modules are lowered and
    serialized.
  }];
}

def WQLowerToGpuDecodePass : Pass<"wq-lower-to-gpu-decode"> {
  let summary = "Lower int4/int8 wq.matmul to GPU kernels: tensor-core decode (M <= 16), SIMT at any M";
  let description = [{
    Two schedules; the weight's layout picks one (`wq-pack-layout` chooses
    the layout by shape).

    Tensor-core schedule (`mma_tiles` weights: int4 or int8, f16/bf16
    activations, M <= 16): the weights are the A operand of `mma.sync.m16n8k16` and the
    activations the B operand, so one mma serves up to 8 rows with f32
    accumulation. Each warp takes a 16-channel tile column (with `split-k`
    warps per block taking runs of consecutive tiles in turn, partial sums
    added through shared memory); each lane reads its 16 bytes of a 512-byte tile with one
    128-bit load; each 32-bit word becomes the four f16x2 A registers of one
    mma with four `lop3.b32` (fields into the mantissa of 1024), one shift
    and one `sub.f16x2`/`fma.rn.f16x2` per register that also removes the
    zero point (bf16: magic 128, four lop3 and `sub.bf16x2`; int8: `prmt.b32`
    of two bytes under f16 1024 and one `sub.f16x2`, or for bf16 each byte
    under f32 2^23, one f32 sub and a prmt packing two exact bf16 halves);
    group scales
    multiply the f32 partial sums of each group; act-order permutations,
    AWQ input scales and outlier channels are applied around the kernel
    (gather and x / s before it, the outlier products added after, in f32). A
    weight in this layout that the schedule cannot run is an error.

    SIMT schedule (`row_major` weights):
    `wq.matmul` with int4 or int8 storage, K and
    the group size filling whole 16-byte chunks (multiples of 32 weights for
    int4, 16 for int8), and [M, K] f32, f16 or bf16 activations with a
    static K (up to 8 rows per warp, more rows split over blocks along grid
    y: a static M in balanced blocks, a dynamic M, a prompt, in blocks of 8
    whose count the host computes, with no launch for M = 0; act-order, AWQ
    scales and outliers are applied around it, as in the tensor-core
    schedule). It emits a `gpu.launch` on the operands' buffers
    (`bufferization.to_buffer`; the result in a fresh `memref.alloc`, or
    directly in the memref it is only materialized into): each warp
    takes `channels-per-warp` output channels (every activation load then
    serves all of them), `warps-per-block` warps per block; each lane reads
    16 packed bytes per step with one 128-bit load (consecutive lanes,
    consecutive chunks: 512 coalesced bytes per warp and step), converts each
    field to f32 with one `lop3.b32` (field ORed into the mantissa of 2^23,
    inline PTX; signed fields are read as unsigned with the top bit flipped)
    and one subtraction that also removes the zero point,
    accumulates in f32 per activation row, applies the group scale once per
    chunk, and reduces across the warp with five xor shuffles; lane 0 writes
    the outputs.

    The SIMT kernel also takes in the op that produces its activations, when
    the activations have no other user (through `tensor.cast`s): the
    producer then needs no kernel of its own, which in a decode step (a
    chain of small dependent kernels, mostly launch latency) is a launch
    fewer per producer. An element-wise `linalg.generic` (all parallel, its
    operands rank 2 in the identity map or rank 1 along the columns, a body
    of region-free, side-effect-free ops not reading `linalg.index`; a
    model's SwiGLU) is evaluated per element on chunks of its operands. A
    f32 `wq.rms_norm` becomes activations `(x + r) * w` and one factor per
    row, `1 / sqrt(sum (x + r)^2 / K + epsilon)`, applied to the warp's
    totals (the sum of squares is accumulated as the warp walks the row,
    which each warp reads whole); when the norm's residual sum has users
    (all after the matmul), the warp of channel 0 writes it. Operands that
    are unit-stride `tensor.extract_slice`s are read in place in their
    source (a fused projection's halves). Each warp recomputes its rows'
    activations, so a producer is taken in only while that repeated work
    (warps along N x M x K x an estimate of its instructions per element:
    8 for a transcendental, division or root, 1 for other ops; a norm 2 or
    3) stays within `producer-budget`, and never for a dynamic M (a prompt,
    whose work dwarfs the launch saved): SmolLM2's decode norms and SwiGLU
    are taken in, a Llama-3-8B-sized w2's SwiGLU (1024 warps x 14336 x 19)
    is not.

    Other matmuls are left to the generic path. Run it first in
    `wq-gpu-pipeline`.
  }];
  let options = [
    Option<"warpsPerBlock", "warps-per-block", "int64_t", /*default=*/"4",
           "Warps per thread block">,
    Option<"channelsPerWarp", "channels-per-warp", "int64_t",
           /*default=*/"0",
           "Output channels per warp, sharing each activation load (0: 4 "
           "for up to 2 rows per warp, 2 for up to 4, else 1)">,
    Option<"producerBudget", "producer-budget", "int64_t", /*default=*/"64",
           "SIMT schedule: millions of lane instructions a producer taken "
           "into the kernel may add (its work is repeated by every warp "
           "along N: warps x M x K x its cost per element); 64, about 2 us "
           "of an H100/H200's issue, the launch it saves; 0: take none in"
           >,
    Option<"splitK", "split-k", "int64_t", /*default=*/"0",
           "Tensor-core schedule: warps per block that split each tile "
           "column's K range, taking its runs of tiles in turn (0: by N, "
           "the most up to 16 that keep the grid within 4096 warps; at "
           "most the number of runs)">,
    Option<"columnsPerBlock", "columns-per-block", "int64_t",
           /*default=*/"0",
           "Tensor-core schedule: tile columns (of 16 channels) per block, "
           "whose warps over the same K range share activation loads "
           "through L1 (0: 1; reduced until it divides the tile columns and "
           "the block has at most 1024 threads)">,
    Option<"residentWarps", "resident-warps", "int64_t", /*default=*/"0",
           "Tensor-core schedule: warps per SM the kernel is compiled to "
           "keep resident (its .minnctapersm), capping registers at 64K / "
           "(32 x this); at 16 or fewer, runs of twice as many tiles per "
           "loop iteration (0: 32)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def WQNarrowMatmulActivationsPass : Pass<"wq-narrow-matmul-activations"> {
  let summary = "Run quantized matmuls with f32 activations on f16 or bf16 activations";
  let description = [{
    Each `wq.matmul` with f32 activations and result (and no AWQ input
    scales or outlier channels, which stay f32) takes its input converted to
    `type` (an element-wise `linalg.generic` of `arith.truncf`) and returns
    its result in `type`, widened back to f32 after it: the rest of the
    program keeps f32. On the GPU the tensor-core kernels (decode and
    prefill) need f16/bf16 activations: this lets a model built in f32 use
    them. The products are then of rounded activations (f16: 2^-11
    relative, bf16: 2^-8) and the outputs rounded to `type` (f16 overflows
    past 65504: bf16 keeps f32's range); accumulation stays f32.
    `wq-gpu-pipeline matmul-activations=...` runs it first.
  }];
  let options = [
    Option<"type", "type", "std::string", /*default=*/"\"f16\"",
           "Activation type of the matmuls: f16, bf16 or f32 (no change)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def WQLowerRmsNormToGpuPass : Pass<"wq-lower-rms-norm-to-gpu"> {
  let summary = "Lower f32 wq.rms_norm to one GPU kernel with a block per row";
  let description = [{
    Each row of an f32 `wq.rms_norm` with a static row length gets a block
    of whole warps (at most `max-threads`; fewer for short rows): its threads
    stride over the row summing squares, reduce the sums with warp shuffles
    and one shared-memory exchange between warps (every thread then holds
    the row's sum), and scale the row by the weight and the inverse root.
    One launch per norm, where the linalg form takes three (fill, a
    reduction with one thread per row, the scaling). Built before
    bufferization, as the matmul kernels are; other norms are left to
    `wq-lower-to-linalg`. Part of `wq-gpu-pipeline`.
  }];
  let options = [
    Option<"maxThreads", "max-threads", "int64_t", /*default=*/"256",
           "Threads per block at most: a multiple of 32 in [32, 1024]">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def WQLowerAttentionToGpuPass : Pass<"wq-lower-attention-to-gpu"> {
  let summary = "Lower wq.attention to one GPU kernel over every head and row";
  let description = [{
    A block per (query head, row) whose warps walk the visible cached
    positions in turn: each position's keys are read by a group of lanes
    (the head dimension spread over them, a shuffle reduction for the dot
    product; several positions per warp when heads are narrower than 32),
    and every group keeps an online softmax (running max, running sum and
    the weighted sum of the values in registers, rescaled when the max
    grows). The groups' states meet in shared memory once at the end. One
    launch per attention where `wq-lower-to-linalg`'s form takes three
    (its softmax statistics one thread per head and row, looping over every
    position). A start position held in a tensor is read by the kernel, so
    a captured decode step replays at any position. Part of
    `wq-gpu-pipeline`, before bufferization.

    The defaults (16 warps, 4 positions per iteration: 64 positions in
    flight per block for heads of 32 or more) are for decode, where a block
    per head is all the parallelism there is (SmolLM2: 9 blocks): each
    iteration costs about one global-load latency, so the walk over p
    positions takes about p / 64 of them.
  }];
  let options = [
    Option<"warps", "warps", "int64_t", /*default=*/"16",
           "Warps per block (1 to 32): the groups of lanes walking the "
           "positions in parallel (fewer for heads narrower than 32, whose "
           "warps hold several groups: 32 groups at most)">,
    Option<"unroll", "unroll", "int64_t", /*default=*/"4",
           "Positions each lane group reads per iteration (1 to 8): loads "
           "in flight together">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def WQLowerToGpuPrefillPass : Pass<"wq-lower-to-gpu-prefill"> {
  let summary = "Lower wq.matmul with M > 16 and mma_tiles weights to a pipelined tensor-core GEMM";
  let description = [{
    Prompts and batches: `wq.matmul` ops whose weight is in the `mma_tiles`
    layout (the one the decode kernels read, so one packed copy serves both)
    and whose f16/bf16 activations have more than 16 rows, or a dynamic
    number. Run it after `wq-lower-to-gpu-decode` (`wq-gpu-pipeline` does);
    a weight in this layout that neither pass can run is an error.

    Each block takes 64 output channels (4 warps, one 16-channel tile column
    each) by 8 x R activation rows (R = min(8, ceil(M / 8)); 8 for dynamic
    M) and walks K one weight tile (64 positions for int4, 32 for int8) per
    pipeline stage: the stage's activations and the block's four 512-byte
    weight tiles are copied to shared memory with `cp.async`
    (`nvgpu.device_async_copy`; rows past M zero-filled), `stages` deep.
    Each warp dequantizes its tile's words into `mma.sync.m16n8k16` A
    fragments once per 16-position step (the decode kernel's conversion:
    lop3/prmt under a magic number, exact field - zero) and runs one mma per
    row tile with B fragments read from XOR-swizzled shared memory
    (conflict-free); group scales multiply each group's f32 partial sums.
    Act-order, AWQ input scales and outliers are applied around the kernel,
    as in decode.

    Split-K: when fewer blocks than `sm-count` would run, gridDim.z slices of
    K (whole groups; at most 16) write f32 partial outputs that a second
    kernel adds (for dynamic M chosen on the host at run time).

    With `wgmma` (sm_90a, what `wq-gpu-pipeline` uses for sm_90) the block
    is one warpgroup and each step is one `wgmma.mma_async.m64nNk16` (N =
    the block's 8 x R rows) instead of R mma.sync: A, the warp's dequantized
    weights, from registers (reordered to the ISA's positions by two
    shuffles), B, the activations, from shared memory through a descriptor
    (rows of one tile's depth, 128-byte swizzle for int4, 64-byte for int8,
    stages on a 1024-byte boundary). Scales and offsets go into the A
    fragments (s * (field - zero) + m rounded once to the activations' type,
    as Marlin and Machete do: a per-group f32 rescale would wait for the
    asynchronous mmas at every group end); per channel without offsets the
    f32 totals are scaled at the end, exactly. A stage's buffer is refilled
    two tiles after it was computed (each warp waits for all but its last
    tile's wgmmas before the barrier), so `stages` - 2 copies are in flight
    (at least 3 stages).

    With `tma` (the default) the wgmma kernel of a large M (static M >= 128,
    where a block takes 128 rows, and dynamic M) fills a stage with Hopper's
    bulk copies instead: thread 0 sets the stage's mbarrier to expect the
    stage's bytes, copies the activations with one `cp.async.bulk.tensor.2d`
    (the tensor map, made on the host by `wqrtTensorMapEncodeTiled2D` of
    kernels_runtime, applies wgmma's swizzle and zero-fills rows past M)
    and each warp's 512-byte weight tile with one `cp.async.bulk`; every
    thread waits on the mbarrier's phase (`mbarrier.try_wait.parity`).
    That replaces 4 to 9 cp.async per thread and stage (and their address
    arithmetic and zero-fill selects) by 5 to 9 copies of one thread, issue slots
    the dequantization needs once the GEMM is compute-bound; below 128 rows
    the kernel is bound by the weights' bandwidth and keeps cp.async (no
    host call per launch).
  }];
  let options = [
    Option<"stages", "stages", "int64_t", /*default=*/"0",
           "Pipeline depth: stages of (activations, weights) in shared "
           "memory, stages - 1 in flight while one is computed (0: 4; "
           "fewer where 48 KB of shared memory would not hold them)">,
    Option<"splitK", "split-k", "int64_t", /*default=*/"0",
           "K slices (gridDim.z), each a range of whole groups, reduced by "
           "a second kernel (0: enough for a block per SM, at most 16)">,
    Option<"smCount", "sm-count", "int64_t", /*default=*/"132",
           "Streaming multiprocessors of the target, for the split-K "
           "choice (132: H100/H200 SXM; an A100 has 108)">,
    Option<"wgmma", "wgmma", "bool", /*default=*/"false",
           "sm_90a: warpgroup wgmma.mma_async (A, the dequantized weights, "
           "from registers; B, the activations, from 128/64-byte swizzled "
           "shared memory) instead of mma.sync; needs a PTX target of "
           "sm_90a">,
    Option<"tma", "tma", "bool", /*default=*/"true",
           "With wgmma, for static M >= 128 and dynamic M: each stage's "
           "activations arrive by one TMA copy (cp.async.bulk.tensor through "
           "a tensor map the host code gets from kernels_runtime) and its "
           "weight tiles by bulk copies, issued by one thread and completed "
           "on an mbarrier, instead of cp.async by every thread">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect"];
}

def WQLowerByteDotPass : Pass<"wq-lower-byte-dot"> {
  let summary = "Lower wq.byte_dot to x86 integer dot products or vector arithmetic";
  let description = [{
    Rewrites each `wq.byte_dot` (4 unsigned x 4 signed bytes per 32-bit
    lane) to VNNI's `vpdpbusd` (`llvm.x86.avx512.vpdpbusd.256`, which
    AVX-VNNI and AVX512-VNNI with VL both provide, and for 64-byte operands
    AVX512-VNNI's `llvm.x86.avx512.vpdpbusd.512`), to AVX2's `vpmaddubsw` +
    `vpmaddwd` (`llvm.x86.avx2.pmadd.ub.sw` and `llvm.x86.avx2.pmadd.wd`
    through `llvm.call_intrinsic`), or to portable vector arithmetic (widen,
    multiply, add groups of 4), which every LLVM target compiles. Targets
    with 256-bit instructions only take a 64-byte op as two 32-byte ones.
    Run it after bufferization (the intrinsic calls have unknown side
    effects for the bufferization analysis) and before the conversion to
    LLVM.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "x86-vnni-512 (AVX512-VNNI, 64-byte vpdpbusd), x86-vnni "
           "(32-byte vpdpbusd), x86 (AVX2 intrinsics), generic (vector "
           "arithmetic) or host (the best the host CPU has)">,
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def WQLowerParallelToOpenMPPass
    : Pass<"wq-lower-parallel-to-openmp", "::mlir::ModuleOp"> {
  let summary = "Run scf.parallel loops on OpenMP threads, each thread its "
                "share of the iterations";
  let description = [{
    Rewrites each outermost `scf.parallel` without reductions into an
    `omp.parallel` region in which every thread computes its own contiguous
    share of the (linearized) iteration space from `omp_get_thread_num()` and
    `omp_get_num_threads()` and walks it with an `scf.for`: the static
    schedule of `omp.wsloop`, without the worksharing loop's runtime calls.
    Those matter at decode, where a model runs about 150 parallel regions of
    a few microseconds each per token: `__kmpc_for_static_init` of Debian's
    libomp formats debug strings (two `snprintf`, a `malloc` and a `free`) on
    every call, and the worksharing loop ends with a barrier that the
    region's own join repeats. Shares differ by at most one iteration.
    `scf.parallel` loops nested in a converted one run sequentially inside
    their thread (as nested OpenMP regions do by default, without the
    nested region's fork). Loops with reductions are left to
    `convert-scf-to-openmp`; run this pass before it.
  }];
  let dependentDialects = ["::mlir::omp::OpenMPDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def WQQuantizeWeightsPass : Pass<"wq-quantize-weights", "::mlir::ModuleOp"> {
  let summary = "Quantize the constant weights of linear ops";
  let description = [{
    Rewrites each selected `linalg.matmul` (plain, or with `indexing_maps`
    reading the weight as [N, K]), `linalg.batch_matmul`, `linalg.matvec` and
    `linalg.vecmat` whose weight operand is a float constant (`dense` or
    `dense_resource`) into `wq.matmul` with packed integer, scale and
    zero-point constants. The float weight is dropped from the IR.

    ```mlir
    %w = arith.constant dense<...> : tensor<300x256xf32>
    %y = linalg.matmul ins(%x, %w : tensor<4x300xf32>, tensor<300x256xf32>)
                       outs(%zero : tensor<4x256xf32>) -> tensor<4x256xf32>
    // --wq-quantize-weights="bits=4 group-size=32" becomes
    %p = arith.constant dense<...> : tensor<256x10x16xi8>
    %s = arith.constant dense<...> : tensor<256x10xf16>
    %z = arith.constant dense<...> : tensor<256x10xi8>
    %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<256x300, u4, ...>}
    ```

    Methods: `rtn` (round to nearest), `rtn-mse` (MSE-optimal range per
    group), `gptq` and `awq` (calibrated). Calibrated methods read the
    statistics of each weight from `calibration`, a safetensors file keyed by
    the weight's name (the op's `wq.name` string attribute, else the name of
    the weight constant's location): `<name>.hessian` [K, K] f32 (GPTQ's
    H = 2 X^T X averaged over samples) and `<name>.channel_mean_abs` [K] f32
    (mean |x| per input channel, for AWQ and outlier ranking), as written by
    running a model compiled with `wq-insert-observers`; `<name>.calib_input`
    [tokens, K] activations are accepted too. GPTQ with `act-order` stores the
    weight with permuted columns (`permuted` weights: groups contiguous, the
    activation gather happens in the fused kernel); AWQ's scales become the
    weight's `input_scales`; `outlier-fraction` keeps the most salient input
    channels in full precision (`outliers = O`).

    Ops are selected by kind (`ops`), by size (`min-elements`), and can opt
    out individually with the unit attribute `wq.skip`. A weight whose K is
    smaller than the group size is quantized per channel. A weight holding
    NaN or Inf is an error naming the op. A matmul that accumulates into a
    non-zero init keeps the accumulation as a `linalg.add`. Calibrated
    methods report progress on stderr.
  }];
  let options = [
    Option<"embeddings", "embeddings", "bool", /*default=*/"false",
           "Also quantize constant tables read one whole row at a time by "
           "tensor.extract_slice (token embeddings), RTN with the same bits, "
           "group size and scheme; only the row read is dequantized">,

    Option<"bits", "bits", "unsigned",
           /*default=*/"::wq_numerics::RecipeSpec().bits",
           "Storage bit width: 4 or 8">,
    Option<"groupSize", "group-size", "int64_t",
           /*default=*/"::wq_numerics::RecipeSpec().groupSize",
           "Weights per group along K; 0 = one group per output channel">,
    Option<"symmetric", "symmetric", "bool",
           /*default=*/"::wq_numerics::RecipeSpec().symmetric",
           "Symmetric signed storage without zero points (llama.cpp Q4_0 / "
           "Q8_0 rules) instead of asymmetric unsigned storage with zero points">,
    Option<"scaleType", "scale-type", "std::string",
           /*default=*/"::wq_numerics::RecipeSpec().scaleType",
           "Element type of the group scales: f16, bf16 or f32">,
    Option<"method", "method", "std::string",
           /*default=*/"::wq_numerics::RecipeSpec().method",
           "Quantization algorithm: rtn, rtn-mse, gptq or awq">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "Calibration statistics (.safetensors) for gptq, awq and outlier "
           "ranking">,
    Option<"actOrder", "act-order", "bool",
           /*default=*/"::wq_numerics::RecipeSpec().actOrder",
           "GPTQ: process columns by descending Hessian diagonal">,
    Option<"staticGroups", "static-groups", "bool",
           /*default=*/"::wq_numerics::RecipeSpec().staticGroups",
           "GPTQ: group parameters from the original weights">,
    Option<"damp", "damp", "double",
           /*default=*/"::wq_numerics::RecipeSpec().damp",
           "GPTQ damping as a fraction of the mean Hessian diagonal">,
    Option<"outlierFraction", "outlier-fraction", "double",
           /*default=*/"::wq_numerics::RecipeSpec().outlierFraction",
           "Fraction of input channels kept in full precision">,
    Option<"minElements", "min-elements", "int64_t", /*default=*/"0",
           "Leave weights with fewer elements than this in full precision">,
    ListOption<"ops", "ops", "std::string",
               "Op kinds to quantize (default: linalg.matmul, "
               "linalg.batch_matmul, linalg.matvec, linalg.vecmat)">
  ];
  let dependentDialects = ["::mlir::wq::WQDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // WQ_PASSES
