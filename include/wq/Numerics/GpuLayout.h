//===- GpuLayout.h - GPU tile orders of packed weights (no MLIR) -*- C++ -*-===//
//
// The `mma_tiles` layout re-tiles a row-major int4 weight so that the GPU
// decode kernel's tensor-core schedule reads it with one 128-bit load per
// lane and step and turns each 32-bit word into the A fragments of one
// `mma.sync.m16n8k16` with four lop3s and one shift (the weights are the A
// operand, 16 output channels by 16 reduction positions; the activations are
// the B operand, 16 positions by 8 rows).
//
// Storage: [ceil(N / 16), K / 64, 512] bytes. Tile (c, t) holds output
// channels 16c..16c+15 and input channels 64t..64t+63; lane l of the warp
// reads bytes [16l, 16l + 16) and uses word s (bytes 4s..4s+3) in mma step s.
// With g = l / 4 and q = l % 4, word s covers input channels
// k0 = 64t + 16s + 4q .. k0 + 3 of channels 16c + g ("low") and 16c + g + 8
// ("high"); its eight nibbles (nibble p = bits 4p..4p+3) are
//   p0 low k0, p4 low k0+1, p2 low k0+2, p6 low k0+3,
//   p1 high k0, p5 high k0+1, p3 high k0+2, p7 high k0+3,
// so (word & 0x000f000f) holds the pair (low k0, low k0+1) in its two 16-bit
// halves, (word & 0x00f000f0) the pair of the high channel, and the same on
// word >> 8 for k0+2, k0+3: exactly the fragment registers a0..a3. Channels
// past N are zero fields. The field values are the row-major ones (signed
// storage stays two's complement); scales and zero points keep their
// row-major [N, groups] order.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_NUMERICS_GPULAYOUT_H
#define WQ_NUMERICS_GPULAYOUT_H

#include "wq/Numerics/Numerics.h"

namespace wq_numerics {

/// Tile geometry of the `mma_tiles` layout.
constexpr int64_t kMmaTileChannels = 16;
constexpr int64_t kMmaTileDepth = 64;
constexpr int64_t kMmaTileBytes = kMmaTileChannels * kMmaTileDepth / 2;

/// Whether a [rows, cols] weight under `scheme` can use `mma_tiles`: 4-bit
/// fields, cols a multiple of 64 and groups of whole 16-position mma steps.
/// Returns the reason when it cannot.
std::optional<std::string> checkMmaTiles(const QuantScheme &scheme,
                                         int64_t rows, int64_t cols);

/// Bytes of the `mma_tiles` storage of a [rows, cols] int4 weight.
int64_t mmaTilesPackedBytes(int64_t rows, int64_t cols);

/// Where logical element (row, col) lives in the `mma_tiles` storage.
struct NibblePosition {
  int64_t byte;
  bool high; // the byte's high nibble
};
NibblePosition mmaTilePosition(int64_t row, int64_t col, int64_t cols);

/// Re-tiles row-major packed int4 bytes (QuantScheme's storage, whole bytes
/// per group) into the `mma_tiles` order, and back.
std::vector<uint8_t> packMmaTiles(const uint8_t *rowMajor, int64_t rows,
                                  int64_t cols);
std::vector<uint8_t> unpackMmaTiles(const uint8_t *tiled, int64_t rows,
                                    int64_t cols);

/// Conversion constants of the decode kernels (16-bit patterns; the kernels
/// splat them to both halves of a 32-bit register). A 4-bit field ORed into
/// the mantissa of the magic number gives magic + field exactly.
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

} // namespace wq_numerics

#endif // WQ_NUMERICS_GPULAYOUT_H
