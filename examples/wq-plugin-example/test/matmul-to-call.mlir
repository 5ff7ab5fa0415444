// RUN: wq-opt %s --load-pass-plugin=%plugin \
// RUN:   --pass-pipeline="builtin.module(wq-example-matmul-to-call{prefix=mylib})" \
// RUN:   | FileCheck %s
// RUN: wq-opt %s --load-pass-plugin=%plugin \
// RUN:   --pass-pipeline="builtin.module(wq-example-matmul-to-call)" \
// RUN:   | FileCheck %s --check-prefix=DEFAULT

// Two matmuls with the same scheme share one declaration; the callee carries
// llvm.emit_c_interface for the library's C entry point.
// CHECK-LABEL: func.func private @mylib_u4_g4_f16_zp(tensor<2x8xf32>, tensor<3x2x2xi8>, tensor<3x2xf16>, tensor<3x2xi8>) -> tensor<2x3xf32> attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @two_matmuls
// CHECK: %[[A:.*]] = call @mylib_u4_g4_f16_zp(%arg0, %arg1, %arg2, %arg3)
// CHECK: %[[B:.*]] = call @mylib_u4_g4_f16_zp(%{{.*}}, %arg1, %arg2, %arg3)
// CHECK: arith.addf %[[A]], %[[B]]
// CHECK-NOT: wq.matmul
// DEFAULT: call @mylib_qmatmul_u4_g4_f16_zp
func.func @two_matmuls(%x: tensor<2x8xf32>, %p: tensor<3x2x2xi8>, %s: tensor<3x2xf16>, %z: tensor<3x2xi8>) -> tensor<2x3xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<3x8, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<2x8xf32>, tensor<3x2x2xi8>, tensor<3x2xf16>, tensor<3x2xi8>) -> tensor<2x3xf32>
  %x2 = tensor.empty() : tensor<2x8xf32>
  %y2 = wq.matmul %x2, %p, %s zero_points(%z) {weight = #wq.qweight<3x8, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<2x8xf32>, tensor<3x2x2xi8>, tensor<3x2xf16>, tensor<3x2xi8>) -> tensor<2x3xf32>
  %sum = arith.addf %y, %y2 : tensor<2x3xf32>
  return %sum : tensor<2x3xf32>
}
