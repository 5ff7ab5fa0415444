//===- GpuPipeline.cpp - wq-gpu-pipeline ----------------------------------===//

#include "wq/Pipelines/Pipelines.h"

#include "CommonStages.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

/// Tensor-level IR to bufferized loops whose buffers are device memory, then
/// GPU kernels. Decode-shaped int4 wq.matmul ops with constant weights and
/// f16/bf16 activations get the mma_tiles layout (wq-pack-layout) and the
/// tensor-core decode kernel; other decode-shaped int4/int8 ones the
/// warp-per-channel kernel (wq-lower-to-gpu-decode: 16-byte loads, lop3
/// conversion, shuffle reductions); every other op takes the generic schedule, which maps
/// the fused dequant-matmul of wq-lower-to-linalg directly (output
/// rows/columns over blocks and threads, the K reduction sequential in each
/// thread): correct for every op, but slow.
static const char *const kGpuLowerStages = "wq-pack-layout,"
                                           "wq-lower-to-gpu-decode,"
                                           "wq-lower-to-linalg,"
                                           "canonicalize,";

static const char *const kGpuKernelStages =
    "wq-allocate-on-device,"
    "func.func(convert-linalg-to-parallel-loops),"
    // The first two parallel dimensions are tiled 1x64: blocks of 64
    // threads. Guards (not min/max bounds) keep the inner loop bounds
    // constant, which the GPU mapping requires.
    "func.func(scf-parallel-loop-tiling{parallel-loop-tile-sizes=1,64 "
    "no-min-max-bounds=1}),"
    "func.func(gpu-map-parallel-loops),"
    "func.func(convert-parallel-loops-to-gpu),"
    // Since MLIR 19 outlining passes every value from outside the launch as
    // a kernel parameter, constants included: sink them first, so that
    // ptxas sees constant loop bounds, strides and divisors.
    "gpu-launch-sink-index-computations,"
    "gpu-kernel-outlining,"
    "wq-annotate-gpu-kernels,"
    // The host lowering of gpu.alloc/memcpy/dealloc needs async tokens: chain
    // them (and the launches) on one stream with a final wait.
    "func.func(gpu-async-region),"
    "canonicalize";

LogicalResult mlir::wq::buildGpuPipeline(OpPassManager &pm,
                                         const GpuPipelineOptions &options,
                                         raw_ostream &errorStream) {
  if (options.chip != "sm_80" && options.chip != "sm_90") {
    errorStream << "wq-gpu-pipeline: chip must be sm_80 or sm_90, got '"
                << options.chip << "'\n";
    return failure();
  }
  if (options.format != "bin" && options.format != "isa" &&
      options.format != "fatbin") {
    errorStream << "wq-gpu-pipeline: format must be bin, isa or fatbin, got '"
                << options.format << "'\n";
    return failure();
  }
  // LLVM's NVPTX default PTX ISA (6.0) predates sm_90; 8.0 covers both chips
  // and every CUDA 12+ ptxas.
  std::string pipeline = llvm::formatv(
      "{0},nvvm-attach-target{{chip={1} features=+ptx80 O={2}},"
      "gpu-lower-to-nvvm-pipeline{{cubin-chip={1} cubin-features=+ptx80 "
      "cubin-format={3} opt-level={2}},"
      // Constants (the weights) uploaded once, not copied on every call.
      "wq-cache-device-constants",
      std::string(kGpuLowerStages) + kBufferizeStages + kGpuKernelStages,
      options.chip, options.optLevel, options.format);
  return parsePassPipeline(pipeline, pm, errorStream);
}
