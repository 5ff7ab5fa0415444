//===- Import.cpp - Building MLIR modules for models ----------------------===//

#include "wq/Model/Import.h"
#include "wq/Model/Runtime.h"
#include "wq/Dialect/WQ/IR/WeightConstants.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

using namespace mlir;
using namespace llvm;

namespace wq_model {

void registerModelDialects(DialectRegistry &registry) {
  // All upstream dialects and their interface models (bufferization,
  // conversion to LLVM) since the module goes through the whole pipeline.
  registerAllDialects(registry);
  registerAllExtensions(registry);
  // GPU targets: gpu-module-to-binary translates the kernels to LLVM IR
  // inside the pipeline.
  registerAllToLLVMIRTranslations(registry);
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
  OwningOpRef<ModuleOp> module =
      ModuleOp::create(UnknownLoc::get(&context));
  buildLlamaForward(*module, weights.config, options.weightDtype,
                    options.forGpu);
  // The library's stamp (ABI version and shapes), which CompiledModel::load
  // checks against the model's config.json.
  addExportedString(*module, kModelStampSymbol, modelStamp(weights.config));

  const bool keep = options.keepQuantized && !weights.quantized.empty();
  auto isQuantized = [&](StringRef name) {
    return keep && weights.quantized.count(name.str());
  };
  const std::string table = "tok_embeddings.weight";
  // The quantized table row lookups read, if any.
  const wq_numerics::QuantizedLinear *lookupTable =
      !options.quantizedEmbedding ? nullptr
      : options.lookupTable       ? options.lookupTable
      : isQuantized(table)        ? &weights.quantized.at(table)
                                  : nullptr;
  // Whether a weight is read in float: quantized linear weights are not; the
  // embedding table is when lookups or the (shared) classifier read it so.
  auto needsFloat = [&](StringRef name) {
    if (name != table)
      return !isQuantized(name);
    const bool floatClassifier =
        weights.config.sharedClassifier &&
        !(options.quantizedClassifier && isQuantized(table));
    return !lookupTable || floatClassifier;
  };

  // Attach each float weight's data as a resource blob, one per weight
  // (the forward pass and the decode step read the same).
  std::string error;
  llvm::StringMap<DenseResourceElementsAttr> bound;
  module->walk([&](arith::ConstantOp op) {
    auto resource = dyn_cast<DenseResourceElementsAttr>(op.getValue());
    if (!resource)
      return WalkResult::advance();
    auto named = dyn_cast<NameLoc>(op.getLoc());
    if (named && !needsFloat(named.getName().strref()))
      return WalkResult::advance(); // Replaced by its quantized form below.
    StringRef unbound = resource.getRawHandle().getKey();
    if (auto it = bound.find(unbound); it != bound.end()) {
      op.setValueAttr(it->second);
      return WalkResult::advance();
    }
    const FloatTensor *tensor = tensorFor(weights, op);
    auto type = cast<RankedTensorType>(resource.getType());
    if (!tensor || tensor->numElements() != type.getNumElements()) {
      error = "no data of the right size for weight constant " +
              resource.getRawHandle().getKey().str();
      return WalkResult::interrupt();
    }
    // A lazy tensor is read now; the blob owns what was read.
    std::unique_ptr<std::vector<float>> read;
    if (tensor->read) {
      Expected<std::vector<float>> values = tensor->read();
      if (!values) {
        error = toString(values.takeError());
        return WalkResult::interrupt();
      }
      read = std::make_unique<std::vector<float>>(std::move(*values));
    }
    const std::vector<float> &values = read ? *read : tensor->values;
    AsmResourceBlob blob;
    if (type.getElementType().isF16()) {
      std::vector<uint16_t> half(values.size());
      for (size_t i = 0; i < half.size(); ++i)
        half[i] = wq_numerics::floatToHalfBits(values[i]);
      blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<uint16_t>(half));
    } else if (read) {
      ArrayRef<char> bytes(reinterpret_cast<const char *>(read->data()),
                           read->size() * sizeof(float));
      blob = AsmResourceBlob(
          bytes, alignof(float),
          [owned = std::move(read)](void *, size_t, size_t) mutable {
            owned.reset();
          },
          /*dataIsMutable=*/false);
    } else {
      // The weights' own storage, not a copy: `weights` outlives the module
      // (see buildModelModule's contract).
      blob = UnmanagedAsmResourceBlob::allocateInferAlign(
          ArrayRef<float>(tensor->values));
    }
    StringRef key = unbound;
    key.consume_front("unbound_");
    auto attr = DenseResourceElementsAttr::get(type, key, std::move(blob));
    bound[unbound] = attr;
    op.setValueAttr(attr);
    return WalkResult::advance();
  });
  if (!error.empty())
    return createStringError(inconvertibleErrorCode(), error);
  if (!keep && !lookupTable)
    return std::move(module);

  // Weights the checkpoint holds quantized: their integers, one set of
  // constants per weight (a shared table serves lookups and classifier).
  IRRewriter rewriter(&context);
  std::map<std::string, std::pair<mlir::wq::QuantizedWeightAttr,
                                  mlir::wq::QuantizedWeightConstants>>
      quantizedConstants;
  auto constantsOf = [&](const std::string &key,
                         const wq_numerics::QuantizedLinear &linear) {
    auto it = quantizedConstants.find(key);
    if (it != quantizedConstants.end())
      return it->second;
    mlir::wq::QuantizedWeightAttr attr =
        mlir::wq::getQuantizedWeightAttr(&context, linear);
    // The packed integers stay where `weights` holds them (no second copy).
    auto entry = std::make_pair(
        attr, mlir::wq::linearToConstants(attr, linear, /*referencePacked=*/true));
    quantizedConstants.emplace(key, entry);
    return entry;
  };
  auto constantsFor = [&](const std::string &name) {
    return constantsOf(name, weights.quantized.at(name));
  };
  auto weightName = [](mlir::Value weight) -> std::string {
    auto constant = weight.getDefiningOp<arith::ConstantOp>();
    auto named = constant ? dyn_cast<NameLoc>(constant.getLoc()) : NameLoc();
    return named ? named.getName().str() : std::string();
  };
  auto eraseIfUnused = [&](mlir::Value weight) {
    if (Operation *def = weight.getDefiningOp())
      if (def->use_empty())
        rewriter.eraseOp(def);
  };

  SmallVector<std::pair<linalg::LinalgOp, mlir::wq::LinearOpMatch>> linears;
  module->walk([&](linalg::LinalgOp op) {
    if (FailureOr<mlir::wq::LinearOpMatch> match = mlir::wq::matchLinearOp(op);
        succeeded(match))
      linears.push_back({op, *match});
  });
  for (auto &[op, match] : linears) {
    std::string name = weightName(match.weight);
    if (name.empty() || !isQuantized(name))
      continue;
    const bool classifier = op->hasAttr("wq.classifier");
    if (classifier && !options.quantizedClassifier)
      continue;
    if (!classifier && name == table)
      continue;
    auto [attr, constants] = constantsFor(name);
    rewriter.setInsertionPoint(op);
    Location loc = op.getLoc();
    auto make = [&](ElementsAttr value) -> mlir::Value {
      return value ? mlir::Value(arith::ConstantOp::create(rewriter, loc, value))
                   : mlir::Value();
    };
    mlir::Value result = mlir::wq::MatmulOp::create(
        rewriter, loc, op->getResult(0).getType(), match.activation,
        make(constants.packed), make(constants.scales),
        make(constants.zeroPoints), make(constants.offsets), make(constants.perm),
        make(constants.outlierChannels), make(constants.outlierWeights),
        make(constants.inputScales), attr);
    mlir::Value weight = match.weight;
    rewriter.replaceOp(op, result);
    eraseIfUnused(weight);
  }

  // Row lookups of a quantized table (the classifier's constants when it is
  // the same one): the forward pass's slices and the decode step's gathers.
  if (lookupTable) {
    SmallVector<Operation *> lookups;
    module->walk([&](Operation *op) {
      if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
        if (weightName(slice.getSource()) == table)
          lookups.push_back(op);
      } else if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
        FailureOr<mlir::wq::RowGather> gather =
            mlir::wq::matchRowGather(generic);
        if (succeeded(gather) && weightName(gather->source) == table)
          lookups.push_back(op);
      }
    });
    for (Operation *op : lookups) {
      auto [attr, constants] = constantsOf(
          lookupTable == options.lookupTable ? table + " (lookups)" : table,
          *lookupTable);
      if (attr.getPermuted() || attr.getNumOutliers() || attr.getInputScaled() ||
          attr.getFlatGroups())
        return createStringError(inconvertibleErrorCode(),
                                 "the quantized token embedding has side "
                                 "inputs or flat groups, which row lookups "
                                 "cannot read");
      // (Erases the table constant after its last lookup.)
      if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
        mlir::wq::replaceTableLookup(rewriter, slice, attr, constants);
      else
        mlir::wq::replaceRowGather(rewriter, cast<linalg::GenericOp>(op),
                                   attr, constants);
    }
  }
  return std::move(module);
}

} // namespace wq_model
