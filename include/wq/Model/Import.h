//===- Import.h - Building MLIR modules for models --------------*- C++ -*-===//

#ifndef WQ_MODEL_IMPORT_H
#define WQ_MODEL_IMPORT_H

#include "wq/Model/Llama.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace wq_model {

/// Registers the dialects a model module uses and everything its lowering
/// needs (all upstream dialects and extensions, and wq).
void registerModelDialects(mlir::DialectRegistry &registry);

struct ImportOptions {
  /// Store float weights as f16 ("f16") or f32 ("f32").
  std::string weightDtype = "f32";
  /// Weights the checkpoint already holds quantized become wq.matmul ops.
  bool keepQuantized = true;
  /// The classifier too becomes a wq.matmul when its weight (the token
  /// embedding when shared) is among the quantized ones.
  bool quantizedClassifier = false;
  /// Token lookups read the quantized embedding table (only the rows looked
  /// up are dequantized) when it is among the quantized weights; otherwise
  /// they read the float table.
  bool quantizedEmbedding = false;
  /// With quantizedEmbedding: the quantized table lookups read when it is
  /// not the one among the quantized weights (which the classifier reads);
  /// null: that one.
  const wq_numerics::QuantizedLinear *lookupTable = nullptr;
  /// Build the GPU form of the forward pass (buildLlamaForward's forGpu:
  /// attention of all heads per kernel, and the decode step).
  bool forGpu = false;
};

/// The model's forward pass in upstream dialects (and wq ops for weights the
/// checkpoint holds quantized), every weight a dense_resource blob. f32
/// weights are referenced where `weights` stores them, not copied: `weights`
/// must outlive the module (and anything that reads its resources).
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
buildModelModule(mlir::MLIRContext &context, const LlamaWeights &weights,
                 const ImportOptions &options = {});

} // namespace wq_model

#endif // WQ_MODEL_IMPORT_H
