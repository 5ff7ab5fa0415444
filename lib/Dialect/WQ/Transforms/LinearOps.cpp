//===- LinearOps.cpp - Recognizing linear layers in linalg ----------------===//
//
// Shared by the passes that quantize and observe linear layers; also the
// greedy driver setup wq's lowering passes share.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::wq;

namespace {
/// Builds the affine maps `dims` (given by position) over `numDims` dims.
AffineMap dimsMap(MLIRContext *ctx, unsigned numDims,
                         ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(numDims, 0, exprs, ctx);
}

} // namespace

FailureOr<LinearOpMatch> mlir::wq::matchLinearOp(linalg::LinalgOp op) {
  MLIRContext *ctx = op->getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return failure();
  Value lhs = op.getDpsInputOperand(0)->get();
  Value rhs = op.getDpsInputOperand(1)->get();
  LinearOpMatch match;
  if (isa<linalg::MatmulOp>(op)) {
    // (m, n, k): A (m, k) and B (k, n) or B (n, k), C (m, n).
    if (maps[0] != dimsMap(ctx, 3, {0, 2}) || maps[2] != dimsMap(ctx, 3, {0, 1}))
      return failure();
    if (maps[1] == dimsMap(ctx, 3, {2, 1}))
      match.transposed = true;
    else if (maps[1] != dimsMap(ctx, 3, {1, 2}))
      return failure();
    match.activation = lhs;
    match.weight = rhs;
    return match;
  }
  if (isa<linalg::BatchMatmulOp>(op)) {
    // (b, m, n, k): A (b, m, k), B (b, k, n) or (b, n, k), C (b, m, n).
    if (maps[0] != dimsMap(ctx, 4, {0, 1, 3}) ||
        maps[2] != dimsMap(ctx, 4, {0, 1, 2}))
      return failure();
    if (maps[1] == dimsMap(ctx, 4, {0, 3, 2}))
      match.transposed = true;
    else if (maps[1] != dimsMap(ctx, 4, {0, 2, 3}))
      return failure();
    match.activation = lhs;
    match.weight = rhs;
    return match;
  }
  if (isa<linalg::MatvecOp>(op)) {
    // y[m] = sum_k A[m, k] x[k]: A is already [N, K].
    match.activation = rhs;
    match.weight = lhs;
    return match;
  }
  if (isa<linalg::VecmatOp>(op)) {
    // y[n] = sum_k x[k] B[k, n].
    match.activation = lhs;
    match.weight = rhs;
    match.transposed = true;
    return match;
  }
  return failure();
}

ArrayRef<StringRef> mlir::wq::linearOpNames() {
  static const StringRef names[] = {"linalg.matmul", "linalg.batch_matmul",
                                    "linalg.matvec", "linalg.vecmat"};
  return names;
}

std::string mlir::wq::getWeightName(Operation *op, Value weight) {
  if (auto name = op->getAttrOfType<StringAttr>("wq.name"))
    return name.str();
  for (Location loc : {weight.getLoc(), op->getLoc()})
    if (auto named = dyn_cast<NameLoc>(loc))
      return named.getName().str();
  return "";
}

LogicalResult mlir::wq::applyPatternsToExistingOps(Operation *root,
                                                   RewritePatternSet &&patterns) {
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingOps);
  return applyPatternsGreedily(root, std::move(patterns), config);
}
