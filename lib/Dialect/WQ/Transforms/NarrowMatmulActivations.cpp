//===- NarrowMatmulActivations.cpp - wq-narrow-matmul-activations ---------===//
//
// Runs quantized matmuls with f32 activations on f16 or bf16 activations
// instead: the input is converted before the op and the result widened
// after it, so the rest of the program stays f32. On the GPU this is what
// lets a model whose graph is f32 (norms, RoPE, attention, residuals) use
// the tensor-core kernels, which multiply f16/bf16 activations (with f32
// accumulation); the conversions are one element-wise kernel each.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/Utils/Utils.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQNARROWMATMULACTIVATIONSPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

Value mlir::wq::convertTensorElements(OpBuilder &b, Location loc, Value value,
                                      Type elementType) {
  auto type = cast<RankedTensorType>(value.getType());
  Type from = type.getElementType();
  if (from == elementType)
    return value;
  const bool widen = cast<FloatType>(elementType).getWidth() >
                     cast<FloatType>(from).getWidth();
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, value), elementType);
  unsigned rank = static_cast<unsigned>(type.getRank());
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{value}, ValueRange{init},
             maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value converted =
                   widen ? Value(arith::ExtFOp::create(nb, nloc, elementType,
                                                       args[0]))
                         : Value(arith::TruncFOp::create(nb, nloc,
                                                         elementType, args[0]));
               linalg::YieldOp::create(nb, nloc, converted);
             })
      .getResult(0);
}

namespace {

struct NarrowMatmul : public OpRewritePattern<MatmulOp> {
  NarrowMatmul(MLIRContext *context, Type narrow)
      : OpRewritePattern(context), narrow(narrow) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &b) const override {
    auto inputType = op.getInput().getType();
    auto resultType = op.getResult().getType();
    if (!inputType.getElementType().isF32() ||
        !resultType.getElementType().isF32())
      return b.notifyMatchFailure(op, "activations are not f32");
    // AWQ input scales and outlier channels are applied around the kernels
    // in the activations' type: kept in f32 rather than rounded twice.
    if (op.getInputScales() || op.getOutlierChannels())
      return b.notifyMatchFailure(op, "input scales or outliers");
    Location loc = op.getLoc();
    Value input = convertTensorElements(b, loc, op.getInput(), narrow);
    Operation *narrowOp = b.clone(*op.getOperation());
    b.modifyOpInPlace(narrowOp, [&] {
      narrowOp->setOperand(0, input);
      narrowOp->getResult(0).setType(resultType.clone(narrow));
    });
    b.replaceOp(op, convertTensorElements(b, loc, narrowOp->getResult(0),
                                          resultType.getElementType()));
    return success();
  }

  Type narrow;
};

struct WQNarrowMatmulActivationsPass
    : public mlir::wq::impl::WQNarrowMatmulActivationsPassBase<
          WQNarrowMatmulActivationsPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    Type narrow;
    if (type == "f16")
      narrow = Float16Type::get(context);
    else if (type == "bf16")
      narrow = BFloat16Type::get(context);
    else if (type != "f32") {
      getOperation()->emitError()
          << "wq-narrow-matmul-activations: type must be f32, f16 or bf16, "
             "got '"
          << type << "'";
      return signalPassFailure();
    }
    if (!narrow)
      return; // f32: nothing to do
    RewritePatternSet patterns(context);
    patterns.add<NarrowMatmul>(context, narrow);
    if (failed(applyPatternsToExistingOps(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
