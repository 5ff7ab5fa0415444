//===- GpuLayout.cpp - GPU tile orders of packed weights ------------------===//

#include "wq/Numerics/GpuLayout.h"

namespace wq_numerics {

std::optional<std::string> checkMmaTiles(const QuantScheme &scheme,
                                         int64_t rows, int64_t cols) {
  if (scheme.bits != 4)
    return "mma_tiles needs 4-bit fields, got " + std::to_string(scheme.bits);
  if (rows <= 0 || cols <= 0 || cols % kMmaTileDepth != 0)
    return "mma_tiles needs K a multiple of 64, got " + std::to_string(cols);
  if (scheme.effectiveGroupSize(cols) % 16 != 0)
    return "mma_tiles needs groups of a multiple of 16 positions, got " +
           std::to_string(scheme.effectiveGroupSize(cols));
  return std::nullopt;
}

int64_t mmaTilesPackedBytes(int64_t rows, int64_t cols) {
  return (rows + kMmaTileChannels - 1) / kMmaTileChannels *
         (cols / kMmaTileDepth) * kMmaTileBytes;
}

NibblePosition mmaTilePosition(int64_t row, int64_t col, int64_t cols) {
  const int64_t channelBlock = row / kMmaTileChannels;
  const int64_t inBlock = row % kMmaTileChannels;
  const int64_t g = inBlock % 8, high = inBlock / 8;
  const int64_t tile = col / kMmaTileDepth, depth = col % kMmaTileDepth;
  const int64_t step = depth / 16, q = (depth % 16) / 4, j = depth % 4;
  const int64_t lane = 4 * g + q;
  // Nibble of position k0 + j: low channel p0, p4, p2, p6; high one more.
  static constexpr int64_t kNibbleOfPosition[4] = {0, 4, 2, 6};
  const int64_t nibble = kNibbleOfPosition[j] + high;
  const int64_t tileOffset =
      (channelBlock * (cols / kMmaTileDepth) + tile) * kMmaTileBytes;
  return {tileOffset + 16 * lane + 4 * step + nibble / 2, (nibble & 1) != 0};
}

std::vector<uint8_t> packMmaTiles(const uint8_t *rowMajor, int64_t rows,
                                  int64_t cols) {
  std::vector<uint8_t> tiled(mmaTilesPackedBytes(rows, cols), 0);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t col = 0; col < cols; ++col) {
      uint8_t byte = rowMajor[(row * cols + col) / 2];
      uint8_t field = col % 2 ? byte >> 4 : byte & 0xF;
      NibblePosition at = mmaTilePosition(row, col, cols);
      tiled[at.byte] |= at.high ? uint8_t(field << 4) : field;
    }
  return tiled;
}

std::vector<uint8_t> unpackMmaTiles(const uint8_t *tiled, int64_t rows,
                                    int64_t cols) {
  std::vector<uint8_t> rowMajor(rows * cols / 2, 0);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t col = 0; col < cols; ++col) {
      NibblePosition at = mmaTilePosition(row, col, cols);
      uint8_t field = at.high ? tiled[at.byte] >> 4 : tiled[at.byte] & 0xF;
      rowMajor[(row * cols + col) / 2] |= col % 2 ? uint8_t(field << 4) : field;
    }
  return rowMajor;
}

} // namespace wq_numerics
