//===- Numerics.cpp - Weight quantization numerics ------------------------===//

#include "wq/Numerics/Numerics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

namespace wq_numerics {

std::optional<ScaleType> parseScaleType(const std::string &name) {
  if (name == "f16")
    return ScaleType::F16;
  if (name == "bf16")
    return ScaleType::BF16;
  if (name == "f32")
    return ScaleType::F32;
  return std::nullopt;
}

const char *scaleTypeName(ScaleType type) {
  switch (type) {
  case ScaleType::F16:
    return "f16";
  case ScaleType::BF16:
    return "bf16";
  case ScaleType::F32:
    return "f32";
  }
  return "?";
}

int64_t scaleTypeBytes(ScaleType type) {
  return type == ScaleType::F32 ? 4 : 2;
}

const char *const kNoOffsetsMessage =
    "group offsets come from imported formats (e.g. GGUF Q4_1); RTN, MSE, "
    "GPTQ and AWQ do not produce them";

std::optional<std::string> QuantScheme::validate() const {
  if (bits < 2 || bits > 8)
    return "bits must be between 2 and 8, got " + std::to_string(bits);
  if (groupSize < 0)
    return "group size must be positive (or 0 for per-channel), got " +
           std::to_string(groupSize);
  if (zeroPoints && isSigned)
    return "zero points require unsigned storage";
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Low-precision floats.
//===----------------------------------------------------------------------===//

static uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

static float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

uint16_t floatToHalfBits(float value) {
  uint32_t f = floatBits(value);
  uint16_t sign = static_cast<uint16_t>((f >> 16) & 0x8000u);
  uint32_t exponent = (f >> 23) & 0xFFu;
  uint32_t mantissa = f & 0x7FFFFFu;
  if (exponent == 0xFF) // Inf or NaN (keep NaN quiet and non-zero).
    return sign | 0x7C00u | (mantissa ? 0x200u | (mantissa >> 13) : 0u);
  int32_t halfExponent = static_cast<int32_t>(exponent) - 127 + 15;
  if (halfExponent >= 31)
    return sign | 0x7C00u; // Overflow to infinity.
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the full significand into place and
    // round to nearest even on the dropped bits.
    if (halfExponent < -10)
      return sign;
    uint32_t significand = mantissa | 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - halfExponent);
    uint32_t half = significand >> shift;
    uint32_t remainder = significand & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (half & 1u)))
      ++half;
    return sign | static_cast<uint16_t>(half);
  }
  uint32_t half = (static_cast<uint32_t>(halfExponent) << 10) | (mantissa >> 13);
  uint32_t remainder = mantissa & 0x1FFFu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u)))
    ++half; // May carry into the exponent, which is the correct rounding.
  return sign | static_cast<uint16_t>(half);
}

float halfBitsToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  if (exponent == 0) {
    if (mantissa == 0)
      return bitsToFloat(sign);
    // Subnormal: value = mantissa * 2^-24.
    float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  if (exponent == 31)
    return bitsToFloat(sign | 0x7F800000u | (mantissa << 13));
  return bitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

uint16_t floatToBFloat16Bits(float value) {
  uint32_t f = floatBits(value);
  if ((f & 0x7F800000u) == 0x7F800000u && (f & 0x7FFFFFu))
    return static_cast<uint16_t>((f >> 16) | 0x40u); // Quiet NaN.
  uint32_t rounding = 0x7FFFu + ((f >> 16) & 1u);
  return static_cast<uint16_t>((f + rounding) >> 16);
}

float bfloat16BitsToFloat(uint16_t bits) {
  return bitsToFloat(static_cast<uint32_t>(bits) << 16);
}

float roundToScaleType(float value, ScaleType type) {
  switch (type) {
  case ScaleType::F16:
    return halfBitsToFloat(floatToHalfBits(value));
  case ScaleType::BF16:
    return bfloat16BitsToFloat(floatToBFloat16Bits(value));
  case ScaleType::F32:
    return value;
  }
  return value;
}

float smallestPositive(ScaleType type) {
  switch (type) {
  case ScaleType::F16:
    return halfBitsToFloat(1);
  case ScaleType::BF16:
    return bfloat16BitsToFloat(1);
  case ScaleType::F32:
    return std::numeric_limits<float>::denorm_min();
  }
  return 0.0f;
}

//===----------------------------------------------------------------------===//
// Bit packing.
//===----------------------------------------------------------------------===//

void packElement(uint8_t *groupBytes, int64_t index, unsigned bits,
                 int32_t value) {
  uint32_t field = static_cast<uint32_t>(value) & ((1u << bits) - 1u);
  int64_t bitOffset = index * bits;
  // A field spans at most two bytes since bits <= 8.
  for (unsigned done = 0; done < bits;) {
    int64_t byte = (bitOffset + done) / 8;
    unsigned shift = static_cast<unsigned>((bitOffset + done) % 8);
    unsigned take = std::min(bits - done, 8 - shift);
    uint8_t mask = static_cast<uint8_t>(((1u << take) - 1u) << shift);
    uint8_t part = static_cast<uint8_t>(((field >> done) << shift) & mask);
    groupBytes[byte] = static_cast<uint8_t>((groupBytes[byte] & ~mask) | part);
    done += take;
  }
}

int32_t unpackElement(const uint8_t *groupBytes, int64_t index, unsigned bits,
                      bool isSigned) {
  uint32_t field = 0;
  int64_t bitOffset = index * bits;
  for (unsigned done = 0; done < bits;) {
    int64_t byte = (bitOffset + done) / 8;
    unsigned shift = static_cast<unsigned>((bitOffset + done) % 8);
    unsigned take = std::min(bits - done, 8 - shift);
    uint32_t part = (groupBytes[byte] >> shift) & ((1u << take) - 1u);
    field |= part << done;
    done += take;
  }
  if (isSigned && (field & (1u << (bits - 1))))
    return static_cast<int32_t>(field) - (1 << bits);
  return static_cast<int32_t>(field);
}

//===----------------------------------------------------------------------===//
// RTN.
//===----------------------------------------------------------------------===//

/// Rounds a positive or negative f32 scale to the scale type, keeping it away
/// from zero so that w / scale is always finite.
static std::optional<std::string> finishScale(float rawScale,
                                              const QuantScheme &scheme,
                                              float &scale) {
  scale = roundToScaleType(rawScale, scheme.scaleType);
  if (!std::isfinite(scale))
    return std::string("group scale ") + std::to_string(rawScale) +
           " overflows the scale type " + scaleTypeName(scheme.scaleType);
  if (scale == 0.0f)
    scale = std::copysign(smallestPositive(scheme.scaleType), rawScale);
  return std::nullopt;
}

static std::optional<std::string>
computeShrunkScale(const float *weights, int64_t count,
                   const QuantScheme &scheme, float shrink,
                   GroupParams &params);

/// Every value the group can hold, scale * (q - zero) for q in [qmin,
/// qmax], must be a finite f32: with weights near FLT_MAX the scale, rounded
/// up to the scale type, can make the extreme ones overflow to infinity.
static std::optional<std::string> checkDequantizedRange(
    const QuantScheme &scheme, const GroupParams &params) {
  for (int32_t q : {scheme.qmin(), scheme.qmax()})
    if (!std::isfinite(params.scale * float(q - params.zero)))
      return "group scale " + std::to_string(params.scale) +
             " times the integer range overflows f32 when dequantized "
             "(weights near the largest float)";
  return std::nullopt;
}

std::optional<std::string> computeShrunkParams(const float *weights,
                                               int64_t count,
                                               const QuantScheme &scheme,
                                               float shrink,
                                               GroupParams &params) {
  if (auto error = computeShrunkScale(weights, count, scheme, shrink, params))
    return error;
  return checkDequantizedRange(scheme, params);
}

static std::optional<std::string>
computeShrunkScale(const float *weights, int64_t count,
                   const QuantScheme &scheme, float shrink,
                   GroupParams &params) {
  if (scheme.offsets)
    return std::string(kNoOffsetsMessage);
  if (scheme.zeroPoints) {
    float lo = 0.0f, hi = 0.0f;
    for (int64_t i = 0; i < count; ++i) {
      lo = std::min(lo, weights[i]);
      hi = std::max(hi, weights[i]);
    }
    if (lo == hi) {
      lo = -1.0f;
      hi = 1.0f;
    }
    lo *= shrink;
    hi *= shrink;
    float rawScale = (hi - lo) / static_cast<float>(scheme.qmax());
    if (auto error = finishScale(rawScale, scheme, params.scale))
      return error;
    float zero = std::nearbyint(-lo / params.scale);
    params.zero = static_cast<int32_t>(
        std::clamp(zero, 0.0f, static_cast<float>(scheme.qmax())));
    return std::nullopt;
  }

  params.zero = 0;
  if (scheme.bits == 8) {
    float maxAbs = 0.0f;
    for (int64_t i = 0; i < count; ++i)
      maxAbs = std::max(maxAbs, std::fabs(weights[i]));
    float rawScale = maxAbs == 0.0f ? 1.0f : shrink * maxAbs / 127.0f;
    return finishScale(rawScale, scheme, params.scale);
  }
  float extreme = 0.0f; // Value of largest magnitude, sign kept.
  for (int64_t i = 0; i < count; ++i)
    if (std::fabs(weights[i]) > std::fabs(extreme))
      extreme = weights[i];
  float rawScale =
      extreme == 0.0f
          ? 1.0f
          : shrink * extreme / -static_cast<float>(1 << (scheme.bits - 1));
  return finishScale(rawScale, scheme, params.scale);
}

std::optional<std::string> computeRtnParams(const float *weights,
                                            int64_t count,
                                            const QuantScheme &scheme,
                                            GroupParams &params) {
  return computeShrunkParams(weights, count, scheme, 1.0f, params);
}

int32_t quantizeValue(float weight, const GroupParams &params,
                      const QuantScheme &scheme) {
  int32_t lo = scheme.qmin(), hi = scheme.qmax();
  if (scheme.isSigned && !scheme.zeroPoints && scheme.bits == 8)
    lo = -127; // Symmetric int8 is the llama.cpp Q8_0 / llama2.c rule.
  float q = std::nearbyint(weight / params.scale) + static_cast<float>(params.zero);
  q = std::clamp(q, static_cast<float>(lo), static_cast<float>(hi));
  return static_cast<int32_t>(q);
}

void initQuantizedMatrix(int64_t rows, int64_t cols, const QuantScheme &scheme,
                         QuantizedMatrix &result) {
  const int64_t groups = scheme.numGroups(cols);
  result.rows = rows;
  result.cols = cols;
  result.packed.assign(
      static_cast<size_t>(rows * groups * scheme.bytesPerGroup(cols)), 0);
  result.scales.assign(static_cast<size_t>(rows * groups), 0.0f);
  result.zeros.assign(scheme.zeroPoints ? static_cast<size_t>(rows * groups) : 0,
                      0);
  result.offsets.assign(scheme.offsets ? static_cast<size_t>(rows * groups) : 0,
                        0.0f);
}

void storeElement(QuantizedMatrix &matrix, const QuantScheme &scheme,
                  int64_t row, int64_t col, int32_t q) {
  const int64_t groupSize = scheme.effectiveGroupSize(matrix.cols);
  const int64_t group = col / groupSize;
  uint8_t *bytes =
      matrix.packed.data() +
      (row * scheme.numGroups(matrix.cols) + group) * scheme.bytesPerGroup(matrix.cols);
  packElement(bytes, col - group * groupSize, scheme.bits, q);
}

std::optional<std::string> findNonFiniteWeight(const float *weights,
                                               int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows * cols; ++i)
    if (!std::isfinite(weights[i])) {
      std::ostringstream os;
      os << "weight [" << i / cols << ", " << i % cols << "] is not finite ("
         << weights[i] << ")";
      return os.str();
    }
  return std::nullopt;
}

std::optional<size_t> findZeroPointOutsideStorage(const QuantizedMatrix &matrix,
                                                  const QuantScheme &scheme) {
  for (size_t i = 0; i < matrix.zeros.size(); ++i)
    if (matrix.zeros[i] < scheme.qmin() || matrix.zeros[i] > scheme.qmax())
      return i;
  return std::nullopt;
}

std::optional<std::string> quantizeGroups(const float *weights, int64_t rows,
                                          int64_t cols,
                                          const QuantScheme &scheme,
                                          const GroupParamsFn &choose,
                                          QuantizedMatrix &result) {
  if (auto error = scheme.validate())
    return error;
  if (scheme.offsets)
    return std::string(kNoOffsetsMessage);
  if (rows <= 0 || cols <= 0)
    return "matrix dimensions must be positive";
  const int64_t groupSize = scheme.effectiveGroupSize(cols);
  const int64_t groups = scheme.numGroups(cols);
  initQuantizedMatrix(rows, cols, scheme, result);
  if (auto error = findNonFiniteWeight(weights, rows, cols))
    return error;
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = weights + r * cols;
    for (int64_t g = 0; g < groups; ++g) {
      int64_t begin = g * groupSize;
      int64_t count = std::min(groupSize, cols - begin);
      GroupParams params;
      if (auto error = choose(row + begin, count, params)) {
        std::ostringstream os;
        os << "row " << r << ", group " << g << ": " << *error;
        return os.str();
      }
      result.scales[r * groups + g] = params.scale;
      if (scheme.zeroPoints)
        result.zeros[r * groups + g] = params.zero;
      for (int64_t i = 0; i < count; ++i)
        storeElement(result, scheme, r, begin + i,
                     quantizeValue(row[begin + i], params, scheme));
    }
  }
  return std::nullopt;
}

std::optional<std::string> quantizeRtn(const float *weights, int64_t rows,
                                       int64_t cols, const QuantScheme &scheme,
                                       QuantizedMatrix &result) {
  return quantizeGroups(
      weights, rows, cols, scheme,
      [&](const float *w, int64_t count, GroupParams &params) {
        return computeRtnParams(w, count, scheme, params);
      },
      result);
}

void dequantize(const QuantizedMatrix &matrix, const QuantScheme &scheme,
                float *out) {
  const int64_t cols = matrix.cols;
  const int64_t groupSize = scheme.effectiveGroupSize(cols);
  const int64_t groups = scheme.numGroups(cols);
  const int64_t groupBytes = scheme.bytesPerGroup(cols);
  for (int64_t r = 0; r < matrix.rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      int64_t g = c / groupSize;
      const uint8_t *bytes = matrix.packed.data() + (r * groups + g) * groupBytes;
      int32_t q =
          unpackElement(bytes, c - g * groupSize, scheme.bits, scheme.isSigned);
      int32_t zero = scheme.zeroPoints ? matrix.zeros[r * groups + g] : 0;
      float scale = matrix.scales[r * groups + g];
      // With an offset, one rounding (fma).
      out[r * cols + c] =
          scheme.offsets
              ? std::fma(scale, static_cast<float>(q - zero),
                         matrix.offsets[r * groups + g])
              : scale * static_cast<float>(q - zero);
    }
  }
}

} // namespace wq_numerics
