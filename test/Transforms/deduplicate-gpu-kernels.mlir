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
