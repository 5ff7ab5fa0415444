// The tensor-core prefill kernel at the benchmark's shapes (bench/gpu):
// int4 g128 asym f16 at M = 32, 64, 128, 512, 4096 and dynamic M; bf16, int8
// per channel and g32 at M = 32 and 4096; 8192 x 28672 and 4096 x 4096.
func.func @prefill_28672x8192_m32_g128_f16(%x: tensor<32x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<32x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<32x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<32x28672xf16>
  return %y : tensor<32x28672xf16>
}
func.func @prefill_28672x8192_m64_g128_f16(%x: tensor<64x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<64x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<64x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<64x28672xf16>
  return %y : tensor<64x28672xf16>
}
func.func @prefill_28672x8192_m128_g128_f16(%x: tensor<128x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<128x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<128x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<128x28672xf16>
  return %y : tensor<128x28672xf16>
}
func.func @prefill_28672x8192_m512_g128_f16(%x: tensor<512x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<512x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<512x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<512x28672xf16>
  return %y : tensor<512x28672xf16>
}
func.func @prefill_28672x8192_m4096_g128_f16(%x: tensor<4096x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<4096x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4096x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<4096x28672xf16>
  return %y : tensor<4096x28672xf16>
}
func.func @prefill_28672x8192_dyn_g128_f16(%x: tensor<?x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xf16>, %z: tensor<1792x64x16xi8>) -> tensor<?x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<?x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xf16>, tensor<1792x64x16xi8>) -> tensor<?x28672xf16>
  return %y : tensor<?x28672xf16>
}
func.func @prefill_28672x8192_m32_g128_bf16(%x: tensor<32x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>) -> tensor<32x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<32x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>) -> tensor<32x28672xbf16>
  return %y : tensor<32x28672xbf16>
}
func.func @prefill_28672x8192_m32_int8_f16(%x: tensor<32x8192xf16>, %p: tensor<1792x256x512xi8>, %s: tensor<1792x1x16xf16>) -> tensor<32x28672xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<28672x8192, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<32x8192xf16>, tensor<1792x256x512xi8>, tensor<1792x1x16xf16>) -> tensor<32x28672xf16>
  return %y : tensor<32x28672xf16>
}
func.func @prefill_28672x8192_m32_g32_f16(%x: tensor<32x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %z: tensor<1792x256x16xi8>) -> tensor<32x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<32x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xi8>) -> tensor<32x28672xf16>
  return %y : tensor<32x28672xf16>
}
func.func @prefill_28672x8192_m4096_g128_bf16(%x: tensor<4096x8192xbf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x64x16xbf16>, %z: tensor<1792x64x16xi8>) -> tensor<4096x28672xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4096x8192xbf16>, tensor<1792x128x512xi8>, tensor<1792x64x16xbf16>, tensor<1792x64x16xi8>) -> tensor<4096x28672xbf16>
  return %y : tensor<4096x28672xbf16>
}
func.func @prefill_28672x8192_m4096_int8_f16(%x: tensor<4096x8192xf16>, %p: tensor<1792x256x512xi8>, %s: tensor<1792x1x16xf16>) -> tensor<4096x28672xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<28672x8192, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<4096x8192xf16>, tensor<1792x256x512xi8>, tensor<1792x1x16xf16>) -> tensor<4096x28672xf16>
  return %y : tensor<4096x28672xf16>
}
func.func @prefill_28672x8192_m4096_g32_f16(%x: tensor<4096x8192xf16>, %p: tensor<1792x128x512xi8>, %s: tensor<1792x256x16xf16>, %z: tensor<1792x256x16xi8>) -> tensor<4096x28672xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<28672x8192, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<4096x8192xf16>, tensor<1792x128x512xi8>, tensor<1792x256x16xf16>, tensor<1792x256x16xi8>) -> tensor<4096x28672xf16>
  return %y : tensor<4096x28672xf16>
}
func.func @prefill_8192x28672_dyn_g128_f16(%x: tensor<?x28672xf16>, %p: tensor<512x448x512xi8>, %s: tensor<512x224x16xf16>, %z: tensor<512x224x16xi8>) -> tensor<?x8192xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<8192x28672, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<?x28672xf16>, tensor<512x448x512xi8>, tensor<512x224x16xf16>, tensor<512x224x16xi8>) -> tensor<?x8192xf16>
  return %y : tensor<?x8192xf16>
}
func.func @prefill_4096x4096_m64_g128_f16(%x: tensor<64x4096xf16>, %p: tensor<256x64x512xi8>, %s: tensor<256x32x16xf16>, %z: tensor<256x32x16xi8>) -> tensor<64x4096xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<4096x4096, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<64x4096xf16>, tensor<256x64x512xi8>, tensor<256x32x16xf16>, tensor<256x32x16xi8>) -> tensor<64x4096xf16>
  return %y : tensor<64x4096xf16>
}
func.func @prefill_4096x4096_dyn_int8_bf16(%x: tensor<?x4096xbf16>, %p: tensor<256x128x512xi8>, %s: tensor<256x1x16xbf16>) -> tensor<?x4096xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4096x4096, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<?x4096xbf16>, tensor<256x128x512xi8>, tensor<256x1x16xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}
