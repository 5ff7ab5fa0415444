//===- CommonStages.h - pipeline stages shared by CPU and GPU -------------===//

#ifndef WQ_LIB_PIPELINES_COMMONSTAGES_H
#define WQ_LIB_PIPELINES_COMMONSTAGES_H

#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::wq {

/// Whole-program bufferization of tensor-level IR, including function
/// signatures (so callers may pass tensor<*xf32> to external functions such
/// as printMemrefF32). Results that are updated arguments (in-place state
/// such as KV caches) are dropped, so callers own all memory.
inline void addBufferizeStages(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

} // namespace mlir::wq

#endif // WQ_LIB_PIPELINES_COMMONSTAGES_H
