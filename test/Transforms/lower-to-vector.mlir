// RUN: wq-opt %s --split-input-file --wq-lower-to-vector | FileCheck %s

// int4 g32 with zero points: 16-byte loads, nibble unpack, interleave, f32
// FMA per chunk; scale and zero point once per group; one reduction per row.
// CHECK-LABEL: func.func @int4_asym
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.transfer_read %arg1{{.*}} : tensor<8x2x16xi8>, vector<16xi8>
// CHECK: arith.andi
// CHECK: arith.shrui
// CHECK: vector.interleave {{.*}} : vector<16xi8> -> vector<32xi8>
// CHECK: arith.uitofp {{.*}} : vector<32xi8> to vector<32xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<2x64xf32>, vector<32xf32>
// CHECK: vector.fma
// CHECK: vector.broadcast
// CHECK: vector.fma
// CHECK: vector.reduction <add>
// CHECK: tensor.insert
// CHECK-NOT: wq.matmul
func.func @int4_asym(%x: tensor<2x64xf32>, %p: tensor<8x2x16xi8>, %s: tensor<8x2xf16>, %z: tensor<8x2xi8>) -> tensor<2x8xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8x64, u4, group_size = 32, scale_type = f16, zero_points>} : (tensor<2x64xf32>, tensor<8x2x16xi8>, tensor<8x2xf16>, tensor<8x2xi8>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Signed int4 sign-extends both nibbles arithmetically; a ragged K pads the
// activations to whole groups; a rank-1 input is a matvec.
// CHECK-LABEL: func.func @int4_signed_ragged_matvec
// CHECK: tensor.pad
// CHECK: arith.shli
// CHECK: arith.shrsi
// CHECK: arith.sitofp
// CHECK: tensor.collapse_shape
func.func @int4_signed_ragged_matvec(%x: tensor<50xf32>, %p: tensor<4x2x16xi8>, %s: tensor<4x2xf32>) -> tensor<4xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x50, i4, group_size = 32, scale_type = f32>} : (tensor<50xf32>, tensor<4x2x16xi8>, tensor<4x2xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Groups that do not fill 16-byte chunks (group 8) stay for the linalg path.
// CHECK-LABEL: func.func @not_vectorized
// CHECK: wq.matmul
func.func @not_vectorized(%x: tensor<2x16xf32>, %p: tensor<4x2x4xi8>, %s: tensor<4x2xf16>, %z: tensor<4x2xi8>) -> tensor<2x4xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<4x16, u4, group_size = 8, scale_type = f16, zero_points>} : (tensor<2x16xf32>, tensor<4x2x4xi8>, tensor<4x2xf16>, tensor<4x2xi8>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Layers of at least 2^18 weights spread output channels over threads:
// scf.forall with in-place column slices (OpenMP after wq-cpu-pipeline).
// CHECK-LABEL: func.func @parallel_channels
// CHECK: scf.forall (%{{.*}}) in (512) shared_outs
// CHECK: tensor.extract_slice {{.*}}[0, %{{.*}}] [1, 1] [1, 1]
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice
func.func @parallel_channels(%x: tensor<1x512xf32>, %p: tensor<512x16x16xi8>, %s: tensor<512x16xf16>) -> tensor<1x512xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<512x512, i4, group_size = 32, scale_type = f16>} : (tensor<1x512xf32>, tensor<512x16x16xi8>, tensor<512x16xf16>) -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}
