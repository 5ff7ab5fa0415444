// RUN: wq-opt %s --split-input-file --wq-lower-rms-norm-to-gpu | FileCheck %s
// RUN: wq-opt %s --split-input-file --wq-lower-rms-norm-to-gpu=max-threads=64 | FileCheck %s --check-prefix=NARROW
// RUN: not wq-opt %s --wq-lower-rms-norm-to-gpu=max-threads=48 2>&1 | FileCheck %s --check-prefix=BAD

// One launch: a block per row (the dynamic row count), 256 threads striding
// over the 576 features, a shuffle reduction per warp, the warps' sums through
// 32 bytes of shared memory after a barrier, then the scaling.
// CHECK-LABEL: func.func @decode_row
// CHECK: %[[X:.*]] = bufferization.to_buffer %arg0 read_only
// CHECK: %[[W:.*]] = bufferization.to_buffer %arg1 read_only
// CHECK: %[[ROWS:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[OUT:.*]] = memref.alloc(%[[ROWS]]) : memref<?x576xf32>
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[ROWS]], %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c256{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) dynamic_shared_memory_size %c32_i32
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32
// CHECK: gpu.dynamic_shared_memory
// CHECK: llvm.inline_asm has_side_effects "bar.sync 0;", "~{memory}"
// CHECK: math.sqrt
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %[[OUT]]
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// NARROW-LABEL: func.func @decode_row
// NARROW: threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c64{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) dynamic_shared_memory_size %c8_i32
// BAD: max-threads must be a multiple of 32 in [32, 1024]
func.func @decode_row(%x: tensor<?x576xf32>, %w: tensor<576xf32>) -> tensor<?x576xf32> {
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<?x576xf32>, tensor<576xf32>) -> tensor<?x576xf32>
  return %y : tensor<?x576xf32>
}

// -----

// A short row: one warp of 32 threads.
// CHECK-LABEL: func.func @short_row
// CHECK: threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c32{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) dynamic_shared_memory_size %c4_i32
func.func @short_row(%x: tensor<2x20xf32>, %w: tensor<20xf32>) -> tensor<2x20xf32> {
  %y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<2x20xf32>, tensor<20xf32>) -> tensor<2x20xf32>
  return %y : tensor<2x20xf32>
}

// -----

// Not f32, or a dynamic row length: left for wq-lower-to-linalg.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: gpu.launch
// CHECK: wq.rms_norm %arg0, %arg1 epsilon
// CHECK: wq.rms_norm %arg2, %arg3 epsilon
func.func @left_alone(%h: tensor<2x64xf16>, %hw: tensor<64xf16>, %d: tensor<2x?xf32>, %dw: tensor<?xf32>) -> (tensor<2x64xf16>, tensor<2x?xf32>) {
  %a = wq.rms_norm %h, %hw epsilon = 1.0e-05 : (tensor<2x64xf16>, tensor<64xf16>) -> tensor<2x64xf16>
  %b = wq.rms_norm %d, %dw epsilon = 1.0e-05 : (tensor<2x?xf32>, tensor<?xf32>) -> tensor<2x?xf32>
  return %a, %b : tensor<2x64xf16>, tensor<2x?xf32>
}

// -----

// With a residual: each element is x + r, stored into the sum's buffer in
// the first pass and recomputed in the second; two results.
// CHECK-LABEL: func.func @residual
// CHECK: %[[R:.*]] = bufferization.to_buffer %arg2 read_only
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<1x64xf32>
// CHECK: %[[SUM:.*]] = memref.alloc() : memref<1x64xf32>
// CHECK: gpu.launch
// CHECK: scf.for
// CHECK: %[[RV:.*]] = memref.load %[[R]]
// CHECK: %[[S:.*]] = arith.addf %{{.*}}, %[[RV]]
// CHECK: memref.store %[[S]], %[[SUM]]
// CHECK: gpu.shuffle
// CHECK: scf.for
// CHECK: memref.load %[[R]]
// CHECK: memref.store %{{.*}}, %[[OUT]]
// CHECK: %[[Y:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[SUM]] restrict writable
// CHECK: return %[[Y]], %[[T]]
func.func @residual(%x: tensor<1x64xf32>, %w: tensor<64xf32>, %r: tensor<1x64xf32>) -> (tensor<1x64xf32>, tensor<1x64xf32>) {
  %y, %s = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-05 : (tensor<1x64xf32>, tensor<64xf32>, tensor<1x64xf32>) -> (tensor<1x64xf32>, tensor<1x64xf32>)
  return %y, %s : tensor<1x64xf32>, tensor<1x64xf32>
}
