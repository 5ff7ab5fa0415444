//===- CpuPipeline.cpp - wq-cpu-pipeline ----------------------------------===//

#include "wq/Pipelines/Pipelines.h"

#include "CommonStages.h"

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

/// The CPU pipeline, stage by stage, built from the passes' create
/// functions; every stage is a registered upstream or wq pass that users can
/// also run one at a time (README lists them as pass arguments).
LogicalResult mlir::wq::buildCpuPipeline(OpPassManager &pm,
                                         const CpuPipelineOptions &options,
                                         raw_ostream &errorStream) {
  const unsigned activationBits = options.activationBits;
  if (activationBits != 32 && activationBits != 8) {
    errorStream << "wq-cpu-pipeline: activation-bits must be 32 or 8, got "
                << activationBits << "\n";
    return failure();
  }
  // Sibling matmuls (Q/K/V, gate/up) become one kernel call before lowering.
  pm.addPass(createWQFuseSiblingMatmulsPass());
  // wq ops -> vector code where the fast path applies, else fused
  // linalg.generic on tensors; linear layers left in float -> vector code
  // too.
  pm.addPass(createWQLowerToVectorPass({activationBits}));
  pm.addPass(createWQLowerFloatLinearPass());
  pm.addPass(createWQLowerToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  addBufferizeStages(pm);
  // Copies of slices as loops rather than element-wise memrefCopy calls.
  pm.addPass(createWQLowerStridedCopiesPass());
  // Parallel loops (scf.forall from the vector fast path) run on OpenMP
  // threads (LLVM's libomp), each thread computing its own share; loops
  // with reductions (none of wq's) through upstream's worksharing loops.
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  pm.addPass(createWQLowerParallelToOpenMPPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  // Inlines the memref.alloca_scope ops scf-to-openmp wraps bodies in (they
  // hold no allocas here), which scf-to-cf could not split.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createWQLowerByteDotPass({options.byteDotTarget.getValue()}));
  // Loops, then LLVM.
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  ConvertVectorToLLVMPassOptions vectorToLlvm;
  vectorToLlvm.reassociateFPReductions = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLlvm));
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  return success();
}

LogicalResult mlir::wq::buildCpuPipeline(OpPassManager &pm,
                                         raw_ostream &errorStream) {
  return buildCpuPipeline(pm, CpuPipelineOptions(), errorStream);
}

void mlir::wq::registerPipelines() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "wq-cpu-pipeline",
      "Lower wq and upstream tensor-level IR to the LLVM dialect for the host "
      "CPU (run the result with mlir-runner, see README)",
      [](OpPassManager &pm, const CpuPipelineOptions &options) {
        if (failed(buildCpuPipeline(pm, options)))
          llvm::report_fatal_error("wq-cpu-pipeline: invalid options",
                                   /*gen_crash_diag=*/false);
      });
  PassPipelineRegistration<GpuPipelineOptions>(
      "wq-gpu-pipeline",
      "Lower wq and upstream tensor-level IR to GPU kernels (embedded cubin "
      "for sm_80 or sm_90) and host LLVM dialect code that launches them "
      "through kernels_runtime (see README)",
      [](OpPassManager &pm, const GpuPipelineOptions &options) {
        // A bad option (chip name) was printed; the registration callback
        // cannot return an error, so exit cleanly rather than run nothing.
        if (failed(buildGpuPipeline(pm, options)))
          llvm::report_fatal_error("wq-gpu-pipeline: invalid options",
                                   /*gen_crash_diag=*/false);
      });
}
