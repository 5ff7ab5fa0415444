//===- LlamaForward.cpp - The Llama forward pass, built with op builders --===//
//
// The forward pass of a Llama-family model over M tokens at positions
// pos .. pos+M-1, in upstream dialects (func, linalg, tensor, arith, math,
// scf, memref, bufferization):
//
//   func.func @forward(%tokens: memref<?xi32>, %pos: index,
//                      %k_cache: memref<L x ? x kvDim xf32>, %v_cache: ...,
//                      %first: index, %logits: memref<? x V xf32>)
//
// Every weight is an `arith.constant dense_resource<unbound_NAME>` located at
// NameLoc(NAME) (buildModelModule binds the data, or replaces the constant by
// its quantized form); linear layers are linalg.matmul with W [rows, cols] in
// nn.Linear layout. Helpers (@rmsnorm, @add_rmsnorm, @rope_N, @attention,
// @swiglu) take the M rows as a dynamic leading dimension: decode is M = 1, a
// prompt one call with M = its length. Norms are wq.rms_norm ops in helpers
// (so that a CPU build generates their code once rather than per layer); in
// a GPU build each but the first adds the residual connection before it
// (@add_rmsnorm, one kernel), a CPU build calls @add first.
//
// The GPU form (buildLlamaForward's forGpu) differs in two ways: @forward's
// attention is @rows_attention (one wq.attention: every head and row in one
// kernel, where the CPU form's @attention runs heads on threads), and there
// is also
// @decode: one token with M = 1 at compile time, its id and position in a
// device buffer that only loop bodies read (the RoPE table, @step_attention,
// the KV-cache stores, a row gather for the lookup), so that a CUDA graph of
// one call replays every step. Both forms compute RoPE's cosines and sines
// once per call (ropeTables), which every layer's @rope_N (the CPU) or
// ropeAndStore kernel (the GPU: RoPE of a layer's query and key rows and its
// KV-cache writes in one kernel) then reads.
//
//===----------------------------------------------------------------------===//

#include "wq/Model/Llama.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using llvm::formatv;


namespace wq_model {

namespace {

using utils::IteratorType;
constexpr IteratorType kParallel = IteratorType::parallel;
constexpr IteratorType kReduction = IteratorType::reduction;
constexpr int64_t kDynamic = ShapedType::kDynamic;

class ForwardBuilder {
public:
  ForwardBuilder(ModuleOp module, const LlamaConfig &config,
                 StringRef weightDtype)
      : ctx(module.getContext()), b(OpBuilder::atBlockEnd(module.getBody())),
        loc(module.getLoc()), c(config), f32(b.getF32Type()),
        weightType(weightDtype == "f16" ? Type(b.getF16Type())
                                        : Type(b.getF32Type())) {}

  void build(bool forGpu) {
    fuseResidualAdds = forGpu;
    fuseRopeAndStore = forGpu;
    layerRegions = !forGpu;
    buildRmsnorm(/*withResidual=*/false);
    if (fuseResidualAdds)
      buildRmsnorm(/*withResidual=*/true);
    else
      buildAdd();
    if (!fuseRopeAndStore) {
      buildRope(c.queryDim());
      if (c.kvDim() != c.queryDim())
        buildRope(c.kvDim());
    }
    if (forGpu) {
      buildRowsAttention(/*step=*/false);
      buildRowsAttention(/*step=*/true);
    } else {
      buildAttention();
    }
    buildSwiglu();
    buildForward(forGpu ? "rows_attention" : "attention");
    if (forGpu)
      buildDecodeStep();
  }

private:
  //===--------------------------------------------------------------------===//
  // Types, constants, maps.
  //===--------------------------------------------------------------------===//

  /// tensor<? x n x f32>: M rows of n.
  RankedTensorType rows(int64_t n) const {
    return RankedTensorType::get({kDynamic, n}, f32);
  }
  /// tensor<1 x n x f32>: the one row of a decode step.
  RankedTensorType row(int64_t n) const {
    return RankedTensorType::get({1, n}, f32);
  }
  /// tensor<2xi32>: a decode step's token id and position.
  RankedTensorType stepType() const {
    return RankedTensorType::get({2}, IntegerType::get(ctx, 32));
  }
  RankedTensorType vec(int64_t n, Type type) const {
    return RankedTensorType::get({n}, type);
  }
  /// The KV caches [layers, context, kvDim].
  MemRefType cacheType() const {
    return MemRefType::get({c.numLayers, kDynamic, c.kvDim()}, f32);
  }
  /// Rows of one layer's cache.
  MemRefType layerCacheType() const {
    return MemRefType::get(
        {kDynamic, c.kvDim()}, f32,
        StridedLayoutAttr::get(ctx, kDynamic, {c.kvDim(), 1}));
  }

  Value f32Constant(OpBuilder &ob, float value) {
    return arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(value));
  }
  Value indexConstant(OpBuilder &ob, int64_t value) {
    return arith::ConstantIndexOp::create(ob, loc, value);
  }
  Value empty(OpBuilder &ob, RankedTensorType type, ValueRange dynamic) {
    return tensor::EmptyOp::create(ob, loc, type.getShape(),
                                   type.getElementType(), dynamic);
  }
  Value fill(OpBuilder &ob, Value value, Value init) {
    return linalg::FillOp::create(ob, loc, ValueRange{value}, ValueRange{init})
        .getResult(0);
  }

  /// affine_map<(d0 .. d{dims-1}) -> (d{results}...)>.
  AffineMap map(unsigned dims, ArrayRef<unsigned> results) const {
    SmallVector<AffineExpr> exprs;
    for (unsigned r : results)
      exprs.push_back(getAffineDimExpr(r, ctx));
    return AffineMap::get(dims, 0, exprs, ctx);
  }

  using BodyFn = llvm::function_ref<Value(OpBuilder &, ValueRange)>;
  /// A linalg.generic with one output whose body yields `body(args)`.
  Value generic(OpBuilder &ob, ValueRange inputs, Value init,
                ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iterators,
                BodyFn body) {
    return linalg::GenericOp::create(
               ob, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
               maps, iterators,
               [&](OpBuilder &bb, Location, ValueRange args) {
                 linalg::YieldOp::create(bb, loc, body(bb, args));
               })
        .getResult(0);
  }

  /// The element-wise map of M rows (r, i) -> (r, i) for every operand.
  SmallVector<AffineMap> rowMaps(int operands) const {
    return SmallVector<AffineMap>(operands, map(2, {0, 1}));
  }

  func::FuncOp function(StringRef name, TypeRange inputs, TypeRange results,
                        bool isPrivate = true) {
    auto fn = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType(inputs, results));
    if (isPrivate)
      fn.setPrivate();
    fn.addEntryBlock();
    return fn;
  }

  //===--------------------------------------------------------------------===//
  // Helpers.
  //===--------------------------------------------------------------------===//

  /// @rmsnorm(x, w) -> y and @add_rmsnorm(x, r, w) -> (y, x + r): one
  /// wq.rms_norm each, which every target lowers in its own form.
  void buildRmsnorm(bool withResidual) {
    const int64_t d = c.dim;
    SmallVector<Type> inputs = {rows(d), vec(d, f32)};
    SmallVector<Type> results = {rows(d)};
    if (withResidual) {
      inputs.push_back(rows(d));
      results.push_back(rows(d));
    }
    func::FuncOp fn = function(withResidual ? "add_rmsnorm" : "rmsnorm",
                               inputs, results);
    OpBuilder fb = OpBuilder::atBlockBegin(&fn.front());
    Value x = fn.getArgument(0);
    Value residual = withResidual ? fn.getArgument(2) : Value();
    auto op = mlir::wq::RmsNormOp::create(
        fb, loc, x.getType(), residual ? x.getType() : Type(), x,
        fn.getArgument(1), residual, fb.getF32FloatAttr(c.normEps));
    func::ReturnOp::create(fb, loc, op->getResults());
  }

  /// Element-wise a + b (the residual connections of a CPU build).
  void buildAdd() {
    const int64_t d = c.dim;
    func::FuncOp fn = function("add", {rows(d), rows(d)}, {rows(d)});
    OpBuilder fb = OpBuilder::atBlockBegin(&fn.front());
    Value a = fn.getArgument(0), bv = fn.getArgument(1);
    Value m = tensor::DimOp::create(fb, loc, a, indexConstant(fb, 0));
    Value y = generic(fb, {a, bv}, empty(fb, rows(d), m), rowMaps(3),
                      {kParallel, kParallel},
                      [&](OpBuilder &bb, ValueRange v) -> Value {
                        return arith::AddFOp::create(bb, loc, v[0], v[1]);
                      });
    func::ReturnOp::create(fb, loc, y);
  }

  /// RoPE on adjacent pairs of n values: pair i of row r rotates by the
  /// angle whose cosine and sine are cos/sin[r, i % (head size / 2)] (see
  /// ropeTables: computed once per call of @forward / @decode, not per layer
  /// and per pair). `rope_N` takes M rows (the CPU form; the GPU form's RoPE
  /// is part of ropeAndStore).
  void buildRope(int64_t n) {
    const int64_t half = n / 2, headHalf = c.headSize() / 2;
    auto pairsType = RankedTensorType::get({kDynamic, half, 2}, f32);
    auto rowsType = RankedTensorType::get({kDynamic, n}, f32);
    func::FuncOp fn = function(
        formatv("rope_{0}", n).str(),
        {rowsType, ropeTableType(kDynamic), ropeTableType(kDynamic)},
        {rowsType});
    OpBuilder fb = OpBuilder::atBlockBegin(&fn.front());
    Value v = fn.getArgument(0), cosines = fn.getArgument(1),
          sines = fn.getArgument(2);
    SmallVector<Value> dynamic = {
        tensor::DimOp::create(fb, loc, v, indexConstant(fb, 0))};
    SmallVector<OpFoldResult> pairSizes = {dynamic[0], fb.getIndexAttr(half),
                                           fb.getIndexAttr(2)};
    Value pairs = tensor::ExpandShapeOp::create(
        fb, loc, pairsType, v, SmallVector<ReassociationIndices>{{0}, {1, 2}},
        pairSizes);
    Value e = empty(fb, pairsType, dynamic);
    Value rotated = generic(
        fb, ValueRange{}, e, {map(3, {0, 1, 2})},
        {kParallel, kParallel, kParallel},
        [&](OpBuilder &bb, ValueRange) -> Value {
          Value row = linalg::IndexOp::create(bb, loc, 0);
          Value i = linalg::IndexOp::create(bb, loc, 1);
          Value j = linalg::IndexOp::create(bb, loc, 2);
          Value k0 = indexConstant(bb, 0), k1 = indexConstant(bb, 1);
          Value f = arith::RemUIOp::create(bb, loc, i,
                                           indexConstant(bb, headHalf));
          Value v0 = tensor::ExtractOp::create(bb, loc, pairs,
                                               ValueRange{row, i, k0});
          Value v1 = tensor::ExtractOp::create(bb, loc, pairs,
                                               ValueRange{row, i, k1});
          Value fcr = tensor::ExtractOp::create(bb, loc, cosines,
                                                ValueRange{row, f});
          Value fci = tensor::ExtractOp::create(bb, loc, sines,
                                                ValueRange{row, f});
          Value a0 = arith::MulFOp::create(bb, loc, v0, fcr);
          Value b0 = arith::MulFOp::create(bb, loc, v1, fci);
          Value re = arith::SubFOp::create(bb, loc, a0, b0);
          Value a1 = arith::MulFOp::create(bb, loc, v0, fci);
          Value b1 = arith::MulFOp::create(bb, loc, v1, fcr);
          Value im = arith::AddFOp::create(bb, loc, a1, b1);
          Value isRe = arith::CmpIOp::create(bb, loc, arith::CmpIPredicate::eq,
                                             j, k0);
          return arith::SelectOp::create(bb, loc, isRe, re, im);
        });
    Value y = tensor::CollapseShapeOp::create(
        fb, loc, rowsType, rotated,
        SmallVector<ReassociationIndices>{{0}, {1, 2}});
    func::ReturnOp::create(fb, loc, y);
  }

  /// [M, head size / 2]: one of each row's tables (cosines or sines).
  RankedTensorType ropeTableType(int64_t m) const {
    return RankedTensorType::get({m, c.headSize() / 2}, f32);
  }

  /// The cosines and sines RoPE rotates by, for M rows at positions
  /// start + r (`start` an index, or a decode step's tensor whose position
  /// is read inside the loop): angle (start + r) * freq[f] for the head
  /// size / 2 frequencies every head shares, as llama2.c computes it in
  /// float; one generic with both tables as results, so each angle's cos
  /// and sin are one sincosf. Once per call instead of once per pair and
  /// layer.
  std::pair<Value, Value> ropeTables(OpBuilder &ob, Value start, bool step,
                                     Value m) {
    Value freq = frequencies(ob);
    SmallVector<Value> dynamic;
    if (!step)
      dynamic.push_back(m);
    auto type = ropeTableType(step ? 1 : kDynamic);
    Value cosInit = empty(ob, type, dynamic), sinInit = empty(ob, type, dynamic);
    auto tables = linalg::GenericOp::create(
        ob, loc, TypeRange{type, type}, ValueRange{freq},
        ValueRange{cosInit, sinInit},
        ArrayRef<AffineMap>{map(2, {1}), map(2, {0, 1}), map(2, {0, 1})},
        ArrayRef<IteratorType>{kParallel, kParallel},
        [&](OpBuilder &bb, Location, ValueRange a) {
          Value row = linalg::IndexOp::create(bb, loc, 0);
          Value first = step ? stepPosition(bb, start) : start;
          Value p = arith::AddIOp::create(bb, loc, first, row);
          Value pi = arith::IndexCastOp::create(bb, loc, bb.getI64Type(), p);
          Value pf = arith::SIToFPOp::create(bb, loc, f32, pi);
          Value angle = arith::MulFOp::create(bb, loc, pf, a[0]);
          linalg::YieldOp::create(
              bb, loc,
              ValueRange{math::CosOp::create(bb, loc, angle),
                         math::SinOp::create(bb, loc, angle)});
        });
    return {tables.getResult(0), tables.getResult(1)};
  }

  /// The position of a decode step (element 1 of its step tensor), as an
  /// index: read where it is used (inside a loop body, so on a GPU by the
  /// kernel).
  Value stepPosition(OpBuilder &ob, Value step) {
    Value p = tensor::ExtractOp::create(ob, loc, step,
                                        ValueRange{indexConstant(ob, 1)});
    return arith::IndexCastOp::create(ob, loc, ob.getIndexType(), p);
  }

  /// Causal grouped-query attention of M query rows (positions
  /// pos .. pos+M-1) over the T = pos + M cached keys and values of one
  /// layer: row r sees positions t <= pos + r. Query heads are independent:
  /// one scf.forall iteration per head (KV head a, query g of its group), on
  /// threads like the matmul kernels. Within a head the loops follow each
  /// generic's dimension order: dot products reduce along the contiguous
  /// head dimension (reassociation allowed, so they vectorize) and the
  /// weighted sum of values walks the positions outside the head dimension,
  /// so its inner loop is contiguous.
  void buildAttention() {
    const int64_t qd = c.queryDim(), kvd = c.kvDim(), nkv = c.numKvHeads,
                  hs = c.headSize(), g = c.numHeads / c.numKvHeads;
    func::FuncOp fn = function(
        "attention",
        {rows(qd), cacheType(), cacheType(), b.getIndexType(),
         b.getIndexType()},
        {rows(qd)});
    OpBuilder fb = OpBuilder::atBlockBegin(&fn.front());
    Value q = fn.getArgument(0), kcm = fn.getArgument(1),
          vcm = fn.getArgument(2), layer = fn.getArgument(3),
          pos = fn.getArgument(4);
    Value c0 = indexConstant(fb, 0);
    Value zero = f32Constant(fb, 0.0f);
    Value ninf = f32Constant(fb, -INFINITY);
    Value root = f32Constant(fb, sqrtf(float(hs)));
    Value m = tensor::DimOp::create(fb, loc, q, c0);
    Value t = arith::AddIOp::create(fb, loc, pos, m);
    auto layerRows = [&](Value cache) -> Value {
      Value view = memref::SubViewOp::create(
          fb, loc, layerCacheType(), cache,
          ArrayRef<OpFoldResult>{layer, fb.getIndexAttr(0),
                                 fb.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{fb.getIndexAttr(1), t, fb.getIndexAttr(kvd)},
          ArrayRef<OpFoldResult>{fb.getIndexAttr(1), fb.getIndexAttr(1),
                                 fb.getIndexAttr(1)});
      return view;
    };
    Value ksrc = layerRows(kcm), vsrc = layerRows(vcm);
    auto asTensor = [&](Value view) -> Value {
      return bufferization::ToTensorOp::create(fb, loc, rows(kvd), view,
                                               /*restrict=*/true,
                                               /*writable=*/false);
    };
    Value k = asTensor(ksrc), v = asTensor(vsrc);
    auto q4Type = RankedTensorType::get({kDynamic, nkv, g, hs}, f32);
    auto kv3Type = RankedTensorType::get({kDynamic, nkv, hs}, f32);
    Value q4 = tensor::ExpandShapeOp::create(
        fb, loc, q4Type, q, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}},
        SmallVector<OpFoldResult>{m, fb.getIndexAttr(nkv), fb.getIndexAttr(g),
                                  fb.getIndexAttr(hs)});
    auto heads = [&](Value x) -> Value {
      return tensor::ExpandShapeOp::create(
          fb, loc, kv3Type, x, SmallVector<ReassociationIndices>{{0}, {1, 2}},
          SmallVector<OpFoldResult>{t, fb.getIndexAttr(nkv),
                                    fb.getIndexAttr(hs)});
    };
    Value k3 = heads(k), v3 = heads(v);
    Value eo = empty(fb, q4Type, m);
    auto forall = scf::ForallOp::create(
        fb, loc,
        ArrayRef<OpFoldResult>{fb.getIndexAttr(nkv), fb.getIndexAttr(g)},
        ValueRange{eo}, std::nullopt);
    {
      Block *body = forall.getBody();
      OpBuilder hb(body->getTerminator());
      Value a = body->getArgument(0), gi = body->getArgument(1),
            out = body->getArgument(2);
      auto one = hb.getIndexAttr(1);
      Value qh = tensor::ExtractSliceOp::create(
          hb, loc, rows(hs), q4,
          ArrayRef<OpFoldResult>{hb.getIndexAttr(0), a, gi, hb.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{m, one, one, hb.getIndexAttr(hs)},
          ArrayRef<OpFoldResult>{one, one, one, one});
      auto headOf = [&](Value x3) -> Value {
        return tensor::ExtractSliceOp::create(
            hb, loc, rows(hs), x3,
            ArrayRef<OpFoldResult>{hb.getIndexAttr(0), a, hb.getIndexAttr(0)},
            ArrayRef<OpFoldResult>{t, one, hb.getIndexAttr(hs)},
            ArrayRef<OpFoldResult>{one, one, one});
      };
      Value kh = headOf(k3), vh = headOf(v3);
      auto scoresType = RankedTensorType::get({kDynamic, kDynamic}, f32);
      Value es = empty(hb, scoresType, {m, t});
      Value s0 = fill(hb, zero, es);
      auto rc =
          arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
      Value dots = generic(
          hb, {qh, kh}, s0, {map(3, {0, 2}), map(3, {1, 2}), map(3, {0, 1})},
          {kParallel, kParallel, kReduction},
          [&](OpBuilder &bb, ValueRange x) -> Value {
            Value p = arith::MulFOp::create(bb, loc, x[0], x[1], rc);
            return arith::AddFOp::create(bb, loc, x[2], p, rc);
          });
      Value scores = generic(
          hb, dots, es, {map(2, {0, 1}), map(2, {0, 1})},
          {kParallel, kParallel}, [&](OpBuilder &bb, ValueRange x) -> Value {
            Value row = linalg::IndexOp::create(bb, loc, 0);
            Value col = linalg::IndexOp::create(bb, loc, 1);
            Value limit = arith::AddIOp::create(bb, loc, pos, row);
            Value visible = arith::CmpIOp::create(
                bb, loc, arith::CmpIPredicate::ule, col, limit);
            Value d = arith::DivFOp::create(bb, loc, x[0], root);
            return arith::SelectOp::create(bb, loc, visible, d, ninf);
          });
      Value em = empty(hb, RankedTensorType::get({kDynamic}, f32), m);
      Value m0 = fill(hb, ninf, em);
      Value max = generic(
          hb, scores, m0, {map(2, {0, 1}), map(2, {0})},
          {kParallel, kReduction}, [&](OpBuilder &bb, ValueRange x) -> Value {
            Value gt = arith::CmpFOp::create(bb, loc, arith::CmpFPredicate::OGT,
                                             x[0], x[1]);
            return arith::SelectOp::create(bb, loc, gt, x[0], x[1]);
          });
      Value exps = generic(
          hb, {scores, max}, es, {map(2, {0, 1}), map(2, {0}), map(2, {0, 1})},
          {kParallel, kParallel}, [&](OpBuilder &bb, ValueRange x) -> Value {
            Value d = arith::SubFOp::create(bb, loc, x[0], x[1]);
            return math::ExpOp::create(bb, loc, d);
          });
      Value z0 = fill(hb, zero, em);
      Value sum = generic(
          hb, exps, z0, {map(2, {0, 1}), map(2, {0})},
          {kParallel, kReduction}, [&](OpBuilder &bb, ValueRange x) -> Value {
            return arith::AddFOp::create(
                bb, loc, x[1], x[0], arith::FastMathFlags::reassoc);
          });
      Value att = generic(
          hb, {exps, sum}, es, {map(2, {0, 1}), map(2, {0}), map(2, {0, 1})},
          {kParallel, kParallel}, [&](OpBuilder &bb, ValueRange x) -> Value {
            return arith::DivFOp::create(bb, loc, x[0], x[1]);
          });
      Value eh = empty(hb, rows(hs), m);
      Value o0 = fill(hb, zero, eh);
      Value oh = generic(
          hb, {att, vh}, o0, {map(3, {0, 1}), map(3, {1, 2}), map(3, {0, 2})},
          {kParallel, kReduction, kParallel},
          [&](OpBuilder &bb, ValueRange x) -> Value {
            Value pr = arith::MulFOp::create(bb, loc, x[0], x[1]);
            return arith::AddFOp::create(bb, loc, x[2], pr);
          });
      OpBuilder ib = OpBuilder::atBlockBegin(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(
          ib, loc, oh, out,
          ArrayRef<OpFoldResult>{ib.getIndexAttr(0), a, gi, ib.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{m, one, one, ib.getIndexAttr(hs)},
          ArrayRef<OpFoldResult>{one, one, one, one});
    }
    Value result = tensor::CollapseShapeOp::create(
        fb, loc, rows(qd), forall.getResult(0),
        SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
    func::ReturnOp::create(fb, loc, result);
  }

  /// silu(h1) * h3.
  void buildSwiglu() {
    const int64_t h = c.hiddenDim;
    func::FuncOp fn = function("swiglu", {rows(h), rows(h)}, {rows(h)});
    OpBuilder fb = OpBuilder::atBlockBegin(&fn.front());
    Value h1 = fn.getArgument(0), h3 = fn.getArgument(1);
    Value c0 = indexConstant(fb, 0);
    Value one = f32Constant(fb, 1.0f);
    Value m = tensor::DimOp::create(fb, loc, h1, c0);
    Value y = generic(
        fb, {h1, h3}, empty(fb, rows(h), m), rowMaps(3),
        {kParallel, kParallel}, [&](OpBuilder &bb, ValueRange v) -> Value {
          Value na = arith::NegFOp::create(bb, loc, v[0]);
          Value ex = math::ExpOp::create(bb, loc, na);
          Value den = arith::AddFOp::create(bb, loc, one, ex);
          Value sig = arith::DivFOp::create(bb, loc, one, den);
          Value t = arith::MulFOp::create(bb, loc, v[0], sig);
          return arith::MulFOp::create(bb, loc, t, v[1]);
        });
    func::ReturnOp::create(fb, loc, y);
  }

  //===--------------------------------------------------------------------===//
  // The forward pass.
  //===--------------------------------------------------------------------===//

  /// A weight constant, its data bound later by name (buildModelModule).
  Value weight(OpBuilder &ob, StringRef name, RankedTensorType type) {
    // One resource per weight, however many functions read it (inserting
    // a name again would make a second, renamed resource).
    auto it = handles.find(name);
    if (it == handles.end()) {
      auto &manager = DenseResourceElementsHandle::getManagerInterface(ctx);
      it = handles.try_emplace(name, manager.insert(resourceName(name))).first;
    }
    DenseResourceElementsHandle handle = it->second;
    return arith::ConstantOp::create(
        ob, NameLoc::get(b.getStringAttr(name)),
        DenseResourceElementsAttr::get(type, handle));
  }

  /// RoPE's head size / 2 frequencies (one per pair of a head; every head
  /// shares them), as llama2.c computes them in float.
  Value frequencies(OpBuilder &ob) {
    std::vector<float> freqs;
    const int64_t hs = c.headSize();
    for (int64_t i = 0; i < hs; i += 2)
      freqs.push_back(1.0f / powf(c.ropeTheta, float(i) / float(hs)));
    auto type = vec(hs / 2, f32);
    return arith::ConstantOp::create(
        ob, loc, DenseElementsAttr::get(type, ArrayRef<float>(freqs)));
  }

  /// y [M, rows] = x [M, cols] W^T with W [rows, cols] (nn.Linear layout);
  /// `m` is M when it is dynamic, null when static (a decode step's 1).
  linalg::MatmulOp linear(OpBuilder &ob, Value x, Value w, int64_t n,
                          Value m) {
    auto type = RankedTensorType::get(
        {cast<RankedTensorType>(x.getType()).getDimSize(0), n}, f32);
    Value init =
        fill(ob, zeroF32, empty(ob, type, m ? ValueRange{m} : ValueRange{}));
    auto op = linalg::MatmulOp::create(ob, loc, TypeRange{type},
                                       ValueRange{x, w}, ValueRange{init});
    op->setAttr("indexing_maps",
                ob.getAffineMapArrayAttr({map(3, {0, 2}), map(3, {1, 2}),
                                          map(3, {0, 1})}));
    return op;
  }
  Value linear(OpBuilder &ob, Value x, StringRef name, int64_t n, int64_t k,
               Value m) {
    Value w = weight(ob, name, RankedTensorType::get({n, k}, weightType));
    return linear(ob, x, w, n, m).getResult(0);
  }
  Value call(OpBuilder &ob, StringRef callee, Type result, ValueRange args) {
    return func::CallOp::create(ob, loc, callee, TypeRange{result}, args)
        .getResult(0);
  }
  /// The RMSNorm `name` of x + residual (of x without one): the normalized
  /// rows and the sum, which the residual stream carries on (x itself
  /// without a residual). One wq.rms_norm, lowered per target.
  std::pair<Value, Value> norm(OpBuilder &ob, Value x, Value residual,
                               StringRef name) {
    Value w = weight(ob, name, vec(c.dim, f32));
    if (residual && !fuseResidualAdds) {
      // The CPU: the add, then the norm (measured a little faster there
      // than @add_rmsnorm, whose sum is a second function result).
      x = callOnRows(ob, "add", {c.dim}, {x, residual})[0];
      residual = Value();
    }
    if (!residual)
      return {callOnRows(ob, "rmsnorm", {c.dim}, {x, w})[0], x};
    SmallVector<Value> results =
        callOnRows(ob, "add_rmsnorm", {c.dim, c.dim}, {x, w, residual});
    return {results[0], results[1]};
  }
  /// A call of a helper over M rows whose results have `widths` columns,
  /// from rows of any static or dynamic count (a decode step's
  /// tensor<1 x n>): the helpers take and return tensor<? x n>.
  SmallVector<Value> callOnRows(OpBuilder &ob, StringRef callee,
                                ArrayRef<int64_t> widths, ValueRange args) {
    SmallVector<Value> dynamicArgs;
    for (Value arg : args) {
      auto type = cast<RankedTensorType>(arg.getType());
      if (type.getRank() == 2 && !type.isDynamicDim(0))
        arg = tensor::CastOp::create(ob, loc, rows(type.getDimSize(1)), arg);
      dynamicArgs.push_back(arg);
    }
    SmallVector<Type> resultTypes;
    for (int64_t width : widths)
      resultTypes.push_back(rows(width));
    auto callOp = func::CallOp::create(ob, loc, callee, resultTypes,
                                       dynamicArgs);
    auto firstType = cast<RankedTensorType>(args.front().getType());
    SmallVector<Value> results;
    for (auto [result, width] : llvm::zip(callOp.getResults(), widths)) {
      Value value = result;
      if (!firstType.isDynamicDim(0))
        value = tensor::CastOp::create(
            ob, loc,
            RankedTensorType::get({firstType.getDimSize(0), width}, f32),
            value);
      results.push_back(value);
    }
    return results;
  }
  Value callOnRow(OpBuilder &ob, StringRef callee, int64_t n, ValueRange args) {
    return callOnRows(ob, callee, {n}, args)[0];
  }

  /// @forward, its attention by the helper `attention`.
  void buildForward(StringRef attention) {
    const int64_t d = c.dim, h = c.hiddenDim, v = c.vocabSize,
                  qd = c.queryDim(), kvd = c.kvDim();
    auto tokensType = MemRefType::get({kDynamic}, b.getI32Type());
    auto logitsType = MemRefType::get({kDynamic, v}, f32);
    func::FuncOp fn = function(
        "forward",
        {tokensType, b.getIndexType(), cacheType(), cacheType(),
         b.getIndexType(), logitsType},
        {}, /*isPrivate=*/false);
    fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    OpBuilder fb = OpBuilder::atBlockBegin(&fn.front());
    Value tokm = fn.getArgument(0), pos = fn.getArgument(1),
          kcm = fn.getArgument(2), vcm = fn.getArgument(3),
          first = fn.getArgument(4), outm = fn.getArgument(5);
    Value tokens = bufferization::ToTensorOp::create(
        fb, loc, RankedTensorType::get({kDynamic}, b.getI32Type()), tokm,
        /*restrict=*/true, /*writable=*/false);
    zeroF32 = f32Constant(fb, 0.0f);
    Value c0 = indexConstant(fb, 0), c1 = indexConstant(fb, 1);
    Value m = tensor::DimOp::create(fb, loc, tokens, c0);
    auto [cosines, sines] = ropeTables(fb, pos, /*step=*/false, m);
    auto tableType = RankedTensorType::get({v, d}, weightType);
    Value table = weight(fb, "tok_embeddings.weight", tableType);

    // Token lookups: one row of the table per token.
    Value xe = empty(fb, rows(d), m);
    auto lookups = scf::ForOp::create(
        fb, loc, c0, m, c1, ValueRange{xe},
        [&](OpBuilder &lb, Location, Value i, ValueRange args) {
          Value t32 = tensor::ExtractOp::create(lb, loc, tokens, i);
          Value t = arith::IndexCastOp::create(lb, loc, lb.getIndexType(), t32);
          auto one = lb.getIndexAttr(1);
          Value row = tensor::ExtractSliceOp::create(
              lb, loc, vec(d, weightType), table,
              ArrayRef<OpFoldResult>{t, lb.getIndexAttr(0)},
              ArrayRef<OpFoldResult>{one, lb.getIndexAttr(d)},
              ArrayRef<OpFoldResult>{one, one});
          Value rowF32 = row;
          if (!weightType.isF32()) {
            rowF32 = generic(lb, row, empty(lb, vec(d, f32), {}),
                             {map(1, {0}), map(1, {0})}, {kParallel},
                             [&](OpBuilder &bb, ValueRange a) -> Value {
                               return arith::ExtFOp::create(bb, loc, f32, a[0]);
                             });
          }
          Value next = tensor::InsertSliceOp::create(
              lb, loc, rowF32, args[0],
              ArrayRef<OpFoldResult>{i, lb.getIndexAttr(0)},
              ArrayRef<OpFoldResult>{one, lb.getIndexAttr(d)},
              ArrayRef<OpFoldResult>{one, one});
          scf::YieldOp::create(lb, loc, next);
        });
    Value x = lookups.getResult(0);

    auto layerCache = layerCacheType();
    // The previous layer's MLP output, added to x by the next norm.
    Value residual;
    for (int64_t l = 0; l < c.numLayers; ++l) {
      auto name = [&](const char *w) {
        return formatv("layers.{0}.{1}.weight", l, w).str();
      };
      // On the CPU each layer is a region of its own (kept by no_inline):
      // ownership-based deallocation frees a block's buffers at the end of
      // the block, so in one straight-line @forward all ~1000 intermediate
      // buffers of a token lived until its end (malloc never reused a
      // chunk, and the final deallocation checked every pair for aliases);
      // per layer they are freed as the layer ends. The GPU build keeps one
      // block (its buffers are device memory inside a captured graph).
      scf::ExecuteRegionOp layerRegion;
      if (layerRegions) {
        layerRegion = scf::ExecuteRegionOp::create(
            fb, loc, TypeRange{rows(d), rows(d)});
        layerRegion.setNoInline(true);
        fb.setInsertionPointToStart(
            &layerRegion.getRegion().emplaceBlock());
      }
      Value xn;
      std::tie(xn, x) = norm(fb, x, residual, name("attention_norm"));
      Value q = linear(fb, xn, name("attention.wq"), qd, d, m);
      Value k = linear(fb, xn, name("attention.wk"), kvd, d, m);
      Value val = linear(fb, xn, name("attention.wv"), kvd, d, m);
      Value layer = indexConstant(fb, l);
      Value qr;
      if (fuseRopeAndStore) {
        // The GPU: one kernel (ropeAndStore).
        qr = ropeAndStore(fb, q, k, val, cosines, sines, kcm, vcm, layer, pos);
      } else {
        qr = call(fb, formatv("rope_{0}", qd).str(), rows(qd),
                  {q, cosines, sines});
        Value kr = call(fb, formatv("rope_{0}", kvd).str(), rows(kvd),
                        {k, cosines, sines});
        // The layer's new keys and values are written into the caches in
        // place (memref level: a tensor-level cache threaded through the
        // layers would make bufferization copy each layer's cache before the
        // next layer's write); attention reads the layer's first pos + M
        // positions from the caches itself (a tensor argument would be
        // copied at the call).
        auto one = fb.getIndexAttr(1);
        auto rowsOf = [&](Value cache) -> Value {
          return memref::SubViewOp::create(
              fb, loc, layerCache, cache,
              ArrayRef<OpFoldResult>{layer, pos, fb.getIndexAttr(0)},
              ArrayRef<OpFoldResult>{one, m, fb.getIndexAttr(kvd)},
              ArrayRef<OpFoldResult>{one, one, one});
        };
        auto store = [&](Value tensor, Value dest) {
          auto op = bufferization::MaterializeInDestinationOp::create(
              fb, loc, tensor, dest);
          op.setRestrict(true);
          op.setWritable(true);
        };
        store(kr, rowsOf(kcm));
        store(val, rowsOf(vcm));
      }
      Value att = call(fb, attention, rows(qd), {qr, kcm, vcm, layer, pos});
      Value o = linear(fb, att, name("attention.wo"), d, qd, m);
      auto [xn2, x2] = norm(fb, x, o, name("ffn_norm"));
      Value h1 = linear(fb, xn2, name("feed_forward.w1"), h, d, m);
      Value h3 = linear(fb, xn2, name("feed_forward.w3"), h, d, m);
      Value gate = call(fb, "swiglu", rows(h), {h1, h3});
      Value f = linear(fb, gate, name("feed_forward.w2"), d, h, m);
      x = x2;
      residual = f;
      if (layerRegions) {
        scf::YieldOp::create(fb, loc, ValueRange{x, residual});
        x = layerRegion.getResult(0);
        residual = layerRegion.getResult(1);
        fb.setInsertionPointAfter(layerRegion);
      }
    }
    Value fin = norm(fb, x, residual, "norm.weight").first;
    // Logits of rows first .. M-1 only (decode and a prompt's last token
    // need one row, perplexity all).
    Value nl = arith::SubIOp::create(fb, loc, m, first);
    auto one = fb.getIndexAttr(1);
    Value selected = tensor::ExtractSliceOp::create(
        fb, loc, rows(d), fin,
        ArrayRef<OpFoldResult>{first, fb.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{nl, fb.getIndexAttr(d)},
        ArrayRef<OpFoldResult>{one, one});
    writeLogits(fb, selected, table, nl, outm);
    func::ReturnOp::create(fb, loc);
  }

  /// The classifier (the token embedding `table` when shared) of `rows`
  /// (M given when dynamic), written into `out` in place. It is marked
  /// wq.skip; the importer removes the mark when it is to be quantized.
  void writeLogits(OpBuilder &ob, Value finalRows, Value table, Value m,
                   Value out) {
    Value classifierWeight =
        c.sharedClassifier
            ? table
            : weight(ob, "output.weight",
                     cast<RankedTensorType>(table.getType()));
    linalg::MatmulOp logits =
        linear(ob, finalRows, classifierWeight, c.vocabSize, m);
    logits->setAttr("wq.skip", ob.getUnitAttr());
    logits->setAttr("wq.classifier", ob.getUnitAttr());
    auto store = bufferization::MaterializeInDestinationOp::create(
        ob, loc, logits.getResult(0), out);
    store.setRestrict(true);
    store.setWritable(true);
  }

  /// Causal grouped-query attention of all heads at once, the GPU form: M
  /// query rows at positions pos .. pos+M-1 over the layer's cache, row r
  /// seeing positions t <= pos + r; head h reads KV head h / g. One
  /// wq.attention, which wq-gpu-pipeline makes one kernel for every head and
  /// row (wq-lower-attention-to-gpu):
  ///   @rows_attention(q [?, qd], k_cache, v_cache, layer, pos: index): a
  ///     prompt on the GPU (no host loop over heads, unlike @attention's
  ///     threads);
  ///   @step_attention(q [1, qd], k_cache, v_cache, layer, step): a decode
  ///     step, pos read from the step (element 1) by the kernel, so that its
  ///     launch does not depend on pos.
  void buildRowsAttention(bool step) {
    const int64_t qd = c.queryDim();
    auto queryType = RankedTensorType::get({step ? 1 : kDynamic, qd}, f32);
    func::FuncOp fn = function(
        step ? "step_attention" : "rows_attention",
        {queryType, cacheType(), cacheType(), b.getIndexType(),
         step ? Type(stepType()) : Type(b.getIndexType())},
        {queryType});
    OpBuilder fb = OpBuilder::atBlockBegin(&fn.front());
    Value start = fn.getArgument(4);
    if (step) {
      auto one = fb.getIndexAttr(1);
      start = tensor::ExtractSliceOp::create(
          fb, loc, RankedTensorType::get({1}, b.getI32Type()), start,
          ArrayRef<OpFoldResult>{one}, ArrayRef<OpFoldResult>{one},
          ArrayRef<OpFoldResult>{one});
    }
    Value out = mlir::wq::AttentionOp::create(
        fb, loc, queryType, fn.getArgument(0), fn.getArgument(1),
        fn.getArgument(2), fn.getArgument(3), start, c.numHeads,
        c.numKvHeads);
    func::ReturnOp::create(fb, loc, out);
  }

  /// The GPU form's RoPE and cache writes of M rows in one loop (one kernel)
  /// over (2 r + role, pair i): role 0 rotates pair i of query row r into a
  /// fresh row; role 1, for i < kvDim / 2, rotates pair i of key row r and
  /// copies pair i of value row r into the caches at [layer, pos + r]. pos
  /// is `start`: an index, or a decode step's tensor, read inside the loop
  /// (stepPosition). (Roles in the first dimension rather than a loop over the
  /// pairs alone: the GPU schedule spreads the second dimension over a
  /// block's threads, and a unit first dimension would fold away.) The
  /// rotation is @rope_N's. The rows are read element by element
  /// (tensor.extract), so that they may be views (slices of a fused Q/K/V
  /// projection) without a copy. Returns the rotated query rows.
  Value ropeAndStore(OpBuilder &ob, Value query, Value key, Value value,
                     Value cosines, Value sines, Value keyCache,
                     Value valueCache, Value layer, Value start) {
    const int64_t qd = c.queryDim(), kvd = c.kvDim(),
                  headHalf = c.headSize() / 2;
    auto queryType = cast<RankedTensorType>(query.getType());
    auto rowType = MemRefType::get(queryType.getShape(), f32);
    Value c0 = indexConstant(ob, 0), c1 = indexConstant(ob, 1),
          c2 = indexConstant(ob, 2);
    Value m = tensor::DimOp::create(ob, loc, query, c0);
    SmallVector<Value> dynamicSizes;
    if (rowType.isDynamicDim(0))
      dynamicSizes.push_back(m);
    Value rotated = memref::AllocOp::create(ob, loc, rowType, dynamicSizes);
    scf::ParallelOp::create(
        ob, loc, ValueRange{c0, c0},
        ValueRange{arith::MulIOp::create(ob, loc, m, c2),
                   indexConstant(ob, qd / 2)},
        ValueRange{c1, c1}, [&](OpBuilder &pb, Location, ValueRange iv) {
          Value r = arith::DivUIOp::create(pb, loc, iv[0], c2);
          Value role = arith::RemUIOp::create(pb, loc, iv[0], c2);
          Value pair = iv[1];
          Value even = arith::MulIOp::create(pb, loc, pair, c2);
          Value odd = arith::AddIOp::create(pb, loc, even, c1);
          Value f = arith::RemUIOp::create(pb, loc, pair,
                                           indexConstant(pb, headHalf));
          Value fcr = tensor::ExtractOp::create(pb, loc, cosines,
                                                ValueRange{r, f});
          Value fci = tensor::ExtractOp::create(pb, loc, sines,
                                                ValueRange{r, f});
          // (v0, v1) rotated, in @rope_N's order of operations.
          auto rotate = [&](OpBuilder &rb, Value rows, Value destination,
                            ValueRange evenAt, ValueRange oddAt) {
            Value v0 = tensor::ExtractOp::create(rb, loc, rows,
                                                 ValueRange{r, even});
            Value v1 = tensor::ExtractOp::create(rb, loc, rows,
                                                 ValueRange{r, odd});
            Value re = arith::SubFOp::create(
                rb, loc, arith::MulFOp::create(rb, loc, v0, fcr),
                arith::MulFOp::create(rb, loc, v1, fci));
            Value im = arith::AddFOp::create(
                rb, loc, arith::MulFOp::create(rb, loc, v0, fci),
                arith::MulFOp::create(rb, loc, v1, fcr));
            memref::StoreOp::create(rb, loc, re, destination, evenAt);
            memref::StoreOp::create(rb, loc, im, destination, oddAt);
          };
          Value isQuery = arith::CmpIOp::create(
              pb, loc, arith::CmpIPredicate::eq, role, c0);
          auto byRole = scf::IfOp::create(pb, loc, isQuery,
                                          /*withElseRegion=*/true);
          OpBuilder qb = byRole.getThenBodyBuilder();
          rotate(qb, query, rotated, ValueRange{r, even}, ValueRange{r, odd});
          OpBuilder eb = byRole.getElseBodyBuilder();
          Value isKvPair =
              arith::CmpIOp::create(eb, loc, arith::CmpIPredicate::ult, pair,
                                    indexConstant(eb, kvd / 2));
          auto kvPair = scf::IfOp::create(eb, loc, isKvPair);
          OpBuilder kb = kvPair.getThenBodyBuilder();
          Value first = isa<RankedTensorType>(start.getType())
                            ? stepPosition(kb, start)
                            : start;
          Value pos = arith::AddIOp::create(kb, loc, first, r);
          rotate(kb, key, keyCache, ValueRange{layer, pos, even},
                 ValueRange{layer, pos, odd});
          for (Value at : {even, odd})
            memref::StoreOp::create(
                kb, loc,
                tensor::ExtractOp::create(kb, loc, value, ValueRange{r, at}),
                valueCache, ValueRange{layer, pos, at});
        });
    return bufferization::ToTensorOp::create(ob, loc, queryType, rotated,
                                             /*restrict=*/true,
                                             /*writable=*/true);
  }

  /// @decode: @forward's layers for one token (M = 1 at compile time, so
  /// the importer's wq.matmul ops are decode-shaped), with the token id and
  /// position taken from the step buffer inside loop bodies only: the
  /// lookup is a row gather, RoPE, the cache stores and attention read the
  /// position themselves.
  void buildDecodeStep() {
    const int64_t d = c.dim, h = c.hiddenDim, v = c.vocabSize,
                  qd = c.queryDim(), kvd = c.kvDim();
    auto stepBufferType = MemRefType::get({2}, b.getI32Type());
    auto logitsType = MemRefType::get({1, v}, f32);
    func::FuncOp fn = function(
        "decode", {stepBufferType, cacheType(), cacheType(), logitsType}, {},
        /*isPrivate=*/false);
    fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    OpBuilder fb = OpBuilder::atBlockBegin(&fn.front());
    Value stepm = fn.getArgument(0), kcm = fn.getArgument(1),
          vcm = fn.getArgument(2), outm = fn.getArgument(3);
    Value step = bufferization::ToTensorOp::create(fb, loc, stepType(), stepm,
                                                   /*restrict=*/true,
                                                   /*writable=*/false);
    zeroF32 = f32Constant(fb, 0.0f);
    auto [cosines, sines] = ropeTables(fb, step, /*step=*/true, Value());
    auto tableType = RankedTensorType::get({v, d}, weightType);
    Value table = weight(fb, "tok_embeddings.weight", tableType);
    auto one = fb.getIndexAttr(1);
    Value token = tensor::ExtractSliceOp::create(
        fb, loc, RankedTensorType::get({1}, b.getI32Type()), step,
        ArrayRef<OpFoldResult>{fb.getIndexAttr(0)}, ArrayRef<OpFoldResult>{one},
        ArrayRef<OpFoldResult>{one});
    Value x = mlir::wq::buildRowGather(fb, loc, table, token, f32);
    Value residual;
    for (int64_t l = 0; l < c.numLayers; ++l) {
      auto name = [&](const char *w) {
        return formatv("layers.{0}.{1}.weight", l, w).str();
      };
      Value xn;
      std::tie(xn, x) = norm(fb, x, residual, name("attention_norm"));
      Value q = linear(fb, xn, name("attention.wq"), qd, d, Value());
      Value k = linear(fb, xn, name("attention.wk"), kvd, d, Value());
      Value val = linear(fb, xn, name("attention.wv"), kvd, d, Value());
      Value layer = indexConstant(fb, l);
      Value qr =
          ropeAndStore(fb, q, k, val, cosines, sines, kcm, vcm, layer, step);
      Value att = call(fb, "step_attention", row(qd),
                       {qr, kcm, vcm, layer, step});
      Value o = linear(fb, att, name("attention.wo"), d, qd, Value());
      auto [xn2, x2] = norm(fb, x, o, name("ffn_norm"));
      Value h1 = linear(fb, xn2, name("feed_forward.w1"), h, d, Value());
      Value h3 = linear(fb, xn2, name("feed_forward.w3"), h, d, Value());
      Value gate = callOnRow(fb, "swiglu", h, {h1, h3});
      Value f = linear(fb, gate, name("feed_forward.w2"), d, h, Value());
      x = x2;
      residual = f;
    }
    Value fin = norm(fb, x, residual, "norm.weight").first;
    writeLogits(fb, fin, table, Value(), outm);
    func::ReturnOp::create(fb, loc);
  }

  MLIRContext *ctx;
  OpBuilder b;
  Location loc;
  const LlamaConfig &c;
  /// GPU builds add each residual inside the next norm's kernel
  /// (@add_rmsnorm); CPU builds call @add, then @rmsnorm.
  bool fuseResidualAdds = false;
  /// GPU builds rotate and store a layer's rows in one kernel
  /// (ropeAndStore); CPU builds call @rope_N and copy into the caches.
  bool fuseRopeAndStore = false;
  /// Each layer of @forward in an scf.execute_region (see buildForward).
  bool layerRegions = false;
  Type f32, weightType;
  Value zeroF32;
  llvm::StringMap<DenseResourceElementsHandle> handles;
};

} // namespace

void buildLlamaForward(ModuleOp module, const LlamaConfig &config,
                       StringRef weightDtype, bool forGpu) {
  ForwardBuilder(module, config, weightDtype).build(forGpu);
}

} // namespace wq_model
