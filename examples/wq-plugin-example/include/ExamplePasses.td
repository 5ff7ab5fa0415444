//===- ExamplePasses.td - The example plugin's passes ------*- tablegen -*-===//

#ifndef WQ_EXAMPLE_PASSES
#define WQ_EXAMPLE_PASSES

include "mlir/Pass/PassBase.td"

def WQExampleMatmulToCallPass
    : Pass<"wq-example-matmul-to-call", "::mlir::ModuleOp"> {
  let summary = "Lower wq.matmul to calls into a user library";
  let description = [{
    Replaces each `wq.matmul` with a `func.call` to an external function
    named after the weight's scheme, `<prefix>_<storage>_g<group>_<scale>`
    (plus `_zp` with zero points), e.g. `mylib_qmatmul_u4_g32_f16_zp`, taking
    the activations, packed weights, scales and zero points as tensors. The
    declaration carries `llvm.emit_c_interface`, so after `wq-cpu-pipeline`
    the library implements `_mlir_ciface_<name>` over memref descriptors.
    Permuted, outlier and batched weights are rejected with an error.
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"mylib_qmatmul\"",
           "Prefix of the library functions' names">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

#endif // WQ_EXAMPLE_PASSES
