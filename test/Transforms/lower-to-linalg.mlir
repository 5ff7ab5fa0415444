// RUN: wq-opt %s --split-input-file --wq-lower-to-linalg | FileCheck %s

// Asymmetric int4, group 5 (odd: each group padded to 3 bytes). One generic
// over (m, n, g, byte, slot) decodes inside the reduction; the activations are
// reshaped and padded, the weight is never expanded to floats.
// CHECK-LABEL: func.func @int4_asym
// CHECK: %[[X1:.*]] = tensor.expand_shape %arg0 {{\[\[}}0], [1, 2]] output_shape [3, 2, 5]
// CHECK: %[[X2:.*]] = tensor.pad %[[X1]] low[0, 0, 0] high[0, 0, 1]
// CHECK: %[[X3:.*]] = tensor.expand_shape %[[X2]] {{.*}} into tensor<3x2x3x2xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK-SAME: ins(%[[X3]], %arg1, %arg2, %arg3 : tensor<3x2x3x2xf32>, tensor<5x2x3xi8>, tensor<5x2xf16>, tensor<5x2xi8>)
// CHECK: linalg.index 4
// CHECK: arith.shrui
// CHECK: arith.andi
// CHECK: arith.uitofp
// CHECK: arith.subf
// CHECK: arith.extf
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: tensor<5x10xf32>
func.func @int4_asym(%x: tensor<3x10xf32>, %p: tensor<5x2x3xi8>, %s: tensor<5x2xf16>, %z: tensor<5x2xi8>) -> tensor<3x5xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<5x10, u4, group_size = 5, scale_type = f16, zero_points>} : (tensor<3x10xf32>, tensor<5x2x3xi8>, tensor<5x2xf16>, tensor<5x2xi8>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// Signed int4 sign-extends the nibble (shift up, arithmetic shift down); an
// f16 matvec iterates over (n, g, byte, slot) and converts on the way out.
// CHECK-LABEL: func.func @int4_signed_matvec_f16
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0, 1]] output_shape [1, 8]
// CHECK: tensor.expand_shape {{.*}} output_shape [1, 4, 2]
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction", "reduction", "reduction"]
// CHECK: arith.shli
// CHECK: arith.shrsi
// CHECK: arith.sitofp
// CHECK: arith.extf
// CHECK: linalg.generic
// CHECK: arith.truncf
func.func @int4_signed_matvec_f16(%x: tensor<8xf16>, %p: tensor<4x1x4xi8>, %s: tensor<4x1xf16>) -> tensor<4xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 0, scale_type = f16>} : (tensor<8xf16>, tensor<4x1x4xi8>, tensor<4x1xf16>) -> tensor<4xf16>
  return %y : tensor<4xf16>
}

// -----

// int8 needs no bit extraction; a batched weight adds a leading parallel dim.
// CHECK-LABEL: func.func @int8_batched
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK-NOT: arith.shrui
// CHECK: arith.sitofp
func.func @int8_batched(%x: tensor<2x3x8xf32>, %p: tensor<2x4x1x8xi8>, %s: tensor<2x4x1xf32>) -> tensor<2x3x4xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<2x4x8, i8, group_size = 8, scale_type = f32>} : (tensor<2x3x8xf32>, tensor<2x4x1x8xi8>, tensor<2x4x1xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// Act-order gathers activation channels first; outliers add a small
// full-precision contraction on the gathered outlier channels.
// CHECK-LABEL: func.func @permuted_outliers
// CHECK: linalg.generic {{.*}} ins(%arg4 : tensor<8xi32>)
// CHECK: tensor.extract %arg0
// CHECK: %[[Q:[0-9]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK: %[[O:[0-9]+]] = linalg.generic {{.*}} ins(%arg5 : tensor<1xi32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[O]], %arg6 : tensor<2x1xf32>, tensor<3x1xf32>) outs(%[[Q]] : tensor<2x3xf32>)
func.func @permuted_outliers(%x: tensor<2x8xf32>, %p: tensor<3x2x2xi8>, %s: tensor<3x2xf32>, %z: tensor<3x2xi8>, %perm: tensor<8xi32>, %oc: tensor<1xi32>, %ow: tensor<3x1xf32>) -> tensor<2x3xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) {weight = #wq.qweight<3x8, u4, group_size = 4, scale_type = f32, zero_points, permuted, outliers = 1>} : (tensor<2x8xf32>, tensor<3x2x2xi8>, tensor<3x2xf32>, tensor<3x2xi8>, tensor<8xi32>, tensor<1xi32>, tensor<3x1xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Dequantize decodes every element in a parallel generic, then drops the
// ragged tail: [5, 3, 2, 2] -> [5, 3, 4] -> [5, 12] -> [5, 10].
// CHECK-LABEL: func.func @dequantize
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: tensor.collapse_shape {{.*}} into tensor<5x3x4xf32>
// CHECK: tensor.collapse_shape {{.*}} into tensor<5x12xf32>
// CHECK: tensor.extract_slice {{.*}} to tensor<5x10xf32>
func.func @dequantize(%p: tensor<5x3x2xi8>, %s: tensor<5x3xf16>, %z: tensor<5x3xi8>) -> tensor<5x10xf32> {
  %w = wq.dequantize %p, %s zero_points(%z) {weight = #wq.qweight<5x10, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<5x3x2xi8>, tensor<5x3xf16>, tensor<5x3xi8>) -> tensor<5x10xf32>
  return %w : tensor<5x10xf32>
}

// -----

// Dynamic leading dims stay parallel iteration dims: no dynamic reshapes.
// CHECK-LABEL: func.func @dynamic_leading_dims
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0], [1], [2, 3]] output_shape [%{{.*}}, %{{.*}}, 2, 4]
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK-NOT: tensor.collapse_shape
func.func @dynamic_leading_dims(%x: tensor<?x?x8xf16>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<?x?x4xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<?x?x8xf16>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<?x?x4xf16>
  return %y : tensor<?x?x4xf16>
}

// -----

// Group offsets (Q4_1's form: unsigned, no zero points), ragged groups of 5:
// the offsets are read per (n, g) like the scales and added after the scale,
// inside the reduction (padded activations are zero, so padding adds
// nothing).
// CHECK-LABEL: func.func @int4_offsets
// CHECK: linalg.generic
// CHECK-SAME: indexing_maps = [#{{.*}}, #{{.*}}, #[[NG:map[0-9]*]], #[[NG]], #{{.*}}]
// CHECK-SAME: ins(%{{.*}}, %arg1, %arg2, %arg3 : tensor<3x2x3x2xf32>, tensor<5x2x3xi8>, tensor<5x2xf16>, tensor<5x2xf16>)
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: i8, %[[S:.*]]: f16, %[[O:.*]]: f16, %[[ACC:.*]]: f32):
// CHECK: %[[Q:.*]] = arith.uitofp
// CHECK-NOT: arith.subf
// CHECK: %[[SF:.*]] = arith.extf %[[S]]
// CHECK: %[[QS:.*]] = arith.mulf %[[Q]], %[[SF]]
// CHECK: %[[OF:.*]] = arith.extf %[[O]]
// CHECK: %[[W:.*]] = arith.addf %[[QS]], %[[OF]]
// CHECK: %[[P:.*]] = arith.mulf %[[X]], %[[W]]
// CHECK: arith.addf %[[ACC]], %[[P]]
func.func @int4_offsets(%x: tensor<3x10xf32>, %p: tensor<5x2x3xi8>, %s: tensor<5x2xf16>, %o: tensor<5x2xf16>) -> tensor<3x5xf32> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<5x10, u4, group_size = 5, scale_type = f16, offsets>} : (tensor<3x10xf32>, tensor<5x2x3xi8>, tensor<5x2xf16>, tensor<5x2xf16>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// Zero points and offsets together (tinygemm's form), batched weight, bf16:
// (q - z) * s + m.
// CHECK-LABEL: func.func @int4_zero_points_offsets_batched
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %arg1, %arg2, %arg3, %arg4 : tensor<2x3x1x8x2xf32>, tensor<2x4x1x8xi8>, tensor<2x4x1xbf16>, tensor<2x4x1xi8>, tensor<2x4x1xbf16>)
// CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: i8, %[[S:.*]]: bf16, %[[Z:.*]]: i8, %[[O:.*]]: bf16, %{{.*}}: f32):
// CHECK: %[[ZF:.*]] = arith.uitofp %[[Z]]
// CHECK: %[[D:.*]] = arith.subf %{{.*}}, %[[ZF]]
// CHECK: %[[QS:.*]] = arith.mulf %[[D]], %{{.*}}
// CHECK: %[[OF:.*]] = arith.extf %[[O]]
// CHECK: arith.addf %[[QS]], %[[OF]]
func.func @int4_zero_points_offsets_batched(%x: tensor<2x3x16xf32>, %p: tensor<2x4x1x8xi8>, %s: tensor<2x4x1xbf16>, %z: tensor<2x4x1xi8>, %o: tensor<2x4x1xbf16>) -> tensor<2x3x4xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<2x4x16, u4, group_size = 0, scale_type = bf16, zero_points, offsets>} : (tensor<2x3x16xf32>, tensor<2x4x1x8xi8>, tensor<2x4x1xbf16>, tensor<2x4x1xi8>, tensor<2x4x1xbf16>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// wq.dequantize with offsets: one parallel generic over (n, g, byte, slot)
// reading the offsets per (n, g); flat groups read them at (n * K + k) / 6.
// CHECK-LABEL: func.func @dequantize_offsets
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0, %arg1, %arg2 : tensor<4x2x2xi8>, tensor<4x2xf32>, tensor<4x2xf32>)
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg3, %arg4, %arg5 : tensor<12xi8>, tensor<2xf32>, tensor<2xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @dequantize_offsets(%p: tensor<4x2x2xi8>, %s: tensor<4x2xf32>, %o: tensor<4x2xf32>,
                              %fp: tensor<12xi8>, %fs: tensor<2xf32>, %fo: tensor<2xf32>) -> (tensor<4x8xf32>, tensor<3x4xf32>) {
  %w = wq.dequantize %p, %s offsets(%o) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f32, offsets>} : (tensor<4x2x2xi8>, tensor<4x2xf32>, tensor<4x2xf32>) -> tensor<4x8xf32>
  %f = wq.dequantize %fp, %fs offsets(%fo) {weight = #wq.qweight<3x4, i8, group_size = 6, scale_type = f32, offsets, flat_groups>} : (tensor<12xi8>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x4xf32>
  return %w, %f : tensor<4x8xf32>, tensor<3x4xf32>
}

// -----

// Act-order with offsets: the gather happens before the plain matmul, which
// keeps the offsets (they belong to the stored columns).
// CHECK-LABEL: func.func @permuted_offsets
// CHECK: tensor.extract
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %arg1, %arg2, %arg3 : tensor<2x2x2x2xf32>, tensor<3x2x2xi8>, tensor<3x2xf16>, tensor<3x2xf16>)
func.func @permuted_offsets(%x: tensor<2x8xf32>, %p: tensor<3x2x2xi8>, %s: tensor<3x2xf16>, %o: tensor<3x2xf16>, %perm: tensor<8xi32>) -> tensor<2x3xf32> {
  %y = wq.matmul %x, %p, %s offsets(%o) perm(%perm) {weight = #wq.qweight<3x8, u4, group_size = 4, scale_type = f16, offsets, permuted>} : (tensor<2x8xf32>, tensor<3x2x2xi8>, tensor<3x2xf16>, tensor<3x2xf16>, tensor<8xi32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// wq.rms_norm: the sum of squares per row (reassociable, so that it
// vectorizes), the inverse root per row, and the scaling.
// CHECK-LABEL: func.func @rms_norm
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[COUNT:.*]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[SUMS0:.*]] = linalg.fill
// CHECK: %[[SUMS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%arg0 : tensor<?x8xf32>) outs(%[[SUMS0]] : tensor<?xf32>)
// CHECK: arith.mulf %{{.*}}, %{{.*}} fastmath<reassoc,contract>
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc,contract>
// CHECK: %[[INV:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]{{.*}} ins(%[[SUMS]] : tensor<?xf32>)
// CHECK: %[[MEAN:.*]] = arith.divf %{{.*}}, %[[COUNT]] : f32
// CHECK: %[[SHIFTED:.*]] = arith.addf %[[MEAN]], %[[EPS]] : f32
// CHECK: %[[ROOT:.*]] = math.sqrt %[[SHIFTED]]
// CHECK: arith.divf %[[ONE]], %[[ROOT]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} ins(%arg0, %[[INV]], %arg1 : tensor<?x8xf32>, tensor<?xf32>, tensor<8xf32>)
func.func @rms_norm(%x: tensor<?x8xf32>, %w: tensor<8xf32>) -> tensor<?x8xf32> {
  %y = wq.rms_norm %x, %w epsilon = 0.5 : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// With a residual: the element-wise sum first, normalized, and returned too.
// CHECK-LABEL: func.func @rms_norm_residual
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} ins(%arg0, %arg2 : tensor<1x8xf32>, tensor<1x8xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[SUM]] : tensor<1x8xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[SUM]], %{{.*}}, %arg1 : tensor<1x8xf32>, tensor<1xf32>, tensor<8xf32>)
// CHECK: return %[[Y]], %[[SUM]]
func.func @rms_norm_residual(%x: tensor<1x8xf32>, %w: tensor<8xf32>, %r: tensor<1x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  %y, %s = wq.rms_norm %x, %w residual(%r) epsilon = 0.5 : (tensor<1x8xf32>, tensor<8xf32>, tensor<1x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>)
  return %y, %s : tensor<1x8xf32>, tensor<1x8xf32>
}

// -----

// wq.attention: three generics over every head and row (scores [H, T, M];
// max and sum of exponentials [H, M]; the weighted sums [M, H, hs]) reading
// the caches as read-only tensors. A start read from a tensor (a decode
// step) scores the whole cache, masked in the body.
// CHECK-LABEL: func.func @attention_step
// CHECK: %[[K:.*]] = bufferization.to_tensor %arg1 restrict : memref<30x?x192xf32> to tensor<30x?x192xf32>
// CHECK: %[[T:.*]] = tensor.dim %[[K]], %c1
// CHECK: tensor.empty(%[[T]]) : tensor<9x?x1xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<9x?x1xf32>)
// CHECK: tensor.extract %arg4[%c0{{.*}}] : tensor<1xi32>
// CHECK: arith.cmpi ule
// CHECK: %{{.*}}:2 = linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<9x1xf32>, tensor<9x1xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x9x64xf32>)
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<1x9x64xf32> into tensor<1x576xf32>
func.func @attention_step(%q: tensor<1x576xf32>, %k: memref<30x?x192xf32>, %v: memref<30x?x192xf32>, %layer: index, %start: tensor<1xi32>) -> tensor<1x576xf32> {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 9 : i64, kv_heads = 3 : i64} : tensor<1x576xf32>, memref<30x?x192xf32>, tensor<1xi32>
  return %o : tensor<1x576xf32>
}

// -----

// An index start: the prompt's rows see start + M positions at most.
// CHECK-LABEL: func.func @attention_rows
// CHECK: %[[M:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[T:.*]] = arith.addi %arg4, %[[M]]
// CHECK: tensor.empty(%[[T]], %[[M]]) : tensor<8x?x?xf32>
func.func @attention_rows(%q: tensor<?x64xf32>, %k: memref<5x?x32xf32>, %v: memref<5x?x32xf32>, %layer: index, %start: index) -> tensor<?x64xf32> {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 8 : i64, kv_heads = 4 : i64} : tensor<?x64xf32>, memref<5x?x32xf32>, index
  return %o : tensor<?x64xf32>
}
