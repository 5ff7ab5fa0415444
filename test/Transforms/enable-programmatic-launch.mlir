// RUN: wq-opt %s --wq-enable-programmatic-launch | FileCheck %s
// RUN: wq-opt %s --wq-enable-programmatic-launch --wq-enable-programmatic-launch | FileCheck %s --check-prefix=TWICE

// Every kernel starts by waiting for its predecessors, then lets its
// successor launch; a device function is left alone; a module with a kernel
// defines the marker global kernels_runtime looks for, a module without
// kernels does not.
// CHECK-LABEL: gpu.module @kernels
// CHECK: gpu.func @first(%{{.*}}: memref<4xf32>) kernel
// CHECK-NEXT: nvvm.griddepcontrol wait
// CHECK-NEXT: nvvm.griddepcontrol launch_dependents
// CHECK-NEXT: arith.constant
// CHECK: gpu.func @second() kernel
// CHECK-NEXT: nvvm.griddepcontrol wait
// CHECK-NEXT: nvvm.griddepcontrol launch_dependents
// CHECK-NEXT: gpu.return
// CHECK: gpu.func @helper()
// CHECK-NOT: nvvm.griddepcontrol
// CHECK: gpu.return
// CHECK: llvm.mlir.global external constant @wq_programmatic_launch(1 : i32) {addr_space = 1 : i32, alignment = 4 : i64} : i32
// CHECK-LABEL: gpu.module @no_kernels
// CHECK-NOT: wq_programmatic_launch
// CHECK: }
// Once only (a module with the marker is done):
// TWICE-COUNT-2: nvvm.griddepcontrol wait
// TWICE-NOT: nvvm.griddepcontrol wait
// TWICE-COUNT-1: llvm.mlir.global external constant @wq_programmatic_launch
// TWICE-NOT: llvm.mlir.global
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @first(%x: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = arith.constant 1.0 : f32
      memref.store %v, %x[%c0] : memref<4xf32>
      gpu.return
    }
    gpu.func @second() kernel {
      gpu.return
    }
    gpu.func @helper() {
      gpu.return
    }
  }
  gpu.module @no_kernels {
    gpu.func @device_only() {
      gpu.return
    }
  }
}
