// RUN: wq-opt %s --split-input-file --wq-narrow-matmul-activations | FileCheck %s
// RUN: wq-opt %s --split-input-file --wq-narrow-matmul-activations=type=bf16 | FileCheck %s --check-prefix=BF16
// RUN: wq-opt %s --split-input-file --wq-narrow-matmul-activations=type=f32 | FileCheck %s --check-prefix=SAME
// RUN: not wq-opt %s --wq-narrow-matmul-activations=type=f64 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: wq-narrow-matmul-activations: type must be f32, f16 or bf16, got 'f64'

// f32 activations (dynamic M): truncf to f16 before the matmul, which
// returns f16, extf after it.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK: %[[X:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<?x64xf32>) outs(%{{.*}} : tensor<?x64xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: %[[Y:.*]] = wq.matmul %[[X]], {{.*}} : (tensor<?x64xf16>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<?x16xf16>
// CHECK: linalg.generic {{.*}} ins(%[[Y]] : tensor<?x16xf16>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// BF16-LABEL: func.func @dynamic_rows
// BF16: wq.matmul {{.*}} : (tensor<?x64xbf16>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<?x16xbf16>
// SAME-LABEL: func.func @dynamic_rows
// SAME: wq.matmul {{.*}} : (tensor<?x64xf32>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<?x16xf32>
func.func @dynamic_rows(%x: tensor<?x64xf32>, %p: tensor<16x2x16xi8>, %s: tensor<16x2xf16>) -> tensor<?x16xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16>} : (tensor<?x64xf32>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Already f16; and outlier channels, which stay f32: unchanged.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: linalg.generic
// CHECK: wq.matmul {{.*}} -> tensor<2x16xf16>
// CHECK: wq.matmul {{.*}} -> tensor<2x16xf32>
func.func @kept(%xh: tensor<2x64xf16>, %x: tensor<2x64xf32>, %p: tensor<16x2x16xi8>, %s: tensor<16x2xf16>, %oc: tensor<2xi32>, %ow: tensor<16x2xf32>) -> (tensor<2x16xf16>, tensor<2x16xf32>) {
  %a = wq.matmul %xh, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16>} : (tensor<2x64xf16>, tensor<16x2x16xi8>, tensor<16x2xf16>) -> tensor<2x16xf16>
  %b = wq.matmul %x, %p, %s outliers(%oc, %ow) {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16, outliers = 2>} : (tensor<2x64xf32>, tensor<16x2x16xi8>, tensor<16x2xf16>, tensor<2xi32>, tensor<16x2xf32>) -> tensor<2x16xf32>
  return %a, %b : tensor<2x16xf16>, tensor<2x16xf32>
}
