// wq.matmul forms the GPU decode kernel takes (wq-lower-to-gpu-decode):
// int4 asym g32 / sym g128 / per channel, M = 1, 4 and 8, f32 and f16
// activations, and act-order + outliers around the kernel.
func.func @asym_g32_m1(%x: tensor<1x256xf32>, %p: tensor<64x8x16xi8>, %s: tensor<64x8xf16>, %z: tensor<64x8xi8>) -> tensor<1x64xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 32, scale_type = f16, zero_points>} : (tensor<1x256xf32>, tensor<64x8x16xi8>, tensor<64x8xf16>, tensor<64x8xi8>) -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
func.func @sym_g128_m4(%x: tensor<4x512xf32>, %p: tensor<96x4x64xi8>, %s: tensor<96x4xf16>) -> tensor<4x96xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<96x512, i4, group_size = 128, scale_type = f16>} : (tensor<4x512xf32>, tensor<96x4x64xi8>, tensor<96x4xf16>) -> tensor<4x96xf32>
  return %y : tensor<4x96xf32>
}
func.func @per_channel_m8_f16(%x: tensor<8x256xf16>, %p: tensor<33x1x128xi8>, %s: tensor<33x1xf16>, %z: tensor<33x1xi8>) -> tensor<8x33xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<33x256, u4, group_size = 0, scale_type = f16, zero_points>} : (tensor<8x256xf16>, tensor<33x1x128xi8>, tensor<33x1xf16>, tensor<33x1xi8>) -> tensor<8x33xf16>
  return %y : tensor<8x33xf16>
}
func.func @act_order_outliers(%x: tensor<2x64xf32>, %p: tensor<16x2x16xi8>, %s: tensor<16x2xf16>, %z: tensor<16x2xi8>, %perm: tensor<64xi32>, %oc: tensor<2xi32>, %ow: tensor<16x2xf16>) -> tensor<2x16xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) {weight = #wq.qweight<16x64, u4, group_size = 32, scale_type = f16, zero_points, permuted, outliers = 2>} : (tensor<2x64xf32>, tensor<16x2x16xi8>, tensor<16x2xf16>, tensor<16x2xi8>, tensor<64xi32>, tensor<2xi32>, tensor<16x2xf16>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}
func.func @int8_per_channel_m1(%x: tensor<1x256xf32>, %p: tensor<48x1x256xi8>, %s: tensor<48x1xf16>) -> tensor<1x48xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<48x256, i8, group_size = 0, scale_type = f16>} : (tensor<1x256xf32>, tensor<48x1x256xi8>, tensor<48x1xf16>) -> tensor<1x48xf32>
  return %y : tensor<1x48xf32>
}
func.func @rows11_bf16(%x: tensor<11x256xbf16>, %p: tensor<40x2x64xi8>, %s: tensor<40x2xf16>) -> tensor<11x40xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x256, i4, group_size = 128, scale_type = f16>} : (tensor<11x256xbf16>, tensor<40x2x64xi8>, tensor<40x2xf16>) -> tensor<11x40xbf16>
  return %y : tensor<11x40xbf16>
}

// Tensor-core schedule (mma_tiles weights, f16/bf16 activations): M = 1 with
// 20 channels (a ragged tile column) and split-K over two warps; bf16 signed
// g32 at M = 16 (two row tiles); f16 asymmetric per channel at M = 11 with f32
// scales; g16 at M = 4 (one warp per block: three tiles).
func.func @mma_asym_g128_m1(%x: tensor<1x256xf16>, %p: tensor<2x4x512xi8>, %s: tensor<2x2x16xf16>, %z: tensor<2x2x16xi8>) -> tensor<1x20xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<20x256, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x256xf16>, tensor<2x4x512xi8>, tensor<2x2x16xf16>, tensor<2x2x16xi8>) -> tensor<1x20xf16>
  return %y : tensor<1x20xf16>
}
func.func @mma_bf16_sym_g32_m16(%x: tensor<16x512xbf16>, %p: tensor<4x8x512xi8>, %s: tensor<4x16x16xbf16>) -> tensor<16x64xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<64x512, i4, group_size = 32, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<16x512xbf16>, tensor<4x8x512xi8>, tensor<4x16x16xbf16>) -> tensor<16x64xbf16>
  return %y : tensor<16x64xbf16>
}
func.func @mma_asym_per_channel_m11(%x: tensor<11x1024xf16>, %p: tensor<3x16x512xi8>, %s: tensor<3x1x16xf32>, %z: tensor<3x1x16xi8>) -> tensor<11x37xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<37x1024, u4, group_size = 0, scale_type = f32, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<11x1024xf16>, tensor<3x16x512xi8>, tensor<3x1x16xf32>, tensor<3x1x16xi8>) -> tensor<11x37xf16>
  return %y : tensor<11x37xf16>
}
func.func @mma_g16_m4(%x: tensor<4x192xf16>, %p: tensor<1x3x512xi8>, %s: tensor<1x12x16xf16>, %z: tensor<1x12x16xi8>) -> tensor<4x16xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<16x192, u4, group_size = 16, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4x192xf16>, tensor<1x3x512xi8>, tensor<1x12x16xf16>, tensor<1x12x16xi8>) -> tensor<4x16xf16>
  return %y : tensor<4x16xf16>
}
// Act-order + outliers with f16 activations in the tensor-core schedule.
func.func @mma_act_order_outliers_f16(%x: tensor<2x128xf16>, %p: tensor<1x2x512xi8>, %s: tensor<1x4x16xf16>, %z: tensor<1x4x16xi8>, %perm: tensor<128xi32>, %oc: tensor<2xi32>, %ow: tensor<16x2xf16>) -> tensor<2x16xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) {weight = #wq.qweight<16x128, u4, group_size = 32, scale_type = f16, zero_points, permuted, outliers = 2, layout = #wq.layout<mma_tiles>>} : (tensor<2x128xf16>, tensor<1x2x512xi8>, tensor<1x4x16xf16>, tensor<1x4x16xi8>, tensor<128xi32>, tensor<2xi32>, tensor<16x2xf16>) -> tensor<2x16xf16>
  return %y : tensor<2x16xf16>
}
// int8 in the tensor-core schedule: signed per channel at M = 1 (20
// channels), unsigned g32 with zero points at M = 12.
func.func @mma_int8_per_channel_m1(%x: tensor<1x256xf16>, %p: tensor<2x8x512xi8>, %s: tensor<2x1x16xf16>) -> tensor<1x20xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<20x256, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x256xf16>, tensor<2x8x512xi8>, tensor<2x1x16xf16>) -> tensor<1x20xf16>
  return %y : tensor<1x20xf16>
}
func.func @mma_uint8_g32_m12(%x: tensor<12x512xf16>, %p: tensor<1x16x512xi8>, %s: tensor<1x16x16xf16>, %z: tensor<1x16x16xi8>) -> tensor<12x16xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<16x512, u8, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<12x512xf16>, tensor<1x16x512xi8>, tensor<1x16x16xf16>, tensor<1x16x16xi8>) -> tensor<12x16xf16>
  return %y : tensor<12x16xf16>
}
// int8 with bf16 activations (f32 2^23 conversion): signed per channel at
// M = 1 (ragged N), unsigned g64 with zero points at M = 9.
func.func @mma_int8_bf16_per_channel_m1(%x: tensor<1x256xbf16>, %p: tensor<2x8x512xi8>, %s: tensor<2x1x16xbf16>) -> tensor<1x20xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<20x256, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<1x256xbf16>, tensor<2x8x512xi8>, tensor<2x1x16xbf16>) -> tensor<1x20xbf16>
  return %y : tensor<1x20xbf16>
}
func.func @mma_uint8_bf16_g64_m9(%x: tensor<9x512xbf16>, %p: tensor<1x16x512xi8>, %s: tensor<1x8x16xbf16>, %z: tensor<1x8x16xi8>) -> tensor<9x16xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<16x512, u8, group_size = 64, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<9x512xbf16>, tensor<1x16x512xi8>, tensor<1x8x16xbf16>, tensor<1x8x16xi8>) -> tensor<9x16xbf16>
  return %y : tensor<9x16xbf16>
}

// Group offsets (w = scale * (q - zero) + offset) in both decode schedules.
// SIMT: Q4_1's form (u4 g32, no zero points) at M = 1 with f32 activations
// and 33 channels; zero points and offsets together (tinygemm) at g128, M =
// 4, f16; signed int8 g64 at M = 11 (two row blocks), bf16; act-order,
// outliers and AWQ input scales around an offset weight.
func.func @offsets_q41_m1(%x: tensor<1x256xf32>, %p: tensor<33x8x16xi8>, %s: tensor<33x8xf16>, %o: tensor<33x8xf16>) -> tensor<1x33xf32> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<33x256, u4, group_size = 32, scale_type = f16, offsets>} : (tensor<1x256xf32>, tensor<33x8x16xi8>, tensor<33x8xf16>, tensor<33x8xf16>) -> tensor<1x33xf32>
  return %y : tensor<1x33xf32>
}
func.func @offsets_zp_g128_m4_f16(%x: tensor<4x512xf16>, %p: tensor<40x4x64xi8>, %s: tensor<40x4xf16>, %z: tensor<40x4xi8>, %o: tensor<40x4xf16>) -> tensor<4x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = f16, zero_points, offsets>} : (tensor<4x512xf16>, tensor<40x4x64xi8>, tensor<40x4xf16>, tensor<40x4xi8>, tensor<40x4xf16>) -> tensor<4x40xf16>
  return %y : tensor<4x40xf16>
}
func.func @offsets_int8_g64_m11_bf16(%x: tensor<11x256xbf16>, %p: tensor<20x4x64xi8>, %s: tensor<20x4xf16>, %o: tensor<20x4xf16>) -> tensor<11x20xbf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<20x256, i8, group_size = 64, scale_type = f16, offsets>} : (tensor<11x256xbf16>, tensor<20x4x64xi8>, tensor<20x4xf16>, tensor<20x4xf16>) -> tensor<11x20xbf16>
  return %y : tensor<11x20xbf16>
}
func.func @offsets_side_inputs(%x: tensor<2x64xf32>, %p: tensor<16x2x16xi8>, %s: tensor<16x2xf16>, %z: tensor<16x2xi8>, %o: tensor<16x2xf16>, %perm: tensor<64xi32>, %oc: tensor<2xi32>, %ow: tensor<16x2xf16>, %is: tensor<64xf16>) -> tensor<2x16xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) perm(%perm) outliers(%oc, %ow) input_scales(%is) {weight = #wq.qweight<16x64, u4, group_size = 32, scale_type = f16, zero_points, offsets, permuted, outliers = 2, input_scaled>} : (tensor<2x64xf32>, tensor<16x2x16xi8>, tensor<16x2xf16>, tensor<16x2xi8>, tensor<16x2xf16>, tensor<64xi32>, tensor<2xi32>, tensor<16x2xf16>, tensor<64xf16>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// Tensor-core schedule with offsets (one more mma per step and row tile, an
// all-ones A fragment, for the activation sums): Q4_1's form g32 at M = 1
// with 20 channels; zero points and offsets at g128, M = 5, bf16; signed
// per channel (the sums carried through the loop and the split-K
// reduction) at M = 11 with f32 scales; int8 g32 with zero points at M =
// 12; signed int8 per channel bf16 at M = 1; signed g16 bf16 at M = 16 (two
// row tiles); every side input around an offset weight.
func.func @mma_offsets_q41_m1(%x: tensor<1x256xf16>, %p: tensor<2x4x512xi8>, %s: tensor<2x8x16xf16>, %o: tensor<2x8x16xf16>) -> tensor<1x20xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<20x256, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x256xf16>, tensor<2x4x512xi8>, tensor<2x8x16xf16>, tensor<2x8x16xf16>) -> tensor<1x20xf16>
  return %y : tensor<1x20xf16>
}
func.func @mma_offsets_zp_g128_m5_bf16(%x: tensor<5x512xbf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xbf16>, %z: tensor<3x4x16xi8>, %o: tensor<3x4x16xbf16>) -> tensor<5x40xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = bf16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<5x512xbf16>, tensor<3x8x512xi8>, tensor<3x4x16xbf16>, tensor<3x4x16xi8>, tensor<3x4x16xbf16>) -> tensor<5x40xbf16>
  return %y : tensor<5x40xbf16>
}
func.func @mma_offsets_sym_per_channel_m11(%x: tensor<11x1024xf16>, %p: tensor<3x16x512xi8>, %s: tensor<3x1x16xf32>, %o: tensor<3x1x16xf32>) -> tensor<11x37xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<37x1024, i4, group_size = 0, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<11x1024xf16>, tensor<3x16x512xi8>, tensor<3x1x16xf32>, tensor<3x1x16xf32>) -> tensor<11x37xf16>
  return %y : tensor<11x37xf16>
}
func.func @mma_offsets_uint8_g32_m12(%x: tensor<12x512xf16>, %p: tensor<1x16x512xi8>, %s: tensor<1x16x16xf16>, %z: tensor<1x16x16xi8>, %o: tensor<1x16x16xf16>) -> tensor<12x16xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<16x512, u8, group_size = 32, scale_type = f16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<12x512xf16>, tensor<1x16x512xi8>, tensor<1x16x16xf16>, tensor<1x16x16xi8>, tensor<1x16x16xf16>) -> tensor<12x16xf16>
  return %y : tensor<12x16xf16>
}
func.func @mma_offsets_int8_bf16_per_channel_m1(%x: tensor<1x256xbf16>, %p: tensor<2x8x512xi8>, %s: tensor<2x1x16xbf16>, %o: tensor<2x1x16xbf16>) -> tensor<1x20xbf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<20x256, i8, group_size = 0, scale_type = bf16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x256xbf16>, tensor<2x8x512xi8>, tensor<2x1x16xbf16>, tensor<2x1x16xbf16>) -> tensor<1x20xbf16>
  return %y : tensor<1x20xbf16>
}
func.func @mma_offsets_sym_g16_m16_bf16(%x: tensor<16x192xbf16>, %p: tensor<2x3x512xi8>, %s: tensor<2x12x16xbf16>, %o: tensor<2x12x16xbf16>) -> tensor<16x32xbf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<32x192, i4, group_size = 16, scale_type = bf16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<16x192xbf16>, tensor<2x3x512xi8>, tensor<2x12x16xbf16>, tensor<2x12x16xbf16>) -> tensor<16x32xbf16>
  return %y : tensor<16x32xbf16>
}
func.func @mma_offsets_side_inputs_f16(%x: tensor<2x128xf16>, %p: tensor<1x2x512xi8>, %s: tensor<1x4x16xf16>, %z: tensor<1x4x16xi8>, %o: tensor<1x4x16xf16>, %perm: tensor<128xi32>, %oc: tensor<2xi32>, %ow: tensor<16x2xf16>, %is: tensor<128xf16>) -> tensor<2x16xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) perm(%perm) outliers(%oc, %ow) input_scales(%is) {weight = #wq.qweight<16x128, u4, group_size = 32, scale_type = f16, zero_points, offsets, permuted, outliers = 2, input_scaled, layout = #wq.layout<mma_tiles>>} : (tensor<2x128xf16>, tensor<1x2x512xi8>, tensor<1x4x16xf16>, tensor<1x4x16xi8>, tensor<1x4x16xf16>, tensor<128xi32>, tensor<2xi32>, tensor<16x2xf16>, tensor<128xf16>) -> tensor<2x16xf16>
  return %y : tensor<2x16xf16>
}
// Offsets of another type than the activations' (added through activation
// sums from an all-ones mma, per group): f32 at g64, M = 3; f16 offsets with
// bf16 activations and zero points at g32, M = 9 (two row tiles).
func.func @mma_offsets_f32_g64_m3(%x: tensor<3x256xf16>, %p: tensor<2x4x512xi8>, %s: tensor<2x4x16xf32>, %o: tensor<2x4x16xf32>) -> tensor<3x24xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<24x256, u4, group_size = 64, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<3x256xf16>, tensor<2x4x512xi8>, tensor<2x4x16xf32>, tensor<2x4x16xf32>) -> tensor<3x24xf16>
  return %y : tensor<3x24xf16>
}
func.func @mma_offsets_f16_bf16_g32_m9(%x: tensor<9x256xbf16>, %p: tensor<1x4x512xi8>, %s: tensor<1x8x16xf16>, %z: tensor<1x8x16xi8>, %o: tensor<1x8x16xf16>) -> tensor<9x16xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<16x256, u4, group_size = 32, scale_type = f16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<9x256xbf16>, tensor<1x4x512xi8>, tensor<1x8x16xf16>, tensor<1x8x16xi8>, tensor<1x8x16xf16>) -> tensor<9x16xbf16>
  return %y : tensor<9x16xbf16>
}
