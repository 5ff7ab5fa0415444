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
    if (std::optional<std::string> why = checkMmaTileWeight(op))
      return b.notifyMatchFailure(op, *why);
    // The packed bytes, scales, zero points and offsets are all re-tiled:
    // they must be constants.
    ElementsAttr packedAttr, scalesAttr, zerosAttr, offsetsAttr;
    if (!matchPattern(op.getPacked(), m_Constant(&packedAttr)) ||
        !matchPattern(op.getScales(), m_Constant(&scalesAttr)) ||
        (op.getZeroPoints() &&
         !matchPattern(op.getZeroPoints(), m_Constant(&zerosAttr))) ||
        (op.getOffsets() &&
         !matchPattern(op.getOffsets(), m_Constant(&offsetsAttr))))
      return b.notifyMatchFailure(op, "weight operands are not constants");
    std::vector<uint8_t> rowMajor, zeros;
    std::vector<float> scales, offsets;
    if (readByteElements(packedAttr, rowMajor) ||
        readFloatElements(scalesAttr, scales) ||
        (zerosAttr && readByteElements(zerosAttr, zeros)) ||
        (offsetsAttr && readFloatElements(offsetsAttr, offsets)))
      return b.notifyMatchFailure(op, "unreadable constant");

    auto tiledWeight = QuantizedWeightAttr::get(
        b.getContext(), weight.getShape(), weight.getBits(),
        weight.getIsSigned(), weight.getGroupSize(), weight.getScaleType(),
        weight.getZeroPoints(), weight.getOffsets(), weight.getPermuted(),
        weight.getNumOutliers(),
        weight.getInputScaled(), weight.getFlatGroups(),
        LayoutAttr::get(b.getContext(), LayoutKind::mma_tiles));
    auto bytesAttr = [](RankedTensorType type, ArrayRef<uint8_t> bytes) {
      return DenseElementsAttr::getFromRawBuffer(
          type, ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                               bytes.size()));
    };
    Value packed = arith::ConstantOp::create(
        b, op.getPacked().getLoc(),
        bytesAttr(tiledWeight.getPackedType(),
                  packedInLayout(tiledWeight, rowMajor)));
    Value tiledScales = arith::ConstantOp::create(
        b, op.getScales().getLoc(),
        buildScalesAttr(tiledWeight.getScalesType(),
                        groupsInLayout(tiledWeight, ArrayRef<float>(scales))));
    Value tiledZeros;
    if (zerosAttr)
      tiledZeros = arith::ConstantOp::create(
          b, op.getZeroPoints().getLoc(),
          bytesAttr(tiledWeight.getZeroPointsType(),
                    groupsInLayout(tiledWeight, ArrayRef<uint8_t>(zeros))));
    // Offsets are re-tiled exactly as the scales (same type and layout).
    Value tiledOffsets;
    if (offsetsAttr)
      tiledOffsets = arith::ConstantOp::create(
          b, op.getOffsets().getLoc(),
          buildScalesAttr(tiledWeight.getOffsetsType(),
                          groupsInLayout(tiledWeight, ArrayRef<float>(offsets))));
    b.modifyOpInPlace(op, [&] {
      op.getPackedMutable().assign(packed);
      op.getScalesMutable().assign(tiledScales);
      if (tiledZeros)
        op.getZeroPointsMutable().assign(tiledZeros);
      if (tiledOffsets)
        op.getOffsetsMutable().assign(tiledOffsets);
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
    if (failed(applyPatternsToExistingOps(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
