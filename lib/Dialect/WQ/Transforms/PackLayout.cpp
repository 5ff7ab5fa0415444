//===- PackLayout.cpp - wq-pack-layout ------------------------------------===//
//
// Re-tiles constant packed weights into the order a GPU kernel reads them
// (the `mma_tiles` layout of the tensor-core decode schedule), so the kernel
// needs one 128-bit load per lane and step and no shuffles of weights.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/IR/WeightConstants.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQPACKLAYOUTPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

struct PackMmaTiles : public OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &b) const override {
    QuantizedWeightAttr weight = op.getWeight();
    if (weight.getLayout().getKind() != LayoutKind::row_major)
      return b.notifyMatchFailure(op, "already re-tiled");
    if (std::optional<std::string> why = checkMmaDecode(op))
      return b.notifyMatchFailure(op, *why);
    ElementsAttr packedAttr;
    if (!matchPattern(op.getPacked(), m_Constant(&packedAttr)))
      return b.notifyMatchFailure(op, "packed weight is not a constant");
    std::vector<uint8_t> rowMajor;
    if (readByteElements(packedAttr, rowMajor))
      return b.notifyMatchFailure(op, "unreadable packed constant");

    auto tiledWeight = QuantizedWeightAttr::get(
        b.getContext(), weight.getShape(), weight.getBits(),
        weight.getIsSigned(), weight.getGroupSize(), weight.getScaleType(),
        weight.getZeroPoints(), weight.getPermuted(), weight.getNumOutliers(),
        weight.getInputScaled(), weight.getFlatGroups(),
        LayoutAttr::get(b.getContext(), LayoutKind::mma_tiles));
    std::vector<uint8_t> tiled = packedInLayout(tiledWeight, rowMajor);
    auto tiledAttr = DenseElementsAttr::getFromRawBuffer(
        tiledWeight.getPackedType(),
        ArrayRef<char>(reinterpret_cast<const char *>(tiled.data()),
                       tiled.size()));
    Value packed = arith::ConstantOp::create(b, op.getPacked().getLoc(),
                                             tiledAttr);
    b.modifyOpInPlace(op, [&] {
      op.getPackedMutable().assign(packed);
      op.setWeightAttr(tiledWeight);
    });
    return success();
  }
};

struct WQPackLayoutPass
    : public mlir::wq::impl::WQPackLayoutPassBase<WQPackLayoutPass> {
  using Base::Base;
  void runOnOperation() override {
    if (layout != "mma_tiles") {
      getOperation()->emitError()
          << "wq-pack-layout: unknown layout '" << layout
          << "' (supported: mma_tiles)";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<PackMmaTiles>(&getContext());
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();
  }
};

} // namespace
