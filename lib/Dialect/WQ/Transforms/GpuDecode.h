//===- GpuDecode.h - Shared parts of the GPU decode schedules -*- C++ -*-===//
//
// What the GPU decode schedules share around their kernels: the operands as
// read-only buffers, the output buffer (the memref the result is only
// materialized into, if any, so no copy kernel follows), and replacing the
// op once the kernel is built.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_LIB_TRANSFORMS_GPUDECODE_H
#define WQ_LIB_TRANSFORMS_GPUDECODE_H

#include "wq/Dialect/WQ/Transforms/Passes.h"

namespace mlir::wq {

constexpr int64_t kWarpSize = 32;
/// Decode shapes end here (both schedules); larger M is prefill.
constexpr int64_t kMaxDecodeRows = 16;

struct GpuKernelBuffers {
  Value x, packed, scales, zeros, offsets; // zeros, offsets: null if absent
  Value out;
  /// The op writing the result into `out`, erased with the matmul; null when
  /// `out` is a fresh allocation.
  bufferization::MaterializeInDestinationOp materialize;
};

/// Buffers for the kernel that replaces `op`, created before it.
GpuKernelBuffers createGpuKernelBuffers(RewriterBase &b, MatmulOp op);

/// Replaces `op` by the kernel's output once the kernel writing
/// `buffers.out` has been built.
void replaceWithGpuKernelOutput(RewriterBase &b, MatmulOp op,
                                const GpuKernelBuffers &buffers);

/// Inline PTX `text` with LLVM-style `constraints`; the result (null for
/// none) is `resultType`, a struct for several outputs.
Value buildInlinePtx(OpBuilder &b, Location loc, Type resultType,
                     ValueRange operands, StringRef text,
                     StringRef constraints, bool hasSideEffects = false);

/// `lop3.b32` (inline PTX, b and c immediates): the bitwise function of a,
/// b, c whose truth table is `lut` (0xEA: (a & b) | c), one instruction.
Value buildLop3(OpBuilder &b, Location loc, Value a, uint32_t bBits,
                uint32_t cBits, uint8_t lut);

/// `prmt.b32` (inline PTX, b and the selector immediates): bytes of {b, a}
/// picked by `selector`.
Value buildPrmt(OpBuilder &b, Location loc, Value a, uint32_t bBits,
                uint32_t selector);
/// The same with b in a register.
Value buildPrmt(OpBuilder &b, Location loc, Value a, Value bReg,
                uint32_t selector);

/// The tensor-core schedule's knobs (wq-lower-to-gpu-decode's options; 0:
/// the schedule's choice).
struct MmaDecodeOptions {
  /// Warps per block sharing each tile column's K range (0: by N).
  int64_t splitK = 0;
  /// Tile columns per block (0: one).
  int64_t columnsPerBlock = 0;
  /// Warps per SM the kernel is compiled to keep resident, which caps its
  /// registers at 64K / (32 x this) (0: 32, i.e. 64 registers); at 16 or
  /// fewer, runs of twice as many tiles per loop iteration.
  int64_t residentWarps = 0;
};

/// The tensor-core schedule for wq.matmul ops whose weight is in the
/// `mma_tiles` layout (lib/Dialect/WQ/Transforms/LowerToGpuMma.cpp).
void populateGpuMmaDecodePatterns(RewritePatternSet &patterns,
                                  const MmaDecodeOptions &options);

} // namespace mlir::wq

#endif // WQ_LIB_TRANSFORMS_GPUDECODE_H
