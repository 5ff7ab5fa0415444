// RUN: wq-opt %s --split-input-file --allow-unregistered-dialect --wq-deduplicate-gpu-kernels | FileCheck %s

// Two layers' copies of one kernel become one module; a kernel that differs
// in a constant, and one that differs only in its launch-bound hint, stay.
// CHECK-LABEL: func.func @layers
// CHECK: gpu.launch_func @scale::@kernel
// CHECK: gpu.launch_func @scale::@kernel
// CHECK: gpu.launch_func @scale_2::@kernel
// CHECK: gpu.launch_func @scale_3::@kernel
// CHECK: gpu.launch_func @scale::@kernel
// CHECK: gpu.module @scale
// CHECK-NOT: gpu.module @scale_1
// CHECK: gpu.module @scale_2
// CHECK: arith.constant 3.0
// CHECK: gpu.module @scale_3
// CHECK-SAME: {
// CHECK-NEXT: gpu.func @kernel
// CHECK-SAME: nvvm.minctasm = 2
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @layers(%x: memref<64xf32>, %y: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @scale::@kernel blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%x : memref<64xf32>)
    gpu.launch_func @scale_1::@kernel blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%y : memref<64xf32>)
    gpu.launch_func @scale_2::@kernel blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%x : memref<64xf32>)
    gpu.launch_func @scale_3::@kernel blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%x : memref<64xf32>)
    gpu.launch_func @scale_1::@kernel blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%x : memref<64xf32>)
    return
  }
  gpu.module @scale {
    gpu.func @kernel(%buffer: memref<64xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %buffer[%i] : memref<64xf32>
      %c = arith.constant 2.0 : f32
      %r = arith.mulf %v, %c : f32
      memref.store %r, %buffer[%i] : memref<64xf32>
      gpu.return
    }
  }
  gpu.module @scale_1 {
    gpu.func @kernel(%buffer: memref<64xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %buffer[%i] : memref<64xf32>
      %c = arith.constant 2.0 : f32
      %r = arith.mulf %v, %c : f32
      memref.store %r, %buffer[%i] : memref<64xf32>
      gpu.return
    }
  }
  gpu.module @scale_2 {
    gpu.func @kernel(%buffer: memref<64xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %buffer[%i] : memref<64xf32>
      %c = arith.constant 3.0 : f32
      %r = arith.mulf %v, %c : f32
      memref.store %r, %buffer[%i] : memref<64xf32>
      gpu.return
    }
  }
  gpu.module @scale_3 {
    gpu.func @kernel(%buffer: memref<64xf32>) kernel attributes {nvvm.minctasm = 2 : i32} {
      %i = gpu.thread_id x
      %v = memref.load %buffer[%i] : memref<64xf32>
      %c = arith.constant 2.0 : f32
      %r = arith.mulf %v, %c : f32
      memref.store %r, %buffer[%i] : memref<64xf32>
      gpu.return
    }
  }
}

// -----

// A module something other than a launch refers to stays, and so do the
// launches of it; an identical module only launches refer to goes. Operand
// order matters: a kernel that swaps two uses is a different kernel.
// CHECK-LABEL: func.func @pinned
// CHECK: gpu.launch_func @sub::@kernel
// CHECK: gpu.launch_func @sub_pinned::@kernel
// CHECK: gpu.launch_func @sub::@kernel
// CHECK: gpu.launch_func @sub_swapped::@kernel
// CHECK: "test.refers"() {kernel = @sub_pinned}
// CHECK: gpu.module @sub
// CHECK: gpu.module @sub_pinned
// CHECK-NOT: gpu.module @sub_copy
// CHECK: gpu.module @sub_swapped
// CHECK: arith.subf %[[B:.*]], %[[A:.*]] : f32
module attributes {gpu.container_module} {
  func.func @pinned(%x: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @sub::@kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<64xf32>)
    gpu.launch_func @sub_pinned::@kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<64xf32>)
    gpu.launch_func @sub_copy::@kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<64xf32>)
    gpu.launch_func @sub_swapped::@kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<64xf32>)
    "test.refers"() {kernel = @sub_pinned} : () -> ()
    return
  }
  gpu.module @sub {
    gpu.func @kernel(%buffer: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %a = memref.load %buffer[%c0] : memref<64xf32>
      %b = memref.load %buffer[%c1] : memref<64xf32>
      %r = arith.subf %a, %b : f32
      memref.store %r, %buffer[%c0] : memref<64xf32>
      gpu.return
    }
  }
  gpu.module @sub_pinned {
    gpu.func @kernel(%buffer: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %a = memref.load %buffer[%c0] : memref<64xf32>
      %b = memref.load %buffer[%c1] : memref<64xf32>
      %r = arith.subf %a, %b : f32
      memref.store %r, %buffer[%c0] : memref<64xf32>
      gpu.return
    }
  }
  gpu.module @sub_copy {
    gpu.func @kernel(%buffer: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %a = memref.load %buffer[%c0] : memref<64xf32>
      %b = memref.load %buffer[%c1] : memref<64xf32>
      %r = arith.subf %a, %b : f32
      memref.store %r, %buffer[%c0] : memref<64xf32>
      gpu.return
    }
  }
  gpu.module @sub_swapped {
    gpu.func @kernel(%buffer: memref<64xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %a = memref.load %buffer[%c0] : memref<64xf32>
      %b = memref.load %buffer[%c1] : memref<64xf32>
      %r = arith.subf %b, %a : f32
      memref.store %r, %buffer[%c0] : memref<64xf32>
      gpu.return
    }
  }
}

// -----

// Copies that differ only in integer constants used as indices (a layer's
// row of a cache) become one kernel that takes them as arguments: one per
// distinct set of values (the layer index read by a load and an add is one
// argument; the offset 2, the same in every copy, stays a constant, even
// where the layer index is also 2), each launch passing its own module's
// values. A constant that is a loop bound or a divisor keeps its copies
// apart (their values let the compiler unroll or strength-reduce).
// CHECK-LABEL: func.func @cache_layers
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: gpu.launch_func @layer_a::@kernel {{.*}} args(%{{.*}} : memref<4x8xf32>, %[[ONE]]_0 : index)
// CHECK: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: gpu.launch_func @layer_a::@kernel {{.*}} args(%{{.*}} : memref<4x8xf32>, %[[ZERO]] : index)
// CHECK: %[[TWO:.*]] = arith.constant 2 : index
// CHECK: gpu.launch_func @layer_a::@kernel {{.*}} args(%{{.*}} : memref<4x8xf32>, %[[TWO]] : index)
// CHECK: gpu.launch_func @bound_a::@kernel
// CHECK: gpu.launch_func @bound_b::@kernel
// CHECK: gpu.launch_func @divisor_a::@kernel
// CHECK: gpu.launch_func @divisor_b::@kernel
// CHECK: gpu.module @layer_a
// CHECK-NEXT: gpu.func @kernel(%[[CACHE:.*]]: memref<4x8xf32>, %[[LAYER:.*]]: index) kernel
// CHECK-NOT: arith.constant 1
// CHECK: %[[OFFSET:.*]] = arith.constant 2 : index
// CHECK: memref.load %[[CACHE]][%[[LAYER]], %{{.*}}]
// CHECK: arith.addi %[[LAYER]], %[[OFFSET]] : index
// CHECK-NOT: gpu.module @layer_b
// CHECK-NOT: gpu.module @layer_c
// CHECK: gpu.module @bound_a
// CHECK: gpu.module @bound_b
// CHECK: gpu.module @divisor_a
// CHECK: gpu.module @divisor_b
module attributes {gpu.container_module} {
  func.func @cache_layers(%cache: memref<4x8xf32>) {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    gpu.launch_func @layer_a::@kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%cache : memref<4x8xf32>)
    gpu.launch_func @layer_b::@kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%cache : memref<4x8xf32>)
    gpu.launch_func @layer_c::@kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%cache : memref<4x8xf32>)
    gpu.launch_func @bound_a::@kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%cache : memref<4x8xf32>)
    gpu.launch_func @bound_b::@kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%cache : memref<4x8xf32>)
    gpu.launch_func @divisor_a::@kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%cache : memref<4x8xf32>)
    gpu.launch_func @divisor_b::@kernel blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%cache : memref<4x8xf32>)
    return
  }
  // Layer 1: reads row 1, writes row 1 + 2 = 3 (the layer index twice, the
  // offset 2 the same in every layer).
  gpu.module @layer_a {
    gpu.func @kernel(%cache: memref<4x8xf32>) kernel {
      %i = gpu.thread_id x
      %layer = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %v = memref.load %cache[%layer, %i] : memref<4x8xf32>
      %row = arith.addi %layer, %c2 : index
      memref.store %v, %cache[%row, %i] : memref<4x8xf32>
      gpu.return
    }
  }
  gpu.module @layer_b {
    gpu.func @kernel(%cache: memref<4x8xf32>) kernel {
      %i = gpu.thread_id x
      %c2 = arith.constant 2 : index
      %layer = arith.constant 0 : index
      %v = memref.load %cache[%layer, %i] : memref<4x8xf32>
      %row = arith.addi %layer, %c2 : index
      memref.store %v, %cache[%row, %i] : memref<4x8xf32>
      gpu.return
    }
  }
  // The layer index is also the offset here: the same constant, different
  // uses; still one kernel, the offset's value passed separately.
  gpu.module @layer_c {
    gpu.func @kernel(%cache: memref<4x8xf32>) kernel {
      %i = gpu.thread_id x
      %c2 = arith.constant 2 : index
      %v = memref.load %cache[%c2, %i] : memref<4x8xf32>
      %row = arith.addi %c2, %c2 : index
      memref.store %v, %cache[%row, %i] : memref<4x8xf32>
      gpu.return
    }
  }
  gpu.module @bound_a {
    gpu.func @kernel(%cache: memref<4x8xf32>) kernel {
      %i = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = arith.constant 2 : index
      scf.for %r = %c0 to %n step %c1 {
        %v = memref.load %cache[%r, %i] : memref<4x8xf32>
        memref.store %v, %cache[%r, %i] : memref<4x8xf32>
      }
      gpu.return
    }
  }
  gpu.module @bound_b {
    gpu.func @kernel(%cache: memref<4x8xf32>) kernel {
      %i = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = arith.constant 3 : index
      scf.for %r = %c0 to %n step %c1 {
        %v = memref.load %cache[%r, %i] : memref<4x8xf32>
        memref.store %v, %cache[%r, %i] : memref<4x8xf32>
      }
      gpu.return
    }
  }
  gpu.module @divisor_a {
    gpu.func @kernel(%cache: memref<4x8xf32>) kernel {
      %i = gpu.thread_id x
      %d = arith.constant 2 : index
      %row = arith.divui %i, %d : index
      %v = memref.load %cache[%row, %i] : memref<4x8xf32>
      memref.store %v, %cache[%row, %i] : memref<4x8xf32>
      gpu.return
    }
  }
  gpu.module @divisor_b {
    gpu.func @kernel(%cache: memref<4x8xf32>) kernel {
      %i = gpu.thread_id x
      %d = arith.constant 4 : index
      %row = arith.divui %i, %d : index
      %v = memref.load %cache[%row, %i] : memref<4x8xf32>
      memref.store %v, %cache[%row, %i] : memref<4x8xf32>
      gpu.return
    }
  }
}
