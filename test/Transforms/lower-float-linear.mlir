// RUN: wq-opt %s --split-input-file --wq-lower-float-linear | FileCheck %s

// An [N, K] f32 weight with M rows: 8-lane FMAs in four accumulators over
// the first 32 * (K / 32) elements, 8 at a time up to K / 8 * 8, a scalar
// tail, one reduction onto the accumulator's value; small layers stay on one
// thread.
// CHECK-LABEL: func.func @matmul_nk
// CHECK-NOT: linalg.matmul
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}, {{.*}}, {{.*}}, {{.*}})
// CHECK-COUNT-4: vector.fma {{.*}} : vector<8xf32>
// CHECK: vector.reduction <add>
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract> : f32
// CHECK-NOT: scf.forall
func.func @matmul_nk(%x: tensor<?x77xf32>, %init: tensor<?x33xf32>) -> tensor<?x33xf32> {
  %w = arith.constant dense<0.5> : tensor<33x77xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<?x77xf32>, tensor<33x77xf32>) outs(%init : tensor<?x33xf32>) -> tensor<?x33xf32>
  return %y : tensor<?x33xf32>
}

// -----

// f16 weights are widened in registers; a layer of >= 2^18 weights spreads
// its output channels over threads (scf.forall).
// CHECK-LABEL: func.func @matvec_f16
// CHECK: scf.forall
// CHECK: arith.extf {{.*}} : vector<8xf16> to vector<8xf32>
// CHECK: tensor.parallel_insert_slice
func.func @matvec_f16(%x: tensor<512xf32>, %init: tensor<1024xf32>) -> tensor<1024xf32> {
  %w = arith.constant dense<0.25> : tensor<1024x512xf16>
  %y = linalg.matvec ins(%w, %x : tensor<1024x512xf16>, tensor<512xf32>) outs(%init : tensor<1024xf32>) -> tensor<1024xf32>
  return %y : tensor<1024xf32>
}

// -----

// A [K, N] weight (plain linalg.matmul) and f64 activations are left alone.
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.matmul ins
// CHECK: linalg.matvec
func.func @left_alone(%x: tensor<2x16xf32>, %init: tensor<2x8xf32>, %v: tensor<16xf64>, %i2: tensor<8xf64>) -> (tensor<2x8xf32>, tensor<8xf64>) {
  %w = arith.constant dense<1.0> : tensor<16x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x16xf32>, tensor<16x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  %w2 = arith.constant dense<1.0> : tensor<8x16xf64>
  %z = linalg.matvec ins(%w2, %v : tensor<8x16xf64>, tensor<16xf64>) outs(%i2 : tensor<8xf64>) -> tensor<8xf64>
  return %y, %z : tensor<2x8xf32>, tensor<8xf64>
}

// -----

// Zero rows (M = 0) and an empty weight are left to the generic path (the
// kernel sliced past the end: found by fuzz/FuzzDialect).
// CHECK-LABEL: func.func @zero_sized
// CHECK-NOT: vector.
// CHECK: linalg.matmul
// CHECK: linalg.matmul
func.func @zero_sized(%x: tensor<0x16xf32>, %init: tensor<0x8xf32>, %x2: tensor<3x0xf32>, %i2: tensor<3x8xf32>) -> (tensor<0x8xf32>, tensor<3x8xf32>) {
  %w = arith.constant dense<0.5> : tensor<8x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<0x16xf32>, tensor<8x16xf32>) outs(%init : tensor<0x8xf32>) -> tensor<0x8xf32>
  %w2 = arith.constant dense<0.5> : tensor<8x0xf32>
  %z = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x2, %w2 : tensor<3x0xf32>, tensor<8x0xf32>) outs(%i2 : tensor<3x8xf32>) -> tensor<3x8xf32>
  return %y, %z : tensor<0x8xf32>, tensor<3x8xf32>
}
