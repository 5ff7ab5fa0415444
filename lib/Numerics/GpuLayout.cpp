//===- GpuLayout.cpp - GPU tile orders of packed weights ------------------===//

#include "wq/Numerics/GpuLayout.h"

namespace wq_numerics {

std::optional<std::string> checkMmaTiles(const QuantScheme &scheme,
                                         int64_t rows, int64_t cols) {
  if (scheme.bits != 4 && scheme.bits != 8)
    return "mma_tiles needs 4- or 8-bit fields, got " +
           std::to_string(scheme.bits);
  const int64_t depth = mmaTileDepth(scheme.bits);
  if (rows <= 0 || cols <= 0 || cols % depth != 0)
    return "mma_tiles needs K a multiple of " + std::to_string(depth) +
           " for " + std::to_string(scheme.bits) + "-bit fields, got " +
           std::to_string(cols);
  if (scheme.effectiveGroupSize(cols) % 16 != 0)
    return "mma_tiles needs groups of a multiple of 16 positions, got " +
           std::to_string(scheme.effectiveGroupSize(cols));
  return std::nullopt;
}

int64_t mmaTilesPackedBytes(int64_t rows, int64_t cols, unsigned bits) {
  return (rows + kMmaTileChannels - 1) / kMmaTileChannels *
         (cols / mmaTileDepth(bits)) * kMmaTileBytes;
}

FieldPosition mmaTilePosition(int64_t row, int64_t col, int64_t cols,
                              unsigned bits) {
  const int64_t depth = mmaTileDepth(bits);
  const int64_t channelBlock = row / kMmaTileChannels;
  const int64_t inBlock = row % kMmaTileChannels;
  const int64_t g = inBlock % 8, high = inBlock / 8;
  const int64_t tile = col / depth, inTile = col % depth;
  const int64_t step = inTile / 16, q = (inTile % 16) / 4, j = inTile % 4;
  const int64_t lane = 4 * g + q;
  const int64_t laneStart =
      (channelBlock * (cols / depth) + tile) * kMmaTileBytes + 16 * lane;
  if (bits == 8) {
    // Words 2s, 2s + 1: (low k0, high k0, low k0+1, high k0+1), then k0+2..
    const int64_t word = 2 * step + j / 2;
    return {laneStart + 4 * word + 2 * (j % 2) + high, false};
  }
  // Nibble of position k0 + j: low channel p0, p4, p2, p6; high one more.
  static constexpr int64_t kNibbleOfPosition[4] = {0, 4, 2, 6};
  const int64_t nibble = kNibbleOfPosition[j] + high;
  return {laneStart + 4 * step + nibble / 2, (nibble & 1) != 0};
}

/// Field (row, col) of row-major packed bytes (whole bytes per group, so a
/// row is cols * bits / 8 bytes).
static uint8_t rowMajorField(const uint8_t *bytes, int64_t row, int64_t col,
                             int64_t cols, unsigned bits) {
  if (bits == 8)
    return bytes[row * cols + col];
  uint8_t byte = bytes[(row * cols + col) / 2];
  return col % 2 ? byte >> 4 : byte & 0xF;
}

std::vector<uint8_t> packMmaTiles(const uint8_t *rowMajor, int64_t rows,
                                  int64_t cols, unsigned bits) {
  std::vector<uint8_t> tiled(mmaTilesPackedBytes(rows, cols, bits), 0);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t col = 0; col < cols; ++col) {
      uint8_t field = rowMajorField(rowMajor, row, col, cols, bits);
      FieldPosition at = mmaTilePosition(row, col, cols, bits);
      tiled[at.byte] |= at.highNibble ? uint8_t(field << 4) : field;
    }
  return tiled;
}

std::vector<uint8_t> unpackMmaTiles(const uint8_t *tiled, int64_t rows,
                                    int64_t cols, unsigned bits) {
  std::vector<uint8_t> rowMajor(rows * cols * bits / 8, 0);
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t col = 0; col < cols; ++col) {
      FieldPosition at = mmaTilePosition(row, col, cols, bits);
      uint8_t field = bits == 8        ? tiled[at.byte]
                      : at.highNibble ? tiled[at.byte] >> 4
                                      : tiled[at.byte] & 0xF;
      if (bits == 8)
        rowMajor[row * cols + col] = field;
      else
        rowMajor[(row * cols + col) / 2] |=
            col % 2 ? uint8_t(field << 4) : field;
    }
  return rowMajor;
}

} // namespace wq_numerics
