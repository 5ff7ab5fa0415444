// Tensor-core kernels with group offsets at the GPU benchmark's largest
// shapes (test/Pipelines/gpu-ptxas.mlir): Q4_1's form (u4 g32, f16 offsets
// added by the mma with the offsets as A), zero points and bf16 offsets at
// g128, f32 offsets at g128 (added through activation sums), M = 1, 4, 8, 16;
// int8 per channel with offsets (the sums loop) at M = 1, 16.
func.func @off_28672x8192_m1_q41_g32_f16(%x: tensor<1x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %o: tensor<1792x256x16xf16>) -> tensor<1x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xf16>) -> tensor<1x28672xf16>
  return %y : tensor<1x28672xf16>
}
func.func @off_28672x8192_m1_zp_g128_bf16(%x: tensor<1x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>, %o: tensor<1792x64x16xbf16>) -> tensor<1x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>, tensor<1792x64x16xbf16>) -> tensor<1x28672xbf16>
  return %y : tensor<1x28672xbf16>
}
func.func @off_28672x8192_m1_f32_g128_f16(%x: tensor<1x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf32>, %o: tensor<1792x64x16xf32>) -> tensor<1x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf32>, tensor<1792x64x16xf32>) -> tensor<1x28672xf16>
  return %y : tensor<1x28672xf16>
}
func.func @off_28672x8192_m4_q41_g32_f16(%x: tensor<4x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %o: tensor<1792x256x16xf16>) -> tensor<4x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<4x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xf16>) -> tensor<4x28672xf16>
  return %y : tensor<4x28672xf16>
}
func.func @off_28672x8192_m4_zp_g128_bf16(%x: tensor<4x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>, %o: tensor<1792x64x16xbf16>) -> tensor<4x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<4x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>, tensor<1792x64x16xbf16>) -> tensor<4x28672xbf16>
  return %y : tensor<4x28672xbf16>
}
func.func @off_28672x8192_m4_f32_g128_f16(%x: tensor<4x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf32>, %o: tensor<1792x64x16xf32>) -> tensor<4x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<4x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf32>, tensor<1792x64x16xf32>) -> tensor<4x28672xf16>
  return %y : tensor<4x28672xf16>
}
func.func @off_28672x8192_m8_q41_g32_f16(%x: tensor<8x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %o: tensor<1792x256x16xf16>) -> tensor<8x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<8x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xf16>) -> tensor<8x28672xf16>
  return %y : tensor<8x28672xf16>
}
func.func @off_28672x8192_m8_zp_g128_bf16(%x: tensor<8x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>, %o: tensor<1792x64x16xbf16>) -> tensor<8x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<8x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>, tensor<1792x64x16xbf16>) -> tensor<8x28672xbf16>
  return %y : tensor<8x28672xbf16>
}
func.func @off_28672x8192_m8_f32_g128_f16(%x: tensor<8x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf32>, %o: tensor<1792x64x16xf32>) -> tensor<8x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<8x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf32>, tensor<1792x64x16xf32>) -> tensor<8x28672xf16>
  return %y : tensor<8x28672xf16>
}
func.func @off_28672x8192_m16_q41_g32_f16(%x: tensor<16x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %o: tensor<1792x256x16xf16>) -> tensor<16x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<16x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xf16>) -> tensor<16x28672xf16>
  return %y : tensor<16x28672xf16>
}
func.func @off_28672x8192_m16_zp_g128_bf16(%x: tensor<16x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>, %o: tensor<1792x64x16xbf16>) -> tensor<16x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<16x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>, tensor<1792x64x16xbf16>) -> tensor<16x28672xbf16>
  return %y : tensor<16x28672xbf16>
}
func.func @off_28672x8192_m16_f32_g128_f16(%x: tensor<16x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf32>, %o: tensor<1792x64x16xf32>) -> tensor<16x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<16x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf32>, tensor<1792x64x16xf32>) -> tensor<16x28672xf16>
  return %y : tensor<16x28672xf16>
}
func.func @off_28672x8192_m1_int8_pc_f16(%x: tensor<1x8192xf16>, %p: tensor<1792x256x512xi8>, %s: tensor<1792x1x16xf16>, %o: tensor<1792x1x16xf16>) -> tensor<1x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, i8, group_size = 0, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x8192xf16>, tensor<1792x256x512xi8>, tensor<1792x1x16xf16>, tensor<1792x1x16xf16>) -> tensor<1x28672xf16>
  return %y : tensor<1x28672xf16>
}
func.func @off_28672x8192_m16_int8_pc_f16(%x: tensor<16x8192xf16>, %p: tensor<1792x256x512xi8>, %s: tensor<1792x1x16xf16>, %o: tensor<1792x1x16xf16>) -> tensor<16x28672xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<28672x8192, i8, group_size = 0, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<16x8192xf16>, tensor<1792x256x512xi8>, tensor<1792x1x16xf16>, tensor<1792x1x16xf16>) -> tensor<16x28672xf16>
  return %y : tensor<16x28672xf16>
}
func.func @off_8192x28672_m1_q41_g32_f16(%x: tensor<1x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x896x16xf16>, %o: tensor<512x896x16xf16>) -> tensor<1x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x28672xf16>, tensor<512x448x512xi8>, tensor<512x896x16xf16>, tensor<512x896x16xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}
func.func @off_8192x28672_m1_zp_g128_bf16(%x: tensor<1x28672xbf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xbf16>, %z: tensor<512x224x16xi8>, %o: tensor<512x224x16xbf16>) -> tensor<1x8192xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = bf16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x28672xbf16>, tensor<512x448x512xi8>, tensor<512x224x16xbf16>, tensor<512x224x16xi8>, tensor<512x224x16xbf16>) -> tensor<1x8192xbf16>
  return %y : tensor<1x8192xbf16>
}
func.func @off_8192x28672_m1_f32_g128_f16(%x: tensor<1x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xf32>, %o: tensor<512x224x16xf32>) -> tensor<1x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x28672xf16>, tensor<512x448x512xi8>, tensor<512x224x16xf32>, tensor<512x224x16xf32>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}
func.func @off_8192x28672_m4_q41_g32_f16(%x: tensor<4x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x896x16xf16>, %o: tensor<512x896x16xf16>) -> tensor<4x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<4x28672xf16>, tensor<512x448x512xi8>, tensor<512x896x16xf16>, tensor<512x896x16xf16>) -> tensor<4x8192xf16>
  return %y : tensor<4x8192xf16>
}
func.func @off_8192x28672_m4_zp_g128_bf16(%x: tensor<4x28672xbf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xbf16>, %z: tensor<512x224x16xi8>, %o: tensor<512x224x16xbf16>) -> tensor<4x8192xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = bf16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<4x28672xbf16>, tensor<512x448x512xi8>, tensor<512x224x16xbf16>, tensor<512x224x16xi8>, tensor<512x224x16xbf16>) -> tensor<4x8192xbf16>
  return %y : tensor<4x8192xbf16>
}
func.func @off_8192x28672_m4_f32_g128_f16(%x: tensor<4x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xf32>, %o: tensor<512x224x16xf32>) -> tensor<4x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<4x28672xf16>, tensor<512x448x512xi8>, tensor<512x224x16xf32>, tensor<512x224x16xf32>) -> tensor<4x8192xf16>
  return %y : tensor<4x8192xf16>
}
func.func @off_8192x28672_m8_q41_g32_f16(%x: tensor<8x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x896x16xf16>, %o: tensor<512x896x16xf16>) -> tensor<8x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<8x28672xf16>, tensor<512x448x512xi8>, tensor<512x896x16xf16>, tensor<512x896x16xf16>) -> tensor<8x8192xf16>
  return %y : tensor<8x8192xf16>
}
func.func @off_8192x28672_m8_zp_g128_bf16(%x: tensor<8x28672xbf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xbf16>, %z: tensor<512x224x16xi8>, %o: tensor<512x224x16xbf16>) -> tensor<8x8192xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = bf16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<8x28672xbf16>, tensor<512x448x512xi8>, tensor<512x224x16xbf16>, tensor<512x224x16xi8>, tensor<512x224x16xbf16>) -> tensor<8x8192xbf16>
  return %y : tensor<8x8192xbf16>
}
func.func @off_8192x28672_m8_f32_g128_f16(%x: tensor<8x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xf32>, %o: tensor<512x224x16xf32>) -> tensor<8x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<8x28672xf16>, tensor<512x448x512xi8>, tensor<512x224x16xf32>, tensor<512x224x16xf32>) -> tensor<8x8192xf16>
  return %y : tensor<8x8192xf16>
}
func.func @off_8192x28672_m16_q41_g32_f16(%x: tensor<16x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x896x16xf16>, %o: tensor<512x896x16xf16>) -> tensor<16x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<16x28672xf16>, tensor<512x448x512xi8>, tensor<512x896x16xf16>, tensor<512x896x16xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}
func.func @off_8192x28672_m16_zp_g128_bf16(%x: tensor<16x28672xbf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xbf16>, %z: tensor<512x224x16xi8>, %o: tensor<512x224x16xbf16>) -> tensor<16x8192xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = bf16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<16x28672xbf16>, tensor<512x448x512xi8>, tensor<512x224x16xbf16>, tensor<512x224x16xi8>, tensor<512x224x16xbf16>) -> tensor<16x8192xbf16>
  return %y : tensor<16x8192xbf16>
}
func.func @off_8192x28672_m16_f32_g128_f16(%x: tensor<16x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xf32>, %o: tensor<512x224x16xf32>) -> tensor<16x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<16x28672xf16>, tensor<512x448x512xi8>, tensor<512x224x16xf32>, tensor<512x224x16xf32>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}
func.func @off_8192x28672_m1_int8_pc_f16(%x: tensor<1x28672xf16>, %p: tensor<512x896x512xi8>, %s: tensor<512x1x16xf16>, %o: tensor<512x1x16xf16>) -> tensor<1x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, i8, group_size = 0, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x28672xf16>, tensor<512x896x512xi8>, tensor<512x1x16xf16>, tensor<512x1x16xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}
func.func @off_8192x28672_m16_int8_pc_f16(%x: tensor<16x28672xf16>, %p: tensor<512x896x512xi8>, %s: tensor<512x1x16xf16>, %o: tensor<512x1x16xf16>) -> tensor<16x8192xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8192x28672, i8, group_size = 0, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<16x28672xf16>, tensor<512x896x512xi8>, tensor<512x1x16xf16>, tensor<512x1x16xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}
