// RUN: wq-opt %s --split-input-file --wq-quantize-weights="bits=4 group-size=4" | FileCheck %s
// RUN: wq-opt %s --split-input-file --wq-quantize-weights="bits=8 group-size=0 symmetric=true scale-type=f32" | FileCheck %s --check-prefix=SYM8
// RUN: wq-opt %s --split-input-file --wq-quantize-weights="ops=linalg.matvec" | FileCheck %s --check-prefix=ONLY-MATVEC
// RUN: wq-opt %s --split-input-file --wq-quantize-weights="min-elements=20" | FileCheck %s --check-prefix=MIN

// A [K, N] weight is transposed to [N, K] and quantized: the hand-computed
// asymmetric 4-bit group [1, 2, 3, 4] has lo = 0, hi = 4, scale = 4/15,
// zero = 0, q = [4, 8, 11, 15] -> bytes 0x84, 0xFB (-124, -5). The all-zero
// group uses the range [-1, 1]: scale = 2/15, zero = round(7.5) = 8 (half to
// even), q = 8 -> bytes 0x88 (-120).
// CHECK-LABEL: func.func @matmul_kn
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-124, -5], [-120, -120]]]> : tensor<1x2x2xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<{{\[\[}}2.666020e-01, 1.333010e-01]]> : tensor<1x2xf16>
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<{{\[\[}}0, 8]]> : tensor<1x2xi8>
// CHECK: %[[Y:.*]] = wq.matmul %arg0, %[[P]], %[[S]] zero_points(%[[Z]]) {weight = #wq.qweight<1x8, u4, group_size = 4, scale_type = f16, zero_points, layout = #wq.layout<row_major>>}
// CHECK-NOT: linalg.matmul
// CHECK-NOT: tensor<8x1xf32>
// CHECK: return %[[Y]]
// SYM8-LABEL: func.func @matmul_kn
// SYM8: wq.matmul {{.*}}#wq.qweight<1x8, i8, group_size = 0, scale_type = f32, layout = #wq.layout<row_major>>
// ONLY-MATVEC-LABEL: func.func @matmul_kn
// ONLY-MATVEC: linalg.matmul
// MIN-LABEL: func.func @matmul_kn
// MIN: linalg.matmul
func.func @matmul_kn(%x: tensor<2x8xf32>) -> tensor<2x1xf32> {
  %w = arith.constant dense<[[1.0], [2.0], [3.0], [4.0], [0.0], [0.0], [0.0], [0.0]]> : tensor<8x1xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x1xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x1xf32>) outs(%z : tensor<2x1xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}

// -----

// nn.Linear layout through indexing_maps: the weight is already [N, K].
// CHECK-LABEL: func.func @matmul_nk
// CHECK: wq.matmul {{.*}}#wq.qweight<3x8, u4, group_size = 4
// CHECK-SAME: (tensor<2x8xf32>, tensor<3x2x2xi8>, tensor<3x2xf16>, tensor<3x2xi8>) -> tensor<2x3xf32>
func.func @matmul_nk(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.5> : tensor<3x8xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x8xf32>, tensor<3x8xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// matvec: the constant is the first operand and is already [N, K].
// CHECK-LABEL: func.func @matvec
// CHECK: wq.matmul %arg0, {{.*}}#wq.qweight<5x6, u4, group_size = 4
// CHECK-SAME: -> tensor<5xf32>
// ONLY-MATVEC-LABEL: func.func @matvec
// ONLY-MATVEC: wq.matmul
func.func @matvec(%x: tensor<6xf32>) -> tensor<5xf32> {
  %w = arith.constant dense<-1.5> : tensor<5x6xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<5xf32>) -> tensor<5xf32>
  %y = linalg.matvec ins(%w, %x : tensor<5x6xf32>, tensor<6xf32>) outs(%z : tensor<5xf32>) -> tensor<5xf32>
  return %y : tensor<5xf32>
}

// -----

// vecmat and batch_matmul; a weight with K smaller than the group size
// (K = 3 < 4) is quantized per channel.
// CHECK-LABEL: func.func @vecmat_and_batch
// CHECK: wq.matmul {{.*}}#wq.qweight<5x3, u4, group_size = 0
// CHECK: wq.matmul {{.*}}#wq.qweight<2x5x6, u4, group_size = 4
// CHECK-SAME: -> tensor<2x1x5xf32>
func.func @vecmat_and_batch(%x: tensor<3xf32>, %xb: tensor<2x1x6xf32>) -> (tensor<5xf32>, tensor<2x1x5xf32>) {
  %w = arith.constant dense<2.0> : tensor<3x5xf32>
  %wb = arith.constant dense<0.25> : tensor<2x6x5xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<5xf32>) -> tensor<5xf32>
  %y = linalg.vecmat ins(%x, %w : tensor<3xf32>, tensor<3x5xf32>) outs(%z : tensor<5xf32>) -> tensor<5xf32>
  %eb = tensor.empty() : tensor<2x1x5xf32>
  %zb = linalg.fill ins(%cst : f32) outs(%eb : tensor<2x1x5xf32>) -> tensor<2x1x5xf32>
  %yb = linalg.batch_matmul ins(%xb, %wb : tensor<2x1x6xf32>, tensor<2x6x5xf32>) outs(%zb : tensor<2x1x5xf32>) -> tensor<2x1x5xf32>
  return %y, %yb : tensor<5xf32>, tensor<2x1x5xf32>
}

// -----

// A non-zero accumulator is kept as a linalg.add after the quantized matmul.
// CHECK-LABEL: func.func @accumulate
// CHECK: %[[Y:.*]] = wq.matmul
// CHECK: linalg.add ins(%[[Y]], %arg1 : tensor<2x3xf32>, tensor<2x3xf32>) outs(%arg1 : tensor<2x3xf32>)
func.func @accumulate(%x: tensor<2x8xf32>, %acc: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.5> : tensor<8x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x3xf32>) outs(%acc : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Not quantized: a weight that is not a constant, an op marked wq.skip, and an
// integer matmul.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: wq.matmul
// CHECK-COUNT-3: linalg.matmul
func.func @left_alone(%x: tensor<2x8xf32>, %w: tensor<8x3xf32>, %xi: tensor<2x8xi32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xi32>) {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  %wc = arith.constant dense<0.5> : tensor<8x3xf32>
  %y2 = linalg.matmul {wq.skip} ins(%x, %wc : tensor<2x8xf32>, tensor<8x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  %wi = arith.constant dense<1> : tensor<8x3xi32>
  %c0 = arith.constant 0 : i32
  %ei = tensor.empty() : tensor<2x3xi32>
  %zi = linalg.fill ins(%c0 : i32) outs(%ei : tensor<2x3xi32>) -> tensor<2x3xi32>
  %y3 = linalg.matmul ins(%xi, %wi : tensor<2x8xi32>, tensor<8x3xi32>) outs(%zi : tensor<2x3xi32>) -> tensor<2x3xi32>
  return %y, %y2, %y3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xi32>
}

// -----

// dense_resource weights are read from the resource blob.
// CHECK-LABEL: func.func @resource_weight
// CHECK: wq.matmul {{.*}}#wq.qweight<2x4, u4, group_size = 4
func.func @resource_weight(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense_resource<blob> : tensor<4x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x4xf32>, tensor<4x2xf32>) outs(%z : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F000000400000404000008040000080BF000000C0000040C0000080C0"
    }
  }
#-}

// -----

// Dynamic activations: the weight fixes K, so a dynamic K is cast to static.
// CHECK-LABEL: func.func @dynamic_activation
// CHECK: %[[X:.*]] = tensor.cast %arg0 : tensor<?x?xf32> to tensor<?x8xf32>
// CHECK: wq.matmul %[[X]], {{.*}} -> tensor<?x3xf32>
func.func @dynamic_activation(%x: tensor<?x?xf32>, %init: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %w = arith.constant dense<0.5> : tensor<8x3xf32>
  %cst = arith.constant 0.0 : f32
  %z = linalg.fill ins(%cst : f32) outs(%init : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x?xf32>, tensor<8x3xf32>) outs(%z : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// A weight with no elements (a splat of tensor<0x16xf32>, which crashed the
// pass) has nothing to quantize and stays as it is.
// CHECK-LABEL: func.func @empty_weight
// CHECK: linalg.matmul
// CHECK-NOT: wq.matmul
func.func @empty_weight(%x: tensor<4x16xf32>) -> tensor<4x0xf32> {
  %w = arith.constant dense<1.0> : tensor<0x16xf32>
  %e = tensor.empty() : tensor<4x0xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x0xf32>) -> tensor<4x0xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<4x16xf32>, tensor<0x16xf32>) outs(%f : tensor<4x0xf32>) -> tensor<4x0xf32>
  return %y : tensor<4x0xf32>
}

// -----

// f64 activations stay float: wq.matmul implements f16, bf16 and f32 only
// (the pass made a wq.matmul its verifier refuses: found by fuzz/FuzzDialect).
// CHECK-LABEL: func.func @f64_left_alone
// CHECK-NOT: wq.matmul
// CHECK: linalg.matvec
func.func @f64_left_alone(%v: tensor<16xf64>, %i2: tensor<8xf64>) -> tensor<8xf64> {
  %w2 = arith.constant dense<1.0> : tensor<8x16xf64>
  %z = linalg.matvec ins(%w2, %v : tensor<8x16xf64>, tensor<16xf64>) outs(%i2 : tensor<8xf64>) -> tensor<8xf64>
  return %z : tensor<8xf64>
}
