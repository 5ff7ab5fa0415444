//===- Import.cpp - Building MLIR modules for models ----------------------===//

#include "wq/Model/Import.h"
#include "wq/Dialect/WQ/IR/WeightConstants.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"

using namespace mlir;
using namespace llvm;

namespace wq_model {

void registerModelDialects(DialectRegistry &registry) {
  // All upstream dialects and their interface models (bufferization,
  // conversion to LLVM) since the module goes through the whole pipeline.
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<mlir::wq::WQDialect>();
}

/// The float tensor behind a dense_resource constant, by location name.
static const FloatTensor *tensorFor(const LlamaWeights &weights,
                                    arith::ConstantOp op) {
  auto named = dyn_cast<NameLoc>(op.getLoc());
  if (!named)
    return nullptr;
  auto it = weights.tensors.find(named.getName().str());
  return it == weights.tensors.end() ? nullptr : &it->second;
}

Expected<OwningOpRef<ModuleOp>>
buildModelModule(MLIRContext &context, const LlamaWeights &weights,
                 const ImportOptions &options) {
  DialectRegistry registry;
  registerModelDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  std::string text = llamaForwardMlir(weights.config, options.weightDtype);
  ParserConfig config(&context);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, config);
  if (!module)
    return createStringError(inconvertibleErrorCode(),
                             "internal error: the generated model IR does not "
                             "parse");

  // Attach each weight's data as a resource blob.
  std::string error;
  module->walk([&](arith::ConstantOp op) {
    auto resource = dyn_cast<DenseResourceElementsAttr>(op.getValue());
    if (!resource)
      return WalkResult::advance();
    const FloatTensor *tensor = tensorFor(weights, op);
    auto type = cast<RankedTensorType>(resource.getType());
    if (!tensor || tensor->values.size() != size_t(type.getNumElements())) {
      error = "no data of the right size for weight constant " +
              resource.getRawHandle().getKey().str();
      return WalkResult::interrupt();
    }
    AsmResourceBlob blob;
    if (type.getElementType().isF16()) {
      std::vector<uint16_t> half(tensor->values.size());
      for (size_t i = 0; i < half.size(); ++i)
        half[i] = wq_numerics::floatToHalfBits(tensor->values[i]);
      blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<uint16_t>(half));
    } else {
      blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(
          ArrayRef<float>(tensor->values));
    }
    StringRef key = resource.getRawHandle().getKey();
    key.consume_front("unbound_");
    op.setValueAttr(DenseResourceElementsAttr::get(type, key, std::move(blob)));
    return WalkResult::advance();
  });
  if (!error.empty())
    return createStringError(inconvertibleErrorCode(), error);

  // Weights the checkpoint holds quantized: wq.matmul with their integers.
  if (options.keepQuantized && !weights.quantized.empty()) {
    SmallVector<linalg::MatvecOp> matvecs;
    module->walk([&](linalg::MatvecOp op) { matvecs.push_back(op); });
    IRRewriter rewriter(&context);
    for (linalg::MatvecOp op : matvecs) {
      auto constant =
          op.getDpsInputOperand(0)->get().getDefiningOp<arith::ConstantOp>();
      auto named = constant ? dyn_cast<NameLoc>(constant.getLoc()) : NameLoc();
      if (!named)
        continue;
      auto it = weights.quantized.find(named.getName().str());
      if (it == weights.quantized.end() || op->hasAttr("wq.classifier"))
        continue;
      const wq_numerics::QuantizedLinear &linear = it->second;
      mlir::wq::QuantizedWeightAttr attr =
          mlir::wq::getQuantizedWeightAttr(&context, linear);
      mlir::wq::QuantizedWeightConstants constants =
          mlir::wq::linearToConstants(attr, linear);
      rewriter.setInsertionPoint(op);
      Location loc = op.getLoc();
      auto make = [&](DenseElementsAttr value) -> Value {
        return value ? Value(arith::ConstantOp::create(rewriter, loc, value))
                     : Value();
      };
      Value result = mlir::wq::MatmulOp::create(
          rewriter, loc, op->getResult(0).getType(),
          op.getDpsInputOperand(1)->get(), make(constants.packed),
          make(constants.scales), make(constants.zeroPoints),
          make(constants.perm), make(constants.outlierChannels),
          make(constants.outlierWeights), make(constants.inputScales), attr);
      rewriter.replaceOp(op, result);
      if (constant->use_empty())
        rewriter.eraseOp(constant);
    }
  }
  return std::move(module);
}

} // namespace wq_model
