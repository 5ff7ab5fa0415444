// wq loads into upstream mlir-opt (linked against libMLIR.so) as a dialect
// and pass plugin; passes loaded this way are named in --pass-pipeline.
// RUN: mlir-opt --load-dialect-plugin=%wq_plugin --load-pass-plugin=%wq_plugin %s \
// RUN:   --pass-pipeline="builtin.module(wq-quantize-weights{bits=8 group-size=0 symmetric=true})" \
// RUN:   | FileCheck %s
// RUN: mlir-opt --load-dialect-plugin=%wq_plugin --load-pass-plugin=%wq_plugin %s \
// RUN:   --pass-pipeline="builtin.module(wq-quantize-weights,wq-cpu-pipeline)" \
// RUN:   | FileCheck %s --check-prefix=LLVM

// CHECK-LABEL: func.func @linear
// CHECK: wq.matmul {{.*}}#wq.qweight<3x8, i8, group_size = 0, scale_type = f16, layout = #wq.layout<row_major>>
// LLVM: llvm.func @linear
func.func @linear(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.5> : tensor<8x3xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
