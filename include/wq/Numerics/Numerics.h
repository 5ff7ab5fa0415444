//===- Numerics.h - Weight quantization numerics (no MLIR) -----*- C++ -*-===//
//
// Plain C++ implementation of wq's quantization rules: the scheme description,
// bit packing, low-precision float conversion and round-to-nearest (RTN)
// quantization. The MLIR passes and the tools call this library; it has no
// dependency on MLIR or LLVM so that it can be unit-tested and reused alone.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_NUMERICS_NUMERICS_H
#define WQ_NUMERICS_NUMERICS_H

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wq_numerics {

/// Element type that group scales are stored in.
enum class ScaleType { F16, BF16, F32 };

/// The error of the quantizers (RTN, MSE, GPTQ, AWQ) for a scheme with
/// offsets, which they do not produce.
extern const char *const kNoOffsetsMessage;

/// Parses "f16" / "bf16" / "f32".
std::optional<ScaleType> parseScaleType(const std::string &name);
const char *scaleTypeName(ScaleType type);
/// Bytes one scale occupies in storage.
int64_t scaleTypeBytes(ScaleType type);

/// How a [rows, cols] weight (nn.Linear layout: rows = output channels N,
/// cols = input channels K, the reduction dimension) is quantized.
///
/// Storage ("row_major" layout): for each row, for each group of `groupSize`
/// consecutive input channels, ceil(groupSize * bits / 8) bytes. Element e of
/// a group occupies bits [e*bits, (e+1)*bits) of the group's little-endian bit
/// string: for 4 bits, element 2i is the low nibble and element 2i+1 the high
/// nibble of byte i. The last group of a row may be shorter (K not a multiple
/// of the group size); its unused bits are zero. Signed storage is two's
/// complement in `bits` bits.
///
/// Value of element (r, c) in group g = c / groupSize:
///   w = scale[r, g] * (q[r, c] - zero[r, g]) + offset[r, g]
/// with zero = 0 without zero points and offset = 0 without offsets.
struct QuantScheme {
  unsigned bits = 4;
  bool isSigned = false;
  /// Asymmetric quantization with a per-group integer zero point.
  bool zeroPoints = true;
  /// Elements per group along K; 0 means one group per row (per channel).
  int64_t groupSize = 128;
  ScaleType scaleType = ScaleType::F16;
  /// A float offset per group, added after the scale (llama.cpp's Q4_1
  /// `d * q + m`, HQQ, PyTorch tinygemm's `(q - 8) * s + z`), stored in the
  /// scale type. Legal with signed or unsigned storage, with or without zero
  /// points. Offsets come from imported formats: RTN, GPTQ and AWQ never
  /// produce them (they fail on a scheme that asks for offsets).
  bool offsets = false;

  /// Checks the combination; returns a message for an inconsistent one.
  std::optional<std::string> validate() const;

  /// Group size in effect for a row of `cols` elements.
  int64_t effectiveGroupSize(int64_t cols) const {
    return groupSize == 0 ? cols : groupSize;
  }
  int64_t numGroups(int64_t cols) const {
    int64_t g = effectiveGroupSize(cols);
    return (cols + g - 1) / g;
  }
  int64_t bytesPerGroup(int64_t cols) const {
    return (effectiveGroupSize(cols) * bits + 7) / 8;
  }
  int64_t packedBytesPerRow(int64_t cols) const {
    return numGroups(cols) * bytesPerGroup(cols);
  }
  /// Smallest and largest stored integer.
  int32_t qmin() const { return isSigned ? -(1 << (bits - 1)) : 0; }
  int32_t qmax() const {
    return isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  }
};

/// The quantized form of a [rows, cols] matrix under a QuantScheme.
struct QuantizedMatrix {
  int64_t rows = 0, cols = 0;
  /// rows * packedBytesPerRow(cols) bytes, layout as in QuantScheme.
  std::vector<uint8_t> packed;
  /// rows * numGroups scales, already rounded to the scale type.
  std::vector<float> scales;
  /// rows * numGroups zero points (empty unless scheme.zeroPoints).
  std::vector<int32_t> zeros;
  /// rows * numGroups offsets, already rounded to the scale type (empty
  /// unless scheme.offsets).
  std::vector<float> offsets;
};

//===----------------------------------------------------------------------===//
// The dequantization rule at the bit level: what every kernel shares.
//
// Kernels read a field of `bits` bits as its unsigned bit pattern u. A signed
// (two's complement) field q is (u ^ 2^(bits-1)) - 2^(bits-1), so a kernel
// that flips the top bit of every field (XOR with fieldSignBits) computes
//   q - zero = u' - (zero + unsignedReadBias(bits, isSigned))
// with u' the flipped pattern: one rule for signed and unsigned storage, the
// sign folded into the zero point. Then w = scale * (q - zero) + offset
// (QuantScheme). The linalg, CPU vector and GPU (SIMT and tensor-core)
// lowerings all take their constants from here.
//===----------------------------------------------------------------------===//

/// The field's bits: 0xF or 0xFF.
constexpr uint32_t fieldMask(unsigned bits) { return (1u << bits) - 1; }
/// The top bit of every field of a byte / 32-bit word (0x88 / 0x88888888
/// for 4 bits, 0x80 / 0x80808080 for 8).
constexpr uint8_t fieldSignBits8(unsigned bits) {
  return bits == 4 ? 0x88 : 0x80;
}
constexpr uint32_t fieldSignBits32(unsigned bits) {
  return fieldSignBits8(bits) * 0x01010101u;
}
/// The zero point that reading a field as unsigned (after flipping its top
/// bit when signed) adds: 2^(bits-1) for signed storage, 0 for unsigned.
constexpr int32_t unsignedReadBias(unsigned bits, bool isSigned) {
  return isSigned ? 1 << (bits - 1) : 0;
}
/// The field's value from its unsigned bit pattern (two's complement when
/// signed), by the rule above.
constexpr int32_t fieldValue(uint32_t pattern, unsigned bits, bool isSigned) {
  return int32_t((pattern & fieldMask(bits)) ^
                 (isSigned ? fieldSignBits8(bits) & fieldMask(bits) : 0)) -
         unsignedReadBias(bits, isSigned);
}
/// w = scale * (q - zero) + offset, exactly (double).
constexpr double dequantizeValue(int32_t q, int32_t zero, double scale,
                                 double offset = 0.0) {
  return scale * double(q - zero) + offset;
}

//===----------------------------------------------------------------------===//
// Low-precision floats (round to nearest even; NaN stays NaN).
//===----------------------------------------------------------------------===//

uint16_t floatToHalfBits(float value);
float halfBitsToFloat(uint16_t bits);
uint16_t floatToBFloat16Bits(float value);
float bfloat16BitsToFloat(uint16_t bits);
/// Rounds `value` to the nearest value representable in `type`.
float roundToScaleType(float value, ScaleType type);
/// Smallest positive value representable in `type`.
float smallestPositive(ScaleType type);

//===----------------------------------------------------------------------===//
// Bit packing.
//===----------------------------------------------------------------------===//

/// Writes `value` (already in [qmin, qmax]) as element `index` of a group's
/// bit string starting at `groupBytes`.
void packElement(uint8_t *groupBytes, int64_t index, unsigned bits,
                 int32_t value);
/// Reads element `index` of a group's bit string, sign-extending if signed.
int32_t unpackElement(const uint8_t *groupBytes, int64_t index, unsigned bits,
                      bool isSigned);

//===----------------------------------------------------------------------===//
// Round-to-nearest quantization.
//===----------------------------------------------------------------------===//

/// Scale and zero point of one group.
struct GroupParams {
  float scale = 1.0f; // Rounded to the scheme's scale type.
  int32_t zero = 0;   // 0 for symmetric schemes.
};

/// RTN parameters of one group of `count` finite weights (the contract):
///  - asymmetric: lo = min(0, min w), hi = max(0, max w), lo == hi -> (-1, 1);
///    scale = (hi - lo) / (2^b - 1); zero = round(-lo / scale).
///  - symmetric, 8 bits: scale = max|w| / 127 (1 for an all-zero group).
///  - symmetric, fewer bits: scale = m / -2^(b-1), m the value of largest
///    magnitude with its sign (llama.cpp Q4_0); 1 for an all-zero group.
/// The scale is computed in f32, rounded to the scale type, and the zero point
/// and integers are computed with the rounded scale. A scale that rounds to
/// zero becomes the type's smallest positive value (same sign), so no group
/// ever divides by zero. Returns an error if the scale overflows the type.
std::optional<std::string> computeRtnParams(const float *weights,
                                            int64_t count,
                                            const QuantScheme &scheme,
                                            GroupParams &params);

/// computeRtnParams with the group's range (lo and hi, or the extreme value)
/// multiplied by `shrink` in (0, 1]; shrink = 1 is RTN. Used by range searches.
std::optional<std::string> computeShrunkParams(const float *weights,
                                               int64_t count,
                                               const QuantScheme &scheme,
                                               float shrink,
                                               GroupParams &params);

/// q = clamp(round(w / scale) + zero, qmin, qmax) with round half to even.
/// Symmetric 8-bit clamps to [-127, 127].
int32_t quantizeValue(float weight, const GroupParams &params,
                      const QuantScheme &scheme);

/// Chooses the parameters of one group of `count` finite weights.
using GroupParamsFn = std::function<std::optional<std::string>(
    const float *weights, int64_t count, GroupParams &params)>;

/// "weight [r, c] is not finite (v)" for the first non-finite element of a
/// row-major [rows, cols] matrix; nullopt when all are finite.
std::optional<std::string> findNonFiniteWeight(const float *weights,
                                               int64_t rows, int64_t cols);

/// The index of the first zero point of `matrix` outside [scheme.qmin(),
/// scheme.qmax()] (what its storage can hold); nullopt when all fit.
std::optional<size_t> findZeroPointOutsideStorage(const QuantizedMatrix &matrix,
                                                  const QuantScheme &scheme);

/// Quantizes a row-major [rows, cols] matrix group by group with parameters
/// from `choose`. Fails on non-finite weights (naming the first one) and on
/// a scheme with offsets (no quantizer here produces them).
std::optional<std::string> quantizeGroups(const float *weights, int64_t rows,
                                          int64_t cols,
                                          const QuantScheme &scheme,
                                          const GroupParamsFn &choose,
                                          QuantizedMatrix &result);

/// Quantizes a row-major [rows, cols] matrix with RTN. Fails on non-finite
/// weights (naming the first offending element) and on scale overflow.
std::optional<std::string> quantizeRtn(const float *weights, int64_t rows,
                                       int64_t cols, const QuantScheme &scheme,
                                       QuantizedMatrix &result);

/// Allocates `result` for a [rows, cols] matrix (zeroed storage; zero points
/// and offsets only when the scheme has them).
void initQuantizedMatrix(int64_t rows, int64_t cols, const QuantScheme &scheme,
                         QuantizedMatrix &result);

/// Stores q (already clamped) as element (row, col) of `matrix`.
void storeElement(QuantizedMatrix &matrix, const QuantScheme &scheme,
                  int64_t row, int64_t col, int32_t q);

/// Dequantizes into a row-major [rows, cols] buffer:
/// w' = scale * (q - zero) + offset (computed in f32: the product rounded,
/// then the sum).
void dequantize(const QuantizedMatrix &matrix, const QuantScheme &scheme,
                float *out);

} // namespace wq_numerics

#endif // WQ_NUMERICS_NUMERICS_H
