//===- LowerFloatLinear.cpp - wq-lower-float-linear -----------------------===//
//
// The CPU path of linear layers that stay in floating point (a classifier
// kept in f32, f16/bf16 layers): vector code instead of the scalar loops of
// convert-linalg-to-loops, which reload and store the output element on
// every multiply-add.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "CpuKernels.h"

#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERFLOATLINEARPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

constexpr int64_t kLanes = kCpuLanes;
/// Independent accumulators of the main loop (hides the FMA latency).
constexpr int64_t kAccumulators = 4;
constexpr int64_t kParallelMinElements = kCpuParallelMinElements;

struct LowerFloatLinear : public OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &b) const override {
    if (!isa<linalg::MatmulOp, linalg::MatvecOp>(op))
      return b.notifyMatchFailure(op, "not a matmul or matvec");
    FailureOr<LinearOpMatch> match = matchLinearOp(op);
    if (failed(match) || match->transposed)
      return b.notifyMatchFailure(op, "weight not in [N, K] layout");
    if (!op.hasPureTensorSemantics())
      return b.notifyMatchFailure(op, "not on tensors");
    auto weightType = dyn_cast<RankedTensorType>(match->weight.getType());
    auto inputType = dyn_cast<RankedTensorType>(match->activation.getType());
    Value init = op.getDpsInitOperand(0)->get();
    auto initType = dyn_cast<RankedTensorType>(init.getType());
    if (!weightType || !inputType || !initType || weightType.getRank() != 2 ||
        !weightType.hasStaticShape() ||
        !isa<Float32Type, Float16Type, BFloat16Type>(
            weightType.getElementType()) ||
        !inputType.getElementType().isF32() ||
        !initType.getElementType().isF32())
      return b.notifyMatchFailure(op, "needs a static f32/f16/bf16 [N, K] "
                                      "weight and f32 activations");
    if (inputType.getRank() != initType.getRank() ||
        (inputType.getRank() == 2 && inputType.isDynamicDim(1)))
      return b.notifyMatchFailure(op, "unsupported activation shape");
    if (llvm::is_contained(inputType.getShape(), 0) ||
        llvm::is_contained(weightType.getShape(), 0))
      return b.notifyMatchFailure(op, "zero-sized (the generic path computes "
                                      "the empty result)");

    Location loc = op.getLoc();
    const int64_t n = weightType.getDimSize(0), k = weightType.getDimSize(1);
    Type f32 = b.getF32Type(), weightElement = weightType.getElementType();
    auto laneType = VectorType::get({kLanes}, f32);
    auto weightLaneType = VectorType::get({kLanes}, weightElement);
    auto fastmath =
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;

    // Activations and output as [M, K] and [M, N].
    Value x = match->activation, out = init;
    if (inputType.getRank() == 1) {
      x = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({1, k}, f32), x,
          SmallVector<ReassociationIndices>{{0, 1}});
      out = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({1, n}, f32), out,
          SmallVector<ReassociationIndices>{{0, 1}});
    }
    Value w = match->weight;
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value rows = tensor::DimOp::create(b, loc, x, 0);
    Value zeroLanes = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(laneType, b.getF32FloatAttr(0.0f)));
    Value floatPad = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
    Value weightPad =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(weightElement));
    auto index = [](OpBuilder &ob, Location l, int64_t v) -> Value {
      return arith::ConstantIndexOp::create(ob, l, v);
    };
    const int64_t wide = kLanes * kAccumulators;
    const int64_t mainEnd = k / wide * wide, vectorEnd = k / kLanes * kLanes;

    // acc + w[col, at .. at+8) * x[row, at .. at+8).
    auto fma = [&](OpBuilder &lb, Location l, Value col, Value row, Value at,
                   Value acc) -> Value {
      Value wv = vector::TransferReadOp::create(
          lb, l, weightLaneType, w, ValueRange{col, at}, weightPad,
          ArrayRef<bool>{true});
      if (weightElement != f32)
        wv = arith::ExtFOp::create(lb, l, laneType, wv);
      Value xv = vector::TransferReadOp::create(
          lb, l, laneType, x, ValueRange{row, at}, floatPad,
          ArrayRef<bool>{true});
      return vector::FMAOp::create(lb, l, wv, xv, acc);
    };
    // One output: init + sum_k w[col, k] x[row, k].
    auto buildOutput = [&](OpBuilder &mb, Location ml, Value col, Value row,
                           Value initial) -> Value {
      SmallVector<Value> zeros(kAccumulators, zeroLanes);
      auto mainLoop = scf::ForOp::create(
          mb, ml, c0, index(mb, ml, mainEnd), index(mb, ml, wide), zeros,
          [&](OpBuilder &lb, Location l, Value at, ValueRange accs) {
            SmallVector<Value> next;
            for (int64_t a = 0; a < kAccumulators; ++a)
              next.push_back(fma(
                  lb, l, col, row,
                  arith::AddIOp::create(lb, l, at, index(lb, l, a * kLanes)),
                  accs[a]));
            scf::YieldOp::create(lb, l, next);
          });
      Value acc = mainLoop.getResult(0);
      for (int64_t a = 1; a < kAccumulators; ++a)
        acc = arith::AddFOp::create(mb, ml, acc, mainLoop.getResult(a),
                                    fastmath);
      auto restLoop = scf::ForOp::create(
          mb, ml, index(mb, ml, mainEnd), index(mb, ml, vectorEnd),
          index(mb, ml, kLanes), ValueRange{acc},
          [&](OpBuilder &lb, Location l, Value at, ValueRange accs) {
            scf::YieldOp::create(lb, l, fma(lb, l, col, row, at, accs[0]));
          });
      Value total = vector::ReductionOp::create(
          mb, ml, vector::CombiningKind::ADD, restLoop.getResult(0), initial,
          arith::FastMathFlags::reassoc);
      // The last K % 8 elements, one at a time.
      auto tailLoop = scf::ForOp::create(
          mb, ml, index(mb, ml, vectorEnd), index(mb, ml, k), c1,
          ValueRange{total},
          [&](OpBuilder &lb, Location l, Value at, ValueRange sums) {
            Value wk = tensor::ExtractOp::create(lb, l, w, ValueRange{col, at});
            if (weightElement != f32)
              wk = arith::ExtFOp::create(lb, l, f32, wk);
            Value xk = tensor::ExtractOp::create(lb, l, x, ValueRange{row, at});
            Value p = arith::MulFOp::create(lb, l, wk, xk, fastmath);
            scf::YieldOp::create(
                lb, l,
                ValueRange{arith::AddFOp::create(lb, l, sums[0], p, fastmath)});
          });
      return tailLoop.getResult(0);
    };
    // One output channel's column [M, 1], row by row.
    auto buildColumn = [&](Value col, int64_t, Value column) -> Value {
      auto rowLoop = scf::ForOp::create(
          b, loc, c0, rows, c1, ValueRange{column},
          [&](OpBuilder &mb, Location ml, Value row, ValueRange mArgs) {
            Value initial =
                tensor::ExtractOp::create(mb, ml, mArgs[0], ValueRange{row, c0});
            Value updated = tensor::InsertOp::create(
                mb, ml, buildOutput(mb, ml, col, row, initial), mArgs[0],
                ValueRange{row, c0});
            scf::YieldOp::create(mb, ml, updated);
          });
      return rowLoop.getResult(0);
    };
    Value result =
        buildOutputChannels(b, loc, out, n, /*tileWidth=*/1,
                            n * k >= kParallelMinElements, buildColumn);
    if (inputType.getRank() == 1)
      result = tensor::CollapseShapeOp::create(
          b, loc, result, SmallVector<ReassociationIndices>{{0, 1}});
    if (result.getType() != op->getResult(0).getType())
      result = tensor::CastOp::create(b, loc, op->getResult(0).getType(), result);
    b.replaceOp(op, result);
    return success();
  }
};

struct WQLowerFloatLinearPass
    : public mlir::wq::impl::WQLowerFloatLinearPassBase<WQLowerFloatLinearPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateWQFloatLinearToVectorPatterns(patterns);
    if (failed(applyPatternsToExistingOps(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::wq::populateWQFloatLinearToVectorPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerFloatLinear>(patterns.getContext());
}
