//===- CpuPipeline.cpp - wq-cpu-pipeline ----------------------------------===//

#include "wq/Pipelines/Pipelines.h"

#include "CommonStages.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

/// The CPU pipeline, stage by stage. Kept textual so that every stage is a
/// registered upstream or wq pass that users can also run one at a time.
static const char *const kCpuLowerStages =
    // wq ops -> vector code where the fast path applies (the option is
    // appended below), else fused linalg.generic on tensors; linear layers
    // left in float -> vector code too.
    "wq-lower-float-linear,"
    "wq-lower-to-linalg,"
    "canonicalize,";

static const char *const kCpuLoopStages =
    // Copies of slices as loops rather than element-wise memrefCopy calls.
    "wq-lower-strided-copies,"
    // Parallel loops (scf.forall from the vector fast path) run on OpenMP
    // threads (LLVM's libomp).
    "func.func(scf-forall-to-parallel),"
    "convert-scf-to-openmp,"
    // Inlines the memref.alloca_scope ops scf-to-openmp wraps bodies in
    // (they hold no allocas here), which scf-to-cf could not split.
    "canonicalize,";

// Loops, then LLVM (after wq-lower-byte-dot with the chosen target).
static const char *const kCpuLlvmStages =
    "func.func(convert-vector-to-scf),"
    "func.func(convert-linalg-to-loops),"
    "expand-strided-metadata,"
    "lower-affine,"
    "convert-scf-to-cf,"
    "convert-vector-to-llvm{reassociate-fp-reductions=1},"
    "convert-openmp-to-llvm,"
    "finalize-memref-to-llvm,"
    "convert-arith-to-llvm,"
    "convert-math-to-llvm,"
    "convert-index-to-llvm,"
    "convert-func-to-llvm,"
    "convert-cf-to-llvm,"
    "convert-ub-to-llvm,"
    "reconcile-unrealized-casts";

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
  return parsePassPipeline(
      "wq-fuse-sibling-matmuls,"
      "wq-lower-to-vector{activation-bits=" + std::to_string(activationBits) +
          "}," + kCpuLowerStages + kBufferizeStages + kCpuLoopStages +
          "wq-lower-byte-dot{target=" + options.byteDotTarget.getValue() +
          "}," + kCpuLlvmStages,
      pm, errorStream);
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
