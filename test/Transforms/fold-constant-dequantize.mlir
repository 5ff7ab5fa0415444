// RUN: wq-opt %s --split-input-file --wq-fold-constant-dequantize | FileCheck %s
// RUN: wq-opt %s --split-input-file --wq-fold-constant-dequantize="max-elements=2" | FileCheck %s --check-prefix=LIMIT

// Bytes 0x84, 0xFB hold q = [4, 8, 11, 15]; with scale 0.5 and zero 1 the
// weights are 0.5 * (q - 1) = [1.5, 3.5, 5, 7]; f16 result.
// CHECK-LABEL: func.func @fold
// CHECK: arith.constant dense<{{\[\[}}1.500000e+00, 3.500000e+00, 5.000000e+00, 7.000000e+00]]> : tensor<1x4xf16>
// CHECK-NOT: wq.dequantize
// LIMIT-LABEL: func.func @fold
// LIMIT: wq.dequantize
func.func @fold() -> tensor<1x4xf16> {
  %p = arith.constant dense<[[[-124, -5]]]> : tensor<1x1x2xi8>
  %s = arith.constant dense<0.5> : tensor<1x1xf32>
  %z = arith.constant dense<1> : tensor<1x1xi8>
  %w = wq.dequantize %p, %s zero_points(%z) {weight = #wq.qweight<1x4, u4, group_size = 0, scale_type = f32, zero_points>} : (tensor<1x1x2xi8>, tensor<1x1xf32>, tensor<1x1xi8>) -> tensor<1x4xf16>
  return %w : tensor<1x4xf16>
}

// -----

// Non-constant operands are left alone.
// CHECK-LABEL: func.func @not_constant
// CHECK: wq.dequantize
func.func @not_constant(%p: tensor<1x1x2xi8>) -> tensor<1x4xf32> {
  %s = arith.constant dense<0.5> : tensor<1x1xf32>
  %w = wq.dequantize %p, %s {weight = #wq.qweight<1x4, i4, group_size = 0, scale_type = f32>} : (tensor<1x1x2xi8>, tensor<1x1xf32>) -> tensor<1x4xf32>
  return %w : tensor<1x4xf32>
}
