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
      b.replaceOp(op, dot(op.getLhs()));
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
    b.replaceOpWithNewOp<arith::AddIOp>(op, dot(mask(0x7f)), dot(mask(0x80)));
    return success();
  }
};

/// VNNI (AVX-VNNI or AVX512-VNNI with VL): one vpdpbusd into a zero
/// accumulator does the whole dot product.
struct ByteDotToVnni : public OpRewritePattern<ByteDotOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ByteDotOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(op.getType(), b.getI32IntegerAttr(0)));
    b.replaceOp(op, LLVM::CallIntrinsicOp::create(
                        b, loc, op.getType(),
                        b.getStringAttr("llvm.x86.avx512.vpdpbusd.256"),
                        ValueRange{zero, op.getLhs(), op.getRhs()})
                        .getResult(0));
    return success();
  }
};

/// Widen to 32 bits, multiply, add each group of 4 lanes.
struct ByteDotToArith : public OpRewritePattern<ByteDotOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ByteDotOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto wide = VectorType::get({32}, b.getI32Type());
    Value lhs = arith::ExtUIOp::create(b, loc, wide, op.getLhs());
    Value rhs = arith::ExtSIOp::create(b, loc, wide, op.getRhs());
    Value products = arith::MulIOp::create(b, loc, lhs, rhs);
    // Lane j sums products 4j .. 4j + 3: add the four strided selections.
    Value sum;
    for (int64_t i = 0; i < 4; ++i) {
      SmallVector<int64_t> strided;
      for (int64_t j = 0; j < 8; ++j)
        strided.push_back(4 * j + i);
      Value part =
          vector::ShuffleOp::create(b, loc, products, products, strided);
      sum = sum ? Value(arith::AddIOp::create(b, loc, sum, part)) : part;
    }
    b.replaceOp(op, sum);
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
      if (features.lookup("avxvnni") ||
          (features.lookup("avx512vnni") && features.lookup("avx512vl")))
        lowering = "x86-vnni";
      else
        lowering = features.lookup("avx2") ? "x86" : "generic";
    }
    RewritePatternSet patterns(&getContext());
    if (lowering == "x86-vnni") {
      patterns.add<ByteDotToVnni>(&getContext());
    } else if (lowering == "x86") {
      patterns.add<ByteDotToX86>(&getContext());
    } else if (lowering == "generic") {
      patterns.add<ByteDotToArith>(&getContext());
    } else {
      getOperation()->emitError("wq-lower-byte-dot: target must be x86-vnni, "
                                "x86, generic or host, got '")
          << target << "'";
      return signalPassFailure();
    }
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
