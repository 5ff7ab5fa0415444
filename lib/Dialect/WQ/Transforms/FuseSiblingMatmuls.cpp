//===- FuseSiblingMatmuls.cpp - wq-fuse-sibling-matmuls -------------------===//
//
// Stacks the weights of wq.matmul ops that read the same activations (a
// layer's Q/K/V projections, an FFN's gate and up projections) along N into
// one wq.matmul, so the activations are prepared once and one kernel call
// replaces several.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/IR/WeightConstants.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"


#include "llvm/ADT/MapVector.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQFUSESIBLINGMATMULSPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// A matmul that can be stacked, with its constant weight operands.
struct StackableWeight : ConstantWeightOperands {
  MatmulOp op;
};

/// The operands of `op` as constants, or nothing when the op cannot be
/// stacked with others: side inputs (permutation, input scales, outliers)
/// belong to the input channels of one weight, tiled layouts interleave N,
/// flat groups run across rows and a batched weight has no single N.
std::optional<StackableWeight> asStackable(MatmulOp op) {
  QuantizedWeightAttr weight = op.getWeight();
  if (weight.getPermuted() || weight.getInputScaled() ||
      weight.getNumOutliers() || weight.getFlatGroups() ||
      !weight.getBatchShape().empty() ||
      weight.getLayout().getKind() != LayoutKind::row_major)
    return std::nullopt;
  std::optional<ConstantWeightOperands> constants =
      matchConstantWeightOperands(op);
  if (!constants)
    return std::nullopt;
  StackableWeight result;
  static_cast<ConstantWeightOperands &>(result) = *constants;
  result.op = op;
  return result;
}

/// `weight` with `n` output channels, everything else as it is.
QuantizedWeightAttr withChannels(QuantizedWeightAttr weight, int64_t n) {
  SmallVector<int64_t> shape(weight.getShape());
  shape[shape.size() - 2] = n;
  return QuantizedWeightAttr::get(
      weight.getContext(), shape, weight.getBits(), weight.getIsSigned(),
      weight.getGroupSize(), weight.getScaleType(), weight.getZeroPoints(),
      weight.getOffsets(), weight.getPermuted(), weight.getNumOutliers(),
      weight.getInputScaled(), weight.getFlatGroups(), weight.getLayout());
}

/// Ops that may share a stacked weight: the same weight attribute apart from
/// N, and the same result element type.
bool stackTogether(MatmulOp a, MatmulOp b) {
  return withChannels(b.getWeight(), a.getWeight().getN()) == a.getWeight() &&
         a.getResult().getType().getElementType() ==
             b.getResult().getType().getElementType();
}

/// The `field` constants of `group` (each [N_i, trailing...]) stacked along
/// their leading dimension into `type`; nothing when one cannot be read.
DenseElementsAttr stackLeading(RankedTensorType type,
                               ArrayRef<StackableWeight> group,
                               ElementsAttr StackableWeight::*field) {
  std::vector<char> stacked, part;
  for (const StackableWeight &w : group) {
    if (readRawElements(w.*field, part))
      return {};
    stacked.insert(stacked.end(), part.begin(), part.end());
  }
  return DenseElementsAttr::getFromRawBuffer(type, stacked);
}

/// Replaces `group` (at least two stackable ops on one input) by one matmul
/// at the first op and slices of its result.
LogicalResult fuse(RewriterBase &rewriter, MutableArrayRef<StackableWeight> group) {
  MatmulOp first = group.front().op;
  QuantizedWeightAttr firstWeight = first.getWeight();
  int64_t n = 0;
  for (StackableWeight &w : group)
    n += w.op.getWeight().getN();
  QuantizedWeightAttr weight = withChannels(firstWeight, n);

  rewriter.setInsertionPoint(first);
  Location loc = rewriter.getFusedLoc(llvm::to_vector(
      llvm::map_range(group, [](StackableWeight &w) {
        return w.op.getLoc();
      })));
  auto constant = [&](RankedTensorType type,
                      ElementsAttr StackableWeight::*field) -> Value {
    DenseElementsAttr value = stackLeading(type, group, field);
    if (!value)
      return {};
    return arith::ConstantOp::create(rewriter, loc, value);
  };
  Value packed = constant(weight.getPackedType(), &StackableWeight::packed);
  Value scales = constant(weight.getScalesType(), &StackableWeight::scales);
  Value zeroPoints, offsets;
  if (weight.getZeroPoints())
    zeroPoints =
        constant(weight.getZeroPointsType(), &StackableWeight::zeroPoints);
  if (weight.getOffsets())
    offsets = constant(weight.getOffsetsType(), &StackableWeight::offsets);
  if (!packed || !scales || (weight.getZeroPoints() && !zeroPoints) ||
      (weight.getOffsets() && !offsets))
    return failure();

  auto firstType = cast<RankedTensorType>(first.getResult().getType());
  SmallVector<int64_t> resultShape(firstType.getShape());
  resultShape.back() = n;
  auto resultType =
      RankedTensorType::get(resultShape, firstType.getElementType());
  Value fused = MatmulOp::create(rewriter, loc, resultType, first.getInput(),
                                 packed, scales, zeroPoints, offsets,
                                 /*perm=*/Value(), /*outlier_channels=*/Value(),
                                 /*outlier_weights=*/Value(),
                                 /*input_scales=*/Value(), weight);

  // Each op's result: its channels of the fused result.
  const int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(rewriter, loc, fused);
  SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
  int64_t start = 0;
  for (StackableWeight &w : group) {
    SmallVector<OpFoldResult> offsetsAt(rank, rewriter.getIndexAttr(0));
    offsetsAt.back() = rewriter.getIndexAttr(start);
    const int64_t channels = w.op.getWeight().getN();
    sizes.back() = rewriter.getIndexAttr(channels);
    Value slice = tensor::ExtractSliceOp::create(
        rewriter, w.op.getLoc(),
        cast<RankedTensorType>(w.op.getResult().getType()), fused, offsetsAt,
        sizes, strides);
    start += channels;
    SmallVector<Value> operands(w.op->getOperands());
    rewriter.replaceOp(w.op, slice);
    // The separate weights' constants, unless something else reads them.
    for (Value operand : operands)
      if (auto c = operand.getDefiningOp<arith::ConstantOp>();
          c && c->use_empty())
        rewriter.eraseOp(c);
  }
  return success();
}

struct WQFuseSiblingMatmulsPass
    : public mlir::wq::impl::WQFuseSiblingMatmulsPassBase<
          WQFuseSiblingMatmulsPass> {
  using Base::Base;
  void runOnOperation() override {
    // Groups in program order: per block and input, the stackable ops, split
    // into runs of compatible schemes.
    llvm::MapVector<std::pair<Block *, Value>, SmallVector<StackableWeight>>
        byInput;
    getOperation()->walk([&](MatmulOp op) {
      if (std::optional<StackableWeight> w = asStackable(op))
        byInput[{op->getBlock(), op.getInput()}].push_back(*w);
    });
    IRRewriter rewriter(&getContext());
    for (auto &[key, candidates] : byInput) {
      SmallVector<bool> taken(candidates.size(), false);
      for (size_t i = 0; i < candidates.size(); ++i) {
        if (taken[i])
          continue;
        SmallVector<StackableWeight> group = {candidates[i]};
        for (size_t j = i + 1; j < candidates.size(); ++j)
          if (!taken[j] && stackTogether(candidates[i].op, candidates[j].op)) {
            group.push_back(candidates[j]);
            taken[j] = true;
          }
        if (group.size() < 2)
          continue;
        // The first op of the block comes first in `group` (walk order), so
        // the fused op dominates every use of the ops it replaces.
        if (failed(fuse(rewriter, group))) {
          group.front().op->emitError(
              "wq-fuse-sibling-matmuls: a weight constant is unreadable");
          return signalPassFailure();
        }
      }
    }
  }
};

} // namespace
