//===- AttentionToLinalg.cpp - wq.attention as linalg generics ------------===//
//
// The portable form of wq.attention (part of wq-lower-to-linalg): three
// generics over every head and row at once,
//   scores [H, T, M]: the scaled dot product over the head dimension where
//     position t is visible to row r (t <= start + r), -inf elsewhere;
//   max and sum of exp [H, M]: loops over the visible positions;
//   out [M, H, hs]: a loop over the visible positions per output.
// The loop dimensions are ordered so that the one the GPU's generic schedule
// spreads over a block's threads (the second) is long: positions, rows of a
// head, the head dimension. T is start + M for an index start, the whole
// cache for a start read from a tensor (a decode step: the generics' shapes
// then do not depend on the position, which only their bodies read).
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::wq;

namespace {

using utils::IteratorType;

struct LowerAttentionPattern : public OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    const int64_t nh = op.getHeads(), hs = op.getHeadSize(),
                  g = op.getHeads() / op.getKvHeads();
    Type f32 = b.getF32Type();
    auto queryType = op.getQuery().getType();
    const int64_t rowCount = queryType.getDimSize(0);
    Value q = op.getQuery(), layer = op.getLayer(), start = op.getStart();
    const bool startInTensor = isa<RankedTensorType>(start.getType());
    auto cacheType = op.getKeys().getType();
    auto cacheTensorType =
        RankedTensorType::get(cacheType.getShape(), cacheType.getElementType());
    auto asTensor = [&](Value cache) -> Value {
      return bufferization::ToTensorOp::create(b, loc, cacheTensorType, cache,
                                               /*restrict=*/true,
                                               /*writable=*/false);
    };
    Value k = asTensor(op.getKeys()), v = asTensor(op.getValues());
    auto index = [&](OpBuilder &ob, int64_t value) -> Value {
      return arith::ConstantIndexOp::create(ob, loc, value);
    };
    SmallVector<Value> rowSizes;
    if (ShapedType::isDynamic(rowCount))
      rowSizes.push_back(tensor::DimOp::create(b, loc, q, 0));
    Value positions;
    if (startInTensor) {
      positions = tensor::DimOp::create(b, loc, k, 1);
    } else {
      Value m = ShapedType::isDynamic(rowCount) ? rowSizes.front()
                                                : index(b, rowCount);
      positions = arith::AddIOp::create(b, loc, start, m);
    }
    auto f32Constant = [&](float value) -> Value {
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
    };
    Value zero = f32Constant(0.0f), ninf = f32Constant(-INFINITY),
          root = f32Constant(std::sqrt(float(hs)));
    auto map = [&](unsigned dims, ArrayRef<unsigned> results) {
      SmallVector<AffineExpr> exprs;
      for (unsigned d : results)
        exprs.push_back(getAffineDimExpr(d, ctx));
      return AffineMap::get(dims, 0, exprs, ctx);
    };
    auto rc = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    // The last position row r sees: start + r.
    auto lastVisible = [&](OpBuilder &ob, Value r) -> Value {
      Value first = start;
      if (startInTensor) {
        Value p = tensor::ExtractOp::create(ob, loc, start, index(ob, 0));
        first = arith::IndexCastOp::create(ob, loc, ob.getIndexType(), p);
      }
      return arith::AddIOp::create(ob, loc, first, r);
    };
    auto visibleCount = [&](OpBuilder &ob, Value r) -> Value {
      return arith::AddIOp::create(ob, loc, lastVisible(ob, r), index(ob, 1));
    };
    // Column of element d of head `head` (query or KV).
    auto column = [&](OpBuilder &ob, Value head, Value d) -> Value {
      return arith::AddIOp::create(
          ob, loc, arith::MulIOp::create(ob, loc, head, index(ob, hs)), d);
    };
    auto kvColumn = [&](OpBuilder &ob, Value h, Value d) -> Value {
      Value kvHead = arith::DivUIOp::create(ob, loc, h, index(ob, g));
      return column(ob, kvHead, d);
    };
    // for i in [0, limit): acc = body(i, acc).
    auto loop = [&](OpBuilder &ob, Value limit, Value init,
                    function_ref<Value(OpBuilder &, Value, Value)> body)
        -> Value {
      return scf::ForOp::create(
                 ob, loc, index(ob, 0), limit, index(ob, 1), init,
                 [&](OpBuilder &lb, Location, Value i, ValueRange acc) {
                   scf::YieldOp::create(lb, loc, body(lb, i, acc[0]));
                 })
          .getResult(0);
    };
    auto generic = [&](ValueRange inputs, Value init,
                       ArrayRef<AffineMap> maps, unsigned loops,
                       function_ref<Value(OpBuilder &, ValueRange)> body)
        -> Value {
      return linalg::GenericOp::create(
                 b, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
                 maps, SmallVector<IteratorType>(loops, IteratorType::parallel),
                 [&](OpBuilder &bb, Location, ValueRange args) {
                   linalg::YieldOp::create(bb, loc, body(bb, args));
                 })
          .getResult(0);
    };

    auto scoresType = RankedTensorType::get(
        {nh, ShapedType::kDynamic, rowCount}, f32);
    SmallVector<Value> scoresSizes = {positions};
    scoresSizes.append(rowSizes);
    Value scores = generic(
        ValueRange{}, tensor::EmptyOp::create(b, loc, scoresType, scoresSizes),
        {map(3, {0, 1, 2})}, 3, [&](OpBuilder &bb, ValueRange) -> Value {
          Value h = linalg::IndexOp::create(bb, loc, 0);
          Value position = linalg::IndexOp::create(bb, loc, 1);
          Value r = linalg::IndexOp::create(bb, loc, 2);
          Value visible = arith::CmpIOp::create(
              bb, loc, arith::CmpIPredicate::ule, position, lastVisible(bb, r));
          auto branch = scf::IfOp::create(bb, loc, TypeRange{f32}, visible,
                                          /*withElse=*/true);
          OpBuilder tb = branch.getThenBodyBuilder();
          Value dot = loop(
              tb, index(tb, hs), zero,
              [&](OpBuilder &lb, Value d, Value acc) -> Value {
                Value qv = tensor::ExtractOp::create(
                    lb, loc, q, ValueRange{r, column(lb, h, d)});
                Value kv = tensor::ExtractOp::create(
                    lb, loc, k, ValueRange{layer, position, kvColumn(lb, h, d)});
                Value p = arith::MulFOp::create(lb, loc, qv, kv, rc);
                return arith::AddFOp::create(lb, loc, acc, p, rc);
              });
          scf::YieldOp::create(
              tb, loc, ValueRange{arith::DivFOp::create(tb, loc, dot, root)});
          OpBuilder eb = branch.getElseBodyBuilder();
          scf::YieldOp::create(eb, loc, ValueRange{ninf});
          return branch.getResult(0);
        });

    auto statsType = RankedTensorType::get({nh, rowCount}, f32);
    auto stats = linalg::GenericOp::create(
        b, loc, TypeRange{statsType, statsType}, ValueRange{},
        ValueRange{tensor::EmptyOp::create(b, loc, statsType, rowSizes),
                   tensor::EmptyOp::create(b, loc, statsType, rowSizes)},
        SmallVector<AffineMap>{map(2, {0, 1}), map(2, {0, 1})},
        SmallVector<IteratorType>{IteratorType::parallel,
                                  IteratorType::parallel},
        [&](OpBuilder &bb, Location, ValueRange) {
          Value h = linalg::IndexOp::create(bb, loc, 0);
          Value r = linalg::IndexOp::create(bb, loc, 1);
          Value count = visibleCount(bb, r);
          auto score = [&](OpBuilder &lb, Value position) -> Value {
            return tensor::ExtractOp::create(lb, loc, scores,
                                             ValueRange{h, position, r});
          };
          Value max = loop(
              bb, count, ninf, [&](OpBuilder &lb, Value position, Value acc) {
                Value s = score(lb, position);
                Value gt = arith::CmpFOp::create(
                    lb, loc, arith::CmpFPredicate::OGT, s, acc);
                return Value(arith::SelectOp::create(lb, loc, gt, s, acc));
              });
          Value sum = loop(
              bb, count, zero, [&](OpBuilder &lb, Value position, Value acc) {
                Value d =
                    arith::SubFOp::create(lb, loc, score(lb, position), max);
                Value e = math::ExpOp::create(lb, loc, d);
                return Value(arith::AddFOp::create(
                    lb, loc, acc, e, arith::FastMathFlags::reassoc));
              });
          linalg::YieldOp::create(bb, loc, ValueRange{max, sum});
        });

    // Loops (h, d, r); the result is stored [M, H, hs].
    auto outType = RankedTensorType::get({rowCount, nh, hs}, f32);
    Value out = generic(
        {stats.getResult(0), stats.getResult(1)},
        tensor::EmptyOp::create(b, loc, outType, rowSizes),
        {map(3, {0, 2}), map(3, {0, 2}), map(3, {2, 0, 1})}, 3,
        [&](OpBuilder &bb, ValueRange x) -> Value {
          Value h = linalg::IndexOp::create(bb, loc, 0);
          Value d = linalg::IndexOp::create(bb, loc, 1);
          Value r = linalg::IndexOp::create(bb, loc, 2);
          Value max = x[0], sum = x[1];
          return loop(bb, visibleCount(bb, r), zero,
                      [&](OpBuilder &lb, Value position, Value acc) -> Value {
                        Value s = tensor::ExtractOp::create(
                            lb, loc, scores, ValueRange{h, position, r});
                        Value e = math::ExpOp::create(
                            lb, loc, arith::SubFOp::create(lb, loc, s, max));
                        Value att = arith::DivFOp::create(lb, loc, e, sum);
                        Value vv = tensor::ExtractOp::create(
                            lb, loc, v,
                            ValueRange{layer, position, kvColumn(lb, h, d)});
                        Value p = arith::MulFOp::create(lb, loc, att, vv);
                        return arith::AddFOp::create(lb, loc, acc, p);
                      });
        });
    b.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, queryType, out, SmallVector<ReassociationIndices>{{0}, {1, 2}});
    return success();
  }
};

} // namespace

void mlir::wq::populateAttentionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerAttentionPattern>(patterns.getContext());
}
