//===- InsertObservers.cpp - wq-insert-observers --------------------------===//
//
// Inserts calls that hand each linear layer's activations to wq's observer
// runtime, which accumulates the calibration statistics that
// wq-quantize-weights reads.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSet.h"

#define DEBUG_TYPE "wq-insert-observers"

namespace mlir::wq {
#define GEN_PASS_DEF_WQINSERTOBSERVERSPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

constexpr StringLiteral kObserveFunction = "wqObserveF32";

struct WQInsertObserversPass
    : public mlir::wq::impl::WQInsertObserversPassBase<WQInsertObserversPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringSet<> selected;
    for (const std::string &name : ops) {
      if (!llvm::is_contained(linearOpNames(), StringRef(name))) {
        module.emitError() << "wq-insert-observers: unknown op kind '" << name
                           << "'";
        return signalPassFailure();
      }
      selected.insert(name);
    }
    if (selected.empty())
      for (StringRef name : linearOpNames())
        selected.insert(name);

    SmallVector<std::pair<linalg::LinalgOp, LinearOpMatch>> targets;
    module.walk([&](linalg::LinalgOp op) {
      if (!selected.contains(op->getName().getStringRef()) ||
          op->hasAttr("wq.skip"))
        return;
      FailureOr<LinearOpMatch> match = matchLinearOp(op);
      if (failed(match) || !matchPattern(match->weight, m_Constant()))
        return;
      auto weightType = dyn_cast<RankedTensorType>(match->weight.getType());
      if (!weightType || weightType.getRank() != 2)
        return; // calibrated quantization applies to 2-D weights
      targets.push_back({op, *match});
    });
    if (targets.empty())
      return markAllAnalysesPreserved();

    OpBuilder builder(module.getBodyRegion());
    MLIRContext *ctx = &getContext();
    auto unrankedF32 = UnrankedTensorType::get(builder.getF32Type());
    auto unrankedI8 = UnrankedTensorType::get(builder.getI8Type());
    auto observeType = builder.getFunctionType({unrankedF32, unrankedI8}, {});
    auto observe = module.lookupSymbol<func::FuncOp>(kObserveFunction);
    if (!observe) {
      builder.setInsertionPointToStart(module.getBody());
      observe = func::FuncOp::create(builder, module.getLoc(), kObserveFunction,
                                     observeType);
      observe.setPrivate();
      observe->setAttr("llvm.emit_c_interface", builder.getUnitAttr());
      // The observer only reads: bufferization then passes the activations'
      // buffer without a copy.
      for (unsigned i = 0; i < 2; ++i)
        observe.setArgAttr(i, "bufferization.access",
                           builder.getStringAttr("read"));
    } else if (observe.getFunctionType() != observeType) {
      observe.emitError() << "@" << kObserveFunction
                          << " exists with another type";
      return signalPassFailure();
    }

    llvm::DenseMap<Operation *, int> unnamedCount;
    for (auto &[op, match] : targets) {
      auto activationType = cast<RankedTensorType>(match.activation.getType());
      if (!activationType.getElementType().isF32()) {
        op->emitError("wq-insert-observers: activations must be f32");
        return signalPassFailure();
      }
      std::string name = getWeightName(op, match.weight);
      if (name.empty()) {
        auto function = op->getParentOfType<FunctionOpInterface>();
        int index = unnamedCount[function]++;
        name = (function ? function.getName().str() : std::string("module")) +
               ".linear" + std::to_string(index);
      }
      op->setAttr("wq.name", StringAttr::get(ctx, name));

      builder.setInsertionPoint(op);
      Location loc = op->getLoc();
      Value activations = tensor::CastOp::create(builder, loc, unrankedF32,
                                                 match.activation);
      std::vector<int8_t> bytes(name.begin(), name.end());
      auto nameType = RankedTensorType::get({int64_t(bytes.size())},
                                            builder.getI8Type());
      Value nameTensor = arith::ConstantOp::create(
          builder, loc,
          DenseElementsAttr::get(nameType, ArrayRef<int8_t>(bytes)));
      Value nameArg = tensor::CastOp::create(builder, loc, unrankedI8, nameTensor);
      func::CallOp::create(builder, loc, observe,
                           ValueRange{activations, nameArg});
    }
  }
};

} // namespace
