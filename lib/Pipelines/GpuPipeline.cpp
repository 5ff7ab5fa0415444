//===- GpuPipeline.cpp - wq-gpu-pipeline ----------------------------------===//

#include "wq/Pipelines/Pipelines.h"

#include "CommonStages.h"

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

LogicalResult mlir::wq::checkGpuPipelineOptions(StringRef chip,
                                               StringRef format,
                                               raw_ostream &errorStream,
                                               StringRef matmulActivations) {
  if (matmulActivations != "f32" && matmulActivations != "f16" &&
      matmulActivations != "bf16") {
    errorStream << "wq-gpu-pipeline: matmul-activations must be f32, f16 or "
                   "bf16, got '"
                << matmulActivations << "'\n";
    return failure();
  }
  if (chip != "sm_80" && chip != "sm_90") {
    errorStream << "wq-gpu-pipeline: chip must be sm_80 or sm_90, got '"
                << chip << "'\n";
    return failure();
  }
  if (format != "bin" && format != "isa" && format != "fatbin") {
    errorStream << "wq-gpu-pipeline: format must be bin, isa or fatbin, got '"
                << format << "'\n";
    return failure();
  }
  return success();
}

/// Tensor-level IR to bufferized loops whose buffers are device memory, then
/// GPU kernels. int4/int8 wq.matmul ops with constant weights and f16/bf16
/// activations get the mma_tiles layout (wq-pack-layout) and the
/// tensor-core kernels: decode for M <= 16, the pipelined prefill GEMM for
/// larger or dynamic M; other decode-shaped int4/int8 ones the
/// warp-per-channel kernel (wq-lower-to-gpu-decode: 16-byte loads, lop3
/// conversion, shuffle reductions); every other op takes the generic
/// schedule, which maps the fused dequant-matmul of wq-lower-to-linalg
/// directly (output rows/columns over blocks and threads, the K reduction
/// sequential in each thread): correct for every op, but slow.
LogicalResult mlir::wq::buildGpuPipeline(OpPassManager &pm,
                                         const GpuPipelineOptions &options,
                                         raw_ostream &errorStream) {
  if (failed(checkGpuPipelineOptions(options.chip, options.format,
                                     errorStream, options.matmulActivations)))
    return failure();
  // Helper functions (a model's norms, RoPE, SwiGLU, attention) are
  // inlined: a kernel per op either way (wq-deduplicate-gpu-kernels keeps
  // one copy of repeated ones), and inlined they read slices of a fused
  // projection in place, where a call would copy each slice into a buffer of
  // identity layout (one more launch per slice).
  pm.addPass(createInlinerPass());
  // Sibling matmuls (Q/K/V, gate/up) become one kernel launch.
  pm.addPass(createWQFuseSiblingMatmulsPass());
  if (options.matmulActivations != "f32") {
    WQNarrowMatmulActivationsPassOptions narrow;
    narrow.type = options.matmulActivations;
    pm.addPass(createWQNarrowMatmulActivationsPass(narrow));
  }
  pm.addPass(createWQPackLayoutPass());
  pm.addPass(createWQLowerToGpuDecodePass());
  // wgmma (Hopper's warpgroup mma) exists only in the architecture-specific
  // sm_90a target.
  const bool wgmma = options.chip == "sm_90" && options.prefillWgmma;
  const std::string kernelChip = wgmma ? "sm_90a" : options.chip.getValue();
  WQLowerToGpuPrefillPassOptions prefill;
  prefill.wgmma = wgmma;
  prefill.tma = options.prefillTma;
  pm.addPass(createWQLowerToGpuPrefillPass(prefill));
  pm.addPass(createWQLowerRmsNormToGpuPass());
  pm.addPass(createWQLowerAttentionToGpuPass());
  pm.addPass(createWQLowerToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  // Every linalg op left becomes a kernel launch of its own: fuse
  // element-wise producers into their consumers first (RMSNorm's inverse
  // root into its scaling: one launch fewer per norm).
  pm.addPass(createLinalgElementwiseOpFusionPass());
  addBufferizeStages(pm);
  // scf.forall loops of the host code (a model's attention, one iteration
  // per head on CPU threads) run their iterations' kernels one after the
  // other: a host loop of launches.
  pm.addNestedPass<func::FuncOp>(createForallToForLoopPass());
  pm.addPass(createWQAllocateOnDevicePass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // The first two parallel dimensions are tiled 1x64: blocks of 64 threads.
  // Guards (not min/max bounds) keep the inner loop bounds constant, which
  // the GPU mapping requires.
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass({1, 64}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  // Since MLIR 19 outlining passes every value from outside the launch as a
  // kernel parameter, constants included: sink them first, so that ptxas
  // sees constant loop bounds, strides and divisors.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createWQAnnotateGpuKernelsPass());
  // griddepcontrol (programmatic dependent launch) exists from sm_90 on.
  if (options.chip == "sm_90" && options.programmaticLaunch)
    pm.addPass(createWQEnableProgrammaticLaunchPass());
  // One copy of the kernels a model's layers share (after the hints are on
  // the kernels, so that they are compared too).
  pm.addPass(createWQDeduplicateGpuKernelsPass());
  // The host lowering of gpu.alloc/memcpy/dealloc needs async tokens: chain
  // them (and the launches) on one stream with a final wait.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(createCanonicalizerPass());
  // LLVM's NVPTX default PTX ISA (6.0) predates sm_90; 8.0 covers both chips
  // and every CUDA 12+ ptxas.
  const std::string features = "+ptx80";
  GpuNVVMAttachTargetOptions target;
  target.chip = kernelChip;
  target.features = features;
  target.optLevel = unsigned(options.optLevel.getValue());
  pm.addPass(createGpuNVVMAttachTarget(target));
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = kernelChip;
  nvvm.cubinFeatures = features;
  nvvm.cubinFormat = options.format.getValue();
  nvvm.optLevel = options.optLevel.getValue();
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
  return success();
}
