// RUN: wq-opt %s --split-input-file --canonicalize | FileCheck %s

// wq.quantize of a constant folds to the packed constants. Group [1, 2, 3, 4]
// (asymmetric u4): scale 4/15, q = [4, 8, 11, 15] -> bytes 0x84, 0xFB.
// CHECK-LABEL: func.func @fold_quantize
// CHECK-DAG: arith.constant dense<{{\[\[\[}}-124, -5]]]> : tensor<1x1x2xi8>
// CHECK-DAG: arith.constant dense<2.666020e-01> : tensor<1x1xf16>
// CHECK-DAG: arith.constant dense<0> : tensor<1x1xi8>
// CHECK-NOT: wq.quantize
func.func @fold_quantize() -> (tensor<1x1x2xi8>, tensor<1x1xf16>, tensor<1x1xi8>) {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>
  %p, %s, %z = wq.quantize %w {weight = #wq.qweight<1x4, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<1x4xf32>) -> (tensor<1x1x2xi8>, tensor<1x1xf16>, tensor<1x1xi8>)
  return %p, %s, %z : tensor<1x1x2xi8>, tensor<1x1xf16>, tensor<1x1xi8>
}

// -----

// A NaN weight does not fold (the lowering then reports it).
// CHECK-LABEL: func.func @nan_does_not_fold
// CHECK: wq.quantize
func.func @nan_does_not_fold() -> (tensor<1x1x2xi8>, tensor<1x1xf16>) {
  %w = arith.constant dense<[[1.0, 0x7FC00000, 3.0, 4.0]]> : tensor<1x4xf32>
  %p, %s = wq.quantize %w {weight = #wq.qweight<1x4, i4, group_size = 4, scale_type = f16>} : (tensor<1x4xf32>) -> (tensor<1x1x2xi8>, tensor<1x1xf16>)
  return %p, %s : tensor<1x1x2xi8>, tensor<1x1xf16>
}

// -----

// Unused wq ops are pure and disappear.
// CHECK-LABEL: func.func @dead_matmul
// CHECK-NOT: wq.matmul
func.func @dead_matmul(%x: tensor<2x8xf32>, %p: tensor<4x1x8xi8>, %s: tensor<4x1xf32>) {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i8, group_size = 0, scale_type = f32>} : (tensor<2x8xf32>, tensor<4x1x8xi8>, tensor<4x1xf32>) -> tensor<2x4xf32>
  return
}
