// RUN: wq-opt %s --load-pass-plugin=%plugin \
// RUN:   --pass-pipeline="builtin.module(wq-example-matmul-to-call)" --verify-diagnostics

func.func @permuted(%x: tensor<2x8xf32>, %p: tensor<3x2x2xi8>, %s: tensor<3x2xf16>, %perm: tensor<8xi32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'wq.matmul' op has a permuted, outlier or batched weight, which the example library does not implement}}
  %y = wq.matmul %x, %p, %s perm(%perm) {weight = #wq.qweight<3x8, i4, group_size = 4, scale_type = f16, permuted>} : (tensor<2x8xf32>, tensor<3x2x2xi8>, tensor<3x2xf16>, tensor<8xi32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
