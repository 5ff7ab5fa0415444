// RUN: wq-opt %s --split-input-file | wq-opt --split-input-file | FileCheck %s

// Asymmetric int4 with ragged last group (K = 300, group 32 -> 10 groups).
// CHECK-LABEL: func.func @asym_int4
// CHECK: wq.matmul %{{.*}}, %{{.*}}, %{{.*}} zero_points(%{{.*}}) {weight = #wq.qweight<256x300, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<row_major>>} : (tensor<4x300xf32>, tensor<256x10x16xi8>, tensor<256x10xf16>, tensor<256x10xi8>) -> tensor<4x256xf32>
func.func @asym_int4(%x: tensor<4x300xf32>, %p: tensor<256x10x16xi8>, %s: tensor<256x10xf16>, %z: tensor<256x10xi8>) -> tensor<4x256xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<256x300, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<row_major>>} : (tensor<4x300xf32>, tensor<256x10x16xi8>, tensor<256x10xf16>, tensor<256x10xi8>) -> tensor<4x256xf32>
  return %y : tensor<4x256xf32>
}

// -----

// Symmetric int8 per channel, layout omitted (defaults to row_major), matvec
// form with f16 activations.
// CHECK-LABEL: func.func @sym_int8_per_channel
// CHECK: wq.matmul %{{.*}}, %{{.*}}, %{{.*}} {weight = #wq.qweight<7x5, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<row_major>>} : (tensor<5xf16>, tensor<7x1x5xi8>, tensor<7x1xbf16>) -> tensor<7xf16>
func.func @sym_int8_per_channel(%x: tensor<5xf16>, %p: tensor<7x1x5xi8>, %s: tensor<7x1xbf16>) -> tensor<7xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<7x5, i8, group_size = 0, scale_type = bf16>} : (tensor<5xf16>, tensor<7x1x5xi8>, tensor<7x1xbf16>) -> tensor<7xf16>
  return %y : tensor<7xf16>
}

// -----

// Act-order permutation, an outlier side channel of 2 input channels and AWQ
// input scales, with dynamic leading activation dims.
// CHECK-LABEL: func.func @permuted_with_outliers
// CHECK: wq.matmul %{{.*}}, %{{.*}}, %{{.*}} zero_points(%{{.*}}) perm(%{{.*}}) outliers(%{{.*}}, %{{.*}}) input_scales(%{{.*}}) {weight = #wq.qweight<3x8, u4, group_size = 4, scale_type = f32, zero_points, permuted, outliers = 2, input_scaled, layout = #wq.layout<row_major>>}
// CHECK: wq.dequantize %{{.*}}, %{{.*}} zero_points(%{{.*}}) perm(%{{.*}}) outliers(%{{.*}}, %{{.*}})
func.func @permuted_with_outliers(%x: tensor<?x2x8xf32>, %p: tensor<3x2x2xi8>, %s: tensor<3x2xf32>, %z: tensor<3x2xi8>, %perm: tensor<8xi32>, %oc: tensor<2xi32>, %ow: tensor<3x2xf16>, %is: tensor<8xf32>) -> (tensor<?x2x3xf32>, tensor<3x8xf32>) {
  %y = wq.matmul %x, %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) input_scales(%is) {weight = #wq.qweight<3x8, u4, group_size = 4, scale_type = f32, zero_points, permuted, outliers = 2, input_scaled>} : (tensor<?x2x8xf32>, tensor<3x2x2xi8>, tensor<3x2xf32>, tensor<3x2xi8>, tensor<8xi32>, tensor<2xi32>, tensor<3x2xf16>, tensor<8xf32>) -> tensor<?x2x3xf32>
  %w = wq.dequantize %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) {weight = #wq.qweight<3x8, u4, group_size = 4, scale_type = f32, zero_points, permuted, outliers = 2>} : (tensor<3x2x2xi8>, tensor<3x2xf32>, tensor<3x2xi8>, tensor<8xi32>, tensor<2xi32>, tensor<3x2xf16>) -> tensor<3x8xf32>
  return %y, %w : tensor<?x2x3xf32>, tensor<3x8xf32>
}

// -----

// Batched weight [B, N, K] and the quantize op; odd group size 5 with 4 bits
// pads each group to 3 bytes.
// CHECK-LABEL: func.func @batched_quantize
// CHECK: wq.quantize %{{.*}} {weight = #wq.qweight<2x3x10, u4, group_size = 5, scale_type = f16, zero_points, layout = #wq.layout<row_major>>} : (tensor<2x3x10xf32>) -> (tensor<2x3x2x3xi8>, tensor<2x3x2xf16>, tensor<2x3x2xi8>)
// CHECK: wq.matmul
func.func @batched_quantize(%x: tensor<2x4x10xf32>, %w: tensor<2x3x10xf32>) -> tensor<2x4x3xf32> {
  %p, %s, %z = wq.quantize %w {weight = #wq.qweight<2x3x10, u4, group_size = 5, scale_type = f16, zero_points>} : (tensor<2x3x10xf32>) -> (tensor<2x3x2x3xi8>, tensor<2x3x2xf16>, tensor<2x3x2xi8>)
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<2x3x10, u4, group_size = 5, scale_type = f16, zero_points>} : (tensor<2x4x10xf32>, tensor<2x3x2x3xi8>, tensor<2x3x2xf16>, tensor<2x3x2xi8>) -> tensor<2x4x3xf32>
  return %y : tensor<2x4x3xf32>
}

// -----

// Flat groups: 1-D packed bytes and scales; a group may exceed a row.
// CHECK-LABEL: func.func @flat_groups
// CHECK: wq.matmul {{.*}} {weight = #wq.qweight<2x3, i8, group_size = 6, scale_type = f32, flat_groups, layout = #wq.layout<row_major>>} : (tensor<3xf32>, tensor<6xi8>, tensor<1xf32>) -> tensor<2xf32>
func.func @flat_groups(%x: tensor<3xf32>, %p: tensor<6xi8>, %s: tensor<1xf32>) -> tensor<2xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<2x3, i8, group_size = 6, scale_type = f32, flat_groups>} : (tensor<3xf32>, tensor<6xi8>, tensor<1xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @byte_dot
// CHECK: wq.byte_dot %arg0, %arg1 : vector<32xi8>, vector<32xi8> -> vector<8xi32>
func.func @byte_dot(%u: vector<32xi8>, %s: vector<32xi8>) -> vector<8xi32> {
  %d = wq.byte_dot %u, %s : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  return %d : vector<8xi32>
}

// -----

// Group offsets (w = scale * (q - zero) + offset): Q4_1's form (unsigned, no
// zero points), tinygemm's (zero points and offsets), signed storage, a
// batched weight, the mma_tiles layout (offsets tiled like the scales) and
// wq.dequantize; `offsets` prints after `zero_points`.
// CHECK-LABEL: func.func @offsets
// CHECK: wq.matmul %{{.*}}, %{{.*}}, %{{.*}} offsets(%{{.*}}) {weight = #wq.qweight<5x64, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<row_major>>} : (tensor<1x64xf32>, tensor<5x2x16xi8>, tensor<5x2xf16>, tensor<5x2xf16>) -> tensor<1x5xf32>
// CHECK: wq.matmul %{{.*}}, %{{.*}}, %{{.*}} zero_points(%{{.*}}) offsets(%{{.*}}) perm(%{{.*}}) {weight = #wq.qweight<5x64, u4, group_size = 32, scale_type = bf16, zero_points, offsets, permuted, layout = #wq.layout<row_major>>}
// CHECK: wq.dequantize %{{.*}}, %{{.*}} offsets(%{{.*}}) {weight = #wq.qweight<5x64, i8, group_size = 0, scale_type = f32, offsets, layout = #wq.layout<row_major>>} : (tensor<5x1x64xi8>, tensor<5x1xf32>, tensor<5x1xf32>) -> tensor<5x64xf32>
// CHECK: wq.matmul %{{.*}}, %{{.*}}, %{{.*}} offsets(%{{.*}}) {weight = #wq.qweight<2x5x64, u4, group_size = 16, scale_type = f16, offsets, layout = #wq.layout<row_major>>} : (tensor<2x3x64xf32>, tensor<2x5x4x8xi8>, tensor<2x5x4xf16>, tensor<2x5x4xf16>) -> tensor<2x3x5xf32>
// CHECK: wq.matmul %{{.*}}, %{{.*}}, %{{.*}} zero_points(%{{.*}}) offsets(%{{.*}}) {weight = #wq.qweight<20x128, u4, group_size = 64, scale_type = f16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x128xf16>, tensor<2x2x512xi8>, tensor<2x2x16xf16>, tensor<2x2x16xi8>, tensor<2x2x16xf16>) -> tensor<1x20xf16>
func.func @offsets(%x: tensor<1x64xf32>, %p: tensor<5x2x16xi8>, %s: tensor<5x2xf16>, %o: tensor<5x2xf16>,
                   %sb: tensor<5x2xbf16>, %z: tensor<5x2xi8>, %ob: tensor<5x2xbf16>, %perm: tensor<64xi32>,
                   %p8: tensor<5x1x64xi8>, %s8: tensor<5x1xf32>, %o8: tensor<5x1xf32>,
                   %xb: tensor<2x3x64xf32>, %pb: tensor<2x5x4x8xi8>, %sbt: tensor<2x5x4xf16>, %obt: tensor<2x5x4xf16>,
                   %xh: tensor<1x128xf16>, %pt: tensor<2x2x512xi8>, %st: tensor<2x2x16xf16>, %zt: tensor<2x2x16xi8>, %ot: tensor<2x2x16xf16>)
    -> (tensor<1x5xf32>, tensor<1x5xf32>, tensor<5x64xf32>, tensor<2x3x5xf32>, tensor<1x20xf16>) {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<5x64, u4, group_size = 32, scale_type = f16, offsets>} : (tensor<1x64xf32>, tensor<5x2x16xi8>, tensor<5x2xf16>, tensor<5x2xf16>) -> tensor<1x5xf32>
  %y2 = wq.matmul %x, %p, %sb zero_points(%z) offsets(%ob) perm(%perm) {weight = #wq.qweight<5x64, u4, group_size = 32, scale_type = bf16, zero_points, offsets, permuted>} : (tensor<1x64xf32>, tensor<5x2x16xi8>, tensor<5x2xbf16>, tensor<5x2xi8>, tensor<5x2xbf16>, tensor<64xi32>) -> tensor<1x5xf32>
  %w = wq.dequantize %p8, %s8 offsets(%o8) {weight = #wq.qweight<5x64, i8, group_size = 0, scale_type = f32, offsets>} : (tensor<5x1x64xi8>, tensor<5x1xf32>, tensor<5x1xf32>) -> tensor<5x64xf32>
  %yb = wq.matmul %xb, %pb, %sbt offsets(%obt) {weight = #wq.qweight<2x5x64, u4, group_size = 16, scale_type = f16, offsets>} : (tensor<2x3x64xf32>, tensor<2x5x4x8xi8>, tensor<2x5x4xf16>, tensor<2x5x4xf16>) -> tensor<2x3x5xf32>
  %yt = wq.matmul %xh, %pt, %st zero_points(%zt) offsets(%ot) {weight = #wq.qweight<20x128, u4, group_size = 64, scale_type = f16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x128xf16>, tensor<2x2x512xi8>, tensor<2x2x16xf16>, tensor<2x2x16xi8>, tensor<2x2x16xf16>) -> tensor<1x20xf16>
  return %y, %y2, %w, %yb, %yt : tensor<1x5xf32>, tensor<1x5xf32>, tensor<5x64xf32>, tensor<2x3x5xf32>, tensor<1x20xf16>
}

// -----

// CHECK-LABEL: func.func @rms_norm
// CHECK: wq.rms_norm %{{.*}}, %{{.*}} epsilon = 9.99999974E-6 : (tensor<?x576xf32>, tensor<576xf32>) -> tensor<?x576xf32>
func.func @rms_norm(%x: tensor<?x576xf32>, %w: tensor<576xf32>) -> tensor<?x576xf32> {
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<?x576xf32>, tensor<576xf32>) -> tensor<?x576xf32>
  return %y : tensor<?x576xf32>
}

// -----

// CHECK-LABEL: func.func @rms_norm_residual
// CHECK: %{{.*}}, %{{.*}} = wq.rms_norm %arg0, %arg1 residual(%arg2) epsilon = 9.99999997E-7 : (tensor<1x64xf32>, tensor<64xf32>, tensor<1x64xf32>) -> (tensor<1x64xf32>, tensor<1x64xf32>)
func.func @rms_norm_residual(%x: tensor<1x64xf32>, %w: tensor<64xf32>, %r: tensor<1x64xf32>) -> (tensor<1x64xf32>, tensor<1x64xf32>) {
  %y, %s = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-06 : (tensor<1x64xf32>, tensor<64xf32>, tensor<1x64xf32>) -> (tensor<1x64xf32>, tensor<1x64xf32>)
  return %y, %s : tensor<1x64xf32>, tensor<1x64xf32>
}

// -----

// CHECK-LABEL: func.func @attention
// CHECK: wq.attention %arg0, %arg1, %arg2 layer %arg3 start %arg4 {heads = 9 : i64, kv_heads = 3 : i64} : tensor<?x576xf32>, memref<30x?x192xf32>, index
// CHECK: wq.attention %arg0, %arg1, %arg2 layer %arg3 start %arg5 {heads = 9 : i64, kv_heads = 3 : i64} : tensor<?x576xf32>, memref<30x?x192xf32>, tensor<1xi32>
func.func @attention(%q: tensor<?x576xf32>, %k: memref<30x?x192xf32>, %v: memref<30x?x192xf32>, %layer: index, %start: index, %pos: tensor<1xi32>) -> (tensor<?x576xf32>, tensor<?x576xf32>) {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 9 : i64, kv_heads = 3 : i64} : tensor<?x576xf32>, memref<30x?x192xf32>, index
  %p = wq.attention %q, %k, %v layer %layer start %pos {heads = 9 : i64, kv_heads = 3 : i64} : tensor<?x576xf32>, memref<30x?x192xf32>, tensor<1xi32>
  return %o, %p : tensor<?x576xf32>, tensor<?x576xf32>
}
