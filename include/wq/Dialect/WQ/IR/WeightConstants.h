//===- WeightConstants.h - Constant weights <-> numerics --------*- C++ -*-===//
//
// Bridges MLIR constant attributes (dense and dense_resource) and the plain
// C++ numerics library: reading float weights out of attributes and building
// the packed/scale/zero-point attributes of a quantized weight.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_DIALECT_WQ_IR_WEIGHTCONSTANTS_H
#define WQ_DIALECT_WQ_IR_WEIGHTCONSTANTS_H

#include "wq/Dialect/WQ/IR/WQDialect.h"
#include "wq/Numerics/Calibrated.h"
#include "wq/Numerics/GpuLayout.h"

#include "mlir/IR/Matchers.h"

#include <string>
#include <vector>

namespace mlir::wq {

/// Reads the elements of a float constant (dense or dense_resource; f16, bf16,
/// f32 or f64) in row-major order. Returns an error message on failure (for
/// example a dense_resource whose blob is missing or has the wrong size).
std::optional<std::string> readFloatElements(ElementsAttr attr,
                                             std::vector<float> &values);

/// The constant operands of a quantized weight (null when absent).
struct QuantizedWeightConstants {
  /// dense, or dense_resource referencing the caller's storage (see
  /// linearToConstants).
  ElementsAttr packed;
  DenseElementsAttr scales;
  DenseElementsAttr zeroPoints;
  DenseElementsAttr offsets; // in the scale type, shaped like the scales
  DenseElementsAttr perm;
  DenseElementsAttr outlierChannels;
  DenseElementsAttr outlierWeights;
  DenseElementsAttr inputScales;
};

/// The packed bytes, scales, zero points and offsets a quantized op
/// (`wq.matmul`, `wq.dequantize`) reads, as constants; zero points and
/// offsets are null when the op has none.
struct ConstantWeightOperands {
  ElementsAttr packed, scales, zeroPoints, offsets;
  bool operator==(const ConstantWeightOperands &other) const {
    return packed == other.packed && scales == other.scales &&
           zeroPoints == other.zeroPoints && offsets == other.offsets;
  }
};

/// `op`'s weight operands if they are all constants.
template <typename QuantizedOp>
std::optional<ConstantWeightOperands>
matchConstantWeightOperands(QuantizedOp op) {
  ConstantWeightOperands w;
  if (!matchPattern(op.getPacked(), m_Constant(&w.packed)) ||
      !matchPattern(op.getScales(), m_Constant(&w.scales)) ||
      (op.getZeroPoints() &&
       !matchPattern(op.getZeroPoints(), m_Constant(&w.zeroPoints))) ||
      (op.getOffsets() &&
       !matchPattern(op.getOffsets(), m_Constant(&w.offsets))))
    return std::nullopt;
  return w;
}

/// Quantizes `values` (row-major, the weight's logical shape) with RTN under
/// `weight`'s scheme. Returns an error message for non-finite weights or a
/// scale that overflows the scale type.
std::optional<std::string>
quantizeToConstants(QuantizedWeightAttr weight, ArrayRef<float> values,
                    QuantizedWeightConstants &result);

/// The weight attribute (row_major layout) and constants of a 2-D quantized
/// linear weight produced by the numerics library (or read from a
/// checkpoint), offsets included.
QuantizedWeightAttr getQuantizedWeightAttr(MLIRContext *ctx,
                                           const numerics::QuantizedLinear &linear);
/// With `referencePacked`, the packed integers (the bulk of the weight) are
/// not copied: the constant is a dense_resource over `linear`'s own storage,
/// which must then outlive every use of the constant (a whole-model compile
/// holds a model's quantized weights once, not twice).
QuantizedWeightConstants
linearToConstants(QuantizedWeightAttr weight,
                  const numerics::QuantizedLinear &linear,
                  bool referencePacked = false);

/// Packed bytes in `weight`'s layout from row-major ones (QuantScheme's
/// storage order), and back; the sizes must match the weight's.
std::vector<uint8_t> packedInLayout(QuantizedWeightAttr weight,
                                    ArrayRef<uint8_t> rowMajor);
std::vector<uint8_t> packedInRowMajor(QuantizedWeightAttr weight,
                                      ArrayRef<uint8_t> stored);

/// Per-group values (scales, zero points, offsets) in `weight`'s layout from
/// row-major [N, groups] ones, and back.
template <typename T>
std::vector<T> groupsInLayout(QuantizedWeightAttr weight,
                              ArrayRef<T> rowMajor) {
  if (weight.getLayout().getKind() == LayoutKind::mma_tiles)
    return numerics::groupsToMmaTiles(rowMajor.data(), weight.getN(),
                                      weight.getNumGroups());
  return rowMajor.vec();
}
template <typename T>
std::vector<T> groupsInRowMajor(QuantizedWeightAttr weight,
                                ArrayRef<T> stored) {
  if (weight.getLayout().getKind() == LayoutKind::mma_tiles)
    return numerics::groupsFromMmaTiles(stored.data(), weight.getN(),
                                        weight.getNumGroups());
  return stored.vec();
}

/// A scales (or offsets) constant of `type` (f16, bf16 or f32) holding
/// `scales`.
DenseElementsAttr buildScalesAttr(RankedTensorType type,
                                  ArrayRef<float> scales);

/// Reads the little-endian bytes of a constant (dense or dense_resource) of
/// whole-byte elements, a splat expanded to every element.
std::optional<std::string> readRawElements(ElementsAttr attr,
                                           std::vector<char> &bytes);

/// Reads the raw bytes of an i8 constant (dense or dense_resource).
std::optional<std::string> readByteElements(ElementsAttr attr,
                                            std::vector<uint8_t> &bytes);

} // namespace mlir::wq

#endif // WQ_DIALECT_WQ_IR_WEIGHTCONSTANTS_H
