// RUN: wq-opt %s --wq-annotate-gpu-kernels | FileCheck %s

// The hint on an op of the kernel body moves onto the kernel function; other
// kernels are left alone.
// CHECK-LABEL: gpu.func @hinted
// CHECK-SAME: nvvm.minctasm = 1 : i32
// CHECK-NOT: wq.min_blocks_per_sm
// CHECK-LABEL: gpu.func @plain
// CHECK-NOT: nvvm.minctasm
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @hinted(%n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
      } {wq.min_blocks_per_sm = 1 : i32}
      gpu.return
    }
    gpu.func @plain(%n: index) kernel {
      gpu.return
    }
  }
}
