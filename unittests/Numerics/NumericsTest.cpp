//===- NumericsTest.cpp - Tests of the plain C++ numerics library ---------===//
//
// Each RTN rule is checked against a float64 reference written here from the
// contract (not by calling the library's own helpers), on random data with
// fixed seeds, ragged last groups, all-zero and constant groups.
//
//===----------------------------------------------------------------------===//

#include "wq/Numerics/GpuLayout.h"
#include "wq/Numerics/Numerics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace wq_numerics;

namespace {

std::vector<float> randomMatrix(int64_t rows, int64_t cols, unsigned seed,
                                float scale = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> values(rows * cols);
  for (float &v : values)
    v = dist(gen);
  return values;
}

/// float64 reference of the RTN contract for one group. Scales are computed
/// in f32 and rounded to the scale type, as the contract says.
struct ReferenceGroup {
  double scale;
  double zero;
  std::vector<double> dequantized;
};

double roundHalfEven(double x) {
  double r = std::round(x);
  if (std::fabs(x - std::trunc(x)) == 0.5)
    r = 2.0 * std::round(x / 2.0);
  return r;
}

ReferenceGroup referenceRtn(const float *w, int64_t count,
                            const QuantScheme &s) {
  ReferenceGroup g;
  double qmax = s.isSigned ? (1 << (s.bits - 1)) - 1 : (1 << s.bits) - 1;
  double qmin = s.isSigned ? -(1 << (s.bits - 1)) : 0;
  if (s.zeroPoints) {
    float lo = 0, hi = 0;
    for (int64_t i = 0; i < count; ++i) {
      lo = std::min(lo, w[i]);
      hi = std::max(hi, w[i]);
    }
    if (lo == hi) {
      lo = -1;
      hi = 1;
    }
    float raw = (hi - lo) / static_cast<float>(qmax);
    g.scale = roundToScaleType(raw, s.scaleType);
    g.zero = roundHalfEven(static_cast<float>(-lo / static_cast<float>(g.scale)));
  } else if (s.bits == 8) {
    float amax = 0;
    for (int64_t i = 0; i < count; ++i)
      amax = std::max(amax, std::fabs(w[i]));
    g.scale = roundToScaleType(amax == 0 ? 1.0f : amax / 127.0f, s.scaleType);
    g.zero = 0;
    qmin = -127;
  } else {
    float m = 0;
    for (int64_t i = 0; i < count; ++i)
      if (std::fabs(w[i]) > std::fabs(m))
        m = w[i];
    g.scale = roundToScaleType(
        m == 0 ? 1.0f : m / -static_cast<float>(1 << (s.bits - 1)),
        s.scaleType);
    g.zero = 0;
  }
  for (int64_t i = 0; i < count; ++i) {
    double q = roundHalfEven(static_cast<float>(w[i] / static_cast<float>(g.scale))) + g.zero;
    q = std::min(std::max(q, qmin), qmax);
    g.dequantized.push_back(g.scale * (q - g.zero));
  }
  return g;
}

struct SchemeCase {
  unsigned bits;
  bool symmetric;
  int64_t groupSize;
  ScaleType scaleType;
};

class RtnTest : public ::testing::TestWithParam<SchemeCase> {};

TEST_P(RtnTest, MatchesFloat64Reference) {
  SchemeCase c = GetParam();
  QuantScheme s;
  s.bits = c.bits;
  s.isSigned = c.symmetric;
  s.zeroPoints = !c.symmetric;
  s.groupSize = c.groupSize;
  s.scaleType = c.scaleType;
  // Odd N, K not a multiple of the group size; rows 0 and 1 are all zero and
  // constant to exercise the degenerate groups.
  const int64_t rows = 7, cols = 45;
  std::vector<float> w = randomMatrix(rows, cols, 1234 + c.bits + c.groupSize);
  for (int64_t k = 0; k < cols; ++k) {
    w[k] = 0.0f;
    w[cols + k] = -0.75f;
  }
  QuantizedMatrix qm;
  ASSERT_FALSE(quantizeRtn(w.data(), rows, cols, s, qm));
  std::vector<float> deq(rows * cols);
  dequantize(qm, s, deq.data());

  int64_t g = s.effectiveGroupSize(cols);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t start = 0; start < cols; start += g) {
      int64_t count = std::min(g, cols - start);
      ReferenceGroup ref = referenceRtn(&w[r * cols + start], count, s);
      int64_t group = start / g;
      EXPECT_DOUBLE_EQ(qm.scales[r * s.numGroups(cols) + group], ref.scale)
          << "row " << r << " group " << group;
      for (int64_t i = 0; i < count; ++i) {
        float got = deq[r * cols + start + i];
        EXPECT_TRUE(std::isfinite(got));
        // Both sides compute scale * (q - zero); only the final product's
        // rounding to f32 may differ.
        EXPECT_NEAR(got, ref.dequantized[i],
                    1e-6 * std::max(1.0, std::fabs(ref.dequantized[i])))
            << "row " << r << " col " << start + i;
      }
    }
  }
  // The all-zero row dequantizes to exactly zero.
  for (int64_t k = 0; k < cols; ++k)
    EXPECT_EQ(deq[k], 0.0f);
}

INSTANTIATE_TEST_SUITE_P(
    Schemes, RtnTest,
    ::testing::Values(SchemeCase{4, false, 32, ScaleType::F16},
                      SchemeCase{4, true, 32, ScaleType::F16},
                      SchemeCase{8, false, 16, ScaleType::F32},
                      SchemeCase{8, true, 0, ScaleType::F32},
                      SchemeCase{4, false, 7, ScaleType::BF16},
                      SchemeCase{8, true, 32, ScaleType::BF16},
                      SchemeCase{4, true, 0, ScaleType::F32},
                      SchemeCase{2, false, 8, ScaleType::F16}),
    [](const ::testing::TestParamInfo<SchemeCase> &info) {
      const SchemeCase &c = info.param;
      return std::string(c.symmetric ? "sym" : "asym") + "_int" +
             std::to_string(c.bits) + "_g" + std::to_string(c.groupSize) +
             "_" + scaleTypeName(c.scaleType);
    });

TEST(RtnTest, ErrorRelativeToFp32IsSmallForInt8) {
  QuantScheme s{8, true, false, 0, ScaleType::F32};
  const int64_t rows = 64, cols = 256;
  std::vector<float> w = randomMatrix(rows, cols, 7);
  QuantizedMatrix qm;
  ASSERT_FALSE(quantizeRtn(w.data(), rows, cols, s, qm));
  std::vector<float> deq(rows * cols);
  dequantize(qm, s, deq.data());
  double num = 0, den = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    num += (deq[i] - w[i]) * double(deq[i] - w[i]);
    den += double(w[i]) * w[i];
  }
  EXPECT_LT(std::sqrt(num / den), 0.01);
}

TEST(RtnTest, HandComputedAsymmetricGroup) {
  // [1, 2, 3, 4]: lo = 0, hi = 4, scale = 4/15 = 0.26666668f, zero = 0;
  // 2 / scale = 7.4999998f rounds to 7, so q = [4, 7, 11, 15]. (With an f16
  // scale, 0.2666016, the same element gives 7.50 and rounds to 8.)
  QuantScheme s{4, false, true, 4, ScaleType::F32};
  float w[4] = {1, 2, 3, 4};
  QuantizedMatrix qm;
  ASSERT_FALSE(quantizeRtn(w, 1, 4, s, qm));
  ASSERT_EQ(qm.packed.size(), 2u);
  EXPECT_EQ(qm.packed[0], 0x74);
  EXPECT_EQ(qm.packed[1], 0xFB);
  EXPECT_FLOAT_EQ(qm.scales[0], 4.0f / 15.0f);
  EXPECT_EQ(qm.zeros[0], 0);
}

TEST(RtnTest, HandComputedSymmetricInt4UsesSignedExtreme) {
  // Largest magnitude is -2 -> scale = -2 / -8 = 0.25, q = w / 0.25.
  QuantScheme s{4, true, false, 0, ScaleType::F32};
  float w[3] = {0.5f, -2.0f, 1.75f};
  QuantizedMatrix qm;
  ASSERT_FALSE(quantizeRtn(w, 1, 3, s, qm));
  EXPECT_FLOAT_EQ(qm.scales[0], 0.25f);
  EXPECT_EQ(unpackElement(qm.packed.data(), 0, 4, true), 2);
  EXPECT_EQ(unpackElement(qm.packed.data(), 1, 4, true), -8);
  EXPECT_EQ(unpackElement(qm.packed.data(), 2, 4, true), 7);
  // A positive extreme gives a negative scale and uses -8 for it.
  float v[2] = {4.0f, -1.0f};
  ASSERT_FALSE(quantizeRtn(v, 1, 2, s, qm));
  EXPECT_FLOAT_EQ(qm.scales[0], -0.5f);
  EXPECT_EQ(unpackElement(qm.packed.data(), 0, 4, true), -8);
  EXPECT_EQ(unpackElement(qm.packed.data(), 1, 4, true), 2);
}

TEST(RtnTest, RoundsHalfToEven) {
  // scale = 1 (f32), values at .5 round to even.
  QuantScheme s{8, true, false, 0, ScaleType::F32};
  float w[5] = {127.0f, 0.5f, 1.5f, 2.5f, -2.5f};
  QuantizedMatrix qm;
  ASSERT_FALSE(quantizeRtn(w, 1, 5, s, qm));
  EXPECT_EQ(unpackElement(qm.packed.data(), 1, 8, true), 0);
  EXPECT_EQ(unpackElement(qm.packed.data(), 2, 8, true), 2);
  EXPECT_EQ(unpackElement(qm.packed.data(), 3, 8, true), 2);
  EXPECT_EQ(unpackElement(qm.packed.data(), 4, 8, true), -2);
}

TEST(RtnTest, DegenerateGroupsAreFinite) {
  for (bool symmetric : {false, true}) {
    for (unsigned bits : {4u, 8u}) {
      QuantScheme s{bits, symmetric, !symmetric, 4, ScaleType::F16};
      // All zero; constant; tiny values whose f16 scale underflows.
      float w[12] = {0, 0, 0, 0, 3, 3, 3, 3, 1e-12f, -1e-12f, 0, 1e-12f};
      QuantizedMatrix qm;
      ASSERT_FALSE(quantizeRtn(w, 1, 12, s, qm));
      std::vector<float> deq(12);
      dequantize(qm, s, deq.data());
      for (int i = 0; i < 12; ++i)
        EXPECT_TRUE(std::isfinite(deq[i])) << i;
      for (int i = 0; i < 4; ++i)
        EXPECT_EQ(deq[i], 0.0f);
      for (float scale : qm.scales)
        EXPECT_NE(scale, 0.0f);
      EXPECT_NEAR(deq[4], 3.0f, 0.25f);
    }
  }
}

TEST(RtnTest, RejectsNonFiniteWeightsAndOverflow) {
  QuantScheme s{4, false, true, 2, ScaleType::F16};
  float w[4] = {1, NAN, 2, 3};
  QuantizedMatrix qm;
  auto error = quantizeRtn(w, 2, 2, s, qm);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("weight [0, 1] is not finite"), std::string::npos);
  float big[2] = {1e30f, 1};
  error = quantizeRtn(big, 1, 2, s, qm);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("overflows the scale type f16"), std::string::npos);
}

// Found by fuzz/FuzzQuantize (test/fuzz-regressions/FuzzQuantize): weights
// near FLT_MAX with a bf16 scale, rounded up, made scale * (q - zero)
// overflow to -inf while quantization reported success.
TEST(RtnTest, RejectsGroupsWhoseDequantizationOverflows) {
  const float big = 3.4027975e38f;
  for (ScaleType type : {ScaleType::BF16, ScaleType::F32}) {
    QuantScheme s{4, false, true, 4, type};
    float w[4] = {-big, -big, -big, -big};
    QuantizedMatrix qm;
    auto error = quantizeRtn(w, 1, 4, s, qm);
    if (!error) {
      // Representable after all: then every stored value is finite.
      for (int32_t q = s.qmin(); q <= s.qmax(); ++q)
        EXPECT_TRUE(std::isfinite(qm.scales[0] * float(q - qm.zeros[0])));
      continue;
    }
    EXPECT_TRUE(error->find("overflows") != std::string::npos) << *error;
  }
  QuantScheme bf16{4, false, true, 4, ScaleType::BF16};
  float w[4] = {-big, -big, -big, -big};
  QuantizedMatrix qm;
  auto error = quantizeRtn(w, 1, 4, bf16, qm);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("overflows f32 when dequantized"), std::string::npos)
      << *error;
}

TEST(SchemeTest, ValidatesAndSizesStorage) {
  QuantScheme s{4, false, true, 32, ScaleType::F16};
  EXPECT_FALSE(s.validate());
  EXPECT_EQ(s.numGroups(300), 10);
  EXPECT_EQ(s.bytesPerGroup(300), 16);
  EXPECT_EQ(s.packedBytesPerRow(300), 160);
  QuantScheme odd{4, false, true, 7, ScaleType::F16};
  EXPECT_EQ(odd.bytesPerGroup(41), 4); // 7 nibbles padded to 4 bytes.
  QuantScheme perChannel{8, true, false, 0, ScaleType::F32};
  EXPECT_EQ(perChannel.numGroups(77), 1);
  EXPECT_EQ(perChannel.bytesPerGroup(77), 77);
  EXPECT_TRUE((QuantScheme{4, true, true, 32, ScaleType::F16}.validate()));
  EXPECT_TRUE((QuantScheme{9, false, true, 32, ScaleType::F16}.validate()));
  EXPECT_TRUE((QuantScheme{4, false, true, -1, ScaleType::F16}.validate()));
}

TEST(PackingTest, RoundTripsEveryWidth) {
  std::mt19937 gen(99);
  for (unsigned bits = 2; bits <= 8; ++bits) {
    for (bool isSigned : {false, true}) {
      int32_t lo = isSigned ? -(1 << (bits - 1)) : 0;
      int32_t hi = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
      std::uniform_int_distribution<int32_t> dist(lo, hi);
      const int64_t count = 37;
      std::vector<uint8_t> bytes((count * bits + 7) / 8, 0xA5);
      std::vector<int32_t> values(count);
      for (int64_t i = 0; i < count; ++i) {
        values[i] = dist(gen);
        packElement(bytes.data(), i, bits, values[i]);
      }
      for (int64_t i = 0; i < count; ++i)
        EXPECT_EQ(unpackElement(bytes.data(), i, bits, isSigned), values[i])
            << bits << " bits, element " << i;
    }
  }
}

TEST(PackingTest, Int4BitOrderIsLowNibbleFirst) {
  uint8_t bytes[2] = {0, 0};
  packElement(bytes, 0, 4, 0x3);
  packElement(bytes, 1, 4, 0xC);
  packElement(bytes, 2, 4, -1);
  EXPECT_EQ(bytes[0], 0xC3);
  EXPECT_EQ(bytes[1], 0x0F);
  EXPECT_EQ(unpackElement(bytes, 2, 4, true), -1);
  EXPECT_EQ(unpackElement(bytes, 2, 4, false), 15);
}

TEST(FloatTest, HalfConversionRoundsToNearestEven) {
  EXPECT_EQ(floatToHalfBits(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalfBits(-2.0f), 0xC000);
  EXPECT_EQ(floatToHalfBits(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToHalfBits(65520.0f), 0x7C00); // Rounds up to infinity.
  EXPECT_EQ(floatToHalfBits(1.0f + 1.0f / 2048.0f), 0x3C00); // Tie to even.
  EXPECT_EQ(floatToHalfBits(1.0f + 3.0f / 2048.0f), 0x3C02);
  EXPECT_EQ(floatToHalfBits(std::ldexp(1.0f, -24)), 0x0001); // Subnormal.
  EXPECT_EQ(floatToHalfBits(std::ldexp(1.0f, -26)), 0x0000);
  EXPECT_TRUE(std::isnan(halfBitsToFloat(floatToHalfBits(NAN))));
  // Every finite half value round-trips exactly.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) == 0x7C00)
      continue;
    EXPECT_EQ(floatToHalfBits(halfBitsToFloat(h)), h) << h;
  }
  // Against the double-rounding-free reference: nearest half of random floats.
  std::mt19937 gen(5);
  std::uniform_real_distribution<float> dist(-70000.0f, 70000.0f);
  for (int i = 0; i < 10000; ++i) {
    float x = dist(gen) * (i % 2 ? 1e-4f : 1.0f);
    float r = halfBitsToFloat(floatToHalfBits(x));
    if (!std::isfinite(r))
      continue;
    float next = halfBitsToFloat(floatToHalfBits(r) + 1);
    float prev = halfBitsToFloat(floatToHalfBits(r) - 1);
    EXPECT_LE(std::fabs(x - r), std::fabs(x - next));
    EXPECT_LE(std::fabs(x - r), std::fabs(x - prev));
  }
}

TEST(FloatTest, BFloat16RoundsToNearestEven) {
  EXPECT_EQ(floatToBFloat16Bits(1.0f), 0x3F80);
  float tie;
  uint32_t bits = 0x3F808000; // Exactly halfway between 0x3F80 and 0x3F81.
  std::memcpy(&tie, &bits, 4);
  EXPECT_EQ(floatToBFloat16Bits(tie), 0x3F80);
  bits = 0x3F818000; // Halfway, odd below -> rounds up.
  std::memcpy(&tie, &bits, 4);
  EXPECT_EQ(floatToBFloat16Bits(tie), 0x3F82);
  EXPECT_TRUE(std::isnan(bfloat16BitsToFloat(floatToBFloat16Bits(NAN))));
}

//===----------------------------------------------------------------------===//
// Group offsets: w = scale * (q - zero) + offset.
//===----------------------------------------------------------------------===//

TEST(OffsetsTest, LegalCombinations) {
  // Offsets go with signed or unsigned storage, with or without zero points
  // (tinygemm's (q - 8) * s + z is zero points and offsets together).
  for (bool isSigned : {false, true})
    for (bool zeroPoints : {false, true}) {
      QuantScheme s{4, isSigned, zeroPoints, 32, ScaleType::F16};
      s.offsets = true;
      EXPECT_EQ(s.validate().has_value(), isSigned && zeroPoints)
          << isSigned << zeroPoints;
    }
  // Aggregate initialization leaves offsets off.
  EXPECT_FALSE((QuantScheme{4, false, true, 32, ScaleType::F16}.offsets));
}

TEST(OffsetsTest, InitAllocatesOffsetsOnlyWhenAsked) {
  QuantScheme s{4, false, false, 32, ScaleType::F16};
  QuantizedMatrix m;
  initQuantizedMatrix(3, 77, s, m);
  EXPECT_TRUE(m.offsets.empty());
  EXPECT_TRUE(m.zeros.empty());
  s.offsets = true;
  initQuantizedMatrix(3, 77, s, m);
  EXPECT_EQ(m.offsets.size(), 9u); // 3 rows x ceil(77 / 32) groups
  for (float v : m.offsets)
    EXPECT_EQ(v, 0.0f);
}

/// float64 reference of the definition, from the stored integers.
double referenceValue(double scale, int32_t q, int32_t zero, double offset) {
  return scale * (static_cast<double>(q) - zero) + offset;
}

TEST(OffsetsTest, DequantizeAppliesScaleZeroAndOffset) {
  std::mt19937 gen(2024);
  struct Case {
    unsigned bits;
    bool isSigned, zeroPoints;
    int64_t groupSize, cols;
    ScaleType scaleType;
  };
  // Q4_1 (u4, no zero points, g32), tinygemm (u4 + zero points), signed
  // int4 and int8, ragged K, per channel, every scale type.
  const Case cases[] = {{4, false, false, 32, 96, ScaleType::F16},
                        {4, false, true, 32, 77, ScaleType::BF16},
                        {4, true, false, 16, 50, ScaleType::F32},
                        {8, false, true, 0, 41, ScaleType::F16},
                        {8, true, false, 8, 29, ScaleType::BF16},
                        {2, false, false, 5, 23, ScaleType::F16}};
  for (const Case &c : cases) {
    QuantScheme s{c.bits, c.isSigned, c.zeroPoints, c.groupSize, c.scaleType};
    s.offsets = true;
    ASSERT_FALSE(s.validate());
    const int64_t rows = 5, groups = s.numGroups(c.cols);
    QuantizedMatrix m;
    initQuantizedMatrix(rows, c.cols, s, m);
    std::uniform_int_distribution<int32_t> qDist(s.qmin(), s.qmax());
    std::uniform_int_distribution<int32_t> zDist(0, s.qmax());
    std::uniform_real_distribution<float> sDist(0.001f, 0.05f), oDist(-0.5f, 0.5f);
    std::vector<int32_t> q(rows * c.cols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t col = 0; col < c.cols; ++col) {
        q[r * c.cols + col] = qDist(gen);
        storeElement(m, s, r, col, q[r * c.cols + col]);
      }
    for (int64_t i = 0; i < rows * groups; ++i) {
      m.scales[i] = roundToScaleType(sDist(gen), c.scaleType);
      m.offsets[i] = roundToScaleType(oDist(gen), c.scaleType);
      if (c.zeroPoints)
        m.zeros[i] = zDist(gen);
    }
    std::vector<float> out(rows * c.cols);
    dequantize(m, s, out.data());
    const int64_t gs = s.effectiveGroupSize(c.cols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t col = 0; col < c.cols; ++col) {
        int64_t g = r * groups + col / gs;
        double expected =
            referenceValue(m.scales[g], q[r * c.cols + col],
                           c.zeroPoints ? m.zeros[g] : 0, m.offsets[g]);
        // One f32 rounding of the exact value.
        EXPECT_NEAR(out[r * c.cols + col], expected,
                    std::fabs(expected) * 0x1p-24 + 1e-30)
            << c.bits << " bits, row " << r << ", col " << col;
      }
  }
}

TEST(OffsetsTest, Q41BlocksAreExact) {
  // llama.cpp Q4_1: w = d * q + m with f16 d and m; here d = 2^-6 and m =
  // -0.25, so every value is exact in f32 and must come back exactly.
  QuantScheme s{4, false, false, 32, ScaleType::F16};
  s.offsets = true;
  QuantizedMatrix m;
  initQuantizedMatrix(1, 32, s, m);
  for (int64_t i = 0; i < 32; ++i)
    storeElement(m, s, 0, i, static_cast<int32_t>(i % 16));
  m.scales[0] = 0.015625f;
  m.offsets[0] = -0.25f;
  std::vector<float> out(32);
  dequantize(m, s, out.data());
  for (int64_t i = 0; i < 32; ++i)
    EXPECT_EQ(out[i], 0.015625f * static_cast<float>(i % 16) - 0.25f) << i;
}

TEST(OffsetsTest, QuantizersRejectOffsets) {
  QuantScheme s{4, false, false, 32, ScaleType::F16};
  s.offsets = true;
  std::vector<float> w = randomMatrix(4, 64, 7);
  QuantizedMatrix m;
  std::optional<std::string> error = quantizeRtn(w.data(), 4, 64, s, m);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("offsets"), std::string::npos) << *error;
  GroupParams params;
  EXPECT_TRUE(computeRtnParams(w.data(), 32, s, params));
  EXPECT_TRUE(computeShrunkParams(w.data(), 32, s, 0.9f, params));
}

} // namespace

// The bit-level form of the dequantization rule that the kernels use (flip
// the top bit of a signed field, read it as unsigned, fold 2^(bits-1) into
// the zero point) agrees with the two's complement value unpackElement
// reads, for every field pattern, width and signedness, and with the
// magic-number conversion of the GPU kernels: (2^23 | u') - (2^23 + zero +
// bias) = q - zero exactly.
TEST(DequantRuleTest, UnsignedReadingWithFlippedSignMatchesTwosComplement) {
  for (unsigned bits : {4u, 8u})
    for (bool isSigned : {false, true})
      for (uint32_t pattern = 0; pattern <= fieldMask(bits); ++pattern) {
        uint8_t byte = static_cast<uint8_t>(pattern);
        int32_t q = unpackElement(&byte, 0, bits, isSigned);
        EXPECT_EQ(fieldValue(pattern, bits, isSigned), q)
            << bits << " bits, signed " << isSigned << ", pattern " << pattern;
        uint32_t flipped =
            (pattern ^ (isSigned ? fieldSignBits32(bits) : 0)) &
            fieldMask(bits);
        for (int32_t zero : {0, 3, int32_t(fieldMask(bits))}) {
          float magic;
          uint32_t magicBits = kF32Magic | flipped;
          std::memcpy(&magic, &magicBits, 4);
          float difference =
              magic - (kF32MagicValue +
                       float(zero + unsignedReadBias(bits, isSigned)));
          EXPECT_EQ(difference, float(q - zero));
          EXPECT_EQ(dequantizeValue(q, zero, 0.5, 0.25),
                    0.5 * (q - zero) + 0.25);
        }
      }
  EXPECT_EQ(fieldSignBits32(4), 0x88888888u);
  EXPECT_EQ(fieldSignBits32(8), 0x80808080u);
}
