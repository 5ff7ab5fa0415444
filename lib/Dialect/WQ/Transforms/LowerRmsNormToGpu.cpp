//===- LowerRmsNormToGpu.cpp - wq-lower-rms-norm-to-gpu -------------------===//
//
// f32 wq.rms_norm as one GPU kernel: a block per row, whose threads stride
// over the row summing squares, reduce the sums with warp shuffles and one
// shared-memory exchange between warps, and then scale the row by the
// weight and the inverse root. With a residual the row is x + r, which the
// first pass also stores (the second result). The linalg form of the op is three kernels
// on the GPU (the accumulator's fill, the sum of squares with one thread
// per row walking all of it, the scaling), which at decode (one row of a
// few thousand features per norm, two norms per layer) is mostly launch
// overhead and one thread's serial loop.
//
//===----------------------------------------------------------------------===//

#include "GpuDecode.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERRMSNORMTOGPUPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

struct LowerRmsNormToGpuKernel : public OpRewritePattern<RmsNormOp> {
  LowerRmsNormToGpuKernel(MLIRContext *context, int64_t maxThreads)
      : OpRewritePattern(context), maxThreads(maxThreads) {}

  LogicalResult matchAndRewrite(RmsNormOp op,
                                PatternRewriter &b) const override {
    auto type = op.getInput().getType();
    if (!type.getElementType().isF32())
      return b.notifyMatchFailure(op, "the kernel normalizes f32 rows");
    const int64_t features = type.getDimSize(1);
    if (ShapedType::isDynamic(features))
      return b.notifyMatchFailure(op, "a dynamic row length");
    Location loc = op.getLoc();
    const KernelConstants k{b, loc};
    // Whole warps (the shuffles), no more than the row needs.
    const int64_t threads = std::min(
        maxThreads, (features + kWarpSize - 1) / kWarpSize * kWarpSize);
    const int64_t warps = threads / kWarpSize;

    Value x = buildReadOnlyBuffer(b, loc, op.getInput());
    Value w = buildReadOnlyBuffer(b, loc, op.getWeight());
    Value residual = buildReadOnlyBuffer(b, loc, op.getResidual());
    Value rows = memref::DimOp::create(b, loc, x, 0);
    Value out = buildRowsAllocation(b, loc, type, rows);
    Value sumOut =
        residual ? buildRowsAllocation(b, loc, type, rows) : Value();

    Value one = k.index(1);
    auto launch = gpu::LaunchOp::create(
        b, loc, rows, one, one, k.index(threads), one, one,
        k.i32(warps * int64_t(sizeof(float))));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&launch.getBody().front());
      Value row = launch.getBlockIds().x;
      Value tid = launch.getThreadIds().x;
      // Element j of the row normalized: x (+ r).
      auto element = [&](Value j) -> Value {
        Value v = memref::LoadOp::create(b, loc, x, ValueRange{row, j});
        if (!residual)
          return v;
        return arith::AddFOp::create(
            b, loc, v,
            memref::LoadOp::create(b, loc, residual, ValueRange{row, j}));
      };
      auto squares = scf::ForOp::create(
          b, loc, tid, k.index(features), k.index(threads), ValueRange{k.f32(0.0)},
          [&](OpBuilder &, Location, Value j, ValueRange carried) {
            Value v = element(j);
            if (sumOut)
              memref::StoreOp::create(b, loc, v, sumOut, ValueRange{row, j});
            Value sum = arith::AddFOp::create(
                b, loc, carried[0], arith::MulFOp::create(b, loc, v, v));
            scf::YieldOp::create(b, loc, sum);
          });
      Value sum = squares.getResult(0);
      sum = buildLaneGroupSum(b, loc, sum, kWarpSize);
      // The warps' sums meet in shared memory; every thread adds them up.
      Value partials = memref::ViewOp::create(
          b, loc,
          workgroupMemRefType(b.getContext(), {warps}, b.getF32Type()),
          buildDynamicSharedBytes(b, loc), k.index(0), ValueRange());
      Value lane = arith::RemUIOp::create(b, loc, tid, k.index(kWarpSize));
      Value warp = arith::DivUIOp::create(b, loc, tid, k.index(kWarpSize));
      auto ifFirstLane = scf::IfOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                                k.index(0)));
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(&ifFirstLane.getThenRegion().front());
        memref::StoreOp::create(b, loc, sum, partials, ValueRange{warp});
      }
      buildBlockBarrier(b, loc);
      Value total = memref::LoadOp::create(b, loc, partials, k.index(0));
      for (int64_t i = 1; i < warps; ++i)
        total = arith::AddFOp::create(
            b, loc, total,
            memref::LoadOp::create(b, loc, partials, k.index(i)));
      Value inverse = buildInverseRootMeanSquare(
          b, loc, total, features, op.getEpsilon().convertToDouble());
      scf::ForOp::create(
          b, loc, tid, k.index(features), k.index(threads), ValueRange(),
          [&](OpBuilder &, Location, Value j, ValueRange) {
            Value v = element(j);
            Value weight = memref::LoadOp::create(b, loc, w, ValueRange{j});
            Value scaled = arith::MulFOp::create(b, loc, inverse, v);
            memref::StoreOp::create(
                b, loc, arith::MulFOp::create(b, loc, weight, scaled), out,
                ValueRange{row, j});
            scf::YieldOp::create(b, loc);
          });
      gpu::TerminatorOp::create(b, loc);
    }
    SmallVector<Value> results = {bufferization::ToTensorOp::create(
        b, loc, type, out, /*restrict=*/true, /*writable=*/true)};
    if (sumOut)
      results.push_back(bufferization::ToTensorOp::create(
          b, loc, type, sumOut, /*restrict=*/true, /*writable=*/true));
    b.replaceOp(op, results);
    return success();
  }

  int64_t maxThreads;
};

struct WQLowerRmsNormToGpuPass
    : public mlir::wq::impl::WQLowerRmsNormToGpuPassBase<
          WQLowerRmsNormToGpuPass> {
  using Base::Base;
  void runOnOperation() override {
    if (maxThreads < kWarpSize || maxThreads > 1024 ||
        maxThreads % kWarpSize != 0) {
      getOperation()->emitError("wq-lower-rms-norm-to-gpu: max-threads must "
                                "be a multiple of 32 in [32, 1024]");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerRmsNormToGpuKernel>(&getContext(), maxThreads);
    if (failed(applyPatternsToExistingOps(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
