// RUN: wq-opt %s --split-input-file --verify-diagnostics --wq-lower-to-gpu-decode
// RUN: wq-opt %s --split-input-file --verify-diagnostics --wq-lower-to-gpu-prefill

// An mma_tiles weight has no other reader: a matmul the tensor-core schedule
// cannot run is an error.
func.func @f32_activations(%x: tensor<1x64xf32>, %p: tensor<1x1x512xi8>, %s: tensor<1x2x16xf16>) -> tensor<1x16xf32> {
  // expected-error @+1 {{'wq.matmul' op has an mma_tiles weight, but the tensor-core kernels need [M >= 1, K] f16 or bf16 activations and result}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x64xf32>, tensor<1x1x512xi8>, tensor<1x2x16xf16>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

func.func @group48(%x: tensor<1x192xf16>, %p: tensor<1x3x512xi8>, %s: tensor<1x4x16xf16>) -> tensor<1x16xf16> {
  // expected-error @+1 {{'wq.matmul' op has an mma_tiles weight, but the tensor-core kernels need groups dividing or a multiple of the 64-position tile, got 48}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x192, i4, group_size = 48, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<1x192xf16>, tensor<1x3x512xi8>, tensor<1x4x16xf16>) -> tensor<1x16xf16>
  return %y : tensor<1x16xf16>
}

// -----

// M = 0 (no activation rows; the kernel's row tiles divided by zero).
func.func @no_rows(%x: tensor<0x64xf16>, %p: tensor<1x1x512xi8>, %s: tensor<1x2x16xf16>) -> tensor<0x16xf16> {
  // expected-error @+1 {{'wq.matmul' op has an mma_tiles weight, but the tensor-core kernels need [M >= 1, K] f16 or bf16 activations and result}}
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<0x64xf16>, tensor<1x1x512xi8>, tensor<1x2x16xf16>) -> tensor<0x16xf16>
  return %y : tensor<0x16xf16>
}
