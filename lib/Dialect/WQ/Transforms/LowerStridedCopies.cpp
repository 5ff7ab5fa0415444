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
bool copiesAsMemcpy(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && (memref.getLayout().isIdentity() ||
                    memref::isStaticShapeAndContiguousRowMajor(memref));
}

struct StridedCopyToLinalg : public OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &b) const override {
    if (copiesAsMemcpy(op.getSource().getType()) &&
        copiesAsMemcpy(op.getTarget().getType()))
      return b.notifyMatchFailure(op, "contiguous: lowered to memcpy");
    if (!isa<MemRefType>(op.getSource().getType()) ||
        !isa<MemRefType>(op.getTarget().getType()))
      return b.notifyMatchFailure(op, "unranked memrefs");
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
