//===- LowerAttentionToGpu.cpp - wq-lower-attention-to-gpu ----------------===//
//
// wq.attention as one GPU kernel: a block per (query head, row). The head's
// values are spread over a group of lanes (the head size rounded up to a
// power of two, at most a warp; narrower heads put several groups in a
// warp), and the block's groups walk the visible positions in turn, each
// keeping an online softmax: the running max of its scores, the running sum
// of their exponentials and the exponential-weighted sum of the values in
// registers, rescaled by exp(old max - new max) when the max grows. The
// groups' states meet in shared memory once, where each output element is
// combined over them. The linalg form takes three launches (scores, the
// statistics with one thread per head and row walking every position, the
// weighted sum); at decode that is launch overhead and serial loops.
//
//===----------------------------------------------------------------------===//

#include "GpuDecode.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERATTENTIONTOGPUPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

constexpr int64_t kMaxGroups = 32;
constexpr int64_t kMaxDynamicSharedBytes = 48 * 1024;

struct LowerAttentionToGpuKernel : public OpRewritePattern<AttentionOp> {
  LowerAttentionToGpuKernel(MLIRContext *context, int64_t warps,
                            int64_t unroll)
      : OpRewritePattern(context), warps(warps), unroll(unroll) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    const KernelConstants k{b, loc};
    const int64_t hs = op.getHeadSize(),
                  group = op.getHeads() / op.getKvHeads();
    // Lanes per position (a power of two, so that xor shuffles stay in the
    // group), groups per warp, values per lane.
    const int64_t lanes =
        std::min<int64_t>(kWarpSize, int64_t(llvm::PowerOf2Ceil(hs)));
    const int64_t groupsPerWarp = kWarpSize / lanes;
    const int64_t perLane = (hs + lanes - 1) / lanes;
    // At most kMaxGroups lane groups: the final combination walks them all
    // (unrolled by LLVM), and more spill registers at 512 threads a block.
    const int64_t warps = std::max<int64_t>(
        1, std::min(this->warps, kMaxGroups / groupsPerWarp));
    const int64_t groups = warps * groupsPerWarp;
    // Per group in shared memory: max, sum, then the hs weighted sums.
    const int64_t stateSize = hs + 2;
    const int64_t sharedBytes = groups * stateSize * int64_t(sizeof(float));
    // More dynamic shared memory than 48 KiB needs an opt-in per kernel
    // (cuFuncSetAttribute), which the runtime does not make.
    if (sharedBytes > kMaxDynamicSharedBytes)
      return b.notifyMatchFailure(op, "heads too wide for the groups' states "
                                      "in 48 KiB of shared memory");
    auto queryType = op.getQuery().getType();

    Value q = buildReadOnlyBuffer(b, loc, op.getQuery());
    Value keys = op.getKeys(), values = op.getValues(), layer = op.getLayer();
    Value start = op.getStart();
    if (isa<RankedTensorType>(start.getType()))
      start = buildReadOnlyBuffer(b, loc, start);
    Value rows = memref::DimOp::create(b, loc, q, 0);
    Value out = buildRowsAllocation(b, loc, queryType, rows);

    Value one = k.index(1);
    auto launch = gpu::LaunchOp::create(
        b, loc, k.index(op.getHeads()), rows, one, k.index(warps * kWarpSize),
        one, one, k.i32(sharedBytes));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&launch.getBody().front());
      Value head = launch.getBlockIds().x, row = launch.getBlockIds().y;
      Value tid = launch.getThreadIds().x;
      Value lane = arith::RemUIOp::create(b, loc, tid, k.index(kWarpSize));
      Value warp = arith::DivUIOp::create(b, loc, tid, k.index(kWarpSize));
      Value sub = arith::RemUIOp::create(b, loc, lane, k.index(lanes));
      // This lane's group: its warp's first plus its place in the warp.
      Value warpFirst =
          arith::MulIOp::create(b, loc, warp, k.index(groupsPerWarp));
      Value groupInWarp = arith::DivUIOp::create(b, loc, lane, k.index(lanes));
      Value slot = arith::AddIOp::create(b, loc, warpFirst, groupInWarp);
      Value first = start;
      if (isa<MemRefType>(start.getType()))
        first = arith::IndexCastOp::create(
            b, loc, b.getIndexType(),
            memref::LoadOp::create(b, loc, start, ValueRange{k.index(0)}));
      // Row r sees positions 0 .. start + r.
      Value count = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, first, row), one);
      Value kvBase = arith::MulIOp::create(
          b, loc, arith::DivUIOp::create(b, loc, head, k.index(group)),
          k.index(hs));
      Value queryBase = arith::MulIOp::create(b, loc, head, k.index(hs));
      // This lane's head elements d = sub + lanes * e; those past the head
      // (a head size that is not a power of two) read element hs - 1 and
      // weigh nothing (their query value is 0, their sums are not stored).
      SmallVector<Value> elements, valid;
      for (int64_t e = 0; e < perLane; ++e) {
        Value d = arith::AddIOp::create(b, loc, sub, k.index(lanes * e));
        if (lanes * (e + 1) > hs) {
          Value inHead = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ult, d, k.index(hs));
          valid.push_back(inHead);
          d = arith::MinUIOp::create(b, loc, d, k.index(hs - 1));
        } else {
          valid.push_back(Value());
        }
        elements.push_back(d);
      }
      // The lane's columns of the KV head in the caches, and its query
      // values.
      SmallVector<Value> kvColumns, query;
      for (int64_t e = 0; e < perLane; ++e) {
        kvColumns.push_back(arith::AddIOp::create(b, loc, kvBase, elements[e]));
        Value column = arith::AddIOp::create(b, loc, queryBase, elements[e]);
        Value value =
            memref::LoadOp::create(b, loc, q, ValueRange{row, column});
        if (valid[e])
          value = arith::SelectOp::create(b, loc, valid[e], value, k.f32(0.0));
        query.push_back(value);
      }
      Value root = k.f32(std::sqrt(double(hs)));
      Value ninf = k.f32(-INFINITY);
      Value lastPosition = arith::SubIOp::create(b, loc, count, one);

      // State: max, sum, the perLane weighted sums. The walk is uniform
      // over a warp (its groups take positions warpFirst + group-in-warp +
      // j * groups), so that every lane reaches the shuffles; positions past
      // the last visible one read the last and score -inf.
      SmallVector<Value> init = {ninf, k.f32(0.0)};
      init.append(perLane, k.f32(0.0));
      auto walk = scf::ForOp::create(
          b, loc, warpFirst, count, k.index(groups * unroll), init,
          [&](OpBuilder &, Location, Value base, ValueRange state) {
            SmallVector<Value> positions, scores;
            for (int64_t j = 0; j < unroll; ++j) {
              Value p = arith::AddIOp::create(
                  b, loc, arith::AddIOp::create(b, loc, base, groupInWarp),
                  k.index(j * groups));
              positions.push_back(
                  arith::MinUIOp::create(b, loc, p, lastPosition));
              Value partial = k.f32(0.0);
              for (int64_t e = 0; e < perLane; ++e) {
                Value key = memref::LoadOp::create(
                    b, loc, keys,
                    ValueRange{layer, positions[j], kvColumns[e]});
                partial = math::FmaOp::create(b, loc, query[e], key, partial);
              }
              partial = buildLaneGroupSum(b, loc, partial, lanes);
              Value score = arith::DivFOp::create(b, loc, partial, root);
              scores.push_back(arith::SelectOp::create(
                  b, loc,
                  arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, p,
                                        count),
                  score, ninf));
            }
            Value max = state[0];
            for (Value s : scores)
              max = arith::MaximumFOp::create(b, loc, max, s);
            // Exponentials relative to the new max; while a group has seen
            // no visible position (max -inf) relative to 0, so that they are
            // exp(-inf) = 0 rather than exp(-inf + inf) = NaN. The old max's
            // rescale is 0 on the first visible position for the same reason.
            Value noneVisible = arith::CmpFOp::create(
                b, loc, arith::CmpFPredicate::OEQ, max, ninf);
            Value shift =
                arith::SelectOp::create(b, loc, noneVisible, k.f32(0.0), max);
            Value rescale = math::ExpOp::create(
                b, loc, arith::SubFOp::create(b, loc, state[0], shift));
            Value sum = arith::MulFOp::create(b, loc, state[1], rescale);
            SmallVector<Value> weights;
            for (Value s : scores) {
              Value w = math::ExpOp::create(
                  b, loc, arith::SubFOp::create(b, loc, s, shift));
              weights.push_back(w);
              sum = arith::AddFOp::create(b, loc, sum, w);
            }
            SmallVector<Value> next = {max, sum};
            for (int64_t e = 0; e < perLane; ++e) {
              Value acc = arith::MulFOp::create(b, loc, state[2 + e], rescale);
              for (int64_t j = 0; j < unroll; ++j) {
                Value value = memref::LoadOp::create(
                    b, loc, values,
                    ValueRange{layer, positions[j], kvColumns[e]});
                acc = math::FmaOp::create(b, loc, weights[j], value, acc);
              }
              next.push_back(acc);
            }
            scf::YieldOp::create(b, loc, next);
          });

      // Each group's state into shared memory: [groups, stateSize].
      Value states = memref::ViewOp::create(
          b, loc,
          workgroupMemRefType(b.getContext(), {groups, stateSize},
                              b.getF32Type()),
          buildDynamicSharedBytes(b, loc), k.index(0), ValueRange());
      // Stores `value` at [slot, at], only where `when` holds (if given).
      auto store = [&](Value value, Value at, Value when) {
        OpBuilder::InsertionGuard inner(b);
        if (when) {
          auto branch = scf::IfOp::create(b, loc, when);
          b.setInsertionPointToStart(&branch.getThenRegion().front());
        }
        memref::StoreOp::create(b, loc, value, states, ValueRange{slot, at});
      };
      Value leader = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           sub, k.index(0));
      store(walk.getResult(0), k.index(0), leader);
      store(walk.getResult(1), k.index(1), leader);
      for (int64_t e = 0; e < perLane; ++e) {
        Value at = arith::AddIOp::create(b, loc, elements[e], k.index(2));
        store(walk.getResult(2 + e), at, valid[e]);
      }
      buildBlockBarrier(b, loc);
      // Output element d: the groups' sums rescaled to the largest max.
      scf::ForOp::create(
          b, loc, tid, k.index(hs), k.index(warps * kWarpSize), ValueRange(),
          [&](OpBuilder &, Location, Value d, ValueRange) {
            auto overGroups =
                [&](ValueRange init,
                    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
                  return scf::ForOp::create(
                             b, loc, k.index(0), k.index(groups), one, init,
                             [&](OpBuilder &, Location, Value g,
                                 ValueRange carried) {
                               scf::YieldOp::create(b, loc, body(g, carried));
                             })
                      .getResults();
                };
            auto load = [&](Value g, Value at) -> Value {
              return memref::LoadOp::create(b, loc, states, ValueRange{g, at});
            };
            Value max = overGroups({ninf}, [&](Value g, ValueRange carried) {
              return SmallVector<Value>{arith::MaximumFOp::create(
                  b, loc, carried[0], load(g, k.index(0)))};
            })[0];
            Value at = arith::AddIOp::create(b, loc, d, k.index(2));
            ValueRange totals = overGroups(
                {k.f32(0.0), k.f32(0.0)}, [&](Value g, ValueRange carried) {
                  Value w = math::ExpOp::create(
                      b, loc,
                      arith::SubFOp::create(b, loc, load(g, k.index(0)), max));
                  return SmallVector<Value>{
                      math::FmaOp::create(b, loc, load(g, k.index(1)), w,
                                          carried[0]),
                      math::FmaOp::create(b, loc, load(g, at), w, carried[1])};
                });
            Value result = arith::DivFOp::create(b, loc, totals[1], totals[0]);
            memref::StoreOp::create(
                b, loc, result, out,
                ValueRange{row, arith::AddIOp::create(b, loc, queryBase, d)});
            scf::YieldOp::create(b, loc);
          });
      gpu::TerminatorOp::create(b, loc);
    }
    b.replaceOp(op, bufferization::ToTensorOp::create(
                        b, loc, queryType, out, /*restrict=*/true,
                        /*writable=*/true)
                        .getResult());
    return success();
  }

  int64_t warps, unroll;
};

struct WQLowerAttentionToGpuPass
    : public mlir::wq::impl::WQLowerAttentionToGpuPassBase<
          WQLowerAttentionToGpuPass> {
  using Base::Base;
  void runOnOperation() override {
    if (warps < 1 || warps > 32) {
      getOperation()->emitError(
          "wq-lower-attention-to-gpu: warps must be in [1, 32]");
      return signalPassFailure();
    }
    if (unroll < 1 || unroll > 8) {
      getOperation()->emitError(
          "wq-lower-attention-to-gpu: unroll must be in [1, 8]");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerAttentionToGpuKernel>(&getContext(), warps, unroll);
    if (failed(applyPatternsToExistingOps(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
