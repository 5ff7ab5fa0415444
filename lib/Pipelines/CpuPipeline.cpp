//===- CpuPipeline.cpp - wq-cpu-pipeline ----------------------------------===//

#include "wq/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

/// The CPU pipeline, stage by stage. Kept textual so that every stage is a
/// registered upstream or wq pass that users can also run one at a time.
static const char *const kCpuPipeline =
    // wq ops -> vector code where the fast path applies, else fused
    // linalg.generic on tensors.
    "wq-lower-to-vector,"
    "wq-lower-to-linalg,"
    "canonicalize,"
    // Whole-program bufferization, including function signatures (so callers
    // may pass tensor<*xf32> to external functions such as printMemrefF32).
    "one-shot-bufferize{bufferize-function-boundaries=1 "
    "function-boundary-type-conversion=identity-layout-map},"
    // Results that are updated arguments (in-place state such as KV caches)
    // are dropped, so callers own all memory.
    "drop-equivalent-buffer-results,"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,"
    // Parallel loops (scf.forall from the vector fast path) run on OpenMP
    // threads (LLVM's libomp).
    "func.func(scf-forall-to-parallel),"
    "convert-scf-to-openmp,"
    // Inlines the memref.alloca_scope ops scf-to-openmp wraps bodies in
    // (they hold no allocas here), which scf-to-cf could not split.
    "canonicalize,"
    // Loops, then LLVM.
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
    "reconcile-unrealized-casts";

LogicalResult mlir::wq::buildCpuPipeline(OpPassManager &pm,
                                         raw_ostream &errorStream) {
  return parsePassPipeline(kCpuPipeline, pm, errorStream);
}

void mlir::wq::registerPipelines() {
  PassPipelineRegistration<>(
      "wq-cpu-pipeline",
      "Lower wq and upstream tensor-level IR to the LLVM dialect for the host "
      "CPU (run the result with mlir-runner, see README)",
      [](OpPassManager &pm) {
        if (failed(buildCpuPipeline(pm)))
          llvm::report_fatal_error("wq-cpu-pipeline: a stage is not registered");
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
