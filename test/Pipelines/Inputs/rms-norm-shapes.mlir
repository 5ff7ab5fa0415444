// wq.rms_norm rows for the GPU kernel (wq-lower-rms-norm-to-gpu): a decode
// row of SmolLM2's 576 features (256 threads, rows not a multiple of them),
// 3 prompt rows of 64 (two warps), a dynamic number of rows of 4096 (the
// Llama-3-8B width), and 40 features (two warps, the second mostly idle).
func.func @norm_576_m1(%x: tensor<1x576xf32>, %w: tensor<576xf32>) -> tensor<1x576xf32> {
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<1x576xf32>, tensor<576xf32>) -> tensor<1x576xf32>
  return %y : tensor<1x576xf32>
}

func.func @norm_64_m3(%x: tensor<3x64xf32>, %w: tensor<64xf32>) -> tensor<3x64xf32> {
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<3x64xf32>, tensor<64xf32>) -> tensor<3x64xf32>
  return %y : tensor<3x64xf32>
}

func.func @norm_4096_dynamic(%x: tensor<?x4096xf32>, %w: tensor<4096xf32>) -> tensor<?x4096xf32> {
  %y = wq.rms_norm %x, %w epsilon = 1.0e-06 : (tensor<?x4096xf32>, tensor<4096xf32>) -> tensor<?x4096xf32>
  return %y : tensor<?x4096xf32>
}

func.func @norm_40_m2(%x: tensor<2x40xf32>, %w: tensor<40xf32>) -> tensor<2x40xf32> {
  %y = wq.rms_norm %x, %w epsilon = 0.5 : (tensor<2x40xf32>, tensor<40xf32>) -> tensor<2x40xf32>
  return %y : tensor<2x40xf32>
}

// The fused residual: x + r normalized, and the sum (the model's residual
// stream) as a second result; 3 rows of 576.
func.func @norm_576_residual_m3(%x: tensor<3x576xf32>, %w: tensor<576xf32>, %r: tensor<3x576xf32>) -> (tensor<3x576xf32>, tensor<3x576xf32>) {
  %y, %s = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-05 : (tensor<3x576xf32>, tensor<576xf32>, tensor<3x576xf32>) -> (tensor<3x576xf32>, tensor<3x576xf32>)
  return %y, %s : tensor<3x576xf32>, tensor<3x576xf32>
}
