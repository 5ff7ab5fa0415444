// RUN: wq-opt %s --split-input-file --verify-diagnostics --wq-lower-to-linalg

func.func @three_bits(%x: tensor<2x8xf32>, %p: tensor<4x1x3xi8>, %s: tensor<4x1xf16>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'wq.matmul' op cannot be lowered: 3-bit storage straddles bytes; the CPU lowering supports 2, 4 and 8 bits}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x8, i3, group_size = 0, scale_type = f16>} : (tensor<2x8xf32>, tensor<4x1x3xi8>, tensor<4x1xf16>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @runtime_quantize(%w: tensor<4x8xf32>) -> tensor<4x2x2xi8> {
  // expected-error @+1 {{'wq.quantize' op has a non-constant input and cannot be lowered}}
  %p, %s = wq.quantize %w {weight = #wq.qweight<4x8, i4, group_size = 4, scale_type = f16>} : (tensor<4x8xf32>) -> (tensor<4x2x2xi8>, tensor<4x2xf16>)
  return %p : tensor<4x2x2xi8>
}

// -----

func.func @gpu_layout(%x: tensor<1x64xf32>, %p: tensor<1x1x512xi8>, %s: tensor<1x2x16xf16>) -> tensor<1x16xf32> {
  // expected-error @+1 {{'wq.matmul' op cannot be lowered: layout mma_tiles is read only by the GPU decode kernel (wq-lower-to-gpu-decode); the CPU lowering reads row_major}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x64xf32>, tensor<1x1x512xi8>, tensor<1x2x16xf16>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}
