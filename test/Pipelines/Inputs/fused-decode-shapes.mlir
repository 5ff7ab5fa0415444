// Producers the SIMT decode kernel (wq-lower-to-gpu-decode) takes in: the
// GPU sim check (gpu-sim-fused-decode.test) runs each function's one kernel
// against a float64 reference of the producer and the matmul together.

// A decode step's norm before the attention projections: a residual sum
// normalized (int4 g32, asym), the sum also returned; K = 576 (SmolLM2: 18
// chunks, lanes 18..31 idle).
func.func @norm_residual_576_m1(%x: tensor<1x576xf32>, %w: tensor<576xf32>, %r: tensor<1x576xf32>, %p: tensor<40x18x16xi8>, %s: tensor<40x18xf16>, %z: tensor<40x18xi8>) -> (tensor<1x40xf32>, tensor<1x576xf32>) {
  %xc = tensor.cast %x : tensor<1x576xf32> to tensor<?x576xf32>
  %rc = tensor.cast %r : tensor<1x576xf32> to tensor<?x576xf32>
  %n, %sum = wq.rms_norm %xc, %w residual(%rc) epsilon = 1.0e-05 : (tensor<?x576xf32>, tensor<576xf32>, tensor<?x576xf32>) -> (tensor<?x576xf32>, tensor<?x576xf32>)
  %nc = tensor.cast %n : tensor<?x576xf32> to tensor<1x576xf32>
  %y = wq.matmul %nc, %p, %s zero_points(%z) {weight = #wq.qweight<40x576, u4, group_size = 32, scale_type = f16, zero_points>} : (tensor<1x576xf32>, tensor<40x18x16xi8>, tensor<40x18xf16>, tensor<40x18xi8>) -> tensor<1x40xf32>
  %sc = tensor.cast %sum : tensor<?x576xf32> to tensor<1x576xf32>
  return %y, %sc : tensor<1x40xf32>, tensor<1x576xf32>
}

// 11 rows: two row blocks of 6, the last one's sixth row past M (it must
// not write the sum); signed int8 per channel into N = 13 channels (odd: the
// last warp's channels past N are read, not stored).
func.func @norm_residual_64_m11(%x: tensor<11x64xf32>, %w: tensor<64xf32>, %r: tensor<11x64xf32>, %p: tensor<13x1x64xi8>, %s: tensor<13x1xf32>) -> (tensor<11x13xf32>, tensor<11x64xf32>) {
  %n, %sum = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-05 : (tensor<11x64xf32>, tensor<64xf32>, tensor<11x64xf32>) -> (tensor<11x64xf32>, tensor<11x64xf32>)
  %y = wq.matmul %n, %p, %s {weight = #wq.qweight<13x64, i8, group_size = 0, scale_type = f32>} : (tensor<11x64xf32>, tensor<13x1x64xi8>, tensor<13x1xf32>) -> tensor<11x13xf32>
  return %y, %sum : tensor<11x13xf32>, tensor<11x64xf32>
}

// The first norm of a model (no residual), 3 rows, group offsets and a
// large epsilon.
func.func @norm_128_m3_offsets(%x: tensor<3x128xf32>, %w: tensor<128xf32>, %p: tensor<24x2x32xi8>, %s: tensor<24x2xf16>, %z: tensor<24x2xi8>, %o: tensor<24x2xf16>) -> tensor<3x24xf32> {
  %n = wq.rms_norm %x, %w epsilon = 0.25 : (tensor<3x128xf32>, tensor<128xf32>) -> tensor<3x128xf32>
  %y = wq.matmul %n, %p, %s zero_points(%z) offsets(%o) {weight = #wq.qweight<24x128, u4, group_size = 64, scale_type = f16, zero_points, offsets>} : (tensor<3x128xf32>, tensor<24x2x32xi8>, tensor<24x2xf16>, tensor<24x2xi8>, tensor<24x2xf16>) -> tensor<3x24xf32>
  return %y : tensor<3x24xf32>
}

// SwiGLU of the two halves of a fused gate/up projection, read in place.
func.func @swiglu_320_m1(%h: tensor<1x640xf32>, %p: tensor<24x5x32xi8>, %s: tensor<24x5xf16>, %z: tensor<24x5xi8>) -> tensor<1x24xf32> {
  %g = tensor.extract_slice %h[0, 0] [1, 320] [1, 1] : tensor<1x640xf32> to tensor<1x320xf32>
  %u = tensor.extract_slice %h[0, 320] [1, 320] [1, 1] : tensor<1x640xf32> to tensor<1x320xf32>
  %e = tensor.empty() : tensor<1x320xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g, %u : tensor<1x320xf32>, tensor<1x320xf32>) outs(%e : tensor<1x320xf32>) {
  ^bb0(%gi: f32, %ui: f32, %o: f32):
    %one = arith.constant 1.000000e+00 : f32
    %neg = arith.negf %gi : f32
    %ex = math.exp %neg : f32
    %den = arith.addf %ex, %one : f32
    %sig = arith.divf %gi, %den : f32
    %m = arith.mulf %sig, %ui : f32
    linalg.yield %m : f32
  } -> tensor<1x320xf32>
  %y = wq.matmul %a, %p, %s zero_points(%z) {weight = #wq.qweight<24x320, u4, group_size = 64, scale_type = f16, zero_points>} : (tensor<1x320xf32>, tensor<24x5x32xi8>, tensor<24x5xf16>, tensor<24x5xi8>) -> tensor<1x24xf32>
  return %y : tensor<1x24xf32>
}

// An element-wise producer with a row vector broadcast over 2 rows, an
// unaligned slice (column offset 3: element-aligned loads) and f16
// activations out of an f32 body.
func.func @scaled_f16_m2(%h: tensor<2x131xf32>, %c: tensor<128xf32>, %p: tensor<16x4x16xi8>, %s: tensor<16x4xf16>) -> tensor<2x16xf16> {
  %v = tensor.extract_slice %h[0, 3] [2, 128] [1, 1] : tensor<2x131xf32> to tensor<2x128xf32>
  %e = tensor.empty() : tensor<2x128xf16>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%v, %c : tensor<2x128xf32>, tensor<128xf32>) outs(%e : tensor<2x128xf16>) {
  ^bb0(%vi: f32, %ci: f32, %o: f16):
    %m = arith.mulf %vi, %ci : f32
    %t = arith.truncf %m : f32 to f16
    linalg.yield %t : f16
  } -> tensor<2x128xf16>
  %y = wq.matmul %a, %p, %s {weight = #wq.qweight<16x128, i4, group_size = 32, scale_type = f16>} : (tensor<2x128xf16>, tensor<16x4x16xi8>, tensor<16x4xf16>) -> tensor<2x16xf16>
  return %y : tensor<2x16xf16>
}

// A prompt: a dynamic M (--rows: 21 rows, blocks of 8, the third with 5);
// its norm stays a kernel (not worth repeating in every warp).
func.func @norm_residual_64_dynamic(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %r: tensor<?x64xf32>, %p: tensor<20x2x16xi8>, %s: tensor<20x2xf16>, %o: tensor<20x2xf16>) -> (tensor<?x20xf32>, tensor<?x64xf32>) {
  %n, %sum = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-05 : (tensor<?x64xf32>, tensor<64xf32>, tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>)
  %y = wq.matmul %n, %p, %s offsets(%o) {weight = #wq.qweight<20x64, u4, group_size = 32, scale_type = f16, offsets>} : (tensor<?x64xf32>, tensor<20x2x16xi8>, tensor<20x2xf16>, tensor<20x2xf16>) -> tensor<?x20xf32>
  return %y, %sum : tensor<?x20xf32>, tensor<?x64xf32>
}

// A prompt's plain matmul (no producer), int8 per channel, f16 activations
// of 19 channels (row_major: an argument weight stays in its layout).
func.func @plain_i8_f16_dynamic(%x: tensor<?x48xf16>, %p: tensor<19x1x48xi8>, %s: tensor<19x1xf16>) -> tensor<?x19xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<19x48, i8, group_size = 0, scale_type = f16>} : (tensor<?x48xf16>, tensor<19x1x48xi8>, tensor<19x1xf16>) -> tensor<?x19xf16>
  return %y : tensor<?x19xf16>
}
