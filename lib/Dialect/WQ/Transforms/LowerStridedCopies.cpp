//===- LowerStridedCopies.cpp - wq-lower-strided-copies -------------------===//
//
// Copies between non-contiguous memrefs as linalg.copy (vectorizable loops)
// instead of the C runner's element-at-a-time memrefCopy.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERSTRIDEDCOPIESPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;

namespace {

/// What finalize-memref-to-llvm copies with a memcpy (its own test).
bool copiesAsMemcpy(MemRefType type) {
  return type.getLayout().isIdentity() ||
         memref::isStaticShapeAndContiguousRowMajor(type);
}

struct StridedCopyToLinalg : public OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &b) const override {
    auto source = dyn_cast<MemRefType>(op.getSource().getType());
    auto target = dyn_cast<MemRefType>(op.getTarget().getType());
    if (!source || !target)
      return b.notifyMatchFailure(op, "unranked memrefs");
    if (copiesAsMemcpy(source) && copiesAsMemcpy(target))
      return b.notifyMatchFailure(op, "contiguous: lowered to memcpy");
    b.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(), op.getTarget());
    return success();
  }
};

struct WQLowerStridedCopiesPass
    : public mlir::wq::impl::WQLowerStridedCopiesPassBase<
          WQLowerStridedCopiesPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<StridedCopyToLinalg>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
