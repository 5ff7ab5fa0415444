// RUN: wq-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{quantized weight shape must be [N, K] or [B, N, K], got rank 1}}
func.func private @rank_one() attributes {w = #wq.qweight<8, u4, group_size = 4, scale_type = f16>}

// -----

// expected-error @+1 {{storage bit width must be between 2 and 8, got 16}}
func.func private @bits_too_wide() attributes {w = #wq.qweight<8x8, u16, group_size = 4, scale_type = f16>}

// -----

// expected-error @+1 {{storage bit width must be between 2 and 8, got 1}}
func.func private @bits_too_narrow() attributes {w = #wq.qweight<8x8, u1, group_size = 4, scale_type = f16>}

// -----

// expected-error @+1 {{quantized weight dimensions must be static and positive}}
func.func private @zero_dim() attributes {w = #wq.qweight<0x8, u4, group_size = 4, scale_type = f16>}

// -----

// expected-error @+1 {{group_size must be positive, or 0 for one group per output channel; got -2}}
func.func private @negative_group() attributes {w = #wq.qweight<8x8, u4, group_size = -2, scale_type = f16>}

// -----

// expected-error @+1 {{group_size 16 exceeds the reduction dimension K = 8; use 0 for one group per output channel}}
func.func private @group_exceeds_k() attributes {w = #wq.qweight<8x8, u4, group_size = 16, scale_type = f16>}

// -----

// expected-error @+1 {{scale_type must be f16, bf16 or f32, got 'f64'}}
func.func private @bad_scale_type() attributes {w = #wq.qweight<8x8, u4, group_size = 4, scale_type = f64>}

// -----

// expected-error @+1 {{zero points require unsigned storage (u4), got i4}}
func.func private @signed_with_zero_points() attributes {w = #wq.qweight<8x8, i4, group_size = 4, scale_type = f16, zero_points>}

// -----

// expected-error @+1 {{outliers must be between 0 and K - 1 = 7, got 8}}
func.func private @too_many_outliers() attributes {w = #wq.qweight<8x8, u4, group_size = 4, scale_type = f16, outliers = 8>}

// -----

// expected-error @+1 {{act-order permutations and outlier channels require a 2-D weight}}
func.func private @permuted_batched() attributes {w = #wq.qweight<2x8x8, u4, group_size = 4, scale_type = f16, permuted>}

// -----

// expected-error @+1 {{flat_groups needs N*K (15) divisible by group_size 4 and groups of whole bytes}}
func.func private @flat_not_divisible() attributes {w = #wq.qweight<3x5, i8, group_size = 4, scale_type = f32, flat_groups>}

// -----

// expected-error @+1 {{flat_groups needs a 2-D weight, a positive group_size and no permutation, outliers or input scales}}
func.func private @flat_permuted() attributes {w = #wq.qweight<4x8, i8, group_size = 8, scale_type = f32, flat_groups, permuted>}

// -----

// expected-error @+1 {{expected storage type like u4 or i8, got 'x4'}}
func.func private @bad_storage() attributes {w = #wq.qweight<8x8, x4, group_size = 4, scale_type = f16>}

// -----

// expected-error @+1 {{unknown quantized weight parameter 'groups'}}
func.func private @unknown_param() attributes {w = #wq.qweight<8x8, u4, groups = 4, scale_type = f16>}

// -----

// expected-error @+1 {{missing group_size}}
func.func private @missing_group() attributes {w = #wq.qweight<8x8, u4, scale_type = f16>}

// -----

// expected-error @+1 {{missing scale_type}}
func.func private @missing_scale() attributes {w = #wq.qweight<8x8, u4, group_size = 4>}

// -----

// expected-error @+1 {{expected a #wq.layout attribute}}
func.func private @bad_layout() attributes {w = #wq.qweight<8x8, u4, group_size = 4, scale_type = f16, layout = 3 : i32>}

// -----

// expected-error @+2 {{expected ::mlir::wq::LayoutKind to be one of: row_major, mma_tiles}}
// expected-error @+1 {{failed to parse WQ_LayoutAttr parameter 'kind'}}
func.func private @unknown_layout() attributes {w = #wq.layout<col_major>}

// -----

func.func @packed_type(%x: tensor<2x8xf32>, %p: tensor<4x2x4xi8>, %s: tensor<4x2xf16>, %z: tensor<4x2xi8>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op packed must have type 'tensor<4x2x2xi8>' for this weight, got 'tensor<4x2x4xi8>'}}
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<2x8xf32>, tensor<4x2x4xi8>, tensor<4x2xf16>, tensor<4x2xi8>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @scales_type(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf32>, %z: tensor<4x2xi8>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op scales must have type 'tensor<4x2xf16>' for this weight, got 'tensor<4x2xf32>'}}
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf32>, tensor<4x2xi8>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @missing_zero_points(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op is missing the zero points of an asymmetric weight}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @extra_zero_points(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %z: tensor<4x2xi8>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op has zero points but the weight is symmetric}}
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<4x2xi8>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @zero_points_type(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %z: tensor<4x2xi32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op zero points must have type 'tensor<4x2xi8>' for this weight, got 'tensor<4x2xi32>'}}
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<4x2xi32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @missing_perm(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op is missing the permutation of a 'permuted' weight}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, permuted>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @extra_perm(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %perm: tensor<8xi32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op has a permutation but the weight is not 'permuted'}}
  %y = wq.matmul %x, %p, %s perm(%perm) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<8xi32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @perm_type(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %perm: tensor<7xi32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op perm must have type 'tensor<8xi32>' for this weight, got 'tensor<7xi32>'}}
  %y = wq.matmul %x, %p, %s perm(%perm) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, permuted>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<7xi32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @missing_outliers(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op outlier operands must be present exactly when the weight declares outliers}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, outliers = 1>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @outlier_channels_type(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %oc: tensor<2xi32>, %ow: tensor<4x1xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op outlier channels must have type 'tensor<1xi32>' for this weight, got 'tensor<2xi32>'}}
  %y = wq.matmul %x, %p, %s outliers(%oc, %ow) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, outliers = 1>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<2xi32>, tensor<4x1xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @outlier_weights_type(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %oc: tensor<1xi32>, %ow: tensor<1x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op outlier weights must be a float tensor of shape [4, 1], got 'tensor<1x4xf32>'}}
  %y = wq.matmul %x, %p, %s outliers(%oc, %ow) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, outliers = 1>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<1xi32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @missing_input_scales(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op is missing the input scales of an 'input_scaled' weight}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, input_scaled>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @extra_input_scales(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %is: tensor<8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op has input scales but the weight is not 'input_scaled'}}
  %y = wq.matmul %x, %p, %s input_scales(%is) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<8xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @input_scales_type(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %is: tensor<4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op input scales must be a float tensor of shape [8], got 'tensor<4xf32>'}}
  %y = wq.matmul %x, %p, %s input_scales(%is) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, input_scaled>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @integer_activations(%x: tensor<2x8xi32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op input and result must have f16, bf16 or f32 elements}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<2x8xi32>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @scalar_activation(%x: tensor<f32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'wq.matmul' op input must have rank >= 1}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<f32>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @wrong_k(%x: tensor<2x9xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op input reduction dimension must be K = 8, got 'tensor<2x9xf32>'}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<2x9xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @wrong_result(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'wq.matmul' op result shape must be [2, 4], got 'tensor<2x5xf32>'}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @batched_needs_rank3(%x: tensor<8xf32>, %p: tensor<2x4x2x2xi8>, %s: tensor<2x4x2xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'wq.matmul' op a batched weight [B, N, K] needs input [B, M, K]}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<2x4x8, i4, group_size = 4, scale_type = f16>} : (tensor<8xf32>, tensor<2x4x2x2xi8>, tensor<2x4x2xf16>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @batch_mismatch(%x: tensor<3x1x8xf32>, %p: tensor<2x4x2x2xi8>, %s: tensor<2x4x2xf16>) -> tensor<3x1x4xf32> {
  // expected-error @+1 {{'wq.matmul' op input batch 3 does not match the weight's batch 2}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<2x4x8, i4, group_size = 4, scale_type = f16>} : (tensor<3x1x8xf32>, tensor<2x4x2x2xi8>, tensor<2x4x2xf16>) -> tensor<3x1x4xf32>
  return %y : tensor<3x1x4xf32>
}

// -----

func.func @quantize_permuted(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{'wq.quantize' op implements RTN and cannot produce act-order permutations, outlier channels or input scales}}
  %p, %s = wq.quantize %w {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, permuted>} : (tensor<4x8xf32>) -> (tensor<4x2x2xi8>, tensor<4x2xf16>)
  return
}

// -----

func.func @quantize_input_shape(%w: tensor<8x4xf32>) {
  // expected-error @+1 {{'wq.quantize' op input must be a float tensor of the weight's logical shape, got 'tensor<8x4xf32>'}}
  %p, %s = wq.quantize %w {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<8x4xf32>) -> (tensor<4x2x2xi8>, tensor<4x2xf16>)
  return
}

// -----

func.func @quantize_result_type(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{'wq.quantize' op packed must have type 'tensor<4x2x2xi8>' for this weight, got 'tensor<4x4xi8>'}}
  %p, %s = wq.quantize %w {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<4x8xf32>) -> (tensor<4x4xi8>, tensor<4x2xf16>)
  return
}

// -----

func.func @dequantize_result(%p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'wq.dequantize' op result must be a float tensor of the weight's logical shape [4, 8], got 'tensor<8x4xf32>'}}
  %w = wq.dequantize %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<8x4xf32>
  return %w : tensor<8x4xf32>
}

// -----

func.func @byte_dot_wrong_width(%u: vector<16xi8>, %s: vector<32xi8>) -> vector<8xi32> {
  // expected-error @+1 {{operand #0 must be vector of 8-bit signless integer values of length 32/64}}
  %d = wq.byte_dot %u, %s : vector<16xi8>, vector<32xi8> -> vector<8xi32>
  return %d : vector<8xi32>
}

// -----

// expected-error @+1 {{layout mma_tiles needs 4- or 8-bit fields, got 3}}
func.func private @mma_tiles_int3() attributes {w = #wq.qweight<16x64, i3, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>}

// -----

// expected-error @+1 {{layout mma_tiles needs K a multiple of 64 for 4-bit fields, got 96}}
func.func private @mma_tiles_ragged_k() attributes {w = #wq.qweight<16x96, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>}

// -----

// expected-error @+1 {{layout mma_tiles needs K a multiple of 32 for 8-bit fields, got 48}}
func.func private @mma_tiles_int8_ragged_k() attributes {w = #wq.qweight<16x48, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>}

// -----

// expected-error @+1 {{layout mma_tiles needs groups of a multiple of 16 positions, got 24}}
func.func private @mma_tiles_group24() attributes {w = #wq.qweight<16x192, u4, group_size = 24, scale_type = f16, layout = #wq.layout<mma_tiles>>}

// -----

// expected-error @+1 {{layout mma_tiles needs a 2-D weight without flat_groups}}
func.func private @mma_tiles_batched() attributes {w = #wq.qweight<2x16x64, u4, group_size = 32, scale_type = f16, layout = #wq.layout<mma_tiles>>}

// -----

// The packed operand of an mma_tiles weight is [ceil(N / 16), K / 64, 512].
func.func @mma_tiles_packed_shape(%x: tensor<1x64xf16>, %p: tensor<20x2x16xi8>, %s: tensor<2x2x16xf16>) -> tensor<1x20xf16> {
  // expected-error @+1 {{'wq.matmul' op packed must have type 'tensor<2x1x512xi8>' for this weight, got 'tensor<20x2x16xi8>'}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<20x64, i4, group_size = 32, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x64xf16>, tensor<20x2x16xi8>, tensor<2x2x16xf16>) -> tensor<1x20xf16>
  return %y : tensor<1x20xf16>
}

// -----

func.func @missing_offsets(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op is missing the offsets of a weight with 'offsets'}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, offsets>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @extra_offsets(%p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %o: tensor<4x2xf16>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'wq.dequantize' op has offsets but the weight does not declare 'offsets'}}
  %w = wq.dequantize %p, %s offsets(%o) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<4x2xf16>) -> tensor<4x8xf32>
  return %w : tensor<4x8xf32>
}

// -----

// Offsets are stored in the scale type.
func.func @offsets_element_type(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %o: tensor<4x2xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op offsets must have type 'tensor<4x2xf16>' for this weight, got 'tensor<4x2xf32>'}}
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, offsets>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<4x2xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// ... and shaped like the scales.
func.func @offsets_shape(%p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %z: tensor<4x2xi8>, %o: tensor<4x1xf16>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'wq.dequantize' op offsets must have type 'tensor<4x2xf16>' for this weight, got 'tensor<4x1xf16>'}}
  %w = wq.dequantize %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, zero_points, offsets>} : (tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<4x2xi8>, tensor<4x1xf16>) -> tensor<4x8xf32>
  return %w : tensor<4x8xf32>
}

// -----

// In the mma_tiles layout the offsets are tiled like the scales.
func.func @offsets_tiled_shape(%x: tensor<1x128xf16>, %p: tensor<2x2x512xi8>, %s: tensor<2x2x16xf16>, %o: tensor<20x2xf16>) -> tensor<1x20xf16> {
  // expected-error @+1 {{'wq.matmul' op offsets must have type 'tensor<2x2x16xf16>' for this weight, got 'tensor<20x2xf16>'}}
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<20x128, u4, group_size = 64, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x128xf16>, tensor<2x2x512xi8>, tensor<2x2x16xf16>, tensor<20x2xf16>) -> tensor<1x20xf16>
  return %y : tensor<1x20xf16>
}

// -----

func.func @quantize_offsets(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{'wq.quantize' op implements RTN and cannot produce group offsets (they come from imported formats such as GGUF Q4_1)}}
  %p, %s = wq.quantize %w {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, offsets>} : (tensor<4x8xf32>) -> (tensor<4x2x2xi8>, tensor<4x2xf16>)
  return
}

// -----

// Signed storage takes offsets; zero points still need unsigned storage.
// expected-error @+1 {{zero points require unsigned storage (u4), got i4}}
func.func private @offsets_signed_zero_points() attributes {w = #wq.qweight<8x8, i4, group_size = 4, scale_type = f16, zero_points, offsets>}

// -----

// A constant permutation must hold each input channel once, inside [0, K):
// the kernels gather with it unchecked.
func.func @perm_out_of_range(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x4xf32> {
  %perm = arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 8]> : tensor<8xi32>
  // expected-error @+1 {{'wq.matmul' op the permutation element 7 is 8, outside the input channels [0, 8)}}
  %y = wq.matmul %x, %p, %s perm(%perm) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, permuted>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<8xi32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @perm_repeats(%p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<4x8xf32> {
  %perm = arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 3]> : tensor<8xi32>
  // expected-error @+1 {{'wq.dequantize' op the permutation element 7 repeats input channel 3}}
  %w = wq.dequantize %p, %s perm(%perm) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, permuted>} : (tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<8xi32>) -> tensor<4x8xf32>
  return %w : tensor<4x8xf32>
}

// -----

func.func @outlier_channel_negative(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %ow: tensor<4x2xf16>) -> tensor<2x4xf32> {
  %oc = arith.constant dense<[3, -1]> : tensor<2xi32>
  // expected-error @+1 {{'wq.matmul' op the outlier channels element 1 is -1, outside the input channels [0, 8)}}
  %y = wq.matmul %x, %p, %s outliers(%oc, %ow) {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16, outliers = 2>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<2xi32>, tensor<4x2xf16>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// f64 activations: no lowering implements them (accumulation is in f32).
func.func @f64_activations(%x: tensor<2x8xf64>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>) -> tensor<2x4xf64> {
  // expected-error @+1 {{'wq.matmul' op input and result must have f16, bf16 or f32 elements, got 'f64' and 'f64'}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<2x8xf64>, tensor<4x2x2xi8>, tensor<4x2xf16>) -> tensor<2x4xf64>
  return %y : tensor<2x4xf64>
}

// -----

func.func @rms_norm_rank(%x: tensor<2x3x8xf32>, %w: tensor<8xf32>) -> tensor<2x3x8xf32> {
  // expected-error @+1 {{'wq.rms_norm' op expects a rank-2 input (rows by features), got 'tensor<2x3x8xf32>'}}
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

func.func @rms_norm_weight_rank(%x: tensor<2x8xf32>, %w: tensor<1x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'wq.rms_norm' op expects a rank-1 weight, got 'tensor<1x8xf32>'}}
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @rms_norm_weight_size(%x: tensor<2x8xf32>, %w: tensor<7xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'wq.rms_norm' op expects 8 weights (one per feature), got 7}}
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<7xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @rms_norm_weight_type(%x: tensor<2x8xf32>, %w: tensor<8xf16>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'wq.rms_norm' op expects the weight's element type ('f16') to be the input's ('f32')}}
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<8xf16>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @rms_norm_result(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'wq.rms_norm' op expects the result type to be the input's ('tensor<2x8xf32>'), got 'tensor<?x8xf32>'}}
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

func.func @rms_norm_epsilon(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'wq.rms_norm' op expects a finite, non-negative epsilon, got -1}}
  %y = wq.rms_norm %x, %w epsilon = -1.0 : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @rms_norm_integer(%x: tensor<2x8xi32>, %w: tensor<8xi32>) -> tensor<2x8xi32> {
  // expected-error @+1 {{'wq.rms_norm' op operand #0 must be ranked tensor of floating-point values}}
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<2x8xi32>, tensor<8xi32>) -> tensor<2x8xi32>
  return %y : tensor<2x8xi32>
}

// -----

func.func @rms_norm_residual_type(%x: tensor<2x8xf32>, %w: tensor<8xf32>, %r: tensor<1x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  // expected-error @+1 {{'wq.rms_norm' op expects the residual's type to be the input's ('tensor<2x8xf32>'), got 'tensor<1x8xf32>'}}
  %y, %s = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<8xf32>, tensor<1x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>)
  return %y, %s : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

func.func @rms_norm_sum_without_residual(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  // expected-error @+1 {{'wq.rms_norm' op expects a second result (the sum) exactly when a residual is added}}
  %y, %s = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>)
  return %y, %s : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

func.func @rms_norm_residual_without_sum(%x: tensor<2x8xf32>, %w: tensor<8xf32>, %r: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'wq.rms_norm' op expects a second result (the sum) exactly when a residual is added}}
  %y = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @rms_norm_sum_type(%x: tensor<2x8xf32>, %w: tensor<8xf32>, %r: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<?x8xf32>) {
  // expected-error @+1 {{'wq.rms_norm' op expects the sum's type to be the input's ('tensor<2x8xf32>'), got 'tensor<?x8xf32>'}}
  %y, %s = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-05 : (tensor<2x8xf32>, tensor<8xf32>, tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<?x8xf32>)
  return %y, %s : tensor<2x8xf32>, tensor<?x8xf32>
}

// -----

func.func @byte_dot_lane_count(%u: vector<64xi8>, %s: vector<64xi8>) -> vector<8xi32> {
  // expected-error @+1 {{needs one result lane per 4 operand bytes: 64 bytes give 16 lanes, not 8}}
  %d = wq.byte_dot %u, %s : vector<64xi8>, vector<64xi8> -> vector<8xi32>
  return %d : vector<8xi32>
}

// -----

func.func @byte_dot_mixed_widths(%u: vector<64xi8>, %s: vector<32xi8>) -> vector<16xi32> {
  // expected-error @+1 {{all of {lhs, rhs} have same type}}
  %d = "wq.byte_dot"(%u, %s) : (vector<64xi8>, vector<32xi8>) -> vector<16xi32>
  return %d : vector<16xi32>
}

// -----

func.func @byte_dot_accumulator(%u: vector<32xi8>, %s: vector<32xi8>, %acc: vector<16xi32>) -> vector<8xi32> {
  // expected-error @+1 {{the accumulator has the result's type}}
  %d = "wq.byte_dot"(%u, %s, %acc) : (vector<32xi8>, vector<32xi8>, vector<16xi32>) -> vector<8xi32>
  return %d : vector<8xi32>
}

// -----

func.func @attention_heads_not_multiple(%q: tensor<1x64xf32>, %k: memref<2x8x24xf32>, %i: index) -> tensor<1x64xf32> {
  // expected-error @+1 {{'wq.attention' op expects heads (8) to be a multiple of kv_heads (3)}}
  %o = wq.attention %q, %k, %k layer %i start %i {heads = 8 : i64, kv_heads = 3 : i64} : tensor<1x64xf32>, memref<2x8x24xf32>, index
  return %o : tensor<1x64xf32>
}

// -----

func.func @attention_zero_heads(%q: tensor<1x64xf32>, %k: memref<2x8x32xf32>, %i: index) -> tensor<1x64xf32> {
  // expected-error @+1 {{'wq.attention' op expects positive head counts, got heads = 0, kv_heads = 4}}
  %o = wq.attention %q, %k, %k layer %i start %i {heads = 0 : i64, kv_heads = 4 : i64} : tensor<1x64xf32>, memref<2x8x32xf32>, index
  return %o : tensor<1x64xf32>
}

// -----

func.func @attention_columns_not_heads(%q: tensor<1x60xf32>, %k: memref<2x8x32xf32>, %i: index) -> tensor<1x60xf32> {
  // expected-error @+1 {{'wq.attention' op expects the query's 60 columns to split into 8 heads}}
  %o = wq.attention %q, %k, %k layer %i start %i {heads = 8 : i64, kv_heads = 4 : i64} : tensor<1x60xf32>, memref<2x8x32xf32>, index
  return %o : tensor<1x60xf32>
}

// -----

func.func @attention_cache_columns(%q: tensor<1x64xf32>, %k: memref<2x8x64xf32>, %i: index) -> tensor<1x64xf32> {
  // expected-error @+1 {{'wq.attention' op expects caches of kv_heads * head size = 32 columns, got 'memref<2x8x64xf32>'}}
  %o = wq.attention %q, %k, %k layer %i start %i {heads = 8 : i64, kv_heads = 4 : i64} : tensor<1x64xf32>, memref<2x8x64xf32>, index
  return %o : tensor<1x64xf32>
}

// -----

func.func @attention_dynamic_columns(%q: tensor<1x?xf32>, %k: memref<2x8x32xf32>, %i: index) -> tensor<1x?xf32> {
  // expected-error @+1 {{'wq.attention' op expects rank-2 query rows with a static number of columns, got 'tensor<1x?xf32>'}}
  %o = wq.attention %q, %k, %k layer %i start %i {heads = 8 : i64, kv_heads = 4 : i64} : tensor<1x?xf32>, memref<2x8x32xf32>, index
  return %o : tensor<1x?xf32>
}

// -----

func.func @attention_start_tensor(%q: tensor<1x64xf32>, %k: memref<2x8x32xf32>, %i: index, %s: tensor<2xi32>) -> tensor<1x64xf32> {
  // expected-error @+1 {{'wq.attention' op expects the start position as an index or a tensor<1xi32>, got 'tensor<2xi32>'}}
  %o = wq.attention %q, %k, %k layer %i start %s {heads = 8 : i64, kv_heads = 4 : i64} : tensor<1x64xf32>, memref<2x8x32xf32>, tensor<2xi32>
  return %o : tensor<1x64xf32>
}

// -----

func.func @attention_start_type(%q: tensor<1x64xf32>, %k: memref<2x8x32xf32>, %i: index, %s: tensor<1xf32>) -> tensor<1x64xf32> {
  // expected-error @+1 {{'wq.attention' op operand #4 must be index or 1D tensor of 32-bit signless integer values, but got 'tensor<1xf32>'}}
  %o = wq.attention %q, %k, %k layer %i start %s {heads = 8 : i64, kv_heads = 4 : i64} : tensor<1x64xf32>, memref<2x8x32xf32>, tensor<1xf32>
  return %o : tensor<1x64xf32>
}

// -----

func.func @attention_f16_cache(%q: tensor<1x64xf32>, %k: memref<2x8x32xf16>, %i: index) -> tensor<1x64xf32> {
  // expected-error @+1 {{'wq.attention' op operand #1 must be 3D memref of 32-bit float values, but got 'memref<2x8x32xf16>'}}
  %o = wq.attention %q, %k, %k layer %i start %i {heads = 8 : i64, kv_heads = 4 : i64} : tensor<1x64xf32>, memref<2x8x32xf16>, index
  return %o : tensor<1x64xf32>
}
