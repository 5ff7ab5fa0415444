//===- FoldConstantDequantize.cpp - wq-fold-constant-dequantize -----------===//

#include "wq/Dialect/WQ/IR/WeightConstants.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cstring>

#define DEBUG_TYPE "wq-fold-constant-dequantize"

namespace mlir::wq {
#define GEN_PASS_DEF_WQFOLDCONSTANTDEQUANTIZEPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// Replaces a wq.dequantize of constant packed/scale/zero-point/offset
/// operands (without permutation, outliers or input scales) by the
/// dequantized constant.
struct FoldConstantDequantize : public OpRewritePattern<DequantizeOp> {
  FoldConstantDequantize(MLIRContext *ctx, int64_t maxElements)
      : OpRewritePattern(ctx), maxElements(maxElements) {}

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    QuantizedWeightAttr weight = op.getWeight();
    auto resultType = op.getResult().getType();
    if (resultType.getNumElements() > maxElements)
      return rewriter.notifyMatchFailure(op, "weight larger than max-elements");
    if (op.getPerm() || op.getOutlierChannels() || op.getInputScales())
      return rewriter.notifyMatchFailure(
          op, "permuted, outlier or input-scaled weight");
    std::optional<ConstantWeightOperands> w = matchConstantWeightOperands(op);
    if (!w)
      return rewriter.notifyMatchFailure(op, "operands are not constant");

    numerics::QuantizedMatrix matrix;
    // Flat groups run over the flattened weight: one row of N*K elements.
    matrix.cols = weight.getFlatGroups() ? resultType.getNumElements()
                                         : weight.getK();
    matrix.rows = resultType.getNumElements() / matrix.cols;
    std::vector<uint8_t> zeroBytes;
    if (readByteElements(w->packed, matrix.packed) ||
        readFloatElements(w->scales, matrix.scales) ||
        (w->zeroPoints && readByteElements(w->zeroPoints, zeroBytes)) ||
        (w->offsets && readFloatElements(w->offsets, matrix.offsets)))
      return rewriter.notifyMatchFailure(op, "unreadable constant");
    matrix.zeros.assign(zeroBytes.begin(), zeroBytes.end());
    matrix.packed = packedInRowMajor(weight, matrix.packed);
    matrix.scales = groupsInRowMajor(weight, ArrayRef<float>(matrix.scales));
    // (Absent zero points and offsets stay empty.)
    if (!matrix.zeros.empty())
      matrix.zeros = groupsInRowMajor(weight, ArrayRef<int32_t>(matrix.zeros));
    if (!matrix.offsets.empty())
      matrix.offsets =
          groupsInRowMajor(weight, ArrayRef<float>(matrix.offsets));

    std::vector<float> values(resultType.getNumElements());
    numerics::dequantize(matrix, weight.getScheme(), values.data());
    auto f32Type = RankedTensorType::get(resultType.getShape(),
                                         rewriter.getF32Type());
    DenseElementsAttr attr = DenseElementsAttr::getFromRawBuffer(
        f32Type, ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                                values.size() * sizeof(float)));
    if (auto floatType = dyn_cast<FloatType>(resultType.getElementType());
        floatType != rewriter.getF32Type()) {
      attr = attr.mapValues(floatType, [&](const APFloat &value) {
        APFloat converted = value;
        bool lost;
        converted.convert(floatType.getFloatSemantics(),
                          APFloat::rmNearestTiesToEven, &lost);
        return converted.bitcastToAPInt();
      });
    }
    Value result = arith::ConstantOp::create(rewriter, op.getLoc(), attr);
    rewriter.replaceOp(op, result);
    return success();
  }

  int64_t maxElements;
};

struct WQFoldConstantDequantizePass
    : public mlir::wq::impl::WQFoldConstantDequantizePassBase<
          WQFoldConstantDequantizePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConstantDequantize>(&getContext(), maxElements);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
