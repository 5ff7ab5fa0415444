//===- LowerToVector.cpp - wq-lower-to-vector -----------------------------===//
//
// The CPU fast path for wq.matmul: vector code that reads 16 packed bytes at a
// time, unpacks them in registers and applies each group's scale and zero
// point once per group.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "wq-lower-to-vector"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERTOVECTORPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// Packed bytes read per vector load (one 128-bit load).
constexpr int64_t kChunkBytes = 16;
/// Weights (elements) from which output channels are spread over threads:
/// below this, a layer takes a few microseconds and the fork/join of a
/// parallel region costs more than it saves.
constexpr int64_t kParallelMinElements = 1 << 18;

struct LowerMatmulToVector : public OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &b) const override {
    QuantizedWeightAttr weight = op.getWeight();
    if (!weight.getBatchShape().empty() || weight.getFlatGroups() ||
        op.getPerm() ||
        op.getOutlierChannels() || op.getInputScales())
      return b.notifyMatchFailure(op, "batched, permuted, outlier or scaled");
    const unsigned bits = weight.getBits();
    if (bits != 4 && bits != 8)
      return b.notifyMatchFailure(op, "only 4- and 8-bit storage");
    const int64_t groupBytes = weight.getBytesPerGroup();
    const int64_t perByte = 8 / bits;
    const int64_t groupSize = weight.getEffectiveGroupSize();
    if (groupBytes % kChunkBytes != 0 || groupBytes * perByte != groupSize)
      return b.notifyMatchFailure(op, "groups do not fill whole chunks");
    auto inputType = op.getInput().getType();
    if (inputType.getRank() > 2 || !inputType.getElementType().isF32() ||
        !op.getResult().getType().getElementType().isF32())
      return b.notifyMatchFailure(op, "f32 activations of rank 1 or 2 only");

    Location loc = op.getLoc();
    const int64_t n = weight.getN(), k = weight.getK();
    const int64_t groups = weight.getNumGroups();
    const int64_t paddedK = groups * groupSize;
    const int64_t lanes = kChunkBytes * perByte;
    Type f32 = b.getF32Type(), i8 = b.getI8Type();

    // Activations as [M, K], zero-padded to whole groups.
    Value x = op.getInput();
    if (inputType.getRank() == 1)
      x = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({1, k}, f32), x,
          SmallVector<ReassociationIndices>{{0, 1}});
    auto xType = cast<RankedTensorType>(x.getType());
    if (paddedK != k) {
      SmallVector<Value> dynamicDims;
      if (xType.isDynamicDim(0))
        dynamicDims.push_back(tensor::DimOp::create(b, loc, x, 0));
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
      x = tensor::createPadHighOp(
          RankedTensorType::get({xType.getDimSize(0), paddedK}, f32), x, zero,
          /*nofold=*/false, loc, b, dynamicDims);
    }
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value rows = tensor::DimOp::create(b, loc, x, 0);
    OpFoldResult rowSize = tensor::getMixedSizes(b, loc, x)[0];

    // Per-group activation sums for the zero-point term.
    Value zeroPoints = op.getZeroPoints(), groupSums;
    if (zeroPoints) {
      Value x3 = tensor::ExpandShapeOp::create(
          b, loc,
          RankedTensorType::get({xType.getDimSize(0), groups, groupSize}, f32),
          x, SmallVector<ReassociationIndices>{{0}, {1, 2}},
          SmallVector<OpFoldResult>{rowSize, b.getIndexAttr(groups),
                                    b.getIndexAttr(groupSize)});
      Value init = tensor::EmptyOp::create(
          b, loc, SmallVector<OpFoldResult>{rowSize, b.getIndexAttr(groups)},
          f32);
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
      init = linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{init})
                 .getResult(0);
      MLIRContext *ctx = b.getContext();
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

    auto fastmath =
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    auto byteVectorType = VectorType::get({kChunkBytes}, i8);
    auto laneType = VectorType::get({lanes}, f32);
    Value out = tensor::EmptyOp::create(
        b, loc, SmallVector<OpFoldResult>{rowSize, b.getIndexAttr(n)}, f32);
    Value numGroups = arith::ConstantIndexOp::create(b, loc, groups);
    Value numChunks =
        arith::ConstantIndexOp::create(b, loc, groupBytes / kChunkBytes);
    Value bytePad = arith::ConstantIntOp::create(b, loc, i8, 0);
    Value floatPad = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
    Value zeroLanes = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(laneType, b.getF32FloatAttr(0.0f)));
    auto splat8 = [&](OpBuilder &ob, Location l, int64_t value) -> Value {
      return arith::ConstantOp::create(
          ob, l, DenseElementsAttr::get(byteVectorType,
                                        ob.getIntegerAttr(i8, value)));
    };
    const bool isSigned = weight.getIsSigned();
    Value packed = op.getPacked(), scales = op.getScales();

    // One output channel: its column of the output, filled row by row.
    auto buildColumn = [&](Value col, Value shared,
                           SmallVector<OpFoldResult> &colOffsets,
                           SmallVector<OpFoldResult> &colSizes,
                           SmallVector<OpFoldResult> &unitStrides) -> Value {
      OpBuilder &nb = b;
      Location nl = loc;
      colOffsets = {b.getIndexAttr(0), col};
      colSizes = {rowSize, b.getIndexAttr(1)};
      unitStrides = {b.getIndexAttr(1), b.getIndexAttr(1)};
      Value column = tensor::ExtractSliceOp::create(
          b, loc, shared, colOffsets, colSizes, unitStrides);
      auto rowLoop = scf::ForOp::create(
          nb, nl, c0, rows, c1, ValueRange{column},
              [&](OpBuilder &mb, Location ml, Value row, ValueRange mArgs) {
                // Per group: acc = sum x q over its chunks; the row total
                // accumulates s * acc lane-wise (one horizontal reduction per
                // row) and the zero-point term s * z * sum(x) as a scalar.
                auto groupLoop = scf::ForOp::create(
                    mb, ml, c0, numGroups, c1, ValueRange{zeroLanes, floatPad},
                    [&](OpBuilder &gb, Location gl, Value g, ValueRange gArgs) {
                      Value groupBase = arith::MulIOp::create(
                          gb, gl, g,
                          arith::ConstantIndexOp::create(gb, gl, groupSize));
                      auto chunkLoop = scf::ForOp::create(
                          gb, gl, c0, numChunks, c1, ValueRange{zeroLanes},
                          [&](OpBuilder &cb, Location cl, Value chunk,
                              ValueRange cArgs) {
                            Value byteOffset = arith::MulIOp::create(
                                cb, cl, chunk,
                                arith::ConstantIndexOp::create(cb, cl,
                                                               kChunkBytes));
                            Value bytesV = vector::TransferReadOp::create(
                                cb, cl, byteVectorType, packed,
                                ValueRange{col, g, byteOffset}, bytePad,
                                ArrayRef<bool>{true});
                            Value q = bytesV;
                            if (bits == 4) {
                              Value four = splat8(cb, cl, 4);
                              Value lo, hi;
                              if (isSigned) {
                                lo = arith::ShRSIOp::create(
                                    cb, cl,
                                    arith::ShLIOp::create(cb, cl, bytesV, four),
                                    four);
                                hi = arith::ShRSIOp::create(cb, cl, bytesV, four);
                              } else {
                                lo = arith::AndIOp::create(cb, cl, bytesV,
                                                           splat8(cb, cl, 15));
                                hi = arith::ShRUIOp::create(cb, cl, bytesV, four);
                              }
                              // Element 2i is the low nibble of byte i.
                              q = vector::InterleaveOp::create(cb, cl, lo, hi);
                            }
                            Value qf =
                                isSigned
                                    ? Value(arith::SIToFPOp::create(cb, cl,
                                                                    laneType, q))
                                    : Value(arith::UIToFPOp::create(cb, cl,
                                                                    laneType, q));
                            Value xOffset = arith::AddIOp::create(
                                cb, cl, groupBase,
                                arith::MulIOp::create(
                                    cb, cl, chunk,
                                    arith::ConstantIndexOp::create(cb, cl,
                                                                   lanes)));
                            Value xv = vector::TransferReadOp::create(
                                cb, cl, laneType, x, ValueRange{row, xOffset},
                                floatPad, ArrayRef<bool>{true});
                            Value acc =
                                vector::FMAOp::create(cb, cl, qf, xv, cArgs[0]);
                            scf::YieldOp::create(cb, cl, acc);
                          });
                      Value s = tensor::ExtractOp::create(gb, gl, scales,
                                                          ValueRange{col, g});
                      if (!s.getType().isF32())
                        s = arith::ExtFOp::create(gb, gl, f32, s);
                      Value sv = vector::BroadcastOp::create(gb, gl, laneType, s);
                      Value total = vector::FMAOp::create(
                          gb, gl, sv, chunkLoop.getResult(0), gArgs[0]);
                      Value correction = gArgs[1];
                      if (zeroPoints) {
                        Value z = tensor::ExtractOp::create(
                            gb, gl, zeroPoints, ValueRange{col, g});
                        Value zf = arith::UIToFPOp::create(gb, gl, f32, z);
                        Value sum = tensor::ExtractOp::create(
                            gb, gl, groupSums, ValueRange{row, g});
                        Value term = arith::MulFOp::create(
                            gb, gl, arith::MulFOp::create(gb, gl, s, zf, fastmath),
                            sum, fastmath);
                        correction =
                            arith::AddFOp::create(gb, gl, correction, term, fastmath);
                      }
                      scf::YieldOp::create(gb, gl, ValueRange{total, correction});
                    });
                Value dot = vector::ReductionOp::create(
                    mb, ml, vector::CombiningKind::ADD, groupLoop.getResult(0),
                    Value(), arith::FastMathFlags::reassoc);
                Value rowValue = arith::SubFOp::create(
                    mb, ml, dot, groupLoop.getResult(1), fastmath);
                Value updated = tensor::InsertOp::create(
                    mb, ml, rowValue, mArgs[0],
                    ValueRange{row, c0});
                scf::YieldOp::create(mb, ml, updated);
              });
      return rowLoop.getResult(0);
    };
    SmallVector<OpFoldResult> colOffsets, colSizes, unitStrides;
    Value result;
    if (n * k >= kParallelMinElements) {
      // Output channels in parallel (OpenMP threads after scf-to-openmp);
      // each iteration fills its column of the output in place.
      auto forall = scf::ForallOp::create(
          b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(n)}, ValueRange{out},
          std::nullopt);
      OpBuilder::InsertionGuard guard(b);
      Block *block = forall.getBody();
      b.setInsertionPoint(block->getTerminator());
      Value column = buildColumn(block->getArgument(0), block->getArgument(1),
                                 colOffsets, colSizes, unitStrides);
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, loc, column,
                                            block->getArgument(1), colOffsets,
                                            colSizes, unitStrides);
      result = forall.getResult(0);
    } else {
      // Small layers: threads would cost more than they save.
      Value numOutputs = arith::ConstantIndexOp::create(b, loc, n);
      auto loop = scf::ForOp::create(
          b, loc, c0, numOutputs, c1, ValueRange{out},
          [&](OpBuilder &lb, Location ll, Value col, ValueRange args) {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
            Value column =
                buildColumn(col, args[0], colOffsets, colSizes, unitStrides);
            Value updated = tensor::InsertSliceOp::create(
                b, ll, column, args[0], colOffsets, colSizes, unitStrides);
            scf::YieldOp::create(b, ll, updated);
          });
      result = loop.getResult(0);
    }
    if (inputType.getRank() == 1)
      result = tensor::CollapseShapeOp::create(
          b, loc, result, SmallVector<ReassociationIndices>{{0, 1}});
    if (result.getType() != op.getResult().getType())
      result = tensor::CastOp::create(b, loc, op.getResult().getType(), result);
    b.replaceOp(op, result);
    return success();
  }
};

struct WQLowerToVectorPass
    : public mlir::wq::impl::WQLowerToVectorPassBase<WQLowerToVectorPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerMatmulToVector>(&getContext());
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();
  }
};

} // namespace
