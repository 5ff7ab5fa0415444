// RUN: wq-opt %s --split-input-file --wq-lower-to-vector | FileCheck %s
// RUN: wq-opt %s --split-input-file --wq-lower-to-vector=activation-bits=8 | FileCheck %s --check-prefix=INT8
// RUN: not wq-opt %s --split-input-file --wq-lower-to-vector=activation-bits=4 2>&1 | FileCheck %s --check-prefix=BADBITS

// BADBITS: activation-bits must be 32 or 8, got 4

// int4 g32 with zero points: activation group sums, activations reordered
// per 32 (evens, odds), 16-byte loads widened to i32, nibbles masked and
// shifted, f32 FMA chains of 16 lanes, the scale once per group (groups two
// at a time), one reduction per row, then the zero-point term 8 groups at a
// time.
// CHECK-LABEL: func.func @int4_asym
// CHECK: linalg.generic
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]] output_shape [2, 2, 16, 2]
// CHECK: linalg.transpose {{.*}} permutation = [0, 1, 3, 2]
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} step %c2 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>)
// CHECK: vector.transfer_read %arg1{{.*}} : tensor<8x2x16xi8>, vector<16xi8>
// CHECK: arith.extui {{.*}} : vector<16xi8> to vector<16xi32>
// CHECK: arith.andi
// CHECK: arith.shrui
// CHECK: arith.sitofp {{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<2x64xf32>, vector<16xf32>
// CHECK: arith.mulf
// CHECK: vector.fma
// CHECK: vector.broadcast {{.*}} : f16 to vector<16xf16>
// CHECK: arith.extf
// CHECK: vector.fma
// CHECK: vector.reduction <add>
// CHECK: vector.transfer_read %arg3{{.*}} : tensor<8x2xi8>, vector<8xi8>
// CHECK: arith.subf
// CHECK: tensor.insert
// CHECK-NOT: wq.matmul
// INT8-LABEL: func.func @int4_asym
// With int8 activations the quantizer lays the activations out for the
// superblock walk (64 weight bytes = 4 blocks of int4): per 128, the even
// values of each block meeting the low nibbles, then the odd ones; each
// block's scale over its 4 lanes; zero past the last block (2 blocks here).
// INT8: linalg.fill {{.*}} -> tensor<2x128xi8>
// INT8: linalg.fill {{.*}} -> tensor<2x16xf32>
// INT8-NOT: linalg.transpose
// INT8: math.absf {{.*}} : vector<32xf32>
// INT8: vector.reduction <maxnumf>
// INT8: math.roundeven
// INT8: arith.fptosi
// INT8: arith.trunci {{.*}} : vector<32xi32> to vector<32xi8>
// INT8: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xi8>, vector<32xi8>
// INT8: vector.transfer_write {{.*}} : vector<16xi8>, tensor<2x128xi8>
// INT8: vector.shuffle {{.*}} [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31] : vector<32xi8>, vector<32xi8>
// INT8: vector.transfer_write {{.*}} : vector<16xi8>, tensor<2x128xi8>
// INT8: vector.transfer_write {{.*}} : vector<4xf32>, tensor<2x16xf32>
// The two blocks only partly fill a superblock: their 32 bytes, padded to
// 64 (no masked load), and their two groups' scales, the other lanes zero.
// INT8: tensor.collapse_shape %arg1 {{\[}}[0], [1, 2]] : tensor<8x2x16xi8> into tensor<8x32xi8>
// INT8: vector.transfer_read %collapsed[%{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<8x32xi8>, vector<32xi8>
// INT8: vector.insert_strided_slice {{.*}} {offsets = [0], strides = [1]} : vector<32xi8> into vector<64xi8>
// INT8: %[[LOW:.*]] = arith.andi {{.*}} : vector<64xi8>
// INT8: %[[HIGH:.*]] = arith.shrui {{.*}} : vector<64xi8>
// INT8: vector.transfer_read %arg2{{.*}} {in_bounds = [true]} : tensor<8x2xf16>, vector<2xf16>
// INT8: vector.shuffle {{.*}} [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2] : vector<2xf32>, vector<2xf32>
// INT8: %[[DOT:.*]] = wq.byte_dot %[[LOW]], {{.*}} : vector<64xi8>, vector<64xi8> -> vector<16xi32>
// INT8: %[[DOT2:.*]] = wq.byte_dot %[[HIGH]], %{{.*}}, %[[DOT]] : vector<64xi8>, vector<64xi8> -> vector<16xi32>
// INT8: vector.transfer_read {{.*}} : tensor<2x16xf32>, vector<16xf32>
// INT8: arith.mulf
// INT8: arith.sitofp %[[DOT2]] : vector<16xi32> to vector<16xf32>
// INT8: vector.fma {{.*}} : vector<16xf32>
// INT8-NOT: wq.matmul
func.func @int4_asym(%x: tensor<2x64xf32>, %p: tensor<8x2x16xi8>, %s: tensor<8x2xf16>, %z: tensor<8x2xi8>) -> tensor<2x8xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8x64, u4, group_size = 32, scale_type = f16, zero_points>} : (tensor<2x64xf32>, tensor<8x2x16xi8>, tensor<8x2xf16>, tensor<8x2xi8>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Signed int4 sign-extends both nibbles arithmetically; a ragged K pads the
// activations to whole groups; a rank-1 input is a matvec. With int8
// activations, signed nibbles are read as unsigned (xor 0x88) with zero
// point 8.
// CHECK-LABEL: func.func @int4_signed_ragged_matvec
// CHECK: tensor.pad
// CHECK: arith.extsi
// CHECK: arith.shli
// CHECK: arith.shrsi
// CHECK: arith.sitofp
// CHECK: tensor.collapse_shape
// INT8-LABEL: func.func @int4_signed_ragged_matvec
// INT8: arith.constant dense<8.000000e+00> : vector<8xf32>
// INT8: vector.transfer_read %collapsed{{.*}} {in_bounds = [true]} : tensor<4x32xi8>, vector<32xi8>
// INT8: vector.insert_strided_slice {{.*}} : vector<32xi8> into vector<64xi8>
// INT8: arith.xori {{.*}} : vector<64xi8>
// INT8: wq.byte_dot
// INT8: vector.reduction <add>, {{.*}} : vector<16xf32> into f32
func.func @int4_signed_ragged_matvec(%x: tensor<50xf32>, %p: tensor<4x2x16xi8>, %s: tensor<4x2xf32>) -> tensor<4xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x50, i4, group_size = 32, scale_type = f32>} : (tensor<50xf32>, tensor<4x2x16xi8>, tensor<4x2xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Groups that do not fill 8-byte chunks (int4 group 8) stay for the linalg
// path.
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

// -----

// int8 weights per channel: 32-byte chunks in two independent 16-lane FMA
// chains.
// With int8 activations, signed int8 weights take integer dot products per
// block of 32 (llama.cpp's Q8_0 x Q8_0): w ^ 0x80 (w + 128 unsigned) against
// the activations with the whole byte range, 128 taken out as a zero point.
// CHECK-LABEL: func.func @int8_per_channel
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-2: vector.fma
// INT8-LABEL: func.func @int8_per_channel
// INT8: arith.constant dense<1.280000e+02> : vector<8xf32>
// One superblock holds 2 blocks of int8: the per-channel scale broadcast.
// INT8: scf.for
// INT8: vector.transfer_read %collapsed{{.*}} {in_bounds = [true]} : tensor<4x64xi8>, vector<64xi8>
// INT8: arith.xori {{.*}} : vector<64xi8>
// INT8: vector.broadcast {{.*}} : f32 to vector<16xf32>
// INT8: wq.byte_dot {{.*}} full_range : vector<64xi8>, vector<64xi8> -> vector<16xi32>
// INT8-NOT: wq.matmul
func.func @int8_per_channel(%x: tensor<1x64xf32>, %p: tensor<4x1x64xi8>, %s: tensor<4x1xf32>) -> tensor<1x4xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x64, i8, group_size = 0, scale_type = f32>} : (tensor<1x64xf32>, tensor<4x1x64xi8>, tensor<4x1xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// Act-order permutation, AWQ input scales and outlier channels stay around
// the kernel: x / s and the gather by perm before it, the outlier products
// added after it.
// CHECK-LABEL: func.func @side_inputs
// CHECK: arith.divf
// CHECK: linalg.generic
// CHECK: tensor.extract {{.*}} : tensor<2x64xf32>
// CHECK: vector.transfer_read %arg1{{.*}} : tensor<4x2x16xi8>, vector<16xi8>
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: wq.matmul
// INT8-LABEL: func.func @side_inputs
// INT8: wq.byte_dot
func.func @side_inputs(%x: tensor<2x64xf32>, %p: tensor<4x2x16xi8>, %s: tensor<4x2xf16>, %z: tensor<4x2xi8>, %perm: tensor<64xi32>, %oc: tensor<2xi32>, %ow: tensor<4x2xf16>, %is: tensor<64xf32>) -> tensor<2x4xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) input_scales(%is) {weight = #wq.qweight<4x64, u4, group_size = 32, scale_type = f16, zero_points, permuted, outliers = 2, input_scaled>} : (tensor<2x64xf32>, tensor<4x2x16xi8>, tensor<4x2xf16>, tensor<4x2xi8>, tensor<64xi32>, tensor<2xi32>, tensor<4x2xf16>, tensor<64xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Group offsets (Q4_1's form, no zero points): the activation group sums are
// computed once per call and each output subtracts sum_g (-m_g) S_g (8
// groups at a time, then the tail one by one) after its reduction; the
// products themselves are those of the symmetric kernel. With int8
// activations the sums are those of the quantized activations.
// Rows come 8 at a time (each decoded weight meets 8 rows in registers:
// 8 running totals of 16 lanes, each folded to 8, then reduced together by
// even/odd shuffles), the rest (here both rows) one by one.
// CHECK-LABEL: func.func @int4_offsets
// CHECK: %[[SUMS:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2x2x32xf32>) outs(%{{.*}} : tensor<2x2xf32>)
// CHECK: scf.for {{.*}} step %c8 iter_args({{.*}}) -> (tensor<2x1xf32>)
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: vector.extract_strided_slice {{.*}} {offsets = [8], sizes = [8], strides = [1]} : vector<16xf32> to vector<8xf32>
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<8xf32>, vector<8xf32>
// CHECK-COUNT-8: vector.extract
// CHECK: scf.for {{.*}} step %c1 iter_args({{.*}}) -> (tensor<2x1xf32>)
// CHECK: %[[DOT:.*]] = vector.reduction <add>
// CHECK: vector.transfer_read %arg3{{.*}} : tensor<8x2xf16>, vector<8xf16>
// CHECK: %[[NEG:.*]] = arith.negf
// CHECK: vector.transfer_read %[[SUMS]]
// CHECK: vector.fma %[[NEG]]
// CHECK: %[[TERM:.*]] = scf.for
// CHECK: tensor.extract %arg3
// CHECK: arith.negf
// CHECK: arith.subf %[[DOT]], %[[TERM]]
// CHECK-NOT: wq.matmul
// INT8-LABEL: func.func @int4_offsets
// INT8: wq.byte_dot
// INT8: vector.transfer_read %arg3{{.*}} : tensor<8x2xf16>, vector<8xf16>
// INT8: arith.negf
// INT8: arith.subf
func.func @int4_offsets(%x: tensor<2x64xf32>, %p: tensor<8x2x16xi8>, %s: tensor<8x2xf16>, %o: tensor<8x2xf16>) -> tensor<2x8xf32> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8x64, u4, group_size = 32, scale_type = f16, offsets>} : (tensor<2x64xf32>, tensor<8x2x16xi8>, tensor<8x2xf16>, tensor<8x2xf16>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Zero points and offsets: one coefficient s z - m per group (8 groups at a
// time from the zero points, scales and offsets) times the group sum.
// CHECK-LABEL: func.func @int4_zero_points_offsets
// CHECK: scf.for {{.*}} step %c8 iter_args({{.*}}) -> (vector<8xf32>)
// CHECK: %[[Z:.*]] = vector.transfer_read %arg3{{.*}} : tensor<4x16xi8>, vector<8xi8>
// CHECK: %[[S:.*]] = vector.transfer_read %arg2{{.*}} : tensor<4x16xbf16>, vector<8xbf16>
// CHECK: %[[SZ:.*]] = arith.mulf
// CHECK: %[[O:.*]] = vector.transfer_read %arg4{{.*}} : tensor<4x16xbf16>, vector<8xbf16>
// CHECK: %[[OF:.*]] = arith.extf %[[O]]
// CHECK: %[[C:.*]] = arith.subf %[[SZ]], %[[OF]]
// CHECK: vector.fma %[[C]]
func.func @int4_zero_points_offsets(%x: tensor<1x512xf32>, %p: tensor<4x16x16xi8>, %s: tensor<4x16xbf16>, %z: tensor<4x16xi8>, %o: tensor<4x16xbf16>) -> tensor<1x4xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<4x512, u4, group_size = 32, scale_type = bf16, zero_points, offsets>} : (tensor<1x512xf32>, tensor<4x16x16xi8>, tensor<4x16xbf16>, tensor<4x16xi8>, tensor<4x16xbf16>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// No activation rows (M = 0): left to the generic path (the kernel's row
// blocks sliced past the end: found by fuzz/FuzzDialect).
// CHECK-LABEL: func.func @no_rows
// CHECK-NOT: vector.
// CHECK: wq.matmul
// INT8-LABEL: func.func @no_rows
// INT8: wq.matmul
func.func @no_rows(%x: tensor<0x256xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> tensor<0x64xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<0x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<0x64xf32>
  return %y : tensor<0x64xf32>
}
