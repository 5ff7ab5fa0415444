//===- Pipelines.h - wq named pass pipelines --------------------*- C++ -*-===//

#ifndef WQ_PIPELINES_PIPELINES_H
#define WQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::wq {

/// Lowers a module of func/linalg/tensor/arith and wq ops on tensors to the
/// LLVM dialect for the host CPU: wq ops to fused linalg, bufferization across
/// function boundaries, loops, then LLVM. Returns failure (after printing to
/// `errorStream`) if a constituent pass is not registered.
LogicalResult buildCpuPipeline(OpPassManager &pm,
                               raw_ostream &errorStream = llvm::errs());

/// Registers `wq-cpu-pipeline`.
void registerPipelines();

} // namespace mlir::wq

#endif // WQ_PIPELINES_PIPELINES_H
