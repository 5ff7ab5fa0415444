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

/// The mma.sync.m16n8k16 fragments of the tensor-core kernels: activation
/// rows per mma (its n), f32 accumulators per lane and row tile, activation
/// sums per lane and row tile (rows 2q and 2q + 1, for offsets).
constexpr int64_t kRowsPerMma = 8;
constexpr int64_t kAccumulators = 4;
constexpr int64_t kSumsPerRowTile = 2;

/// Emits an error on the first wq.matmul under `root` whose weight is in the
/// `mma_tiles` layout but that no tensor-core kernel can run (that layout
/// has no other reader); failure if there is one.
LogicalResult checkMmaTileOps(Operation *root);

struct GpuKernelBuffers {
  Value x, packed, scales, zeros, offsets; // zeros, offsets: null if absent
  Value out;
  /// The op writing the result into `out`, erased with the matmul; null when
  /// `out` is a fresh allocation.
  bufferization::MaterializeInDestinationOp materialize;
};

/// `tensor` as a read-only buffer for a kernel built before bufferization
/// (null for null).
Value buildReadOnlyBuffer(OpBuilder &b, Location loc, Value tensor);

/// A fresh buffer of the shape and element type of rank-2 `type` (rows by
/// columns), `rows` giving a dynamic row count: a kernel's output.
Value buildRowsAllocation(OpBuilder &b, Location loc, RankedTensorType type,
                          Value rows);

/// wq.rms_norm's row factor from a row's f32 sum of squares over `features`
/// values: 1 / sqrt(sum / features + epsilon) (the norm kernel's and the
/// decode kernel's that takes a norm in).
Value buildInverseRootMeanSquare(OpBuilder &b, Location loc,
                                 Value sumOfSquares, int64_t features,
                                 double epsilon);

/// index, i32 and f32 constants at one location, for kernel builders.
struct KernelConstants {
  OpBuilder &b;
  Location loc;
  Value index(int64_t v) const {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value i32(int64_t v) const {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  Value f32(double v) const {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
  }
};

/// Buffers for the kernel that replaces `op`, created before it. Given
/// `rows` (the number of activation rows), no buffer of the activations
/// (`x` null: the kernel reads them otherwise, and their producer may go).
GpuKernelBuffers createGpuKernelBuffers(RewriterBase &b, MatmulOp op,
                                        Value rows = Value());

/// Replaces `op` by the kernel's output once the kernel writing
/// `buffers.out` has been built.
void replaceWithGpuKernelOutput(RewriterBase &b, MatmulOp op,
                                const GpuKernelBuffers &buffers);

/// Inline PTX `text` with LLVM-style `constraints`; the result (null for
/// none) is `resultType`, a struct for several outputs.
Value buildInlinePtx(OpBuilder &b, Location loc, Type resultType,
                     ValueRange operands, StringRef text,
                     StringRef constraints, bool hasSideEffects = false);

/// `bar.sync 0` (every thread of the block): inline PTX with a memory
/// clobber, because gpu.barrier declares no memory effects, which the buffer
/// deallocation pass that runs after the GPU schedules rejects.
void buildBlockBarrier(OpBuilder &b, Location loc);

/// The f32 sum of `value` over each aligned group of `lanes` lanes of a warp
/// (a power of two up to 32), in every lane of the group: xor shuffles.
Value buildLaneGroupSum(OpBuilder &b, Location loc, Value value,
                        int64_t lanes);

/// The block's dynamic shared memory as bytes (memref<?xi8> in the
/// workgroup address space), for memref.view.
Value buildDynamicSharedBytes(OpBuilder &b, Location loc);
/// A memref type of `shape` x `element` in the workgroup address space.
MemRefType workgroupMemRefType(MLIRContext *context, ArrayRef<int64_t> shape,
                               Type element);
/// The members of an LLVM struct value (an inline asm's several results).
SmallVector<Value> unpackStruct(OpBuilder &b, Location loc, Value value,
                                int64_t count);

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

/// What the tensor-core kernels over `mma_tiles` weights (decode, M <= 16,
/// and prefill, M > 16) share: the one definition of how a tile's fields
/// become mma.sync A fragments (field - zero point, exact in f16/bf16, the
/// magic-number conversions of wq_numerics), of the group constants that go
/// with them (zero-point biases, f32 scales, offsets), and the mma itself.
/// A kernel derives from it, sets `column` (its tile column) and the lane's
/// channels in the column (`lowInBlock`, `highInBlock` = g, g + 8) before
/// loading group constants.
struct MmaTileKernelBase {
  MmaTileKernelBase(RewriterBase &b, MatmulOp op);

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  Value f32(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  /// A 32-bit register holding `bits16` in both halves, as a pair.
  Value splat(Value bits16);
  Value splat(uint16_t bits16) { return splat(i32(bits16)); }

  /// Zero-point biases, f32 scales and offsets of group `grp` for the lane's
  /// two channels (lowBias ... offsetHigh).
  void setGroupConstants(Value grp);
  /// The four A registers (field - zero of the lane's 8 weights of one mma
  /// step) from the step's 32-bit word of the tile (int4) or its two words
  /// (int8), as the layout (wq/Numerics/GpuLayout.h) places them.
  SmallVector<Value> buildFragmentA(ArrayRef<Value> stepWords);
  /// The step's words of a lane's 16 bytes of one tile (as vector<4xi32>).
  SmallVector<Value> stepWordsOf(Value words, int64_t step);
  /// The group's scales (and offsets) as pairs of the activations' type,
  /// for scaleFragmentA; after setGroupConstants.
  void setFragmentScales();
  /// `a` (buildFragmentA) turned into the dequantized weights themselves,
  /// s * (field - zero) (+ m), each rounded once to the activations' type:
  /// for kernels that cannot scale f32 partial sums per group.
  SmallVector<Value> scaleFragmentA(ArrayRef<Value> a);
  /// The A fragment adding m * (sum of the step's activations) per channel
  /// (offsetsInMma): the offsets' bits in both halves.
  SmallVector<Value> offsetFragmentA() {
    return {offsetLow, offsetHigh, offsetLow, offsetHigh};
  }
  /// An all-ones fragment of the activations' type (A or B).
  Value ones() { return i32(bf16 ? 0x3F803F80 : 0x3C003C00); }
  /// sums[0..1] += the sums of activation rows 2q and 2q + 1 over the
  /// step's 16 positions (B fragment `bRegs`): an mma whose A fragment is
  /// all ones (every channel row of D then holds the same column sums; C
  /// repeats the two sums for the high rows, whose results are not used).
  void addActivationSums(ArrayRef<Value> bRegs, MutableArrayRef<Value> sums);
  /// Fragment registers as the 32-bit integers the mma instructions take
  /// (f16x2 / bf16x2 pairs bitcast).
  SmallVector<Value> asRegisters(ArrayRef<Value> fragment);
  /// One mma step: D = A * B + C (m16n8k16, f32 accumulators).
  SmallVector<Value> buildMma(ArrayRef<Value> a, ArrayRef<Value> bRegs,
                              ArrayRef<Value> c);

  RewriterBase &b;
  MatmulOp op;
  Location loc;
  QuantizedWeightAttr weight;
  int64_t n, k, group, depth, stepsPerTile, channelBlocks, tiles;
  bool bf16, int8, perChannel, offsets;
  /// Offsets of the activations' type, grouped: added by an mma whose A
  /// fragment holds them (offsetLow/High are then f16x2/bf16x2 pairs).
  bool offsetsInMma;
  Type halfType;
  VectorType pairType;
  GpuKernelBuffers buffers;
  /// Set by the kernel: its tile column, the lane's two channels in it.
  Value column, lowInBlock, highInBlock;
  /// Per group: zero-point biases (pairs; f32 for int8 with bf16), f32
  /// scales, offsets (f32, or pairs with offsetsInMma).
  Value lowBias, highBias, scaleLow, scaleHigh, offsetLow, offsetHigh;
  /// Set by setFragmentScales: scales and offsets (null if none) as pairs.
  Value scalePairLow, scalePairHigh, offsetPairLow, offsetPairHigh;
};

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
