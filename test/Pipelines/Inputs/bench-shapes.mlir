// The tensor-core kernels at the benchmark's largest shapes (bench/gpu):
// int4 g128 asym f16, g32 asym f16, g128 asym bf16 at M = 1, 4, 8, 16;
// int8 per channel f16 and bf16 at M = 1, 16.
func.func @bench_28672x8192_m1_g128_f16(%x: tensor<1x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<1x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<1x28672xf16>
  return %y : tensor<1x28672xf16>
}
func.func @bench_28672x8192_m1_g32_f16(%x: tensor<1x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %z: tensor<1792x256x16xi8>) -> tensor<1x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xi8>) -> tensor<1x28672xf16>
  return %y : tensor<1x28672xf16>
}
func.func @bench_28672x8192_m1_g128_bf16(%x: tensor<1x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>) -> tensor<1x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>) -> tensor<1x28672xbf16>
  return %y : tensor<1x28672xbf16>
}
func.func @bench_28672x8192_m4_g128_f16(%x: tensor<4x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<4x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<4x28672xf16>
  return %y : tensor<4x28672xf16>
}
func.func @bench_28672x8192_m4_g32_f16(%x: tensor<4x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %z: tensor<1792x256x16xi8>) -> tensor<4x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xi8>) -> tensor<4x28672xf16>
  return %y : tensor<4x28672xf16>
}
func.func @bench_28672x8192_m4_g128_bf16(%x: tensor<4x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>) -> tensor<4x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>) -> tensor<4x28672xbf16>
  return %y : tensor<4x28672xbf16>
}
func.func @bench_28672x8192_m8_g128_f16(%x: tensor<8x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<8x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<8x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<8x28672xf16>
  return %y : tensor<8x28672xf16>
}
func.func @bench_28672x8192_m8_g32_f16(%x: tensor<8x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %z: tensor<1792x256x16xi8>) -> tensor<8x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<8x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xi8>) -> tensor<8x28672xf16>
  return %y : tensor<8x28672xf16>
}
func.func @bench_28672x8192_m8_g128_bf16(%x: tensor<8x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>) -> tensor<8x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<8x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>) -> tensor<8x28672xbf16>
  return %y : tensor<8x28672xbf16>
}
func.func @bench_28672x8192_m16_g128_f16(%x: tensor<16x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<16x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<16x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<16x28672xf16>
  return %y : tensor<16x28672xf16>
}
func.func @bench_28672x8192_m16_g32_f16(%x: tensor<16x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %z: tensor<1792x256x16xi8>) -> tensor<16x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<16x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xi8>) -> tensor<16x28672xf16>
  return %y : tensor<16x28672xf16>
}
func.func @bench_28672x8192_m16_g128_bf16(%x: tensor<16x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>) -> tensor<16x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<16x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>) -> tensor<16x28672xbf16>
  return %y : tensor<16x28672xbf16>
}
func.func @bench_8192x28672_m1_g128_f16(%x: tensor<1x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xf16>, %z: tensor<512x224x16xi8>) -> tensor<1x8192xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x28672xf16>, tensor<512x448x512xi8>, tensor<512x224x16xf16>, tensor<512x224x16xi8>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}
func.func @bench_8192x28672_m1_g32_f16(%x: tensor<1x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x896x16xf16>, %z: tensor<512x896x16xi8>) -> tensor<1x8192xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x28672xf16>, tensor<512x448x512xi8>, tensor<512x896x16xf16>, tensor<512x896x16xi8>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}
func.func @bench_8192x28672_m1_g128_bf16(%x: tensor<1x28672xbf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xbf16>, %z: tensor<512x224x16xi8>) -> tensor<1x8192xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x28672xbf16>, tensor<512x448x512xi8>, tensor<512x224x16xbf16>, tensor<512x224x16xi8>) -> tensor<1x8192xbf16>
  return %y : tensor<1x8192xbf16>
}
func.func @bench_8192x28672_m4_g128_f16(%x: tensor<4x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xf16>, %z: tensor<512x224x16xi8>) -> tensor<4x8192xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4x28672xf16>, tensor<512x448x512xi8>, tensor<512x224x16xf16>, tensor<512x224x16xi8>) -> tensor<4x8192xf16>
  return %y : tensor<4x8192xf16>
}
func.func @bench_8192x28672_m4_g32_f16(%x: tensor<4x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x896x16xf16>, %z: tensor<512x896x16xi8>) -> tensor<4x8192xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4x28672xf16>, tensor<512x448x512xi8>, tensor<512x896x16xf16>, tensor<512x896x16xi8>) -> tensor<4x8192xf16>
  return %y : tensor<4x8192xf16>
}
func.func @bench_8192x28672_m4_g128_bf16(%x: tensor<4x28672xbf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xbf16>, %z: tensor<512x224x16xi8>) -> tensor<4x8192xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4x28672xbf16>, tensor<512x448x512xi8>, tensor<512x224x16xbf16>, tensor<512x224x16xi8>) -> tensor<4x8192xbf16>
  return %y : tensor<4x8192xbf16>
}
func.func @bench_8192x28672_m8_g128_f16(%x: tensor<8x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xf16>, %z: tensor<512x224x16xi8>) -> tensor<8x8192xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<8x28672xf16>, tensor<512x448x512xi8>, tensor<512x224x16xf16>, tensor<512x224x16xi8>) -> tensor<8x8192xf16>
  return %y : tensor<8x8192xf16>
}
func.func @bench_8192x28672_m8_g32_f16(%x: tensor<8x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x896x16xf16>, %z: tensor<512x896x16xi8>) -> tensor<8x8192xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<8x28672xf16>, tensor<512x448x512xi8>, tensor<512x896x16xf16>, tensor<512x896x16xi8>) -> tensor<8x8192xf16>
  return %y : tensor<8x8192xf16>
}
func.func @bench_8192x28672_m8_g128_bf16(%x: tensor<8x28672xbf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xbf16>, %z: tensor<512x224x16xi8>) -> tensor<8x8192xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<8x28672xbf16>, tensor<512x448x512xi8>, tensor<512x224x16xbf16>, tensor<512x224x16xi8>) -> tensor<8x8192xbf16>
  return %y : tensor<8x8192xbf16>
}
func.func @bench_8192x28672_m16_g128_f16(%x: tensor<16x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xf16>, %z: tensor<512x224x16xi8>) -> tensor<16x8192xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<16x28672xf16>, tensor<512x448x512xi8>, tensor<512x224x16xf16>, tensor<512x224x16xi8>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}
func.func @bench_8192x28672_m16_g32_f16(%x: tensor<16x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x896x16xf16>, %z: tensor<512x896x16xi8>) -> tensor<16x8192xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<16x28672xf16>, tensor<512x448x512xi8>, tensor<512x896x16xf16>, tensor<512x896x16xi8>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}
func.func @bench_8192x28672_m16_g128_bf16(%x: tensor<16x28672xbf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xbf16>, %z: tensor<512x224x16xi8>) -> tensor<16x8192xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<16x28672xbf16>, tensor<512x448x512xi8>, tensor<512x224x16xbf16>, tensor<512x224x16xi8>) -> tensor<16x8192xbf16>
  return %y : tensor<16x8192xbf16>
}
func.func @bench_28672x8192_m1_int8(%x: tensor<1x8192xf16>, %p: tensor<1792x256x512xi8>, %s: tensor<1792x1x16xf16>) -> tensor<1x28672xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<28672x8192, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x8192xf16>, tensor<1792x256x512xi8>, tensor<1792x1x16xf16>) -> tensor<1x28672xf16>
  return %y : tensor<1x28672xf16>
}
func.func @bench_28672x8192_m16_int8(%x: tensor<16x8192xf16>, %p: tensor<1792x256x512xi8>, %s: tensor<1792x1x16xf16>) -> tensor<16x28672xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<28672x8192, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<16x8192xf16>, tensor<1792x256x512xi8>, tensor<1792x1x16xf16>) -> tensor<16x28672xf16>
  return %y : tensor<16x28672xf16>
}
func.func @bench_8192x28672_m1_int8(%x: tensor<1x28672xf16>, %p: tensor<512x896x512xi8>, %s: tensor<512x1x16xf16>) -> tensor<1x8192xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<8192x28672, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x28672xf16>, tensor<512x896x512xi8>, tensor<512x1x16xf16>) -> tensor<1x8192xf16>
  return %y : tensor<1x8192xf16>
}
func.func @bench_8192x28672_m16_int8(%x: tensor<16x28672xf16>, %p: tensor<512x896x512xi8>, %s: tensor<512x1x16xf16>) -> tensor<16x8192xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<8192x28672, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<16x28672xf16>, tensor<512x896x512xi8>, tensor<512x1x16xf16>) -> tensor<16x8192xf16>
  return %y : tensor<16x8192xf16>
}
func.func @bench_28672x8192_m1_int8_bf16(%x: tensor<1x8192xbf16>, %p: tensor<1792x256x512xi8>, %s: tensor<1792x1x16xbf16>) -> tensor<1x28672xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<28672x8192, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<1x8192xbf16>, tensor<1792x256x512xi8>, tensor<1792x1x16xbf16>) -> tensor<1x28672xbf16>
  return %y : tensor<1x28672xbf16>
}
func.func @bench_28672x8192_m16_int8_bf16(%x: tensor<16x8192xbf16>, %p: tensor<1792x256x512xi8>, %s: tensor<1792x1x16xbf16>) -> tensor<16x28672xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<28672x8192, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<16x8192xbf16>, tensor<1792x256x512xi8>, tensor<1792x1x16xbf16>) -> tensor<16x28672xbf16>
  return %y : tensor<16x28672xbf16>
}
func.func @bench_8192x28672_m1_int8_bf16(%x: tensor<1x28672xbf16>, %p: tensor<512x896x512xi8>, %s: tensor<512x1x16xbf16>) -> tensor<1x8192xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<8192x28672, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<1x28672xbf16>, tensor<512x896x512xi8>, tensor<512x1x16xbf16>) -> tensor<1x8192xbf16>
  return %y : tensor<1x8192xbf16>
}
func.func @bench_8192x28672_m16_int8_bf16(%x: tensor<16x28672xbf16>, %p: tensor<512x896x512xi8>, %s: tensor<512x1x16xbf16>) -> tensor<16x8192xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<8192x28672, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<16x28672xbf16>, tensor<512x896x512xi8>, tensor<512x1x16xbf16>) -> tensor<16x8192xbf16>
  return %y : tensor<16x8192xbf16>
}
