// wq.matmul forms the tensor-core prefill kernel takes (wq-lower-to-gpu-prefill):
// M = 17, 64 and 130 (ragged row blocks), ragged N (a part-empty tile column
// and a part-empty block of 4 columns), int4 g32/g64/g128/per channel and
// int8 per channel/g32, sym and asym, f16 and bf16, group offsets (in the
// mma, through activation sums, per channel), act-order + outliers, and
// dynamic M (gpu_sim_check.py --rows).
func.func @int4_g128_asym_m17(%x: tensor<17x256xf16>, %p: tensor<3x4x512xi8>, %s: tensor<3x2x16xf16>, %z: tensor<3x2x16xi8>) -> tensor<17x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x256, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<17x256xf16>, tensor<3x4x512xi8>, tensor<3x2x16xf16>, tensor<3x2x16xi8>) -> tensor<17x40xf16>
  return %y : tensor<17x40xf16>
}

func.func @int4_g32_sym_m64_bf16(%x: tensor<64x256xbf16>, %p: tensor<4x4x512xi8>, %s: tensor<4x8x16xbf16>) -> tensor<64x64xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<64x256, i4, group_size = 32, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<64x256xbf16>, tensor<4x4x512xi8>, tensor<4x8x16xbf16>) -> tensor<64x64xbf16>
  return %y : tensor<64x64xbf16>
}

func.func @int4_g64_asym_m130(%x: tensor<130x192xf16>, %p: tensor<5x3x512xi8>, %s: tensor<5x3x16xf16>, %z: tensor<5x3x16xi8>) -> tensor<130x72xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<72x192, u4, group_size = 64, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<130x192xf16>, tensor<5x3x512xi8>, tensor<5x3x16xf16>, tensor<5x3x16xi8>) -> tensor<130x72xf16>
  return %y : tensor<130x72xf16>
}

func.func @int4_per_channel_asym_m33(%x: tensor<33x256xf16>, %p: tensor<3x4x512xi8>, %s: tensor<3x1x16xf32>, %z: tensor<3x1x16xi8>) -> tensor<33x37xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<37x256, u4, group_size = 0, scale_type = f32, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<33x256xf16>, tensor<3x4x512xi8>, tensor<3x1x16xf32>, tensor<3x1x16xi8>) -> tensor<33x37xf16>
  return %y : tensor<33x37xf16>
}

func.func @int8_per_channel_sym_m17(%x: tensor<17x128xf16>, %p: tensor<3x4x512xi8>, %s: tensor<3x1x16xf16>) -> tensor<17x48xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<48x128, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<17x128xf16>, tensor<3x4x512xi8>, tensor<3x1x16xf16>) -> tensor<17x48xf16>
  return %y : tensor<17x48xf16>
}

func.func @int8_g32_asym_m64_bf16(%x: tensor<64x128xbf16>, %p: tensor<2x4x512xi8>, %s: tensor<2x4x16xbf16>, %z: tensor<2x4x16xi8>) -> tensor<64x20xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<20x128, u8, group_size = 32, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<64x128xbf16>, tensor<2x4x512xi8>, tensor<2x4x16xbf16>, tensor<2x4x16xi8>) -> tensor<64x20xbf16>
  return %y : tensor<64x20xbf16>
}

func.func @int8_g128_asym_m40(%x: tensor<40x256xf16>, %p: tensor<2x8x512xi8>, %s: tensor<2x2x16xf16>, %z: tensor<2x2x16xi8>) -> tensor<40x24xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<24x256, u8, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<40x256xf16>, tensor<2x8x512xi8>, tensor<2x2x16xf16>, tensor<2x2x16xi8>) -> tensor<40x24xf16>
  return %y : tensor<40x24xf16>
}

func.func @int4_g16_asym_m20(%x: tensor<20x128xf16>, %p: tensor<1x2x512xi8>, %s: tensor<1x8x16xf16>, %z: tensor<1x8x16xi8>) -> tensor<20x16xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<16x128, u4, group_size = 16, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<20x128xf16>, tensor<1x2x512xi8>, tensor<1x8x16xf16>, tensor<1x8x16xi8>) -> tensor<20x16xf16>
  return %y : tensor<20x16xf16>
}

func.func @offsets_f16_g64_m24(%x: tensor<24x256xf16>, %p: tensor<3x4x512xi8>, %s: tensor<3x4x16xf16>, %z: tensor<3x4x16xi8>, %o: tensor<3x4x16xf16>) -> tensor<24x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<40x256, u4, group_size = 64, scale_type = f16, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<24x256xf16>, tensor<3x4x512xi8>, tensor<3x4x16xf16>, tensor<3x4x16xi8>, tensor<3x4x16xf16>) -> tensor<24x40xf16>
  return %y : tensor<24x40xf16>
}

func.func @offsets_f32_g128_m17(%x: tensor<17x256xf16>, %p: tensor<3x4x512xi8>, %s: tensor<3x2x16xf32>, %z: tensor<3x2x16xi8>, %o: tensor<3x2x16xf32>) -> tensor<17x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<40x256, u4, group_size = 128, scale_type = f32, zero_points, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<17x256xf16>, tensor<3x4x512xi8>, tensor<3x2x16xf32>, tensor<3x2x16xi8>, tensor<3x2x16xf32>) -> tensor<17x40xf16>
  return %y : tensor<17x40xf16>
}

func.func @offsets_per_channel_m19_bf16(%x: tensor<19x128xbf16>, %p: tensor<2x2x512xi8>, %s: tensor<2x1x16xbf16>, %o: tensor<2x1x16xbf16>) -> tensor<19x24xbf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<24x128, i4, group_size = 0, scale_type = bf16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<19x128xbf16>, tensor<2x2x512xi8>, tensor<2x1x16xbf16>, tensor<2x1x16xbf16>) -> tensor<19x24xbf16>
  return %y : tensor<19x24xbf16>
}

func.func @act_order_outliers_m18(%x: tensor<18x128xf16>, %p: tensor<2x2x512xi8>, %s: tensor<2x4x16xf16>, %z: tensor<2x4x16xi8>, %perm: tensor<128xi32>, %oc: tensor<2xi32>, %ow: tensor<32x2xf16>) -> tensor<18x32xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) {weight = #wq.qweight<32x128, u4, group_size = 32, scale_type = f16, zero_points, permuted, outliers = 2, layout = #wq.layout<mma_tiles>>} : (tensor<18x128xf16>, tensor<2x2x512xi8>, tensor<2x4x16xf16>, tensor<2x4x16xi8>, tensor<128xi32>, tensor<2xi32>, tensor<32x2xf16>) -> tensor<18x32xf16>
  return %y : tensor<18x32xf16>
}

func.func @dynamic_int4_g128(%x: tensor<?x256xf16>, %p: tensor<3x4x512xi8>, %s: tensor<3x2x16xf16>, %z: tensor<3x2x16xi8>) -> tensor<?x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x256, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<?x256xf16>, tensor<3x4x512xi8>, tensor<3x2x16xf16>, tensor<3x2x16xi8>) -> tensor<?x40xf16>
  return %y : tensor<?x40xf16>
}

func.func @dynamic_int8_per_channel_bf16(%x: tensor<?x128xbf16>, %p: tensor<2x4x512xi8>, %s: tensor<2x1x16xf16>) -> tensor<?x24xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<24x128, i8, group_size = 0, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<?x128xbf16>, tensor<2x4x512xi8>, tensor<2x1x16xf16>) -> tensor<?x24xbf16>
  return %y : tensor<?x24xbf16>
}
