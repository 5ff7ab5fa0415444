// The benchmark's kernel variants (bench/gpu/GpuKernelGen.cpp) at shapes
// small enough for the PTX simulator (test/Pipelines/gpu-sim.test): N = 40
// (three tile columns, the last ragged), K = 512, M = 1, 5, 16 (SIMT: 1, 5);
// weights are arguments in the layout the benchmark passes them in.
func.func @int4_g128_asym_m1(%x: tensor<1x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xf16>, %z: tensor<3x4x16xi8>) -> tensor<1x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x512xf16>, tensor<3x8x512xi8>, tensor<3x4x16xf16>, tensor<3x4x16xi8>) -> tensor<1x40xf16>
  return %y : tensor<1x40xf16>
}
func.func @int4_g128_asym_m5(%x: tensor<5x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xf16>, %z: tensor<3x4x16xi8>) -> tensor<5x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<5x512xf16>, tensor<3x8x512xi8>, tensor<3x4x16xf16>, tensor<3x4x16xi8>) -> tensor<5x40xf16>
  return %y : tensor<5x40xf16>
}
func.func @int4_g128_asym_m16(%x: tensor<16x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xf16>, %z: tensor<3x4x16xi8>) -> tensor<16x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<16x512xf16>, tensor<3x8x512xi8>, tensor<3x4x16xf16>, tensor<3x4x16xi8>) -> tensor<16x40xf16>
  return %y : tensor<16x40xf16>
}
func.func @int4_g32_asym_m1(%x: tensor<1x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x16x16xf16>, %z: tensor<3x16x16xi8>) -> tensor<1x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x512xf16>, tensor<3x8x512xi8>, tensor<3x16x16xf16>, tensor<3x16x16xi8>) -> tensor<1x40xf16>
  return %y : tensor<1x40xf16>
}
func.func @int4_g32_asym_m5(%x: tensor<5x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x16x16xf16>, %z: tensor<3x16x16xi8>) -> tensor<5x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<5x512xf16>, tensor<3x8x512xi8>, tensor<3x16x16xf16>, tensor<3x16x16xi8>) -> tensor<5x40xf16>
  return %y : tensor<5x40xf16>
}
func.func @int4_g32_asym_m16(%x: tensor<16x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x16x16xf16>, %z: tensor<3x16x16xi8>) -> tensor<16x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<16x512xf16>, tensor<3x8x512xi8>, tensor<3x16x16xf16>, tensor<3x16x16xi8>) -> tensor<16x40xf16>
  return %y : tensor<16x40xf16>
}
func.func @int4_g128_sym_m1(%x: tensor<1x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xf16>) -> tensor<1x40xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i4, group_size = 128, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x512xf16>, tensor<3x8x512xi8>, tensor<3x4x16xf16>) -> tensor<1x40xf16>
  return %y : tensor<1x40xf16>
}
func.func @int4_g128_sym_m5(%x: tensor<5x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xf16>) -> tensor<5x40xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i4, group_size = 128, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<5x512xf16>, tensor<3x8x512xi8>, tensor<3x4x16xf16>) -> tensor<5x40xf16>
  return %y : tensor<5x40xf16>
}
func.func @int4_g128_sym_m16(%x: tensor<16x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xf16>) -> tensor<16x40xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i4, group_size = 128, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<16x512xf16>, tensor<3x8x512xi8>, tensor<3x4x16xf16>) -> tensor<16x40xf16>
  return %y : tensor<16x40xf16>
}
func.func @int4_g128_asym_bf16_m1(%x: tensor<1x512xbf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xbf16>, %z: tensor<3x4x16xi8>) -> tensor<1x40xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x512xbf16>, tensor<3x8x512xi8>, tensor<3x4x16xbf16>, tensor<3x4x16xi8>) -> tensor<1x40xbf16>
  return %y : tensor<1x40xbf16>
}
func.func @int4_g128_asym_bf16_m5(%x: tensor<5x512xbf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xbf16>, %z: tensor<3x4x16xi8>) -> tensor<5x40xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<5x512xbf16>, tensor<3x8x512xi8>, tensor<3x4x16xbf16>, tensor<3x4x16xi8>) -> tensor<5x40xbf16>
  return %y : tensor<5x40xbf16>
}
func.func @int4_g128_asym_bf16_m16(%x: tensor<16x512xbf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xbf16>, %z: tensor<3x4x16xi8>) -> tensor<16x40xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<16x512xbf16>, tensor<3x8x512xi8>, tensor<3x4x16xbf16>, tensor<3x4x16xi8>) -> tensor<16x40xbf16>
  return %y : tensor<16x40xbf16>
}
func.func @int8_per_channel_sym_m1(%x: tensor<1x512xf16>, %p: tensor<3x16x512xi8>, %s: tensor<3x1x16xf16>) -> tensor<1x40xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x512xf16>, tensor<3x16x512xi8>, tensor<3x1x16xf16>) -> tensor<1x40xf16>
  return %y : tensor<1x40xf16>
}
func.func @int8_per_channel_sym_m5(%x: tensor<5x512xf16>, %p: tensor<3x16x512xi8>, %s: tensor<3x1x16xf16>) -> tensor<5x40xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<5x512xf16>, tensor<3x16x512xi8>, tensor<3x1x16xf16>) -> tensor<5x40xf16>
  return %y : tensor<5x40xf16>
}
func.func @int8_per_channel_sym_m16(%x: tensor<16x512xf16>, %p: tensor<3x16x512xi8>, %s: tensor<3x1x16xf16>) -> tensor<16x40xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<16x512xf16>, tensor<3x16x512xi8>, tensor<3x1x16xf16>) -> tensor<16x40xf16>
  return %y : tensor<16x40xf16>
}
func.func @int8_per_channel_sym_bf16_m1(%x: tensor<1x512xbf16>, %p: tensor<3x16x512xi8>, %s: tensor<3x1x16xbf16>) -> tensor<1x40xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<1x512xbf16>, tensor<3x16x512xi8>, tensor<3x1x16xbf16>) -> tensor<1x40xbf16>
  return %y : tensor<1x40xbf16>
}
func.func @int8_per_channel_sym_bf16_m5(%x: tensor<5x512xbf16>, %p: tensor<3x16x512xi8>, %s: tensor<3x1x16xbf16>) -> tensor<5x40xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<5x512xbf16>, tensor<3x16x512xi8>, tensor<3x1x16xbf16>) -> tensor<5x40xbf16>
  return %y : tensor<5x40xbf16>
}
func.func @int8_per_channel_sym_bf16_m16(%x: tensor<16x512xbf16>, %p: tensor<3x16x512xi8>, %s: tensor<3x1x16xbf16>) -> tensor<16x40xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<16x512xbf16>, tensor<3x16x512xi8>, tensor<3x1x16xbf16>) -> tensor<16x40xbf16>
  return %y : tensor<16x40xbf16>
}
func.func @int4_g128_asym_simt_m1(%x: tensor<1x512xf16>, %p: tensor<40x4x64xi8>, %s: tensor<40x4xf16>, %z: tensor<40x4xi8>) -> tensor<1x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<1x512xf16>, tensor<40x4x64xi8>, tensor<40x4xf16>, tensor<40x4xi8>) -> tensor<1x40xf16>
  return %y : tensor<1x40xf16>
}
func.func @int4_g128_asym_simt_m5(%x: tensor<5x512xf16>, %p: tensor<40x4x64xi8>, %s: tensor<40x4xf16>, %z: tensor<40x4xi8>) -> tensor<5x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<5x512xf16>, tensor<40x4x64xi8>, tensor<40x4xf16>, tensor<40x4xi8>) -> tensor<5x40xf16>
  return %y : tensor<5x40xf16>
}
func.func @int8_per_channel_sym_simt_m1(%x: tensor<1x512xf16>, %p: tensor<40x1x512xi8>, %s: tensor<40x1xf16>) -> tensor<1x40xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i8, group_size = 0, scale_type = f16>} : (tensor<1x512xf16>, tensor<40x1x512xi8>, tensor<40x1xf16>) -> tensor<1x40xf16>
  return %y : tensor<1x40xf16>
}
func.func @int8_per_channel_sym_simt_m5(%x: tensor<5x512xf16>, %p: tensor<40x1x512xi8>, %s: tensor<40x1xf16>) -> tensor<5x40xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<40x512, i8, group_size = 0, scale_type = f16>} : (tensor<5x512xf16>, tensor<40x1x512xi8>, tensor<40x1xf16>) -> tensor<5x40xf16>
  return %y : tensor<5x40xf16>
}
// Every side input (act-order permutation, AWQ input scales, outlier
// channels) around both schedules.
func.func @side_inputs_bf16_m3(%x: tensor<3x512xbf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xbf16>, %z: tensor<3x4x16xi8>, %perm: tensor<512xi32>, %oc: tensor<3xi32>, %ow: tensor<40x3xbf16>, %is: tensor<512xbf16>) -> tensor<3x40xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) input_scales(%is) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = bf16, zero_points, permuted, outliers = 3, input_scaled, layout = #wq.layout<mma_tiles>>} : (tensor<3x512xbf16>, tensor<3x8x512xi8>, tensor<3x4x16xbf16>, tensor<3x4x16xi8>, tensor<512xi32>, tensor<3xi32>, tensor<40x3xbf16>, tensor<512xbf16>) -> tensor<3x40xbf16>
  return %y : tensor<3x40xbf16>
}
func.func @side_inputs_simt_f16_m2(%x: tensor<2x512xf16>, %p: tensor<40x4x64xi8>, %s: tensor<40x4xf16>, %z: tensor<40x4xi8>, %perm: tensor<512xi32>, %oc: tensor<2xi32>, %ow: tensor<40x2xf16>, %is: tensor<512xf16>) -> tensor<2x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) input_scales(%is) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = f16, zero_points, permuted, outliers = 2, input_scaled>} : (tensor<2x512xf16>, tensor<40x4x64xi8>, tensor<40x4xf16>, tensor<40x4xi8>, tensor<512xi32>, tensor<2xi32>, tensor<40x2xf16>, tensor<512xf16>) -> tensor<2x40xf16>
  return %y : tensor<2x40xf16>
}
