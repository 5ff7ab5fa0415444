//===- GpuLayoutTest.cpp - The mma_tiles layout against the mma semantics -===//
//
// Emulates, in float64, what the GPU decode kernel's tensor-core schedule
// does with the `mma_tiles` storage: lane l reads the tile's bytes
// [16l, 16l + 16), turns word s into four f16x2 registers with the magic
// number 1024 (lop3 with 0x000f000f / 0x00f000f0 and 0x64006400, then
// sub/fma removing 1024 + zero point; bf16: magic 128; int8: prmt of the
// step's two words under 0x64, or for bf16 of each byte under f32 2^23),
// feeds them as the A fragments of mma.m16n8k16 (fragment layout from the
// PTX ISA, written out here independently of the packing code), loads the B fragments (activations)
// where the kernel does, and scales each step's product by its group scale.
// The result must equal the float64 product with the dequantized weight.
//
//===----------------------------------------------------------------------===//

#include "wq/Numerics/GpuLayout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace wq_numerics;

namespace {

std::vector<float> randomValues(int64_t count, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> values(count);
  for (float &v : values)
    v = dist(gen);
  return values;
}

/// The two f16 halves of a 32-bit register, as doubles.
std::array<double, 2> halves(uint32_t reg) {
  return {halfBitsToFloat(uint16_t(reg & 0xFFFF)),
          halfBitsToFloat(uint16_t(reg >> 16))};
}

/// PTX prmt.b32 (default mode): byte i of the result is byte (selector
/// nibble i & 7) of the 8-byte value {b, a} (a: bytes 0-3).
uint32_t prmt(uint32_t a, uint32_t b, uint32_t selector) {
  const uint64_t both = uint64_t(b) << 32 | a;
  uint32_t result = 0;
  for (int i = 0; i < 4; ++i) {
    const unsigned from = (selector >> (4 * i)) & 7;
    result |= uint32_t((both >> (8 * from)) & 0xFF) << (8 * i);
  }
  return result;
}

float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}
uint32_t floatToBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

uint32_t loadWord(const uint8_t *bytes) {
  return bytes[0] | bytes[1] << 8 | bytes[2] << 16 | uint32_t(bytes[3]) << 24;
}

/// y[m, n] as the kernel computes it, emulated in float64.
std::vector<double> emulateKernel(const std::vector<uint8_t> &tiled,
                                  const QuantizedMatrix &matrix,
                                  const QuantScheme &scheme,
                                  const std::vector<float> &x, int64_t rows,
                                  bool bf16) {
  const int64_t n = matrix.rows, k = matrix.cols;
  const int64_t group = scheme.effectiveGroupSize(k), groups = k / group;
  const bool int8 = scheme.bits == 8;
  const int64_t depth = int8 ? 32 : 64; // positions per 512-byte tile
  const int64_t blocks = (n + 15) / 16, tiles = k / depth;
  std::vector<double> y(rows * n, 0.0);
  // Scales and zero points as the kernel reads them: [tile column, group,
  // 16 channels] (padding channels hold 0).
  const std::vector<float> tiledScales =
      groupsToMmaTiles(matrix.scales.data(), n, groups);
  const std::vector<int32_t> tiledZeros =
      scheme.zeroPoints ? groupsToMmaTiles(matrix.zeros.data(), n, groups)
                        : std::vector<int32_t>();
  auto groupIndex = [&](int64_t c, int64_t grp, int64_t inBlock) {
    return (c * groups + grp) * 16 + inBlock;
  };
  auto zeroOf = [&](int64_t c, int64_t grp, int64_t inBlock) -> int32_t {
    if (scheme.zeroPoints)
      return tiledZeros[groupIndex(c, grp, inBlock)];
    // Signed fields are flipped to unsigned (top bit), zero point 2^(b-1).
    return scheme.isSigned ? (int8 ? 128 : 8) : 0;
  };
  for (int64_t c = 0; c < blocks; ++c)
    for (int64_t t = 0; t < tiles; ++t)
      for (int64_t s = 0; s < depth / 16; ++s) {
        double a[16][16] = {};
        for (int64_t lane = 0; lane < 32; ++lane) {
          const int64_t g = lane / 4, q = lane % 4;
          const uint8_t *laneBytes =
              &tiled[(c * tiles + t) * kMmaTileBytes + 16 * lane];
          // int4: word s; int8: words 2s, 2s + 1.
          uint32_t word = loadWord(laneBytes + 4 * (int8 ? 2 * s : s));
          uint32_t word2 = int8 ? loadWord(laneBytes + 4 * (2 * s + 1)) : 0;
          if (scheme.isSigned) {
            word ^= int8 ? 0x80808080u : 0x88888888u;
            word2 ^= 0x80808080u;
          }
          const uint32_t magic = kF16Magic * 0x10001u;
          uint32_t lo = (word & 0x000f000fu) | magic;
          uint32_t hi = (word & 0x00f000f0u) | magic;
          uint32_t lo2 = ((word >> 8) & 0x000f000fu) | magic;
          uint32_t hi2 = ((word >> 8) & 0x00f000f0u) | magic;
          const int64_t grp = (depth * t + 16 * s) / group;
          const int32_t zLow = zeroOf(c, grp, g);
          const int32_t zHigh = zeroOf(c, grp, g + 8);
          const double lowBias = halfBitsToFloat(f16LowBiasBits(zLow));
          const double highBias = halfBitsToFloat(f16HighBiasBits(zHigh));
          const double sixteenth = halfBitsToFloat(kF16OneSixteenth);
          // reg0: low channel k0, k0+1; reg1: high channel k0, k0+1;
          // reg2: low channel k0+2, k0+3; reg3: high channel k0+2, k0+3.
          std::array<double, 2> reg[4];
          // bf16: magic 128, one lop3 with 0x000f000f per register on the
          // word shifted by 0, 4, 8, 12, minus 128 + zero.
          for (int i = 0; bf16 && !int8 && i < 4; ++i) {
            uint32_t bits =
                ((word >> (4 * i)) & 0x000f000fu) | kBF16Magic * 0x10001u;
            double bias = bfloat16BitsToFloat(bf16BiasBits(i % 2 ? zHigh : zLow));
            reg[i][0] = bfloat16BitsToFloat(uint16_t(bits & 0xFFFF)) - bias;
            reg[i][1] = bfloat16BitsToFloat(uint16_t(bits >> 16)) - bias;
          }
          // int8 (bf16): prmt of each byte under 0x4B000000 (f32 2^23 +
          // byte), f32 minus 2^23 + zero, the pair's high halves packed by
          // prmt 0x7632.
          for (int i = 0; int8 && bf16 && i < 4; ++i) {
            const uint32_t from = i < 2 ? word : word2;
            const int32_t zero = i % 2 ? zHigh : zLow;
            uint32_t f32Bits[2];
            for (int h = 0; h < 2; ++h) {
              const float field =
                  bitsToFloat(prmt(from, kF32Int8Magic, prmtF32Byte(i % 2 + 2 * h)));
              f32Bits[h] = floatToBits(field - bitsToFloat(f32Int8BiasBits(zero)));
            }
            const uint32_t bits = prmt(f32Bits[0], f32Bits[1], kPrmtHighHalves);
            reg[i][0] = bfloat16BitsToFloat(uint16_t(bits & 0xFFFF));
            reg[i][1] = bfloat16BitsToFloat(uint16_t(bits >> 16));
          }
          // int8 (f16): prmt of bytes 0, 2 and 1, 3 under 0x64, minus
          // 1024 + zero.
          for (int i = 0; int8 && !bf16 && i < 4; ++i) {
            uint32_t bits = prmt(i < 2 ? word : word2, kF16Int8Magic,
                                 i % 2 ? kPrmtBytes13 : kPrmtBytes02);
            double bias = halfBitsToFloat(f16LowBiasBits(i % 2 ? zHigh : zLow));
            reg[i][0] = halves(bits)[0] - bias;
            reg[i][1] = halves(bits)[1] - bias;
          }
          for (int h = 0; !bf16 && !int8 && h < 2; ++h) {
            reg[0][h] = halves(lo)[h] - lowBias;
            reg[1][h] = halves(hi)[h] * sixteenth + highBias;
            reg[2][h] = halves(lo2)[h] - lowBias;
            reg[3][h] = halves(hi2)[h] * sixteenth + highBias;
          }
          // PTX ISA, mma.m16n8k16 .f16 A fragment (row major): a0,a1 at
          // (g, 2q + i), a2,a3 at (g + 8, 2q + i), a4,a5 at (g, 2q + 8 + i),
          // a6,a7 at (g + 8, 2q + 8 + i).
          for (int h = 0; h < 2; ++h) {
            a[g][2 * q + h] = reg[0][h];
            a[g + 8][2 * q + h] = reg[1][h];
            a[g][2 * q + 8 + h] = reg[2][h];
            a[g + 8][2 * q + 8 + h] = reg[3][h];
          }
        }
        for (int64_t rowTile = 0; rowTile < (rows + 7) / 8; ++rowTile) {
          // B fragment (column major, 16 x 8): b0,b1 at (2q + i, g), b2,b3
          // at (2q + 8 + i, g); the kernel loads them as the four
          // activations x[row][k0 .. k0 + 3], k0 = 64t + 16s + 4q.
          double bMatrix[16][8] = {};
          for (int64_t lane = 0; lane < 32; ++lane) {
            const int64_t g = lane / 4, q = lane % 4;
            const int64_t row = 8 * rowTile + g;
            const int64_t k0 = depth * t + 16 * s + 4 * q;
            for (int h = 0; h < 2; ++h) {
              bMatrix[2 * q + h][g] = row < rows ? x[row * k + k0 + h] : 0.0;
              bMatrix[2 * q + 8 + h][g] =
                  row < rows ? x[row * k + k0 + 2 + h] : 0.0;
            }
          }
          for (int i = 0; i < 16; ++i)
            for (int j = 0; j < 8; ++j) {
              const int64_t channel = 16 * c + i, row = 8 * rowTile + j;
              if (channel >= n || row >= rows)
                continue;
              double dot = 0.0;
              for (int kk = 0; kk < 16; ++kk)
                dot += a[i][kk] * bMatrix[kk][j];
              const int64_t grp = (depth * t + 16 * s) / group;
              y[row * n + channel] += tiledScales[groupIndex(c, grp, i)] * dot;
            }
        }
      }
  return y;
}

struct Case {
  QuantScheme scheme;
  int64_t n, k, rows;
  bool bf16 = false; // activations and conversion
};

class MmaTilesTest : public ::testing::TestWithParam<Case> {};

TEST_P(MmaTilesTest, KernelEmulationMatchesFloat64Reference) {
  const Case &c = GetParam();
  ASSERT_FALSE(checkMmaTiles(c.scheme, c.n, c.k));
  std::vector<float> w = randomValues(c.n * c.k, 11);
  QuantizedMatrix matrix;
  ASSERT_FALSE(quantizeRtn(w.data(), c.n, c.k, c.scheme, matrix));
  std::vector<float> dequantized(c.n * c.k);
  dequantize(matrix, c.scheme, dequantized.data());
  // Activations rounded to f16 or bf16, as the kernel receives them.
  std::vector<float> x = randomValues(c.rows * c.k, 12);
  for (float &v : x)
    v = c.bf16 ? bfloat16BitsToFloat(floatToBFloat16Bits(v))
               : halfBitsToFloat(floatToHalfBits(v));

  const unsigned bits = c.scheme.bits;
  std::vector<uint8_t> tiled =
      packMmaTiles(matrix.packed.data(), c.n, c.k, bits);
  ASSERT_EQ(int64_t(tiled.size()), mmaTilesPackedBytes(c.n, c.k, bits));
  EXPECT_EQ(unpackMmaTiles(tiled.data(), c.n, c.k, bits), matrix.packed);

  std::vector<double> y = emulateKernel(tiled, matrix, c.scheme, x, c.rows, c.bf16);
  double maxError = 0.0, maxRef = 0.0;
  for (int64_t m = 0; m < c.rows; ++m)
    for (int64_t ch = 0; ch < c.n; ++ch) {
      double ref = 0.0;
      for (int64_t kk = 0; kk < c.k; ++kk)
        ref += double(x[m * c.k + kk]) * double(dequantized[ch * c.k + kk]);
      maxError = std::max(maxError, std::abs(ref - y[m * c.n + ch]));
      maxRef = std::max(maxRef, std::abs(ref));
    }
  ASSERT_GT(maxRef, 1.0);
  EXPECT_LT(maxError, 1e-9 * maxRef);
}

QuantScheme scheme(bool isSigned, bool zeroPoints, int64_t group,
                   unsigned bits = 4) {
  QuantScheme s;
  s.bits = bits;
  s.isSigned = isSigned;
  s.zeroPoints = zeroPoints;
  s.groupSize = group;
  return s;
}

// Ragged N (37, 8: fewer than one tile of channels), M = 1, 8 and 11 (two
// row tiles), group sizes 16 to per-channel, signed and asymmetric fields,
// int4 and int8, f16 and bf16 activations.
INSTANTIATE_TEST_SUITE_P(
    Schemes, MmaTilesTest,
    ::testing::Values(Case{scheme(false, true, 32), 37, 192, 1},
                      Case{scheme(true, false, 128), 40, 256, 11},
                      Case{scheme(false, true, 0), 8, 128, 8},
                      Case{scheme(true, false, 16), 33, 64, 3},
                      Case{scheme(false, false, 64), 16, 320, 16},
                      Case{scheme(false, true, 32), 37, 192, 9, true},
                      Case{scheme(true, false, 128), 24, 256, 1, true},
                      Case{scheme(true, false, 0, 8), 37, 96, 1},
                      Case{scheme(false, true, 16, 8), 20, 64, 11},
                      Case{scheme(false, true, 32, 8), 16, 128, 4},
                      Case{scheme(true, false, 0, 8), 21, 96, 9, true},
                      Case{scheme(false, true, 64, 8), 40, 128, 1, true},
                      Case{scheme(false, true, 16, 8), 16, 64, 16, true}),
    // Readable names (the default prints the struct's bytes, padding
    // included, so the names changed from build to build).
    [](const ::testing::TestParamInfo<Case> &info) {
      const Case &c = info.param;
      return std::string(c.scheme.isSigned ? "i" : "u") +
             std::to_string(c.scheme.bits) +
             (c.scheme.zeroPoints ? "_zp" : "") + "_g" +
             std::to_string(c.scheme.groupSize) + "_n" + std::to_string(c.n) +
             "_k" + std::to_string(c.k) + "_m" + std::to_string(c.rows) +
             (c.bf16 ? "_bf16" : "_f16");
    });

TEST(MmaTiles, ConversionConstantsAreExact) {
  EXPECT_EQ(halfBitsToFloat(kF16Magic), 1024.0f);
  EXPECT_EQ(bfloat16BitsToFloat(kBF16Magic), 128.0f);
  EXPECT_EQ(halfBitsToFloat(kF16OneSixteenth), 1.0f / 16);
  for (int32_t z = 0; z < 16; ++z) {
    EXPECT_EQ(halfBitsToFloat(f16LowBiasBits(z)), 1024.0f + z);
    EXPECT_EQ(halfBitsToFloat(f16HighBiasBits(z)), -(64.0f + z));
    EXPECT_EQ(bfloat16BitsToFloat(bf16BiasBits(z)), 128.0f + z);
    // A field ORed into the magic numbers' mantissas.
    EXPECT_EQ(halfBitsToFloat(kF16Magic | z), 1024.0f + z);
    EXPECT_EQ(halfBitsToFloat(kF16Magic | z << 4), 1024.0f + 16 * z);
    EXPECT_EQ(bfloat16BitsToFloat(kBF16Magic | z), 128.0f + z);
  }
  // int8: 1024 + byte and 1024 + zero are exact for every byte.
  for (int32_t b = 0; b < 256; ++b) {
    EXPECT_EQ(halfBitsToFloat(uint16_t((kF16Int8Magic & 0xFF00) | b)),
              1024.0f + b);
    EXPECT_EQ(halfBitsToFloat(f16LowBiasBits(b)), 1024.0f + b);
  }
  // int8 -> bf16: 2^23 + byte and 2^23 + zero are exact f32s, and every
  // byte - zero leaves the f32's low 16 bits zero (its bf16 is exact).
  for (int32_t b = 0; b < 256; ++b) {
    const float field =
        bitsToFloat(prmt(uint32_t(b) << 16, kF32Int8Magic, prmtF32Byte(2)));
    EXPECT_EQ(field, 8388608.0f + b);
    EXPECT_EQ(bitsToFloat(f32Int8BiasBits(b)), 8388608.0f + b);
    for (int32_t z = 0; z < 256; ++z)
      EXPECT_EQ(floatToBits(float(b - z)) & 0xFFFF, 0u) << b << " - " << z;
  }
}

TEST(MmaTiles, RejectsUnsupportedSchemes) {
  EXPECT_TRUE(checkMmaTiles(scheme(false, true, 32), 16, 100)); // K % 64
  EXPECT_TRUE(checkMmaTiles(scheme(false, true, 24), 16, 192)); // group % 16
  EXPECT_TRUE(checkMmaTiles(scheme(true, false, 0, 8), 16, 80)); // K % 32
  EXPECT_TRUE(checkMmaTiles(scheme(true, false, 0, 3), 16, 128)); // 3 bits
  EXPECT_FALSE(checkMmaTiles(scheme(true, false, 0, 8), 16, 96));
  EXPECT_FALSE(checkMmaTiles(scheme(false, true, 0), 16, 128));
}

TEST(MmaTiles, GroupValuesRoundTripWithZeroPadding) {
  const int64_t rows = 21, groups = 3;
  std::vector<float> values(rows * groups);
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = 1.0f + float(i);
  std::vector<float> tiled = groupsToMmaTiles(values.data(), rows, groups);
  ASSERT_EQ(tiled.size(), size_t(2 * groups * 16));
  // Channel 17 (block 1, lane slot 1), group 2.
  EXPECT_EQ(tiled[(1 * groups + 2) * 16 + 1], values[17 * groups + 2]);
  // Padding channels 21..31 hold 0.
  EXPECT_EQ(tiled[(1 * groups + 0) * 16 + 5], 0.0f);
  EXPECT_EQ(groupsFromMmaTiles(tiled.data(), rows, groups), values);
}

TEST(MmaTiles, PositionsCoverTheStorageOnce) {
  const int64_t n = 48, k = 128;
  for (unsigned bits : {4u, 8u}) {
    const int64_t fieldsPerByte = 8 / bits;
    std::vector<int> uses(mmaTilesPackedBytes(n, k, bits) * fieldsPerByte, 0);
    for (int64_t row = 0; row < n; ++row)
      for (int64_t col = 0; col < k; ++col) {
        FieldPosition at = mmaTilePosition(row, col, k, bits);
        ++uses[at.byte * fieldsPerByte + at.highNibble];
      }
    for (int count : uses)
      EXPECT_EQ(count, 1);
  }
}

} // namespace
