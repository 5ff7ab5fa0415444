//===- WQBase.td - wq dialect definition -------------------*- tablegen -*-===//

#ifndef WQ_BASE
#define WQ_BASE

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def WQ_Dialect : Dialect {
  let name = "wq";
  let cppNamespace = "::mlir::wq";
  let summary = "Weight-only quantized linear algebra";
  let description = [{
    The wq dialect represents linear-layer weights stored as low-bit integers
    (INT4, INT8, ...) with per-group scales and optional zero points, and the
    operations that consume them: quantize, dequantize and a matmul that fuses
    dequantization into the reduction. Activations stay floating point.

    A weight's meaning (logical shape, bit width, signedness, grouping, scale
    type, zero points, act-order permutation, outlier side channel) and its
    physical layout are described by one attribute, `#wq.qweight`; the data
    travel as ordinary SSA tensors (packed bytes, scales, zero points), so that
    they can be constants, function arguments or external parameters alike.
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

class WQ_Op<string mnemonic, list<Trait> traits = []>
    : Op<WQ_Dialect, mnemonic, traits>;

#endif // WQ_BASE
