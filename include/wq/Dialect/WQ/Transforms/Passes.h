//===- Passes.h - wq passes -------------------------------------*- C++ -*-===//

#ifndef WQ_DIALECT_WQ_TRANSFORMS_PASSES_H
#define WQ_DIALECT_WQ_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"
#include "wq/Dialect/WQ/IR/WQDialect.h"

namespace mlir {
class RewritePatternSet;
namespace wq {

#define GEN_PASS_DECL
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"

/// Patterns lowering wq.matmul and wq.dequantize to linalg on tensors.
void populateWQToLinalgPatterns(RewritePatternSet &patterns);

/// Returns failure (after emitting an error naming the op and the reason) if
/// `op` is a wq op that the linalg lowering cannot handle.
LogicalResult checkLowerableToLinalg(Operation *op);

#define GEN_PASS_REGISTRATION
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"

} // namespace wq
} // namespace mlir

#endif // WQ_DIALECT_WQ_TRANSFORMS_PASSES_H
