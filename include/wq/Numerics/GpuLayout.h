//===- GpuLayout.h - GPU tile orders of packed weights (no MLIR) -*- C++ -*-===//
//
// The `mma_tiles` layout re-tiles a row-major int4 or int8 weight so that the
// GPU decode kernel's tensor-core schedule reads it with one 128-bit load per
// lane and step and turns each 32-bit word into A-fragment registers of
// `mma.sync.m16n8k16` with a few lop3 or prmt (the weights are the A
// operand, 16 output channels by 16 reduction positions; the activations are
// the B operand, 16 positions by 8 rows).
//
// Storage: [ceil(N / 16), K / D, 512] bytes, D = 64 positions per tile for
// int4 and 32 for int8. Tile (c, t) holds output channels 16c..16c+15 and
// input channels Dt..Dt+D-1; lane l of the warp reads bytes [16l, 16l + 16).
// With g = l / 4 and q = l % 4, mma step s of the tile covers input channels
// k0 = Dt + 16s + 4q .. k0 + 3 of channels 16c + g ("low") and 16c + g + 8
// ("high"), and the fragment registers are a0 = low (k0, k0+1), a1 = high
// (k0, k0+1), a2 = low (k0+2, k0+3), a3 = high (k0+2, k0+3).
//
// int4: word s (bytes 4s..4s+3) holds step s; its eight nibbles (nibble p =
// bits 4p..4p+3) are
//   p0 low k0, p4 low k0+1, p2 low k0+2, p6 low k0+3,
//   p1 high k0, p5 high k0+1, p3 high k0+2, p7 high k0+3,
// so (word & 0x000f000f) holds a0's two fields in its 16-bit halves,
// (word & 0x00f000f0) a1's, and the same on word >> 8 a2's and a3's.
//
// int8: words 2s and 2s+1 hold step s, bytes (low k0, high k0, low k0+1,
// high k0+1) and (low k0+2, high k0+2, low k0+3, high k0+3): prmt with
// selector 0x5250 picks bytes 0 and 2 (a0, a2), 0x5351 bytes 1 and 3 (a1,
// a3), each into the low byte of a 16-bit half.
//
// Channels past N are zero fields. The field values are the row-major ones
// (signed storage stays two's complement). Scales and zero points are
// [ceil(N / 16), groups, 16]: a tile column's 16 channels of one group are
// adjacent (32 bytes of f16 scales), so a warp's scale reads for a group hit
// one sector instead of 16; channels past N hold 0.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_NUMERICS_GPULAYOUT_H
#define WQ_NUMERICS_GPULAYOUT_H

#include "wq/Numerics/Numerics.h"

namespace wq_numerics {

/// Tile geometry of the `mma_tiles` layout: 16 channels by 64 (int4) or 32
/// (int8) positions, 512 bytes.
constexpr int64_t kMmaTileChannels = 16;
constexpr int64_t kMmaTileBytes = 512;
constexpr int64_t mmaTileDepth(unsigned bits) {
  return kMmaTileBytes * 8 / bits / kMmaTileChannels;
}

/// Whether a [rows, cols] weight under `scheme` can use `mma_tiles`: 4- or
/// 8-bit fields, cols a multiple of the tile depth and groups of whole
/// 16-position mma steps. Returns the reason when it cannot.
std::optional<std::string> checkMmaTiles(const QuantScheme &scheme,
                                         int64_t rows, int64_t cols);

/// Bytes of the `mma_tiles` storage of a [rows, cols] weight.
int64_t mmaTilesPackedBytes(int64_t rows, int64_t cols, unsigned bits);

/// Where logical element (row, col) lives in the `mma_tiles` storage.
struct FieldPosition {
  int64_t byte;
  bool highNibble; // int4: the byte's high nibble
};
FieldPosition mmaTilePosition(int64_t row, int64_t col, int64_t cols,
                              unsigned bits);

/// Re-tiles row-major packed bytes (QuantScheme's storage, whole bytes per
/// group) into the `mma_tiles` order, and back.
std::vector<uint8_t> packMmaTiles(const uint8_t *rowMajor, int64_t rows,
                                  int64_t cols, unsigned bits);
std::vector<uint8_t> unpackMmaTiles(const uint8_t *tiled, int64_t rows,
                                    int64_t cols, unsigned bits);

/// Per-group values (scales, zero points) from row-major [rows, groups] to
/// the `mma_tiles` order [ceil(rows / 16), groups, 16] (padding 0), and back.
template <typename T>
std::vector<T> groupsToMmaTiles(const T *rowMajor, int64_t rows,
                                int64_t groups) {
  const int64_t blocks = (rows + kMmaTileChannels - 1) / kMmaTileChannels;
  std::vector<T> tiled(blocks * groups * kMmaTileChannels, T(0));
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t g = 0; g < groups; ++g)
      tiled[((row / kMmaTileChannels) * groups + g) * kMmaTileChannels +
            row % kMmaTileChannels] = rowMajor[row * groups + g];
  return tiled;
}
template <typename T>
std::vector<T> groupsFromMmaTiles(const T *tiled, int64_t rows,
                                  int64_t groups) {
  std::vector<T> rowMajor(rows * groups);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t g = 0; g < groups; ++g)
      rowMajor[row * groups + g] =
          tiled[((row / kMmaTileChannels) * groups + g) * kMmaTileChannels +
                row % kMmaTileChannels];
  return rowMajor;
}

/// f32 2^23 (bits and value): a field of up to 23 bits ORed into its
/// mantissa gives 2^23 + field exactly; minus 2^23 + zero leaves field -
/// zero (the SIMT kernels' conversion, and int8 -> bf16 below).
constexpr uint32_t kF32Magic = 0x4B000000;
constexpr float kF32MagicValue = 8388608.0f;
/// Conversion constants of the tensor-core kernels (16-bit patterns; the
/// kernels splat them to both halves of a 32-bit register). A 4-bit field
/// ORed into the mantissa of the magic number gives magic + field exactly.
constexpr uint16_t kF16Magic = 0x6400;        // f16 1024.0
constexpr uint16_t kBF16Magic = 0x4300;       // bf16 128.0
constexpr uint16_t kF16OneSixteenth = 0x2C00; // f16 1/16
/// f16 1024 + z: subtracted from a low field, leaves field - z.
constexpr uint16_t f16LowBiasBits(int32_t zero) { return 0x6400 + zero; }
/// f16 -(64 + z): (1024 + 16 field) / 16 plus it leaves field - z.
constexpr uint16_t f16HighBiasBits(int32_t zero) {
  return uint16_t(0xD400 + 16 * zero);
}
/// bf16 128 + z: subtracted from a field, leaves field - z.
constexpr uint16_t bf16BiasBits(int32_t zero) { return 0x4300 + zero; }
/// int8 -> f16: prmt puts a byte under the high byte 0x64 (1024 + byte);
/// selectors of bytes 0 and 2, and 1 and 3, of the word.
constexpr uint32_t kF16Int8Magic = 0x64646464;
constexpr uint32_t kPrmtBytes02 = 0x5250;
constexpr uint32_t kPrmtBytes13 = 0x5351;
/// int8 -> bf16 (128 + byte is not exact in bf16's 8 significant bits): prmt
/// puts byte i under 0x4B000000 (f32 2^23 + byte), an f32 sub of 2^23 + z
/// leaves byte - z, an integer of at most 8 significant bits, so the f32's
/// low 16 bits are zero and its high half is the exact bf16: prmt with
/// kPrmtHighHalves packs two of them into a bf16x2 register.
constexpr uint32_t kF32Int8Magic = kF32Magic;
constexpr uint32_t prmtF32Byte(unsigned byte) { return 0x7650 | byte; }
constexpr uint32_t f32Int8BiasBits(int32_t zero) {
  return kF32Int8Magic + uint32_t(zero);
}
constexpr uint32_t kPrmtHighHalves = 0x7632;

} // namespace wq_numerics

#endif // WQ_NUMERICS_GPULAYOUT_H
