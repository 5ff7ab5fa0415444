//===- LowerByteDot.cpp - wq-lower-byte-dot -------------------------------===//
//
// wq.byte_dot to VNNI's vpdpbusd, AVX2's vpmaddubsw + vpmaddwd, or to vector
// arithmetic.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/TargetParser/Host.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERBYTEDOTPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// The accumulator, if any, added to `dot` (lowerings without an
/// accumulating instruction).
Value addAccumulator(PatternRewriter &b, ByteDotOp op, Value dot) {
  if (!op.getAcc())
    return dot;
  return arith::AddIOp::create(b, op.getLoc(), dot, op.getAcc());
}

/// A 64-byte op as two 32-byte ones, for lowerings with 256-bit
/// instructions only: bytes 0-31 give lanes 0-7, bytes 32-63 lanes 8-15.
struct SplitWideByteDot : public OpRewritePattern<ByteDotOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ByteDotOp op,
                                PatternRewriter &b) const override {
    if (op.getLhs().getType().getNumElements() != 64)
      return b.notifyMatchFailure(op, "already 32 bytes");
    Location loc = op.getLoc();
    auto half = [&](Value v, int64_t part) -> Value {
      if (!v)
        return Value();
      const int64_t size = cast<VectorType>(v.getType()).getNumElements() / 2;
      return vector::ExtractStridedSliceOp::create(
          b, loc, v, ArrayRef<int64_t>{part * size}, ArrayRef<int64_t>{size},
          ArrayRef<int64_t>{1});
    };
    auto laneType = VectorType::get({8}, b.getI32Type());
    SmallVector<Value> dots;
    for (int64_t part : {0, 1})
      dots.push_back(ByteDotOp::create(b, loc, laneType, half(op.getLhs(), part),
                                       half(op.getRhs(), part),
                                       half(op.getAcc(), part),
                                       op.getFullRange()));
    b.replaceOpWithNewOp<vector::ShuffleOp>(
        op, dots[0], dots[1], llvm::to_vector(llvm::seq<int64_t>(0, 16)));
    return success();
  }
};

/// vpmaddubsw multiplies unsigned by signed bytes and adds pairs into 16
/// bits (exact by the op's contract: unsigned below 128, or at most 128
/// against signed above -128, so |pair| <= 2 * 128 * 127 = 32512);
/// vpmaddwd with ones adds those pairs into 32 bits. A `full_range` op runs
/// the pair on u & 0x7f and on u & 0x80 (each within the contract for any
/// signed byte: 2 * 127 * 128 and 2 * 128 * 128 = 32768 = |INT16_MIN|, only
/// reached as -32768) and adds the 32-bit results.
struct ByteDotToX86 : public OpRewritePattern<ByteDotOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ByteDotOp op,
                                PatternRewriter &b) const override {
    if (op.getLhs().getType().getNumElements() != 32)
      return b.notifyMatchFailure(op, "AVX2 has 32-byte registers");
    Location loc = op.getLoc();
    auto pairType = VectorType::get({16}, b.getI16Type());
    Value ones = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(pairType, b.getI16IntegerAttr(1)));
    auto dot = [&](Value unsignedBytes) -> Value {
      Value pairs = LLVM::CallIntrinsicOp::create(
                        b, loc, pairType,
                        b.getStringAttr("llvm.x86.avx2.pmadd.ub.sw"),
                        ValueRange{unsignedBytes, op.getRhs()})
                        .getResult(0);
      return LLVM::CallIntrinsicOp::create(
                 b, loc, op.getType(), b.getStringAttr("llvm.x86.avx2.pmadd.wd"),
                 ValueRange{pairs, ones})
          .getResult(0);
    };
    if (!op.getFullRange()) {
      b.replaceOp(op, addAccumulator(b, op, dot(op.getLhs())));
      return success();
    }
    auto byteType = cast<VectorType>(op.getLhs().getType());
    auto mask = [&](int64_t bits) -> Value {
      return arith::AndIOp::create(
          b, loc, op.getLhs(),
          arith::ConstantOp::create(
              b, loc,
              DenseElementsAttr::get(byteType, b.getIntegerAttr(
                                                   b.getI8Type(), bits))));
    };
    Value sum = arith::AddIOp::create(b, loc, dot(mask(0x7f)), dot(mask(0x80)));
    b.replaceOp(op, addAccumulator(b, op, sum));
    return success();
  }
};

/// VNNI: one vpdpbusd does the whole dot product and adds the accumulator
/// (zero without one). 32 bytes: `vpdpbusd.256`, which AVX-VNNI and
/// AVX512-VNNI with VL both provide; 64 bytes: AVX512-VNNI's `vpdpbusd.512`.
struct ByteDotToVnni : public OpRewritePattern<ByteDotOp> {
  ByteDotToVnni(MLIRContext *context, bool has512)
      : OpRewritePattern(context), has512(has512) {}
  LogicalResult matchAndRewrite(ByteDotOp op,
                                PatternRewriter &b) const override {
    const bool wide = op.getLhs().getType().getNumElements() == 64;
    if (wide && !has512)
      return b.notifyMatchFailure(op, "no 512-bit vpdpbusd");
    Location loc = op.getLoc();
    Value acc = op.getAcc();
    if (!acc)
      acc = arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(op.getType(), b.getI32IntegerAttr(0)));
    b.replaceOp(op, LLVM::CallIntrinsicOp::create(
                        b, loc, op.getType(),
                        b.getStringAttr(wide ? "llvm.x86.avx512.vpdpbusd.512"
                                             : "llvm.x86.avx512.vpdpbusd.256"),
                        ValueRange{acc, op.getLhs(), op.getRhs()})
                        .getResult(0));
    return success();
  }

private:
  bool has512;
};

/// Widen to 32 bits, multiply, add each group of 4 lanes.
struct ByteDotToArith : public OpRewritePattern<ByteDotOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ByteDotOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    const int64_t bytes = op.getLhs().getType().getNumElements();
    auto wide = VectorType::get({bytes}, b.getI32Type());
    Value lhs = arith::ExtUIOp::create(b, loc, wide, op.getLhs());
    Value rhs = arith::ExtSIOp::create(b, loc, wide, op.getRhs());
    Value products = arith::MulIOp::create(b, loc, lhs, rhs);
    // Lane j sums products 4j .. 4j + 3: add the four strided selections.
    Value sum;
    for (int64_t i = 0; i < 4; ++i) {
      SmallVector<int64_t> strided;
      for (int64_t j = 0; j < bytes / 4; ++j)
        strided.push_back(4 * j + i);
      Value part =
          vector::ShuffleOp::create(b, loc, products, products, strided);
      sum = sum ? Value(arith::AddIOp::create(b, loc, sum, part)) : part;
    }
    b.replaceOp(op, addAccumulator(b, op, sum));
    return success();
  }
};

struct WQLowerByteDotPass
    : public mlir::wq::impl::WQLowerByteDotPassBase<WQLowerByteDotPass> {
  using Base::Base;
  void runOnOperation() override {
    std::string lowering = target;
    if (lowering == "host") {
      llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
      if (features.lookup("avx512vnni") && features.lookup("avx512vl") &&
          features.lookup("avx512bw"))
        lowering = "x86-vnni-512";
      else if (features.lookup("avxvnni") ||
               (features.lookup("avx512vnni") && features.lookup("avx512vl")))
        lowering = "x86-vnni";
      else
        lowering = features.lookup("avx2") ? "x86" : "generic";
    }
    RewritePatternSet patterns(&getContext());
    if (lowering == "x86-vnni-512") {
      patterns.add<ByteDotToVnni>(&getContext(), /*has512=*/true);
    } else if (lowering == "x86-vnni") {
      patterns.add<SplitWideByteDot>(&getContext());
      patterns.add<ByteDotToVnni>(&getContext(), /*has512=*/false);
    } else if (lowering == "x86") {
      patterns.add<SplitWideByteDot, ByteDotToX86>(&getContext());
    } else if (lowering == "generic") {
      patterns.add<ByteDotToArith>(&getContext());
    } else {
      getOperation()->emitError("wq-lower-byte-dot: target must be "
                                "x86-vnni-512, x86-vnni, x86, generic or "
                                "host, got '")
          << target << "'";
      return signalPassFailure();
    }
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
