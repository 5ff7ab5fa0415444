//===- Passes.h - wq passes -------------------------------------*- C++ -*-===//

#ifndef WQ_DIALECT_WQ_TRANSFORMS_PASSES_H
#define WQ_DIALECT_WQ_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "wq/Dialect/WQ/IR/WQDialect.h"
// The recipe defaults of wq-quantize-weights' options.
#include "wq/Numerics/Calibrated.h"

namespace mlir {
class RewritePatternSet;
namespace wq {

#define GEN_PASS_DECL
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"

/// A linear op as wq sees it: activations times the weight in nn.Linear
/// layout [.., N, K] (transposed when the constant is stored [.., K, N]).
struct LinearOpMatch {
  Value activation;
  Value weight;
  bool transposed = false;
};

/// Recognizes linalg.matmul (plain or with an [N, K] weight map),
/// linalg.batch_matmul, linalg.matvec and linalg.vecmat; fails for other ops
/// and unsupported indexing maps.
FailureOr<LinearOpMatch> matchLinearOp(linalg::LinalgOp op);

/// The op kinds matchLinearOp recognizes.
ArrayRef<StringRef> linearOpNames();

/// The name under which statistics of `op`'s weight are recorded: the op's
/// `wq.name`, else the name of the weight's (or the op's) location; empty if
/// none.
std::string getWeightName(Operation *op, Value weight);

/// Applies `patterns` greedily to the ops under `root` that exist now (not to
/// the ops the rewrites create), as wq's lowering passes do.
LogicalResult applyPatternsToExistingOps(Operation *root,
                                         RewritePatternSet &&patterns);

/// Patterns lowering wq.matmul, wq.dequantize, wq.rms_norm and wq.attention
/// to linalg on tensors.
void populateWQToLinalgPatterns(RewritePatternSet &patterns);

/// The linalg form of wq.attention (three generics over every head and row;
/// lib/Dialect/WQ/Transforms/AttentionToLinalg.cpp).
void populateAttentionToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns lowering float linear layers (linalg.matmul with an [N, K]
/// weight, linalg.matvec; f32/f16/bf16 weights, f32 activations) to vector
/// code (wq-lower-float-linear).
void populateWQFloatLinearToVectorPatterns(RewritePatternSet &patterns);

/// Replaces a 2-D `wq.matmul` (f32, f16 or bf16 activations) that has side
/// inputs (act-order permutation, AWQ input scales, outlier channels) by
/// linalg around a plain `wq.matmul` on the same storage, and returns that
/// plain op with the insertion point set before it (where its own lowering
/// must go, ahead of the outlier term that uses its result); `op` itself,
/// untouched, when it has no side inputs.
MatmulOp splitSideInputs(RewriterBase &b, MatmulOp op);

/// `value` (a ranked float tensor) with its elements converted to
/// `elementType` (truncf or extf in an element-wise linalg.generic; the
/// value itself when the type is the same).
Value convertTensorElements(OpBuilder &b, Location loc, Value value,
                            Type elementType);

/// Whether a tensor-core kernel (decode for static M <= 16, prefill
/// otherwise) can run `op` once its weight is in the `mma_tiles` layout
/// (whatever its layout now); the reason if not.
std::optional<std::string> checkMmaTileWeight(MatmulOp op);
/// The same for the decode kernel (static M <= 16) ...
std::optional<std::string> checkMmaDecode(MatmulOp op);
/// ... and for the prefill kernel (M > 16 or dynamic).
std::optional<std::string> checkMmaPrefill(MatmulOp op);

struct QuantizedWeightConstants;

/// Replaces a whole-row lookup `tensor.extract_slice %table[%i, 0] [1, D]
/// [1, 1]` (result f32) of a table [V, D] by `wq.dequantize` of row %i of
/// the table stored quantized as `table` (a row_major 2-D weight without
/// side inputs) with `constants`: only the row read is dequantized.
void replaceTableLookup(RewriterBase &rewriter, tensor::ExtractSliceOp op,
                        QuantizedWeightAttr table,
                        const QuantizedWeightConstants &constants);

/// The row gather `rows[r, :] = source[ids[r], :]` (rows f32, or the source's
/// element type when `resultType` is null; `ids` a 1-D tensor of i32 row
/// ids): a linalg.generic whose body reads the source by the id, so the ids
/// are read where the gather runs (a GPU kernel), unlike an
/// extract_slice whose offset the host computes. Sources of rank > 2 gather
/// along their first dimension.
Value buildRowGather(OpBuilder &b, Location loc, Value source, Value ids,
                     Type resultType = Type());

/// The source and ids of a row gather of buildRowGather's form whose result
/// is f32 rows of a 2-D source (the source's elements f32 or extended to
/// f32), or failure.
struct RowGather {
  Value source, ids;
};
FailureOr<RowGather> matchRowGather(linalg::GenericOp op);

/// Replaces a row gather (matchRowGather) of a table [V, D] with static ids
/// by `wq.dequantize` of the rows gathered from the table stored quantized
/// as `table` with `constants`, as replaceTableLookup does for one row.
void replaceRowGather(RewriterBase &rewriter, linalg::GenericOp op,
                      QuantizedWeightAttr table,
                      const QuantizedWeightConstants &constants);

/// Returns failure (after emitting an error naming the op and the reason) if
/// `op` is a wq op that the linalg lowering cannot handle.
LogicalResult checkLowerableToLinalg(Operation *op);

#define GEN_PASS_REGISTRATION
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"

} // namespace wq
} // namespace mlir

#endif // WQ_DIALECT_WQ_TRANSFORMS_PASSES_H
