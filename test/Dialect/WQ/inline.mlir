// RUN: wq-opt %s --inline | FileCheck %s

// Functions holding wq ops inline into their callers (the dialect's inliner
// interface; without it the inliner keeps every such call, which is what
// wq-gpu-pipeline's inlining of a model's helpers relies on).
// CHECK-LABEL: func.func @caller
// CHECK-NOT: call
// CHECK: wq.rms_norm %arg0, %arg1 epsilon
// CHECK: wq.attention %{{.*}}, %arg2, %arg2 layer %arg3 start %arg3
// CHECK-NOT: func.func private
func.func private @norm(%x: tensor<1x64xf32>, %w: tensor<64xf32>) -> tensor<1x64xf32> {
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<1x64xf32>, tensor<64xf32>) -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

func.func private @attend(%q: tensor<1x64xf32>, %k: memref<2x8x32xf32>, %i: index) -> tensor<1x64xf32> {
  %o = wq.attention %q, %k, %k layer %i start %i {heads = 8 : i64, kv_heads = 4 : i64} : tensor<1x64xf32>, memref<2x8x32xf32>, index
  return %o : tensor<1x64xf32>
}

func.func @caller(%x: tensor<1x64xf32>, %w: tensor<64xf32>, %k: memref<2x8x32xf32>, %i: index) -> tensor<1x64xf32> {
  %y = call @norm(%x, %w) : (tensor<1x64xf32>, tensor<64xf32>) -> tensor<1x64xf32>
  %o = call @attend(%y, %k, %i) : (tensor<1x64xf32>, memref<2x8x32xf32>, index) -> tensor<1x64xf32>
  return %o : tensor<1x64xf32>
}
