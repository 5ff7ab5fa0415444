//===- MatmulToCall.cpp - wq-example-matmul-to-call -----------------------===//
//
// A worked example of a new lowering of wq.matmul, built out of tree against
// an installed wq: each matmul becomes a call into a user library chosen by
// the weight's quantization scheme.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "wq/Dialect/WQ/IR/WQDialect.h"

namespace mlir::wq_example {
#define GEN_PASS_DECL_WQEXAMPLEMATMULTOCALLPASS
#define GEN_PASS_DEF_WQEXAMPLEMATMULTOCALLPASS
#include "ExamplePasses.h.inc"
} // namespace mlir::wq_example

using namespace mlir;

namespace {

/// `<prefix>_<u|i><bits>_g<group>_<scale>[_zp]`, e.g. mylib_qmatmul_u4_g32_f16_zp.
std::string functionName(StringRef prefix, wq::QuantizedWeightAttr weight) {
  std::string name;
  llvm::raw_string_ostream os(name);
  os << prefix << "_" << (weight.getIsSigned() ? "i" : "u") << weight.getBits()
     << "_g" << weight.getGroupSize() << "_" << weight.getScaleType();
  if (weight.getZeroPoints())
    os << "_zp";
  return name;
}

struct WQExampleMatmulToCallPass
    : public mlir::wq_example::impl::WQExampleMatmulToCallPassBase<
          WQExampleMatmulToCallPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<wq::MatmulOp> matmuls;
    module.walk([&](wq::MatmulOp op) { matmuls.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (wq::MatmulOp op : matmuls) {
      wq::QuantizedWeightAttr weight = op.getWeight();
      if (weight.getPermuted() || weight.getNumOutliers() > 0 ||
          !weight.getBatchShape().empty()) {
        op.emitOpError("has a permuted, outlier or batched weight, which the "
                       "example library does not implement");
        return signalPassFailure();
      }
      std::string name = functionName(prefix, weight);
      auto type = FunctionType::get(&getContext(), op->getOperandTypes(),
                                    op->getResultTypes());
      auto callee = module.lookupSymbol<func::FuncOp>(name);
      if (!callee) {
        rewriter.setInsertionPointToStart(module.getBody());
        callee = func::FuncOp::create(rewriter, op.getLoc(), name, type);
        callee.setPrivate();
        callee->setAttr("llvm.emit_c_interface", rewriter.getUnitAttr());
      } else if (callee.getFunctionType() != type) {
        // One declaration per (name, signature): shapes are part of the ABI.
        op.emitOpError() << "needs @" << name << " with type " << type
                         << " but it is declared as "
                         << callee.getFunctionType();
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<func::CallOp>(op, callee, op->getOperands());
    }
  }
};

} // namespace

namespace mlir::wq_example {
#define GEN_PASS_REGISTRATION
#include "ExamplePasses.h.inc"

void registerExamplePasses() { registerWQExamplePasses(); }
} // namespace mlir::wq_example
