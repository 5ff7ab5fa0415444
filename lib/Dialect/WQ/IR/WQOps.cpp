//===- WQOps.cpp - wq operations ------------------------------------------===//

#include "wq/Dialect/WQ/IR/WQDialect.h"
#include "wq/Dialect/WQ/IR/WeightConstants.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::wq;

#define GET_OP_CLASSES
#include "wq/Dialect/WQ/IR/WQOps.cpp.inc"

/// Checks that `value` has exactly type `expected`, naming the operand.
static LogicalResult checkOperandType(Operation *op, StringRef name,
                                      Value value, RankedTensorType expected) {
  if (value.getType() != expected)
    return op->emitOpError() << name << " must have type " << expected
                             << " for this weight, got " << value.getType();
  return success();
}

/// A constant index operand (act-order permutation, outlier channels) must
/// hold distinct input channels in [0, k): the kernels gather with them
/// unchecked. Non-constant operands are the caller's contract.
static LogicalResult verifyConstantChannels(Operation *op, Value indices,
                                            int64_t k, StringRef what) {
  DenseIntElementsAttr attr;
  if (!indices || !matchPattern(indices, m_Constant(&attr)))
    return success();
  std::vector<bool> seen(size_t(k), false);
  int64_t position = 0;
  for (const APInt &value : attr.getValues<APInt>()) {
    const int64_t channel = value.getSExtValue();
    if (channel < 0 || channel >= k)
      return op->emitOpError()
             << what << " element " << position << " is " << channel
             << ", outside the input channels [0, " << k << ")";
    if (seen[size_t(channel)])
      return op->emitOpError() << what << " element " << position
                               << " repeats input channel " << channel;
    seen[size_t(channel)] = true;
    ++position;
  }
  return success();
}

/// Verifies the operands that carry a quantized weight against its attribute.
static LogicalResult verifyQuantizedOperands(Operation *op,
                                             QuantizedWeightAttr weight,
                                             Value packed, Value scales,
                                             Value zeroPoints, Value offsets,
                                             Value perm,
                                             Value outlierChannels,
                                             Value outlierWeights,
                                             Value inputScales) {
  if (failed(checkOperandType(op, "packed", packed, weight.getPackedType())) ||
      failed(checkOperandType(op, "scales", scales, weight.getScalesType())))
    return failure();
  if (weight.getZeroPoints() != static_cast<bool>(zeroPoints))
    return op->emitOpError()
           << (zeroPoints ? "has zero points but the weight is symmetric"
                          : "is missing the zero points of an asymmetric "
                            "weight");
  if (zeroPoints && failed(checkOperandType(op, "zero points", zeroPoints,
                                            weight.getZeroPointsType())))
    return failure();
  if (weight.getOffsets() != static_cast<bool>(offsets))
    return op->emitOpError()
           << (offsets ? "has offsets but the weight does not declare "
                         "'offsets'"
                       : "is missing the offsets of a weight with 'offsets'");
  if (offsets && failed(checkOperandType(op, "offsets", offsets,
                                         weight.getOffsetsType())))
    return failure();

  MLIRContext *ctx = op->getContext();
  Type i32 = IntegerType::get(ctx, 32);
  if (weight.getPermuted() != static_cast<bool>(perm))
    return op->emitOpError()
           << (perm ? "has a permutation but the weight is not 'permuted'"
                    : "is missing the permutation of a 'permuted' weight");
  if (perm && (failed(checkOperandType(
                   op, "perm", perm,
                   RankedTensorType::get({weight.getK()}, i32))) ||
               failed(verifyConstantChannels(op, perm, weight.getK(),
                                             "the permutation"))))
    return failure();

  if (weight.getInputScaled() != static_cast<bool>(inputScales))
    return op->emitOpError()
           << (inputScales
                   ? "has input scales but the weight is not 'input_scaled'"
                   : "is missing the input scales of an 'input_scaled' weight");
  if (inputScales) {
    auto type = cast<RankedTensorType>(inputScales.getType());
    if (type.getShape() != ArrayRef<int64_t>{weight.getK()} ||
        !isa<FloatType>(type.getElementType()))
      return op->emitOpError() << "input scales must be a float tensor of shape ["
                               << weight.getK() << "], got " << type;
  }

  bool hasOutliers = weight.getNumOutliers() > 0;
  if (hasOutliers != static_cast<bool>(outlierChannels) ||
      static_cast<bool>(outlierChannels) != static_cast<bool>(outlierWeights))
    return op->emitOpError() << "outlier operands must be present exactly "
                                "when the weight declares outliers";
  if (hasOutliers) {
    if (failed(checkOperandType(
            op, "outlier channels", outlierChannels,
            RankedTensorType::get({weight.getNumOutliers()}, i32))) ||
        failed(verifyConstantChannels(op, outlierChannels, weight.getK(),
                                      "the outlier channels")))
      return failure();
    auto type = cast<RankedTensorType>(outlierWeights.getType());
    if (type.getShape() !=
            ArrayRef<int64_t>{weight.getN(), weight.getNumOutliers()} ||
        !isa<FloatType>(type.getElementType()))
      return op->emitOpError()
             << "outlier weights must be a float tensor of shape ["
             << weight.getN() << ", " << weight.getNumOutliers() << "], got "
             << type;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  QuantizedWeightAttr weight = getWeight();
  if (weight.getPermuted() || weight.getNumOutliers() > 0 ||
      weight.getInputScaled())
    return emitOpError("implements RTN and cannot produce act-order "
                       "permutations, outlier channels or input scales");
  if (weight.getOffsets())
    return emitOpError("implements RTN and cannot produce group offsets "
                       "(they come from imported formats such as GGUF Q4_1)");
  auto inputType = getInput().getType();
  if (inputType.getShape() != weight.getShape() ||
      !isa<FloatType>(inputType.getElementType()))
    return emitOpError() << "input must be a float tensor of the weight's "
                            "logical shape, got "
                         << inputType;
  return verifyQuantizedOperands(*this, weight, getPacked(), getScales(),
                                 getZeroPoints(), nullptr, nullptr, nullptr,
                                 nullptr, nullptr);
}

LogicalResult QuantizeOp::fold(FoldAdaptor adaptor,
                               SmallVectorImpl<OpFoldResult> &results) {
  auto input = dyn_cast_if_present<ElementsAttr>(adaptor.getInput());
  if (!input)
    return failure();
  std::vector<float> values;
  if (readFloatElements(input, values))
    return failure();
  QuantizedWeightConstants constants;
  // Weights that cannot be quantized (NaN, overflow) are left for a pass to
  // diagnose; a folder must not emit errors.
  if (quantizeToConstants(getWeight(), values, constants))
    return failure();
  results.push_back(constants.packed);
  results.push_back(constants.scales);
  if (constants.zeroPoints)
    results.push_back(constants.zeroPoints);
  return success();
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  QuantizedWeightAttr weight = getWeight();
  auto resultType = getResult().getType();
  if (resultType.getShape() != weight.getShape() ||
      !isa<FloatType>(resultType.getElementType()))
    return emitOpError() << "result must be a float tensor of the weight's "
                            "logical shape "
                         << "[" << weight.getShape() << "], got " << resultType;
  return verifyQuantizedOperands(*this, weight, getPacked(), getScales(),
                                 getZeroPoints(), getOffsets(), getPerm(),
                                 getOutlierChannels(), getOutlierWeights(),
                                 getInputScales());
}

//===----------------------------------------------------------------------===//
// ByteDotOp
//===----------------------------------------------------------------------===//

LogicalResult ByteDotOp::verify() {
  const int64_t bytes = getLhs().getType().getNumElements();
  const int64_t lanes = getResult().getType().getNumElements();
  if (lanes * 4 != bytes)
    return emitOpError() << "needs one result lane per 4 operand bytes: "
                         << bytes << " bytes give " << bytes / 4
                         << " lanes, not " << lanes;
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

bool mlir::wq::isActivationElementType(Type type) {
  return type.isF32() || type.isF16() || type.isBF16();
}

LogicalResult MatmulOp::verify() {
  QuantizedWeightAttr weight = getWeight();
  auto inputType = getInput().getType();
  auto resultType = getResult().getType();
  if (!isActivationElementType(inputType.getElementType()) ||
      !isActivationElementType(resultType.getElementType()))
    return emitOpError() << "input and result must have f16, bf16 or f32 "
                            "elements, got "
                         << inputType.getElementType() << " and "
                         << resultType.getElementType();
  if (inputType.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  if (inputType.getShape().back() != weight.getK())
    return emitOpError() << "input reduction dimension must be K = "
                         << weight.getK() << ", got " << inputType;

  SmallVector<int64_t> expected(inputType.getShape());
  expected.back() = weight.getN();
  if (!weight.getBatchShape().empty()) {
    if (inputType.getRank() != 3)
      return emitOpError("a batched weight [B, N, K] needs input [B, M, K]");
    if (!ShapedType::isDynamic(inputType.getDimSize(0)) &&
        inputType.getDimSize(0) != weight.getShape()[0])
      return emitOpError() << "input batch " << inputType.getDimSize(0)
                           << " does not match the weight's batch "
                           << weight.getShape()[0];
    expected[0] = weight.getShape()[0];
  }
  if (failed(verifyCompatibleShape(resultType.getShape(), expected)))
    return emitOpError() << "result shape must be [" << expected << "], got "
                         << resultType;
  return verifyQuantizedOperands(*this, weight, getPacked(), getScales(),
                                 getZeroPoints(), getOffsets(), getPerm(),
                                 getOutlierChannels(), getOutlierWeights(),
                                 getInputScales());
}

//===----------------------------------------------------------------------===//
// RmsNormOp
//===----------------------------------------------------------------------===//

LogicalResult RmsNormOp::verify() {
  auto inputType = getInput().getType();
  auto weightType = getWeight().getType();
  if (inputType.getRank() != 2)
    return emitOpError() << "expects a rank-2 input (rows by features), got "
                         << inputType;
  if (weightType.getRank() != 1)
    return emitOpError() << "expects a rank-1 weight, got " << weightType;
  if (weightType.getElementType() != inputType.getElementType())
    return emitOpError() << "expects the weight's element type ("
                         << weightType.getElementType()
                         << ") to be the input's (" << inputType.getElementType()
                         << ")";
  const int64_t features = inputType.getDimSize(1);
  if (!ShapedType::isDynamic(features) &&
      !ShapedType::isDynamic(weightType.getDimSize(0)) &&
      weightType.getDimSize(0) != features)
    return emitOpError() << "expects " << features << " weights (one per "
                         << "feature), got " << weightType.getDimSize(0);
  if (getResult().getType() != inputType)
    return emitOpError() << "expects the result type to be the input's ("
                         << inputType << "), got " << getResult().getType();
  if (getResidual() && getResidual().getType() != inputType)
    return emitOpError() << "expects the residual's type to be the input's ("
                         << inputType << "), got "
                         << getResidual().getType();
  if (bool(getResidual()) != bool(getSum()))
    return emitOpError() << "expects a second result (the sum) exactly when "
                            "a residual is added";
  if (getSum() && getSum().getType() != inputType)
    return emitOpError() << "expects the sum's type to be the input's ("
                         << inputType << "), got " << getSum().getType();
  const float epsilon = getEpsilon().convertToFloat();
  if (!std::isfinite(epsilon) || epsilon < 0.0f)
    return emitOpError() << "expects a finite, non-negative epsilon, got "
                         << epsilon;
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

int64_t AttentionOp::getHeadSize() {
  return getQuery().getType().getDimSize(1) / getHeads();
}

LogicalResult AttentionOp::verify() {
  auto queryType = getQuery().getType();
  auto cacheType = getKeys().getType();
  if (queryType.getRank() != 2 || queryType.isDynamicDim(1))
    return emitOpError() << "expects rank-2 query rows with a static number "
                            "of columns, got "
                         << queryType;
  const int64_t heads = getHeads(), kvHeads = getKvHeads();
  if (heads <= 0 || kvHeads <= 0)
    return emitOpError() << "expects positive head counts, got heads = "
                         << heads << ", kv_heads = " << kvHeads;
  if (heads % kvHeads != 0)
    return emitOpError() << "expects heads (" << heads
                         << ") to be a multiple of kv_heads (" << kvHeads
                         << ")";
  const int64_t columns = queryType.getDimSize(1);
  if (columns % heads != 0)
    return emitOpError() << "expects the query's " << columns
                         << " columns to split into " << heads << " heads";
  const int64_t headSize = columns / heads;
  if (cacheType.isDynamicDim(2) || cacheType.getDimSize(2) != kvHeads * headSize)
    return emitOpError() << "expects caches of kv_heads * head size = "
                         << kvHeads * headSize << " columns, got " << cacheType;
  if (auto startType = dyn_cast<RankedTensorType>(getStart().getType());
      startType && startType.getDimSize(0) != 1)
    return emitOpError() << "expects the start position as an index or a "
                            "tensor<1xi32>, got "
                         << startType;
  return success();
}
