// RUN: wq-opt %s --split-input-file --wq-lower-attention-to-gpu --canonicalize | FileCheck %s
// RUN: wq-opt %s --split-input-file "--wq-lower-attention-to-gpu=warps=2 unroll=1" --canonicalize | FileCheck %s --check-prefix=SMALL
// RUN: not wq-opt %s --wq-lower-attention-to-gpu=warps=33 2>&1 | FileCheck %s --check-prefix=BAD-WARPS
// RUN: not wq-opt %s --wq-lower-attention-to-gpu=unroll=0 2>&1 | FileCheck %s --check-prefix=BAD-UNROLL

// A decode step of SmolLM2's attention (9 heads of 64, 3 KV heads): one
// launch with a block per head (and row), 16 warps; the position is read by
// the kernel; each warp reads one position's 64 keys as 2 per lane, four
// positions per iteration (16 warps apart: 64 a step), reduces the dot
// products with 5 xor shuffles, and keeps the online softmax (max, sum, 2
// weighted sums per lane) in the loop's state; the 16 states meet in 16 x 66
// floats of shared memory after a barrier.
// CHECK-LABEL: func.func @step
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<1x576xf32>
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c9, %{{.*}} = %c1, %{{.*}} = %c1) threads({{.*}}) in (%{{.*}} = %c512, %{{.*}} = %c1, %{{.*}} = %c1) dynamic_shared_memory_size %c4224_i32
// CHECK: %[[POS:.*]] = tensor.extract %arg4[%c0] : tensor<1xi32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c64 iter_args(%{{.*}} = %cst{{.*}}, %{{.*}} = %cst{{.*}}, %{{.*}} = %cst{{.*}}, %{{.*}} = %cst{{.*}}) -> (f32, f32, f32, f32)
// CHECK-COUNT-2: memref.load %arg1
// CHECK: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32
// CHECK-COUNT-2: memref.load %arg1
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: memref.load %arg2
// CHECK: scf.yield
// CHECK: memref.view {{.*}} to memref<16x66xf32, #gpu.address_space<workgroup>>
// CHECK: llvm.inline_asm has_side_effects "bar.sync 0;", "~{memory}"
// CHECK: memref.store %{{.*}}, %[[OUT]]
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// SMALL-LABEL: func.func @step
// SMALL: threads({{.*}}) in (%{{.*}} = %c64, %{{.*}} = %c1, %{{.*}} = %c1) dynamic_shared_memory_size %c528_i32
// SMALL: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c2 iter_args
// BAD-WARPS: wq-lower-attention-to-gpu: warps must be in [1, 32]
// BAD-UNROLL: wq-lower-attention-to-gpu: unroll must be in [1, 8]
func.func @step(%q: tensor<1x576xf32>, %k: memref<30x?x192xf32>, %v: memref<30x?x192xf32>, %layer: index, %start: tensor<1xi32>) -> tensor<1x576xf32> {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 9 : i64, kv_heads = 3 : i64} : tensor<1x576xf32>, memref<30x?x192xf32>, tensor<1xi32>
  return %o : tensor<1x576xf32>
}

// -----

// Prompt rows of stories260K (8 heads of 8): blocks over heads and the
// dynamic rows; 8 lanes per position, 4 positions per warp (xor shuffles
// 4, 2, 1 only), 32 groups in all (8 warps: the cap on groups).
// CHECK-LABEL: func.func @rows
// CHECK: %[[ROWS:.*]] = tensor.dim %arg0
// CHECK: memref.alloc(%[[ROWS]]) : memref<?x64xf32>
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %c8, %{{.*}} = %[[ROWS]], %{{.*}} = %c1)
// CHECK-NOT: gpu.shuffle  xor %{{.*}}, %c8_i32
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32, %c32_i32
// CHECK: memref.view {{.*}} to memref<32x10xf32, #gpu.address_space<workgroup>>
func.func @rows(%q: tensor<?x64xf32>, %k: memref<5x?x32xf32>, %v: memref<5x?x32xf32>, %layer: index, %start: index) -> tensor<?x64xf32> {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 8 : i64, kv_heads = 4 : i64} : tensor<?x64xf32>, memref<5x?x32xf32>, index
  return %o : tensor<?x64xf32>
}

// -----

// Heads of 1024: 16 groups' states would take 65 KiB of shared memory (over
// the 48 KiB a kernel gets without an opt-in): the op is left to
// wq-lower-to-linalg.
// CHECK-LABEL: func.func @too_wide
// CHECK-NOT: gpu.launch
// CHECK: wq.attention
func.func @too_wide(%q: tensor<1x1024xf32>, %k: memref<1x?x1024xf32>, %v: memref<1x?x1024xf32>, %layer: index, %start: index) -> tensor<1x1024xf32> {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 1 : i64, kv_heads = 1 : i64} : tensor<1x1024xf32>, memref<1x?x1024xf32>, index
  return %o : tensor<1x1024xf32>
}
