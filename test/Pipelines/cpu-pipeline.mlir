// RUN: wq-opt %s --wq-cpu-pipeline | FileCheck %s
// RUN: wq-opt --help | FileCheck %s --check-prefix=HELP

// The pipeline leaves only LLVM dialect ops; the quantized weight stays i8.
// CHECK-NOT: wq.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK: llvm.func @linear
// CHECK: llvm.load {{.*}} -> i8
// CHECK: llvm.lshr
// CHECK-NOT: wq.
func.func @linear(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %z: tensor<4x2xi8>) -> tensor<2x4xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<4x2xi8>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// HELP: --wq-fold-constant-dequantize
// HELP: --wq-lower-to-linalg
// HELP: --wq-quantize-weights
// HELP: --bits=
// HELP: --group-size=
// HELP: --method=
// HELP: --min-elements=
// HELP: --ops=
// HELP: --scale-type=
// HELP: --symmetric
// HELP: --wq-cpu-pipeline
