// RUN: wq-opt %s --split-input-file --wq-pack-layout --canonicalize | FileCheck %s
// RUN: not wq-opt %s --wq-pack-layout=layout=col_major 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: wq-pack-layout: unknown layout 'col_major' (supported: mma_tiles)

// A constant int4 weight of a decode-shaped f16 matmul is re-tiled: rows 0-7
// hold fields (1, 2) in every byte (0x21), rows 8-15 (3, 4) (0x43). In the
// mma_tiles order each 32-bit word holds channel g's positions k0..k0+3 in
// nibbles 0, 4, 2, 6 and channel g + 8's in nibbles 1, 5, 3, 7: nibbles
// 1 3 1 3 2 4 2 4, bytes 0x31 0x31 0x42 0x42 throughout.
// CHECK-LABEL: func.func @retile
// CHECK: %[[P:.*]] = arith.constant dense<"0x3131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242313142423131424231314242"> : tensor<1x1x512xi8>
// Scales are [tile columns, groups, 16].
// CHECK: %[[S:.*]] = arith.constant dense<5.000000e-01> : tensor<1x2x16xf16>
// CHECK: wq.matmul %{{.*}}, %[[P]], %[[S]] {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x64xf16>, tensor<1x1x512xi8>, tensor<1x2x16xf16>) -> tensor<1x16xf16>
func.func @retile(%x: tensor<1x64xf16>) -> tensor<1x16xf16> {
  %p = arith.constant dense<[[[33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33], [33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33]], [[33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33], [33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33]], [[33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33], [33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33]], [[33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33], [33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33]], [[33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33], [33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33]], [[33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33], [33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33]], [[33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33], [33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33]], [[33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33], [33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33, 33]], [[67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67], [67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67]], [[67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67], [67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67]], [[67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67], [67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67]], [[67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67], [67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67]], [[67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67], [67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67]], [[67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67], [67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67]], [[67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67], [67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67]], [[67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67], [67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67, 67]]]> : tensor<16x2x16xi8>
  %s = arith.constant dense<0.5> : tensor<16x2xf16>
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf16>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<1x16xf16>
  return %y : tensor<1x16xf16>
}

// -----

// int8 per channel: per mma step two words (low k0, high k0, low k0+1, high
// k0+1) and (low k0+2, ...): rows 0-7 hold 1, rows 8-15 hold 2, so every
// word is 01 02 01 02.
// CHECK-LABEL: func.func @retile_int8
// CHECK: %[[P:.*]] = arith.constant dense<"0x0102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102010201020102"> : tensor<1x1x512xi8>
// CHECK: wq.matmul %{{.*}}, %[[P]], %{{.*}} {weight = #wq.qweight<16x32, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>}
func.func @retile_int8(%x: tensor<2x32xf16>) -> tensor<2x16xf16> {
  %p = arith.constant dense<[[[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], [[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]], [[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]], [[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]], [[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]], [[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]], [[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]], [[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]], [[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]]]> : tensor<16x1x32xi8>
  %s = arith.constant dense<0.5> : tensor<16x1xf16>
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x32, i8, group_size = 0, scale_type = f16>} : (tensor<2x32xf16>, tensor<16x1x32xi8>, tensor<16x1xf16>) -> tensor<2x16xf16>
  return %y : tensor<2x16xf16>
}

// -----

// f32 activations, a weight that is an argument (its bytes are only known at
// run time) and K not a multiple of 64 keep row_major.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: mma_tiles
// CHECK: return
func.func @kept(%x: tensor<1x64xf32>, %xh: tensor<1x64xf16>, %xr: tensor<1x96xf16>, %pa: tensor<16x2x16xi8>) -> (tensor<1x16xf32>, tensor<1x16xf16>, tensor<1x16xf16>) {
  %p = arith.constant dense<33> : tensor<16x2x16xi8>
  %pr = arith.constant dense<33> : tensor<16x3x16xi8>
  %s = arith.constant dense<0.5> : tensor<16x2xf16>
  %sr = arith.constant dense<0.5> : tensor<16x3xf16>
  %a = wq.matmul %x, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<1x16xf32>
  %b = wq.matmul %xh, %pa, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf16>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<1x16xf16>
  %d = wq.matmul %xr, %pr, %sr {weight = #wq.qweight<16x96, i4, group_size = 32, scale_type = f16>} : (tensor<1x96xf16>, tensor<16x3x16xi8>, tensor<16x3xf16>) -> tensor<1x16xf16>
  return %a, %b, %d : tensor<1x16xf32>, tensor<1x16xf16>, tensor<1x16xf16>
}

// -----

// A weight that a decode (M = 1) and a prompt (dynamic M) matmul share: both
// take mma_tiles (the decode and prefill kernels read the same layout), and
// the two re-tiled constants are one attribute, so the canonicalizer keeps
// one packed copy.
// CHECK-LABEL: func.func @shared_decode_prefill
// CHECK: %[[P:.*]] = arith.constant dense<"0x{{[0-9A-F]+}}"> : tensor<1x1x512xi8>
// CHECK-NOT: tensor<1x1x512xi8>
// CHECK: wq.matmul %{{.*}}, %[[P]], %{{.*}} {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x64xf16>
// CHECK: wq.matmul %{{.*}}, %[[P]], %{{.*}} {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<?x64xf16>
func.func @shared_decode_prefill(%x1: tensor<1x64xf16>, %xm: tensor<?x64xf16>) -> (tensor<1x16xf16>, tensor<?x16xf16>) {
  %p = arith.constant dense<33> : tensor<16x2x16xi8>
  %s = arith.constant dense<0.5> : tensor<16x2xf16>
  %a = wq.matmul %x1, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf16>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<1x16xf16>
  %b = wq.matmul %xm, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16>} : (tensor<?x64xf16>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<?x16xf16>
  return %a, %b : tensor<1x16xf16>, tensor<?x16xf16>
}

// -----

// Offsets are re-tiled exactly as the scales ([tile columns, groups, 16],
// channels past N zero): 20 channels (a ragged second tile column), offset
// n + g / 2 for channel n, group g.
// CHECK-LABEL: func.func @retile_offsets
// CHECK: %[[S:.*]] = arith.constant dense<{{.*}}> : tensor<2x2x16xf16>
// CHECK: %[[O:.*]] = arith.constant dense<{{\[\[\[}}0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01, 1.200000e+01, 1.300000e+01, 1.400000e+01, 1.500000e+01], [5.000000e-01, 1.500000e+00, 2.500000e+00, 3.500000e+00, 4.500000e+00, 5.500000e+00, 6.500000e+00, 7.500000e+00, 8.500000e+00, 9.500000e+00, 1.050000e+01, 1.150000e+01, 1.250000e+01, 1.350000e+01, 1.450000e+01, 1.550000e+01]], {{\[\[}}1.600000e+01, 1.700000e+01, 1.800000e+01, 1.900000e+01, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [1.650000e+01, 1.750000e+01, 1.850000e+01, 1.950000e+01, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]]> : tensor<2x2x16xf16>
// CHECK: wq.matmul %{{.*}}, %{{.*}}, %[[S]] offsets(%[[O]]) {weight = #wq.qweight<20x64, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x64xf16>, tensor<2x1x512xi8>, tensor<2x2x16xf16>, tensor<2x2x16xf16>) -> tensor<1x20xf16>
func.func @retile_offsets(%x: tensor<1x64xf16>) -> tensor<1x20xf16> {
  %p = arith.constant dense<33> : tensor<20x2x16xi8>
  %s = arith.constant dense<0.5> : tensor<20x2xf16>
  %o = arith.constant dense<[[0.0, 0.5], [1.0, 1.5], [2.0, 2.5], [3.0, 3.5], [4.0, 4.5], [5.0, 5.5], [6.0, 6.5], [7.0, 7.5], [8.0, 8.5], [9.0, 9.5], [10.0, 10.5], [11.0, 11.5], [12.0, 12.5], [13.0, 13.5], [14.0, 14.5], [15.0, 15.5], [16.0, 16.5], [17.0, 17.5], [18.0, 18.5], [19.0, 19.5]]> : tensor<20x2xf16>
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<20x64, u4, group_size = 32, scale_type = f16, offsets>} : (tensor<1x64xf16>, tensor<20x2x16xi8>, tensor<20x2xf16>, tensor<20x2xf16>) -> tensor<1x20xf16>
  return %y : tensor<1x20xf16>
}

// -----

// A weight whose bytes another op reads too (a tied embedding table's
// lookup): re-tiling it for the matmul alone would leave two copies, so it
// keeps row_major.
// CHECK-LABEL: func.func @shared_with_lookup
// CHECK-NOT: mma_tiles
// CHECK: return
func.func @shared_with_lookup(%x: tensor<1x64xf16>) -> (tensor<1x16xf16>, tensor<16x64xf32>) {
  %p = arith.constant dense<33> : tensor<16x2x16xi8>
  %s = arith.constant dense<0.5> : tensor<16x2xf16>
  %a = wq.matmul %x, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf16>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<1x16xf16>
  %w = wq.dequantize %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16>} : (tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<16x64xf32>
  return %a, %w : tensor<1x16xf16>, tensor<16x64xf32>
}
