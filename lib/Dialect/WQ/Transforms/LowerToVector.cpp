//===- LowerToVector.cpp - wq-lower-to-vector -----------------------------===//
//
// The CPU fast path for wq.matmul: vector code that reads 16 packed bytes at a
// time, unpacks them in registers and applies each group's scale once per
// group; zero points and offsets once per output, through the per-group sums
// of the activations.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "CpuKernels.h"

#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

#define DEBUG_TYPE "wq-lower-to-vector"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERTOVECTORPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// Lanes of the zero-point term's vectors (8 groups at a time) and of the
/// vectors the tiles' reductions fold (see reduceAll).
constexpr int64_t kLanes = kCpuLanes;
constexpr int64_t kParallelMinElements = kCpuParallelMinElements;
/// Output tiles: kTileCols output channels x kTileRows activation rows per
/// step, one running total each; CSE leaves one load and decode per group of
/// each channel's weights (shared by the tile's rows) and of each row's
/// activations (shared by its channels). Rows: prefill (M = 128) of
/// SmolLM2-135M, 1 thread, f32 path 128 -> 170 tokens/s with 4 rows, int8
/// path 236 -> 255 with 8. Channels: 4 per step made decode (M = 1) slower
/// (int8 path 111 -> 97 tokens/s; the classifier's 4 interleaved weight
/// streams stalled on loads), so one.
constexpr int64_t kTileCols = 1;
constexpr int64_t kTileRows = 8;

/// How one group's packed bytes are walked by the f32-activation kernel:
/// `chunkBytes` per step, decoded into `piecesPerChunk` vectors of `lanes`
/// weights that each meet `lanes` activations.
struct ChunkPlan {
  int64_t chunkBytes = 0;
  int64_t piecesPerChunk = 0;
  int64_t elementsPerChunk = 0;
  int64_t lanes = 0;
};

/// The widest chunk (32, 16 or 8 bytes; 32 only for 8-bit, whose 32 bytes
/// fill two 16-lane pieces as 16 bytes of int4 do) that divides a group.
/// Pieces of 16 lanes (one AVX-512 register, two AVX2 ones) where a chunk
/// has 16 bytes or more, else 8: half the instructions per weight of 8
/// lanes (SmolLM2 f32-activation decode 78-96 -> 125 tokens/s, prefill
/// 200-215 -> 282-295, 2 threads, AVX-512).
std::optional<ChunkPlan> planChunks(unsigned bits, int64_t groupBytes) {
  for (int64_t chunkBytes : {32, 16, 8}) {
    if (bits == 4 && chunkBytes == 32)
      continue;
    if (groupBytes % chunkBytes != 0)
      continue;
    ChunkPlan plan;
    plan.chunkBytes = chunkBytes;
    plan.lanes = chunkBytes >= 16 ? 16 : 8;
    plan.elementsPerChunk = chunkBytes * (8 / bits);
    plan.piecesPerChunk = plan.elementsPerChunk / plan.lanes;
    return plan;
  }
  return std::nullopt;
}

/// Activations of one int8 block share one f32 scale (llama.cpp's Q8_0).
constexpr int64_t kActivationBlock = 32;

/// The int8-activation kernels walk a channel's packed weights one
/// "superblock" at a time: 64 bytes, 4 blocks of 32 int4 weights or 2 of
/// int8, one AVX-512 register (two AVX2 ones). Its wq.byte_dot gives 16
/// int32 lanes, each block's products in 16 / blocks-per-superblock
/// consecutive lanes, which meet the blocks' combined scales (weight scale
/// times activation scale) lane by lane: no shuffle of weights, one FMA per
/// superblock. Per block of 32 weights that is a quarter of the
/// instructions of one 32-weight register per block (SmolLM2's 576x1536
/// Q4_1 layer at 2 threads: 42 -> 22 us in a C++ prototype of both).
constexpr int64_t kSuperblockBytes = 64;
constexpr int64_t kSuperblockLanes = 16;

struct LowerMatmulToVector : public OpRewritePattern<MatmulOp> {
  LowerMatmulToVector(MLIRContext *context, bool int8Activations)
      : OpRewritePattern(context), int8Activations(int8Activations) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &b) const override {
    QuantizedWeightAttr weight = op.getWeight();
    if (!weight.getBatchShape().empty() || weight.getFlatGroups())
      return b.notifyMatchFailure(op, "batched or flat groups");
    if (weight.getLayout().getKind() != LayoutKind::row_major)
      return b.notifyMatchFailure(op, "not the row_major layout");
    const unsigned bits = weight.getBits();
    if (bits != 4 && bits != 8)
      return b.notifyMatchFailure(op, "only 4- and 8-bit storage");
    const int64_t groupBytes = weight.getBytesPerGroup();
    const int64_t groupSize = weight.getEffectiveGroupSize();
    std::optional<ChunkPlan> plan = planChunks(bits, groupBytes);
    if (!plan || groupBytes * (8 / bits) != groupSize)
      return b.notifyMatchFailure(op, "groups do not fill whole 8-byte chunks");
    auto inputType = op.getInput().getType();
    if (inputType.getRank() > 2 || !inputType.getElementType().isF32() ||
        !op.getResult().getType().getElementType().isF32())
      return b.notifyMatchFailure(op, "f32 activations of rank 1 or 2 only");
    // Zero rows (M = 0): the kernel's row blocks would slice past the end;
    // the generic path computes the empty result.
    if (llvm::is_contained(inputType.getShape(), 0))
      return b.notifyMatchFailure(op, "no activation rows (M = 0)");

    // Act-order permutation, AWQ input scales and outlier channels are
    // applied around the kernel (x / s and the gather once per call, the
    // outlier products added after), as linalg.
    op = splitSideInputs(b, op);

    // Integer dot products need whole 32-weight blocks (16 bytes of int4,
    // 32 of int8).
    const bool isSigned = weight.getIsSigned();
    const bool useInt8 =
        int8Activations && groupSize % kActivationBlock == 0;

    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    const int64_t n = weight.getN(), k = weight.getK();
    const int64_t groups = weight.getNumGroups();
    const int64_t paddedK = groups * groupSize;
    Type f32 = b.getF32Type(), i8 = b.getI8Type(), i32 = b.getI32Type();

    // Activations as [M, K], zero-padded to whole groups.
    Value x = op.getInput();
    if (inputType.getRank() == 1)
      x = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({1, k}, f32), x,
          SmallVector<ReassociationIndices>{{0, 1}});
    auto xType = cast<RankedTensorType>(x.getType());
    const int64_t staticRows = xType.getDimSize(0);
    if (paddedK != k) {
      SmallVector<Value> dynamicDims;
      if (xType.isDynamicDim(0))
        dynamicDims.push_back(tensor::DimOp::create(b, loc, x, 0));
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
      x = tensor::createPadHighOp(
          RankedTensorType::get({staticRows, paddedK}, f32), x, zero,
          /*nofold=*/false, loc, b, dynamicDims);
    }
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value rows = tensor::DimOp::create(b, loc, x, 0);
    OpFoldResult rowSize = tensor::getMixedSizes(b, loc, x)[0];

    // Per-group activation sums for the zero-point and offset terms (the
    // int8 path computes them from the quantized activations below, so that
    // both terms use the activations the products see).
    Value zeroPoints = op.getZeroPoints(), offsets = op.getOffsets(),
          groupSums;
    if ((zeroPoints || offsets) && !useInt8) {
      Value x3 = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({staticRows, groups, groupSize}, f32),
          x, SmallVector<ReassociationIndices>{{0}, {1, 2}},
          SmallVector<OpFoldResult>{rowSize, b.getIndexAttr(groups),
                                    b.getIndexAttr(groupSize)});
      Value init = tensor::EmptyOp::create(
          b, loc, SmallVector<OpFoldResult>{rowSize, b.getIndexAttr(groups)},
          f32);
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
      init = linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{init})
                 .getResult(0);
      SmallVector<AffineMap> maps = {
          AffineMap::getMultiDimIdentityMap(3, ctx),
          AffineMap::get(3, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1)},
                         ctx)};
      groupSums =
          linalg::GenericOp::create(
              b, loc, init.getType(), ValueRange{x3}, ValueRange{init}, maps,
              {utils::IteratorType::parallel, utils::IteratorType::parallel,
               utils::IteratorType::reduction},
              [&](OpBuilder &nb, Location nl, ValueRange args) {
                linalg::YieldOp::create(
                    nb, nl,
                    arith::AddFOp::create(nb, nl, args[1], args[0]).getResult());
              })
              .getResult(0);
    }

    // int4: byte i of a chunk holds weights 2i (low nibble) and 2i + 1. The
    // kernel widens 8 bytes at once to 32-bit lanes and masks or shifts out
    // the low and the high nibbles, so it meets the even and the odd weights
    // of 16 in separate registers; the activations are reordered once per
    // call to match (within each 16: the 8 even ones, then the 8 odd ones)
    // instead of shuffling weights for every output channel. (With pieces
    // of 16 lanes: within each 32, the 16 even ones, then the 16 odd ones.
    // The int8 path's quantizer writes its own order.)
    const int64_t pieceLanes = plan->lanes;
    if (bits == 4 && !useInt8) {
      const int64_t blocks = paddedK / (2 * pieceLanes);
      Value x4 = tensor::ExpandShapeOp::create(
          b, loc,
          RankedTensorType::get({staticRows, blocks, pieceLanes, 2}, f32), x,
          SmallVector<ReassociationIndices>{{0}, {1, 2, 3}},
          SmallVector<OpFoldResult>{rowSize, b.getIndexAttr(blocks),
                                    b.getIndexAttr(pieceLanes),
                                    b.getIndexAttr(2)});
      Value init = tensor::EmptyOp::create(
          b, loc,
          SmallVector<OpFoldResult>{rowSize, b.getIndexAttr(blocks),
                                    b.getIndexAttr(2),
                                    b.getIndexAttr(pieceLanes)},
          f32);
      Value transposed =
          linalg::TransposeOp::create(b, loc, x4, init,
                                      ArrayRef<int64_t>{0, 1, 3, 2})
              .getResult()[0];
      x = tensor::CollapseShapeOp::create(
          b, loc, transposed, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
    }

    auto fastmath =
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    auto laneType = VectorType::get({kLanes}, f32);
    auto wideIntType = VectorType::get({kLanes}, i32);
    auto pieceType = VectorType::get({pieceLanes}, f32);
    auto pieceIntType = VectorType::get({pieceLanes}, i32);
    Value out = tensor::EmptyOp::create(
        b, loc, SmallVector<OpFoldResult>{rowSize, b.getIndexAttr(n)}, f32);
    Value numGroups = arith::ConstantIndexOp::create(b, loc, groups);
    Value numChunks =
        arith::ConstantIndexOp::create(b, loc, groupBytes / plan->chunkBytes);
    Value bytePad = arith::ConstantIntOp::create(b, loc, i8, 0);
    Value floatPad = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
    Value zeroLanes = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(laneType, b.getF32FloatAttr(0.0f)));
    Value zeroPiece = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(pieceType, b.getF32FloatAttr(0.0f)));
    auto index = [&](OpBuilder &ob, Location l, int64_t value) -> Value {
      return arith::ConstantIndexOp::create(ob, l, value);
    };
    auto splat32 = [&](OpBuilder &ob, Location l, int64_t value) -> Value {
      return arith::ConstantOp::create(
          ob, l, DenseElementsAttr::get(pieceIntType,
                                        ob.getIntegerAttr(i32, value)));
    };
    Value packed = op.getPacked(), scales = op.getScales();
    Type scaleType = weight.getScaleType();

    // int8 activations, once per call: per block of 32, scale = max|x| / 127
    // and q = round(x / scale); per weight group, the sum of the dequantized
    // q (for the zero-point and offset terms, consistent with the products).
    // They are laid out for the superblock walk (kSuperblockBytes):
    // - xq, the int8 values, per superblock the activations its 64 weight
    //   bytes meet: for int8 weights the blocks' 64 values as they are; for
    //   int4 weights 128 values, first the ones meeting the low nibbles
    //   (the even positions, 16 per block, block after block), then the
    //   ones meeting the high nibbles;
    // - xLaneScales, per superblock 16 floats: each block's scale repeated
    //   over the block's lanes of the byte_dot result.
    // Past the last block (when the blocks do not fill the last superblock)
    // both are zero: the lanes there add nothing, and no uninitialized byte
    // is read.
    const int64_t blocksPerGroup = groupSize / kActivationBlock;
    const int64_t blockBytes = kActivationBlock * bits / 8;
    const int64_t blocksPerSuperblock = kSuperblockBytes / blockBytes;
    const int64_t lanesPerBlock = kSuperblockLanes / blocksPerSuperblock;
    const int64_t numBlocks = paddedK / kActivationBlock;
    const int64_t wholeSuperblocks = numBlocks / blocksPerSuperblock;
    // Blocks of the partial last superblock (0: none).
    const int64_t tailBlocks = numBlocks % blocksPerSuperblock;
    const int64_t numSuperblocks = wholeSuperblocks + (tailBlocks ? 1 : 0);
    const int64_t superblockActivations =
        blocksPerSuperblock * kActivationBlock;
    Value xq, xLaneScales;
    if (useInt8) {
      auto blockType = VectorType::get({kActivationBlock}, f32);
      Value xqInit = tensor::EmptyOp::create(
          b, loc,
          SmallVector<OpFoldResult>{
              rowSize,
              b.getIndexAttr(numSuperblocks * superblockActivations)},
          i8);
      Value scalesInit = tensor::EmptyOp::create(
          b, loc,
          SmallVector<OpFoldResult>{
              rowSize, b.getIndexAttr(numSuperblocks * kSuperblockLanes)},
          f32);
      if (tailBlocks) {
        xqInit = linalg::FillOp::create(
                     b, loc, ValueRange{bytePad}, ValueRange{xqInit})
                     .getResult(0);
        scalesInit = linalg::FillOp::create(
                         b, loc, ValueRange{floatPad}, ValueRange{scalesInit})
                         .getResult(0);
      }
      Value sumsInit = tensor::EmptyOp::create(
          b, loc, SmallVector<OpFoldResult>{rowSize, b.getIndexAttr(groups)},
          f32);
      Value maxQ = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(127.0f));
      SmallVector<int64_t> even, odd;
      for (int64_t i = 0; i < kActivationBlock / 2; ++i) {
        even.push_back(2 * i);
        odd.push_back(2 * i + 1);
      }
      auto rowLoop = scf::ForOp::create(
          b, loc, c0, rows, c1, ValueRange{xqInit, scalesInit, sumsInit},
          [&](OpBuilder &rb, Location rl, Value row, ValueRange rowArgs) {
            auto groupLoop = scf::ForOp::create(
                rb, rl, c0, numGroups, c1, rowArgs,
                [&](OpBuilder &gb, Location gl, Value g, ValueRange gArgs) {
                  auto blockLoop = scf::ForOp::create(
                      gb, gl, c0, index(gb, gl, blocksPerGroup), c1,
                      ValueRange{gArgs[0], gArgs[1], floatPad},
                      [&](OpBuilder &lb, Location l, Value bi,
                          ValueRange bArgs) {
                        Value block = arith::AddIOp::create(
                            lb, l,
                            arith::MulIOp::create(
                                lb, l, g, index(lb, l, blocksPerGroup)),
                            bi);
                        Value start = arith::MulIOp::create(
                            lb, l, block, index(lb, l, kActivationBlock));
                        Value v = vector::TransferReadOp::create(
                            lb, l, blockType, x, ValueRange{row, start},
                            floatPad, ArrayRef<bool>{true});
                        // Without nnan and reassoc LLVM expands both
                        // reductions below into chains of 32 scalar ops
                        // (maxnum needs NaN checks, fadd its order). NaN
                        // activations make the int8 values poison anyway
                        // (fptosi), and the block sum adds integers
                        // (|q| <= 127, 32 of them): exact in any order.
                        Value amax = vector::ReductionOp::create(
                            lb, l, vector::CombiningKind::MAXNUMF,
                            math::AbsFOp::create(lb, l, v),
                            arith::FastMathFlags::nnan);
                        Value scale = arith::DivFOp::create(lb, l, amax, maxQ);
                        Value positive = arith::CmpFOp::create(
                            lb, l, arith::CmpFPredicate::OGT, amax, floatPad);
                        Value inverse = arith::SelectOp::create(
                            lb, l, positive,
                            arith::DivFOp::create(lb, l, maxQ, amax), floatPad);
                        Value rounded = math::RoundEvenOp::create(
                            lb, l,
                            arith::MulFOp::create(
                                lb, l, v,
                                vector::BroadcastOp::create(lb, l, blockType,
                                                            inverse)));
                        Value q = arith::TruncIOp::create(
                            lb, l, VectorType::get({kActivationBlock}, i8),
                            arith::FPToSIOp::create(
                                lb, l,
                                VectorType::get({kActivationBlock}, i32),
                                rounded));
                        Value xqNext = bArgs[0];
                        auto write = [&](Value values, Value offset) {
                          xqNext = vector::TransferWriteOp::create(
                                       lb, l, values, xqNext,
                                       ValueRange{row, offset},
                                       ArrayRef<bool>{true})
                                       .getResult();
                        };
                        if (bits == 8) {
                          write(q, start);
                        } else {
                          // Block j of superblock p: its even values at
                          // 128 p + 16 j = 16 block + 64 p, its odd ones
                          // 64 (kSuperblockBytes) further.
                          Value lowOffset = arith::AddIOp::create(
                              lb, l,
                              arith::MulIOp::create(
                                  lb, l, block,
                                  index(lb, l, kActivationBlock / 2)),
                              arith::MulIOp::create(
                                  lb, l,
                                  arith::DivUIOp::create(
                                      lb, l, block,
                                      index(lb, l, blocksPerSuperblock)),
                                  index(lb, l, kSuperblockBytes)));
                          write(vector::ShuffleOp::create(lb, l, q, q, even),
                                lowOffset);
                          write(vector::ShuffleOp::create(lb, l, q, q, odd),
                                arith::AddIOp::create(
                                    lb, l, lowOffset,
                                    index(lb, l, kSuperblockBytes)));
                        }
                        Value scalesNext =
                            vector::TransferWriteOp::create(
                                lb, l,
                                vector::BroadcastOp::create(
                                    lb, l,
                                    VectorType::get({lanesPerBlock}, f32),
                                    scale),
                                bArgs[1],
                                ValueRange{row,
                                           arith::MulIOp::create(
                                               lb, l, block,
                                               index(lb, l, lanesPerBlock))},
                                ArrayRef<bool>{true})
                                .getResult();
                        Value blockSum = vector::ReductionOp::create(
                            lb, l, vector::CombiningKind::ADD, rounded,
                            arith::FastMathFlags::reassoc);
                        Value sum = arith::AddFOp::create(
                            lb, l, bArgs[2],
                            arith::MulFOp::create(lb, l, blockSum, scale));
                        scf::YieldOp::create(
                            lb, l, ValueRange{xqNext, scalesNext, sum});
                      });
                  Value sumsNext = tensor::InsertOp::create(
                      gb, gl, blockLoop.getResult(2), gArgs[2],
                      ValueRange{row, g});
                  scf::YieldOp::create(
                      gb, gl,
                      ValueRange{blockLoop.getResult(0),
                                 blockLoop.getResult(1), sumsNext});
                });
            scf::YieldOp::create(rb, rl, groupLoop.getResults());
          });
      xq = rowLoop.getResult(0);
      xLaneScales = rowLoop.getResult(1);
      groupSums = rowLoop.getResult(2);
    }

    // Decodes the chunk at `byteOffset` of group `g` of channel `col` into
    // f32 pieces of `pieceLanes` weights, in the order the activations are
    // laid out.
    auto decodeChunk = [&](OpBuilder &cb, Location cl, Value col, Value g,
                           Value byteOffset) -> SmallVector<Value> {
      SmallVector<Value> pieces;
      auto bytesType = VectorType::get({pieceLanes}, i8);
      for (int64_t start = 0; start < plan->chunkBytes; start += pieceLanes) {
        Value offset =
            arith::AddIOp::create(cb, cl, byteOffset, index(cb, cl, start));
        Value bytesV = vector::TransferReadOp::create(
            cb, cl, bytesType, packed, ValueRange{col, g, offset}, bytePad,
            ArrayRef<bool>{true});
        // Widening first lets one vpmovzxbd/vpmovsxbd load serve 8 bytes.
        Value wide =
            isSigned
                ? Value(arith::ExtSIOp::create(cb, cl, pieceIntType, bytesV))
                : Value(arith::ExtUIOp::create(cb, cl, pieceIntType, bytesV));
        SmallVector<Value> ints;
        if (bits == 8) {
          ints.push_back(wide);
        } else if (isSigned) {
          // The sign-extended byte's top nibble is already signed; the low
          // nibble is moved to the top and shifted back arithmetically.
          ints.push_back(arith::ShRSIOp::create(
              cb, cl, arith::ShLIOp::create(cb, cl, wide, splat32(cb, cl, 28)),
              splat32(cb, cl, 28)));
          ints.push_back(
              arith::ShRSIOp::create(cb, cl, wide, splat32(cb, cl, 4)));
        } else {
          ints.push_back(
              arith::AndIOp::create(cb, cl, wide, splat32(cb, cl, 15)));
          ints.push_back(
              arith::ShRUIOp::create(cb, cl, wide, splat32(cb, cl, 4)));
        }
        // Every value fits in 9 bits, so the signed conversion (one
        // instruction on x86) is exact for unsigned storage too.
        for (Value v : ints)
          pieces.push_back(arith::SIToFPOp::create(cb, cl, pieceType, v));
      }
      return pieces;
    };

    // A scale or offset (of scaleType), scalar or vector, as f32.
    auto scaleToF32 = [&](OpBuilder &ob, Location l, Value v) -> Value {
      if (scaleType.isF32())
        return v;
      if (auto vectorType = dyn_cast<VectorType>(v.getType()))
        return arith::ExtFOp::create(
            ob, l, VectorType::get(vectorType.getShape(), f32), v);
      return arith::ExtFOp::create(ob, l, f32, v);
    };

    // The per-group terms of one output that multiply the sum of the group's
    // activations S_g, 8 groups at a time: sum_g (s_g z_g - m_g) S_g, which
    // the output subtracts, since
    //   sum_k x_k (s (q_k - z) + m) = s sum_k x_k q_k - (s z - m) S_g.
    // z: the zero point (the int8 path reads signed weights as unsigned,
    // int4 as nibble ^ 8 with zero point 8, int8 as byte ^ 0x80 with zero
    // point 128), m: the group offset.
    Value signedOffset;
    const float signedZero = float(numerics::unsignedReadBias(bits, true));
    if (useInt8 && isSigned)
      signedOffset = arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(laneType, b.getF32FloatAttr(signedZero)));
    const bool hasZeroTerm = zeroPoints || signedOffset;
    const bool hasGroupSumTerm = hasZeroTerm || offsets;
    auto buildGroupSumTerm = [&](OpBuilder &rb, Location rl, Value col,
                                 Value row) -> Value {
      const int64_t vectorGroups = groups / kLanes * kLanes;
      // 8 consecutive groups' scales (or offsets: the same type) as f32.
      auto loadGroupValues = [&](OpBuilder &lb, Location l, Value source,
                                 Value g) -> Value {
        return scaleToF32(
            lb, l,
            vector::TransferReadOp::create(
                lb, l, VectorType::get({kLanes}, scaleType), source,
                ValueRange{col, g},
                arith::ConstantOp::create(lb, l, lb.getZeroAttr(scaleType)),
                ArrayRef<bool>{true}));
      };
      auto vectorLoop = scf::ForOp::create(
          rb, rl, c0, index(rb, rl, vectorGroups), index(rb, rl, kLanes),
          ValueRange{zeroLanes},
          [&](OpBuilder &lb, Location l, Value g, ValueRange args) {
            // c = s * z - m (the zero-point part, minus the offset).
            Value c;
            if (hasZeroTerm) {
              Value zf = signedOffset;
              if (!zf) {
                Value z = vector::TransferReadOp::create(
                    lb, l, VectorType::get({kLanes}, i8), zeroPoints,
                    ValueRange{col, g}, bytePad, ArrayRef<bool>{true});
                zf = arith::SIToFPOp::create(
                    lb, l, laneType,
                    arith::ExtUIOp::create(lb, l, wideIntType, z));
              }
              c = arith::MulFOp::create(lb, l, loadGroupValues(lb, l, scales, g),
                                        zf, fastmath);
            }
            if (offsets) {
              Value m = loadGroupValues(lb, l, offsets, g);
              c = c ? Value(arith::SubFOp::create(lb, l, c, m, fastmath))
                    : Value(arith::NegFOp::create(lb, l, m, fastmath));
            }
            Value sums = vector::TransferReadOp::create(
                lb, l, laneType, groupSums, ValueRange{row, g}, floatPad,
                ArrayRef<bool>{true});
            scf::YieldOp::create(
                lb, l, ValueRange{vector::FMAOp::create(lb, l, c, sums, args[0])});
          });
      Value term = vector::ReductionOp::create(
          rb, rl, vector::CombiningKind::ADD, vectorLoop.getResult(0), Value(),
          arith::FastMathFlags::reassoc);
      // The last groups % 8 groups one by one.
      auto tailLoop = scf::ForOp::create(
          rb, rl, index(rb, rl, vectorGroups), numGroups, c1, ValueRange{term},
          [&](OpBuilder &lb, Location l, Value g, ValueRange args) {
            auto groupValue = [&](Value source) -> Value {
              return scaleToF32(
                  lb, l,
                  tensor::ExtractOp::create(lb, l, source, ValueRange{col, g}));
            };
            Value c;
            if (hasZeroTerm) {
              Value zf;
              if (signedOffset) {
                zf = arith::ConstantOp::create(lb, l,
                                               lb.getF32FloatAttr(signedZero));
              } else {
                Value z = tensor::ExtractOp::create(lb, l, zeroPoints,
                                                    ValueRange{col, g});
                zf = arith::UIToFPOp::create(lb, l, f32, z);
              }
              c = arith::MulFOp::create(lb, l, groupValue(scales), zf, fastmath);
            }
            if (offsets) {
              Value m = groupValue(offsets);
              c = c ? Value(arith::SubFOp::create(lb, l, c, m, fastmath))
                    : Value(arith::NegFOp::create(lb, l, m, fastmath));
            }
            Value sum = tensor::ExtractOp::create(lb, l, groupSums,
                                                  ValueRange{row, g});
            Value t = arith::MulFOp::create(lb, l, c, sum, fastmath);
            scf::YieldOp::create(
                lb, l, ValueRange{arith::AddFOp::create(lb, l, args[0], t,
                                                        fastmath)});
          });
      return tailLoop.getResult(0);
    };

    // One group's contribution `s * sum(x q)` added to `total`. A group of
    // one chunk is a straight chain (one multiply, then FMAs); longer groups
    // keep one accumulator per piece so the FMA chains are independent.
    // total + s[col, g] * groupDot.
    auto applyGroupScale = [&](OpBuilder &gb, Location gl, Value col, Value g,
                               Value groupDot, Value total) -> Value {
      Value s = tensor::ExtractOp::create(gb, gl, scales, ValueRange{col, g});
      Value sv = scaleToF32(
          gb, gl,
          vector::BroadcastOp::create(
              gb, gl, VectorType::get({pieceLanes}, scaleType), s));
      return vector::FMAOp::create(gb, gl, sv, groupDot, total);
    };

    // int8 path: the superblock walk (kSuperblockBytes). Per superblock, the
    // 64 weight bytes of channel `col` (int4: the low nibbles and the high
    // nibbles as two registers of 64 unsigned values; signed weights read as
    // unsigned through the xor, see the zero-point term), wq.byte_dot
    // with each row's activations (int8 weights: `full_range`), the 16
    // lanes' combined scales, one FMA per row into its 16-lane total.
    Value packedRows;
    if (useInt8)
      packedRows = tensor::CollapseShapeOp::create(
          b, loc, packed, SmallVector<ReassociationIndices>{{0}, {1, 2}});
    auto superType = VectorType::get({kSuperblockLanes}, f32);
    auto superIntType = VectorType::get({kSuperblockLanes}, i32);
    auto superBytesType = VectorType::get({kSuperblockBytes}, i8);
    auto splatBytes = [&](OpBuilder &ob, Location l, int64_t value) -> Value {
      return arith::ConstantOp::create(
          ob, l,
          DenseElementsAttr::get(superBytesType, ob.getIntegerAttr(i8, value)));
    };
    // The weight scale of each of the 16 lanes of superblock `p` of `col`:
    // one broadcast where the superblock lies in one group, one load of its
    // groups spread over the lanes where whole groups fill it, else block
    // by block (group sizes such as 96 that straddle superblocks).
    auto weightScaleLanes = [&](OpBuilder &ob, Location l, Value col, Value p,
                                bool partial) -> Value {
      Value firstBlock =
          arith::MulIOp::create(ob, l, p, index(ob, l, blocksPerSuperblock));
      auto groupOf = [&](Value block) -> Value {
        return arith::DivUIOp::create(ob, l, block,
                                      index(ob, l, blocksPerGroup));
      };
      if (groups == 1 || blocksPerGroup % blocksPerSuperblock == 0) {
        Value s = tensor::ExtractOp::create(
            ob, l, scales,
            ValueRange{col, groups == 1 ? c0 : groupOf(firstBlock)});
        return vector::BroadcastOp::create(ob, l, superType,
                                           scaleToF32(ob, l, s));
      }
      if (blocksPerSuperblock % blocksPerGroup == 0) {
        // A partial superblock reads only its own groups (whole ones: the
        // superblocks start on group boundaries); the lanes past them take
        // the zeros of the shuffle's second operand.
        const int64_t present =
            (partial ? tailBlocks : blocksPerSuperblock) / blocksPerGroup;
        Value s = vector::TransferReadOp::create(
            ob, l, VectorType::get({present}, scaleType), scales,
            ValueRange{col, groupOf(firstBlock)},
            arith::ConstantOp::create(ob, l, ob.getZeroAttr(scaleType)),
            ArrayRef<bool>{true});
        s = scaleToF32(ob, l, s);
        Value zeros = arith::ConstantOp::create(
            ob, l,
            DenseElementsAttr::get(VectorType::get({present}, f32),
                                   ob.getF32FloatAttr(0.0f)));
        SmallVector<int64_t> lanes;
        for (int64_t lane = 0; lane < kSuperblockLanes; ++lane)
          lanes.push_back(
              std::min(lane / lanesPerBlock / blocksPerGroup, present));
        return vector::ShuffleOp::create(ob, l, s, zeros, lanes);
      }
      SmallVector<Value> lanes;
      for (int64_t j = 0; j < blocksPerSuperblock; ++j) {
        Value block = arith::MinUIOp::create(
            ob, l, arith::AddIOp::create(ob, l, firstBlock, index(ob, l, j)),
            index(ob, l, numBlocks - 1));
        Value s = scaleToF32(
            ob, l,
            tensor::ExtractOp::create(ob, l, scales,
                                      ValueRange{col, groupOf(block)}));
        lanes.append(lanesPerBlock, s);
      }
      return vector::FromElementsOp::create(ob, l, superType, lanes);
    };
    // Adds superblock `p` of `col` to the totals of `rowIds`; `partial`:
    // the last superblock, not filled by the blocks (the activations and
    // scales past the last block are zero).
    auto superblockProducts = [&](OpBuilder &ob, Location l, Value col,
                                  ArrayRef<Value> rowIds, Value p,
                                  ValueRange totals,
                                  bool partial) -> SmallVector<Value> {
      const int64_t signBits = isSigned ? numerics::fieldSignBits8(bits) : 0;
      // A partial superblock reads its blocks' bytes only (no masked load:
      // AVX2 has none for bytes and LLVM would expand one element by
      // element) and pads them with bytes that decode to zero after the xor.
      const int64_t readBytes =
          partial ? tailBlocks * blockBytes : kSuperblockBytes;
      Value w = vector::TransferReadOp::create(
          ob, l, VectorType::get({readBytes}, i8), packedRows,
          ValueRange{col, arith::MulIOp::create(ob, l, p,
                                                index(ob, l, kSuperblockBytes))},
          bytePad, ArrayRef<bool>{true});
      if (partial)
        w = vector::InsertStridedSliceOp::create(
            ob, l, w, splatBytes(ob, l, signBits), ArrayRef<int64_t>{0},
            ArrayRef<int64_t>{1});
      if (isSigned)
        w = arith::XOrIOp::create(ob, l, w, splatBytes(ob, l, signBits));
      SmallVector<Value> weightParts = {w};
      if (bits == 4)
        weightParts = {arith::AndIOp::create(ob, l, w, splatBytes(ob, l, 15)),
                       arith::ShRUIOp::create(ob, l, w, splatBytes(ob, l, 4))};
      Value weightScales = weightScaleLanes(ob, l, col, p, partial);
      Value activationBase = arith::MulIOp::create(
          ob, l, p, index(ob, l, superblockActivations));
      Value scaleBase =
          arith::MulIOp::create(ob, l, p, index(ob, l, kSuperblockLanes));
      SmallVector<Value> next;
      for (auto [row, total] : llvm::zip_equal(rowIds, totals)) {
        Value dot;
        for (auto [i, part] : llvm::enumerate(weightParts)) {
          Value a = vector::TransferReadOp::create(
              ob, l, superBytesType, xq,
              ValueRange{row, arith::AddIOp::create(
                                  ob, l, activationBase,
                                  index(ob, l, int64_t(i) * kSuperblockBytes))},
              bytePad, ArrayRef<bool>{true});
          dot = ByteDotOp::create(ob, l, superIntType, part, a, dot,
                                  /*full_range=*/bits == 8);
        }
        Value activationScales = vector::TransferReadOp::create(
            ob, l, superType, xLaneScales, ValueRange{row, scaleBase},
            floatPad, ArrayRef<bool>{true});
        Value combined = arith::MulFOp::create(ob, l, weightScales,
                                               activationScales, fastmath);
        next.push_back(vector::FMAOp::create(
            ob, l, arith::SIToFPOp::create(ob, l, superType, dot), combined,
            total));
      }
      return next;
    };
    // The int8 path's running totals (16 lanes each) of `col` for `rowIds`:
    // the whole superblocks in a loop, a partial last one after.
    auto buildInt8Outputs = [&](OpBuilder &mb, Location ml, Value col,
                                ArrayRef<Value> rowIds) -> SmallVector<Value> {
      SmallVector<Value> totals(
          rowIds.size(),
          arith::ConstantOp::create(
              mb, ml, DenseElementsAttr::get(superType, mb.getF32FloatAttr(0))));
      if (wholeSuperblocks > 0) {
        auto loop = scf::ForOp::create(
            mb, ml, c0, index(mb, ml, wholeSuperblocks), c1, totals,
            [&](OpBuilder &lb, Location l, Value p, ValueRange running) {
              scf::YieldOp::create(
                  lb, l, superblockProducts(lb, l, col, rowIds, p, running,
                                            /*partial=*/false));
            });
        totals.assign(loop.getResults().begin(), loop.getResults().end());
      }
      if (tailBlocks)
        totals = superblockProducts(mb, ml, col, rowIds,
                                    index(mb, ml, wholeSuperblocks),
                                    totals, /*partial=*/true);
      return totals;
    };

    auto buildGroup = [&](OpBuilder &gb, Location gl, Value col, Value row,
                          Value g, Value total) -> Value {
      Value groupBase =
          arith::MulIOp::create(gb, gl, g, index(gb, gl, groupSize));
      auto chunkProducts = [&](OpBuilder &cb, Location cl, Value chunk,
                               ValueRange accs) -> SmallVector<Value> {
        Value byteOffset = arith::MulIOp::create(
            cb, cl, chunk, index(cb, cl, plan->chunkBytes));
        SmallVector<Value> pieces = decodeChunk(cb, cl, col, g, byteOffset);
        Value chunkBase = arith::AddIOp::create(
            cb, cl, groupBase,
            arith::MulIOp::create(cb, cl, chunk,
                                  index(cb, cl, plan->elementsPerChunk)));
        SmallVector<Value> results;
        for (auto [i, piece] : llvm::enumerate(pieces)) {
          Value xOffset = arith::AddIOp::create(
              cb, cl, chunkBase, index(cb, cl, int64_t(i) * pieceLanes));
          Value xv = vector::TransferReadOp::create(
              cb, cl, pieceType, x, ValueRange{row, xOffset}, floatPad,
              ArrayRef<bool>{true});
          if (accs.empty()) {
            // Single chunk: chain the pieces into one register.
            results = {results.empty()
                           ? Value(arith::MulFOp::create(cb, cl, piece, xv,
                                                         fastmath))
                           : Value(vector::FMAOp::create(cb, cl, piece, xv,
                                                         results.front()))};
          } else {
            results.push_back(
                vector::FMAOp::create(cb, cl, piece, xv, accs[i]));
          }
        }
        return results;
      };
      Value groupDot;
      if (groupBytes == plan->chunkBytes) {
        groupDot = chunkProducts(gb, gl, c0, ValueRange{}).front();
      } else {
        SmallVector<Value> zeros(plan->piecesPerChunk, zeroPiece);
        auto chunkLoop = scf::ForOp::create(
            gb, gl, c0, numChunks, c1, zeros,
            [&](OpBuilder &cb, Location cl, Value chunk, ValueRange cArgs) {
              scf::YieldOp::create(cb, cl, chunkProducts(cb, cl, chunk, cArgs));
            });
        // Pairwise sum of the per-piece accumulators.
        SmallVector<Value> partial(chunkLoop.getResults());
        while (partial.size() > 1) {
          SmallVector<Value> next;
          for (size_t i = 0; i + 1 < partial.size(); i += 2)
            next.push_back(arith::AddFOp::create(gb, gl, partial[i],
                                                 partial[i + 1], fastmath));
          if (partial.size() % 2)
            next.push_back(partial.back());
          partial = std::move(next);
        }
        groupDot = partial.front();
      }
      return applyGroupScale(gb, gl, col, g, groupDot, total);
    };

    // One output: groups two at a time into two running totals (so the
    // per-group FMA does not serialize consecutive groups), an odd last
    // group after, then one horizontal reduction.
    auto buildOutput = [&](OpBuilder &mb, Location ml, Value col,
                           Value row) -> Value {
      Value total;
      if (useInt8) {
        total = buildInt8Outputs(mb, ml, col, {row}).front();
      } else {
        auto pairLoop = scf::ForOp::create(
            mb, ml, c0, index(mb, ml, groups / 2 * 2), index(mb, ml, 2),
            ValueRange{zeroPiece, zeroPiece},
            [&](OpBuilder &gb, Location gl, Value g, ValueRange totals) {
              Value next = arith::AddIOp::create(gb, gl, g, c1);
              scf::YieldOp::create(
                  gb, gl,
                  ValueRange{buildGroup(gb, gl, col, row, g, totals[0]),
                             buildGroup(gb, gl, col, row, next, totals[1])});
            });
        total = arith::AddFOp::create(mb, ml, pairLoop.getResult(0),
                                      pairLoop.getResult(1), fastmath);
        if (groups % 2)
          total =
              buildGroup(mb, ml, col, row, index(mb, ml, groups - 1), total);
      }
      Value dot = vector::ReductionOp::create(
          mb, ml, vector::CombiningKind::ADD, total, Value(),
          arith::FastMathFlags::reassoc);
      if (!hasGroupSumTerm)
        return dot;
      return arith::SubFOp::create(mb, ml, dot,
                                   buildGroupSumTerm(mb, ml, col, row),
                                   fastmath);
    };

    // Sums each of `vectors` (R = 1, 2, 4 or 8 registers of 8 lanes) into
    // one scalar, all at once: pairs of registers are folded with even/odd
    // shuffles so that one register ends up holding R partial sums.
    std::function<SmallVector<Value>(OpBuilder &, Location,
                                     SmallVector<Value>)>
        reduceAll = [&](OpBuilder &rb, Location rl,
                        SmallVector<Value> vectors) -> SmallVector<Value> {
      auto fold = [&](Value a, Value c, int64_t width) -> Value {
        SmallVector<int64_t> even, odd;
        for (int64_t i = 0; i < width; ++i) {
          even.push_back(2 * i);
          odd.push_back(2 * i + 1);
        }
        return arith::AddFOp::create(
            rb, rl, vector::ShuffleOp::create(rb, rl, a, c, even),
            vector::ShuffleOp::create(rb, rl, a, c, odd), fastmath);
      };
      if (vectors.size() > size_t(kLanes)) {
        SmallVector<Value> sums;
        for (size_t i = 0; i < vectors.size(); i += kLanes) {
          SmallVector<Value> chunk(vectors.begin() + i,
                                   vectors.begin() +
                                       std::min(vectors.size(), i + kLanes));
          llvm::append_range(sums, reduceAll(rb, rl, chunk));
        }
        return sums;
      }
      const int64_t count = vectors.size();
      if (!llvm::isPowerOf2_64(count)) {
        SmallVector<Value> sums;
        for (Value v : vectors)
          sums.push_back(vector::ReductionOp::create(
              rb, rl, vector::CombiningKind::ADD, v, Value(),
              arith::FastMathFlags::reassoc));
        return sums;
      }
      while (vectors.size() > 1) {
        SmallVector<Value> next;
        for (size_t i = 0; i < vectors.size(); i += 2)
          next.push_back(fold(vectors[i], vectors[i + 1], kLanes));
        vectors = std::move(next);
      }
      Value v = vectors.front();
      for (int64_t width = kLanes / 2; width >= count; width /= 2)
        v = fold(v, v, width);
      SmallVector<Value> sums;
      for (int64_t i = 0; i < count; ++i)
        sums.push_back(vector::ExtractOp::create(rb, rl, v, i));
      return sums;
    };

    // A tile of outputs: `cols.size()` channels x `rowIds.size()` rows, one
    // running total per output over all groups. Identical loads and decodes
    // (a channel's weights across rows, a row's activations across
    // channels) are emitted once per group by CSE, so each decoded weight
    // meets several rows in registers and each activation several channels.
    auto buildTile = [&](OpBuilder &mb, Location ml, ArrayRef<Value> cols,
                         ArrayRef<Value> rowIds) -> SmallVector<Value> {
      if (cols.size() == 1 && rowIds.size() == 1)
        return {buildOutput(mb, ml, cols[0], rowIds[0])};
      SmallVector<Value> totals;
      if (useInt8) {
        for (Value col : cols)
          llvm::append_range(totals, buildInt8Outputs(mb, ml, col, rowIds));
      } else {
        const int64_t tile = cols.size() * rowIds.size();
        SmallVector<Value> zeros(tile, zeroPiece);
        auto groupLoop = scf::ForOp::create(
            mb, ml, c0, numGroups, c1, zeros,
            [&](OpBuilder &gb, Location gl, Value g, ValueRange groupTotals) {
              SmallVector<Value> next;
              for (auto [ci, col] : llvm::enumerate(cols))
                for (auto [ri, row] : llvm::enumerate(rowIds))
                  next.push_back(
                      buildGroup(gb, gl, col, row, g,
                                 groupTotals[ci * rowIds.size() + ri]));
              scf::YieldOp::create(gb, gl, next);
            });
        totals.assign(groupLoop.getResults().begin(),
                      groupLoop.getResults().end());
      }
      // Totals wider than 8 lanes folded to 8 (their halves added).
      for (Value &total : totals) {
        for (int64_t width = cast<VectorType>(total.getType()).getNumElements();
             width > kLanes; width /= 2) {
          auto half = [&](int64_t offset) -> Value {
            return vector::ExtractStridedSliceOp::create(
                mb, ml, total, ArrayRef<int64_t>{offset},
                ArrayRef<int64_t>{width / 2}, ArrayRef<int64_t>{1});
          };
          total = arith::AddFOp::create(mb, ml, half(0), half(width / 2),
                                        fastmath);
        }
      }
      SmallVector<Value> dots = reduceAll(mb, ml, totals);
      if (hasGroupSumTerm)
        for (auto [ci, col] : llvm::enumerate(cols))
          for (auto [ri, row] : llvm::enumerate(rowIds)) {
            Value &dot = dots[ci * rowIds.size() + ri];
            dot = arith::SubFOp::create(mb, ml, dot,
                                        buildGroupSumTerm(mb, ml, col, row),
                                        fastmath);
          }
      return dots;
    };

    // `tileCols` output channels from `colBase`: their columns of the
    // output, filled `tileRows` rows at a time, then the remaining rows one
    // by one.
    auto buildColumns = [&](Value colBase, int64_t tileCols,
                            Value columns) -> Value {
      SmallVector<Value> cols;
      for (int64_t i = 0; i < tileCols; ++i)
        cols.push_back(i == 0 ? colBase
                              : Value(arith::AddIOp::create(
                                    b, loc, colBase, index(b, loc, i))));
      auto rowLoopOf = [&](Value from, Value to, int64_t step, Value init) {
        return scf::ForOp::create(
                   b, loc, from, to, index(b, loc, step), ValueRange{init},
                   [&](OpBuilder &mb, Location ml, Value row, ValueRange mArgs) {
                     SmallVector<Value> rowIds = {row};
                     for (int64_t r = 1; r < step; ++r)
                       rowIds.push_back(arith::AddIOp::create(
                           mb, ml, row, index(mb, ml, r)));
                     SmallVector<Value> values =
                         buildTile(mb, ml, cols, rowIds);
                     Value updated = mArgs[0];
                     for (int64_t ci = 0; ci < tileCols; ++ci)
                       for (int64_t ri = 0; ri < step; ++ri)
                         updated = tensor::InsertOp::create(
                             mb, ml, values[ci * step + ri], updated,
                             ValueRange{rowIds[ri], index(mb, ml, ci)});
                     scf::YieldOp::create(mb, ml, updated);
                   })
            .getResult(0);
      };
      Value tiledRows = c0;
      if (kTileRows > 1) {
        tiledRows = arith::MulIOp::create(
            b, loc,
            arith::DivUIOp::create(b, loc, rows, index(b, loc, kTileRows)),
            index(b, loc, kTileRows));
        columns = rowLoopOf(c0, tiledRows, kTileRows, columns);
      }
      return rowLoopOf(tiledRows, rows, 1, columns);
    };

    // Output channels kTileCols at a time (on threads for large layers: for
    // small ones the fork/join would cost more than it saves), the last
    // n % kTileCols one by one.
    Value result = buildOutputChannels(b, loc, out, n, kTileCols,
                                       n * k >= kParallelMinElements,
                                       buildColumns);
    if (inputType.getRank() == 1)
      result = tensor::CollapseShapeOp::create(
          b, loc, result, SmallVector<ReassociationIndices>{{0, 1}});
    if (result.getType() != op.getResult().getType())
      result = tensor::CastOp::create(b, loc, op.getResult().getType(), result);
    b.replaceOp(op, result);
    return success();
  }

private:
  bool int8Activations;
};

struct WQLowerToVectorPass
    : public mlir::wq::impl::WQLowerToVectorPassBase<WQLowerToVectorPass> {
  using Base::Base;
  void runOnOperation() override {
    if (activationBits != 32 && activationBits != 8) {
      getOperation()->emitError("wq-lower-to-vector: activation-bits must be "
                                "32 or 8, got ")
          << static_cast<unsigned>(activationBits);
      return signalPassFailure();
    }
    const bool int8Activations = activationBits == 8;
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerMatmulToVector>(&getContext(), int8Activations);
    if (failed(applyPatternsToExistingOps(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
