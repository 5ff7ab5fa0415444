//===- WeightConstants.cpp - Constant weights <-> numerics ----------------===//

#include "wq/Dialect/WQ/IR/WeightConstants.h"
#include "wq/Numerics/GpuLayout.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cstring>

using namespace mlir;
using namespace mlir::wq;

/// The raw little-endian payload of a dense or dense_resource constant, and
/// whether it is a splat (one element standing for all).
static std::optional<std::string> getRawPayload(ElementsAttr attr,
                                                ArrayRef<char> &data,
                                                bool &isSplat) {
  isSplat = false;
  if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(attr)) {
    data = dense.getRawData();
    isSplat = dense.isSplat();
    return std::nullopt;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return "dense_resource '" + resource.getRawHandle().getKey().str() +
             "' has no data (missing from the file's resource section?)";
    data = blob->getData();
    return std::nullopt;
  }
  return std::string("unsupported constant kind (expected dense or "
                     "dense_resource elements)");
}

std::optional<std::string> mlir::wq::readFloatElements(
    ElementsAttr attr, std::vector<float> &values) {
  ArrayRef<char> data;
  bool isSplat;
  if (auto error = getRawPayload(attr, data, isSplat))
    return error;
  Type elementType = attr.getShapedType().getElementType();
  int64_t count = attr.getShapedType().getNumElements();
  int64_t width;
  if (elementType.isF32())
    width = 4;
  else if (elementType.isF16() || elementType.isBF16())
    width = 2;
  else if (elementType.isF64())
    width = 8;
  else
    return "unsupported weight element type (expected f16, bf16, f32 or f64)";

  // A splat of no elements (tensor<0x16xf32>) stores one value and reads
  // none.
  int64_t stored = isSplat ? std::min<int64_t>(1, count) : count;
  if (static_cast<int64_t>(data.size()) != (isSplat ? 1 : count) * width)
    return "constant holds " + std::to_string(data.size()) +
           " bytes but its type needs " + std::to_string(stored * width);
  values.resize(count);
  if (count == 0)
    return std::nullopt;
  for (int64_t i = 0; i < stored; ++i) {
    const char *element = data.data() + i * width;
    float value;
    if (width == 4) {
      std::memcpy(&value, element, 4);
    } else if (width == 8) {
      double wide;
      std::memcpy(&wide, element, 8);
      value = static_cast<float>(wide);
    } else {
      uint16_t bits;
      std::memcpy(&bits, element, 2);
      value = elementType.isF16() ? numerics::halfBitsToFloat(bits)
                                  : numerics::bfloat16BitsToFloat(bits);
    }
    values[i] = value;
  }
  if (isSplat)
    std::fill(values.begin() + 1, values.end(), values[0]);
  return std::nullopt;
}

std::optional<std::string>
mlir::wq::readRawElements(ElementsAttr attr, std::vector<char> &bytes) {
  ArrayRef<char> data;
  bool isSplat;
  if (auto error = getRawPayload(attr, data, isSplat))
    return error;
  Type elementType = attr.getShapedType().getElementType();
  if (!elementType.isIntOrFloat() ||
      elementType.getIntOrFloatBitWidth() % 8 != 0)
    return std::string("expected elements of whole bytes");
  const int64_t width = elementType.getIntOrFloatBitWidth() / 8;
  const int64_t count = attr.getShapedType().getNumElements();
  if (static_cast<int64_t>(data.size()) != (isSplat ? 1 : count) * width)
    return std::string("constant size does not match its type");
  if (!isSplat) {
    bytes.assign(data.begin(), data.end());
    return std::nullopt;
  }
  bytes.resize(count * width);
  for (int64_t i = 0; i < count; ++i)
    std::memcpy(bytes.data() + i * width, data.data(), width);
  return std::nullopt;
}

std::optional<std::string>
mlir::wq::readByteElements(ElementsAttr attr, std::vector<uint8_t> &bytes) {
  if (!attr.getShapedType().getElementType().isInteger(8))
    return std::string("expected i8 elements");
  std::vector<char> raw;
  if (auto error = readRawElements(attr, raw))
    return error;
  bytes.assign(raw.begin(), raw.end());
  return std::nullopt;
}

/// Encodes rounded scale values in the scale type's little-endian bytes.
DenseElementsAttr mlir::wq::buildScalesAttr(RankedTensorType type,
                                         ArrayRef<float> scales) {
  Type elementType = type.getElementType();
  std::vector<char> raw;
  if (elementType.isF32()) {
    raw.resize(scales.size() * 4);
    std::memcpy(raw.data(), scales.data(), raw.size());
  } else {
    raw.resize(scales.size() * 2);
    for (size_t i = 0; i < scales.size(); ++i) {
      uint16_t bits = elementType.isF16()
                          ? numerics::floatToHalfBits(scales[i])
                          : numerics::floatToBFloat16Bits(scales[i]);
      std::memcpy(raw.data() + 2 * i, &bits, 2);
    }
  }
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}

std::vector<uint8_t> mlir::wq::packedInLayout(QuantizedWeightAttr weight,
                                              ArrayRef<uint8_t> rowMajor) {
  if (weight.getLayout().getKind() == LayoutKind::mma_tiles)
    return numerics::packMmaTiles(rowMajor.data(), weight.getN(),
                                  weight.getK(), weight.getBits());
  return rowMajor.vec();
}

std::vector<uint8_t> mlir::wq::packedInRowMajor(QuantizedWeightAttr weight,
                                                ArrayRef<uint8_t> stored) {
  if (weight.getLayout().getKind() == LayoutKind::mma_tiles)
    return numerics::unpackMmaTiles(stored.data(), weight.getN(),
                                    weight.getK(), weight.getBits());
  return stored.vec();
}

/// Packs quantized storage into the constants `weight` describes.
static void matrixToConstants(QuantizedWeightAttr weight,
                              const numerics::QuantizedMatrix &matrix,
                              QuantizedWeightConstants &result,
                              bool withPacked = true) {
  if (withPacked) {
    std::vector<uint8_t> stored = packedInLayout(weight, matrix.packed);
    auto bytes = ArrayRef<char>(reinterpret_cast<const char *>(stored.data()),
                                stored.size());
    result.packed =
        DenseElementsAttr::getFromRawBuffer(weight.getPackedType(), bytes);
  }
  result.scales = buildScalesAttr(
      weight.getScalesType(),
      groupsInLayout(weight, ArrayRef<float>(matrix.scales)));
  result.zeroPoints = nullptr;
  if (weight.getZeroPoints()) {
    std::vector<int32_t> stored =
        groupsInLayout(weight, ArrayRef<int32_t>(matrix.zeros));
    std::vector<char> zeros(stored.begin(), stored.end());
    result.zeroPoints =
        DenseElementsAttr::getFromRawBuffer(weight.getZeroPointsType(), zeros);
  }
  result.offsets = nullptr;
  if (weight.getOffsets())
    result.offsets = buildScalesAttr(
        weight.getOffsetsType(),
        groupsInLayout(weight, ArrayRef<float>(matrix.offsets)));
}

QuantizedWeightAttr
mlir::wq::getQuantizedWeightAttr(MLIRContext *ctx,
                                 const numerics::QuantizedLinear &linear) {
  const numerics::QuantScheme &s = linear.scheme;
  Type scaleType = s.scaleType == numerics::ScaleType::F16
                       ? Type(Float16Type::get(ctx))
                   : s.scaleType == numerics::ScaleType::BF16
                       ? Type(BFloat16Type::get(ctx))
                       : Type(Float32Type::get(ctx));
  return QuantizedWeightAttr::get(
      ctx, {linear.n, linear.k}, s.bits, s.isSigned, s.groupSize, scaleType,
      s.zeroPoints, s.offsets, !linear.perm.empty(),
      static_cast<int64_t>(linear.outlierChannels.size()),
      !linear.inputScales.empty(), linear.flatGroups,
      LayoutAttr::get(ctx, LayoutKind::row_major));
}

QuantizedWeightConstants
mlir::wq::linearToConstants(QuantizedWeightAttr weight,
                            const numerics::QuantizedLinear &linear,
                            bool referencePacked) {
  QuantizedWeightConstants result;
  // (Row-major storage is the stored form: other layouts are re-packed.)
  const bool reference =
      referencePacked && weight.getLayout().getKind() == LayoutKind::row_major;
  matrixToConstants(weight, linear.matrix, result, !reference);
  if (reference) {
    ArrayRef<uint8_t> bytes(linear.matrix.packed);
    result.packed = DenseResourceElementsAttr::get(
        weight.getPackedType(), "wq_packed",
        UnmanagedAsmResourceBlob::allocateInferAlign(bytes));
  }
  MLIRContext *ctx = weight.getContext();
  Type i32 = IntegerType::get(ctx, 32), f32 = Float32Type::get(ctx);
  auto i32Attr = [&](const std::vector<int32_t> &values) {
    return DenseElementsAttr::get(
        RankedTensorType::get({int64_t(values.size())}, i32),
        ArrayRef<int32_t>(values));
  };
  auto f32Attr = [&](ArrayRef<int64_t> shape, const std::vector<float> &values) {
    return DenseElementsAttr::get(RankedTensorType::get(shape, f32),
                                  ArrayRef<float>(values));
  };
  if (!linear.perm.empty())
    result.perm = i32Attr(linear.perm);
  if (!linear.outlierChannels.empty()) {
    result.outlierChannels = i32Attr(linear.outlierChannels);
    result.outlierWeights =
        f32Attr({linear.n, int64_t(linear.outlierChannels.size())},
                linear.outlierWeights);
  }
  if (!linear.inputScales.empty())
    result.inputScales = f32Attr({linear.k}, linear.inputScales);
  return result;
}

std::optional<std::string>
mlir::wq::quantizeToConstants(QuantizedWeightAttr weight,
                              ArrayRef<float> values,
                              QuantizedWeightConstants &result) {
  // Groups never cross rows, so a batched weight [B, N, K] quantizes as the
  // matrix [B * N, K].
  int64_t rows = 1;
  for (int64_t dim : weight.getShape().drop_back())
    rows *= dim;
  if (static_cast<int64_t>(values.size()) != rows * weight.getK())
    return std::string("weight has the wrong number of elements");
  numerics::QuantizedMatrix matrix;
  if (auto error = numerics::quantizeRtn(values.data(), rows, weight.getK(),
                                         weight.getScheme(), matrix))
    return error;
  result = QuantizedWeightConstants();
  matrixToConstants(weight, matrix, result);
  return std::nullopt;
}
