//===- WQAttrs.cpp - wq attributes ----------------------------------------===//

#include "wq/Dialect/WQ/IR/WQDialect.h"
#include "wq/Numerics/GpuLayout.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::wq;

#define GET_ATTRDEF_CLASSES
#include "wq/Dialect/WQ/IR/WQOpsAttrs.cpp.inc"

void WQDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "wq/Dialect/WQ/IR/WQOpsAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// QuantizedWeightAttr
//===----------------------------------------------------------------------===//

static std::optional<numerics::ScaleType> toScaleType(Type type) {
  if (type.isF16())
    return numerics::ScaleType::F16;
  if (type.isBF16())
    return numerics::ScaleType::BF16;
  if (type.isF32())
    return numerics::ScaleType::F32;
  return std::nullopt;
}

LogicalResult
QuantizedWeightAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                            ArrayRef<int64_t> shape, unsigned bits,
                            bool isSigned, int64_t groupSize, Type scaleType,
                            bool zeroPoints, bool offsets, bool permuted,
                            int64_t numOutliers, bool inputScaled,
                            bool flatGroups, LayoutAttr layout) {
  if (shape.size() != 2 && shape.size() != 3)
    return emitError() << "quantized weight shape must be [N, K] or [B, N, K], "
                          "got rank "
                       << shape.size();
  for (int64_t dim : shape)
    if (dim <= 0)
      return emitError() << "quantized weight dimensions must be static and "
                            "positive";
  if (bits < 2 || bits > 8)
    return emitError() << "storage bit width must be between 2 and 8, got "
                       << bits;
  int64_t k = shape.back();
  if (groupSize < 0)
    return emitError() << "group_size must be positive, or 0 for one group "
                          "per output channel; got "
                       << groupSize;
  if (groupSize > k && !flatGroups)
    return emitError() << "group_size " << groupSize
                       << " exceeds the reduction dimension K = " << k
                       << "; use 0 for one group per output channel";
  if (!toScaleType(scaleType))
    return emitError() << "scale_type must be f16, bf16 or f32, got "
                       << scaleType;
  if (zeroPoints && isSigned)
    return emitError() << "zero points require unsigned storage (u" << bits
                       << "), got i" << bits;
  if (numOutliers < 0 || numOutliers >= k)
    return emitError() << "outliers must be between 0 and K - 1 = " << k - 1
                       << ", got " << numOutliers;
  if ((permuted || numOutliers > 0) && shape.size() != 2)
    return emitError() << "act-order permutations and outlier channels "
                          "require a 2-D weight";
  if (flatGroups) {
    if (shape.size() != 2 || groupSize <= 0 || permuted || numOutliers > 0 ||
        inputScaled)
      return emitError() << "flat_groups needs a 2-D weight, a positive "
                            "group_size and no permutation, outliers or input "
                            "scales";
    if ((shape[0] * shape[1]) % groupSize != 0 || (groupSize * bits) % 8 != 0)
      return emitError() << "flat_groups needs N*K (" << shape[0] * shape[1]
                         << ") divisible by group_size " << groupSize
                         << " and groups of whole bytes";
  }
  if (!layout)
    return emitError() << "missing layout";
  if (layout.getKind() == LayoutKind::mma_tiles) {
    numerics::QuantScheme scheme;
    scheme.bits = bits;
    scheme.isSigned = isSigned;
    scheme.zeroPoints = zeroPoints;
    scheme.offsets = offsets;
    scheme.groupSize = groupSize;
    if (shape.size() != 2 || flatGroups)
      return emitError() << "layout mma_tiles needs a 2-D weight without "
                            "flat_groups";
    if (std::optional<std::string> why =
            numerics::checkMmaTiles(scheme, shape[0], shape[1]))
      return emitError() << "layout " << *why;
  }
  return success();
}

Attribute QuantizedWeightAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  SmallVector<int64_t> shape;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false,
                                /*withTrailingX=*/false) ||
      parser.parseComma())
    return {};

  // Storage type: u<bits> (unsigned) or i<bits> (two's complement).
  SMLoc storageLoc = parser.getCurrentLocation();
  StringRef storage;
  if (parser.parseKeyword(&storage))
    return {};
  unsigned bits = 0;
  if (storage.size() < 2 || (storage[0] != 'u' && storage[0] != 'i') ||
      storage.drop_front().getAsInteger(10, bits)) {
    parser.emitError(storageLoc, "expected storage type like u4 or i8, got '")
        << storage << "'";
    return {};
  }
  bool isSigned = storage[0] == 'i';

  std::optional<int64_t> groupSize;
  Type scaleType;
  bool zeroPoints = false, offsets = false, permuted = false,
       inputScaled = false, flatGroups = false;
  int64_t numOutliers = 0;
  LayoutAttr layout;
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc keyLoc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key))
      return {};
    if (key == "zero_points") {
      zeroPoints = true;
    } else if (key == "offsets") {
      offsets = true;
    } else if (key == "permuted") {
      permuted = true;
    } else if (key == "input_scaled") {
      inputScaled = true;
    } else if (key == "flat_groups") {
      flatGroups = true;
    } else if (key == "group_size") {
      int64_t value;
      if (parser.parseEqual() || parser.parseInteger(value))
        return {};
      groupSize = value;
    } else if (key == "scale_type") {
      if (parser.parseEqual() || parser.parseType(scaleType))
        return {};
    } else if (key == "outliers") {
      if (parser.parseEqual() || parser.parseInteger(numOutliers))
        return {};
    } else if (key == "layout") {
      Attribute attr;
      SMLoc attrLoc = parser.getCurrentLocation();
      if (parser.parseEqual() || parser.parseAttribute(attr))
        return {};
      layout = dyn_cast<LayoutAttr>(attr);
      if (!layout) {
        parser.emitError(attrLoc, "expected a #wq.layout attribute");
        return {};
      }
    } else {
      parser.emitError(keyLoc, "unknown quantized weight parameter '")
          << key << "'";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  if (!groupSize) {
    parser.emitError(parser.getCurrentLocation(), "missing group_size");
    return {};
  }
  if (!scaleType) {
    parser.emitError(parser.getCurrentLocation(), "missing scale_type");
    return {};
  }
  if (!layout)
    layout = LayoutAttr::get(ctx, LayoutKind::row_major);
  return parser.getChecked<QuantizedWeightAttr>(
      ctx, shape, bits, isSigned, *groupSize, scaleType, zeroPoints, offsets,
      permuted, numOutliers, inputScaled, flatGroups, layout);
}

void QuantizedWeightAttr::print(AsmPrinter &printer) const {
  printer << "<";
  llvm::interleave(getShape(), printer.getStream(), "x");
  printer << ", " << (getIsSigned() ? "i" : "u") << getBits()
          << ", group_size = " << getGroupSize()
          << ", scale_type = " << getScaleType();
  if (getZeroPoints())
    printer << ", zero_points";
  if (getOffsets())
    printer << ", offsets";
  if (getPermuted())
    printer << ", permuted";
  if (getNumOutliers() > 0)
    printer << ", outliers = " << getNumOutliers();
  if (getInputScaled())
    printer << ", input_scaled";
  if (getFlatGroups())
    printer << ", flat_groups";
  printer << ", layout = " << getLayout() << ">";
}

numerics::QuantScheme QuantizedWeightAttr::getScheme() const {
  numerics::QuantScheme scheme;
  scheme.bits = getBits();
  scheme.isSigned = getIsSigned();
  scheme.zeroPoints = getZeroPoints();
  scheme.offsets = getOffsets();
  scheme.groupSize = getGroupSize();
  scheme.scaleType = *toScaleType(getScaleType());
  return scheme;
}

int64_t QuantizedWeightAttr::getEffectiveGroupSize() const {
  return getScheme().effectiveGroupSize(getK());
}

int64_t QuantizedWeightAttr::getNumGroups() const {
  return getScheme().numGroups(getK());
}

int64_t QuantizedWeightAttr::getBytesPerGroup() const {
  return getScheme().bytesPerGroup(getK());
}

static SmallVector<int64_t> groupedShape(QuantizedWeightAttr weight) {
  // mma_tiles: [tile columns, groups, 16 channels] (see GpuLayout.h).
  if (weight.getLayout().getKind() == LayoutKind::mma_tiles)
    return {(weight.getN() + numerics::kMmaTileChannels - 1) /
                numerics::kMmaTileChannels,
            weight.getNumGroups(), numerics::kMmaTileChannels};
  if (weight.getFlatGroups())
    return {weight.getN() * weight.getK() / weight.getGroupSize()};
  SmallVector<int64_t> shape(weight.getBatchShape());
  shape.push_back(weight.getN());
  shape.push_back(weight.getNumGroups());
  return shape;
}

RankedTensorType QuantizedWeightAttr::getPackedType() const {
  if (getLayout().getKind() == LayoutKind::mma_tiles)
    return RankedTensorType::get(
        {(getN() + numerics::kMmaTileChannels - 1) / numerics::kMmaTileChannels,
         getK() / numerics::mmaTileDepth(getBits()), numerics::kMmaTileBytes},
        IntegerType::get(getContext(), 8));
  if (getFlatGroups())
    return RankedTensorType::get({getN() * getK() * getBits() / 8},
                                 IntegerType::get(getContext(), 8));
  SmallVector<int64_t> shape = groupedShape(*this);
  shape.push_back(getBytesPerGroup());
  return RankedTensorType::get(shape, IntegerType::get(getContext(), 8));
}

RankedTensorType QuantizedWeightAttr::getScalesType() const {
  return RankedTensorType::get(groupedShape(*this), getScaleType());
}

RankedTensorType QuantizedWeightAttr::getZeroPointsType() const {
  return RankedTensorType::get(groupedShape(*this),
                               IntegerType::get(getContext(), 8));
}

RankedTensorType QuantizedWeightAttr::getOffsetsType() const {
  return getScalesType();
}

int64_t QuantizedWeightAttr::getStorageBytes() const {
  const int64_t scaleBytes = getScalesType().getNumElements() *
                             numerics::scaleTypeBytes(getScheme().scaleType);
  int64_t bytes = getPackedType().getNumElements() + scaleBytes;
  if (getZeroPoints())
    bytes += getZeroPointsType().getNumElements();
  if (getOffsets())
    bytes += scaleBytes;
  return bytes;
}
