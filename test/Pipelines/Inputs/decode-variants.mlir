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
