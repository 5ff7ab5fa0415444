// REQUIRES: ptxas
// RUN: wq-opt %s --wq-gpu-pipeline=chip=sm_90 | FileCheck %s
// RUN: wq-opt %s "--wq-gpu-pipeline=chip=sm_80 format=isa" | FileCheck %s --check-prefix=PTX
// RUN: not wq-opt %s --wq-gpu-pipeline=chip=sm_70 2>&1 | FileCheck %s --check-prefix=BADCHIP
// RUN: wq-opt --help | FileCheck %s --check-prefix=HELP
//
// The host side translates to LLVM IR and links against kernels_runtime with
// no undefined symbols (the mgpu* entry points it provides); run without a
// GPU driver, it fails with the runtime's message instead of crashing.
// RUN: wq-opt %s --wq-gpu-pipeline=chip=sm_90 | mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: llc -O2 -filetype=obj -relocation-model=pic %t.ll -o %t.o
// RUN: cc -shared %t.o -o %t.so -L%wq_runtime_dir -lwq_runtime -Wl,--no-undefined

// Every host-side buffer is in device memory; kernels launch on one stream.
// CHECK-NOT: memref.alloc
// CHECK-NOT: gpu.alloc
// CHECK: llvm.func @linear(
// CHECK: llvm.call @mgpuMemAlloc
// CHECK: gpu.launch_func <%{{.*}}> @linear_kernel::@linear_kernel
// CHECK: llvm.call @mgpuStreamSynchronize
// One binary per outlined kernel, embedded as a cubin (ELF) for sm_90.
// CHECK: gpu.binary @linear_kernel
// CHECK-SAME: #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// CHECK-SAME: bin = "\7FELF

// PTX: .target sm_80
// PTX: .entry linear_kernel
// PTX: ld.global

// BADCHIP: wq-gpu-pipeline: chip must be sm_80 or sm_90, got 'sm_70'

// HELP: --wq-gpu-pipeline
// HELP: --chip=
// HELP: --format=
func.func @linear(%x: tensor<2x8xf32>, %p: tensor<4x2x2xi8>, %s: tensor<4x2xf16>, %z: tensor<4x2xi8>) -> tensor<2x4xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<4x8, u4, group_size = 4, scale_type = f16, zero_points>} : (tensor<2x8xf32>, tensor<4x2x2xi8>, tensor<4x2xf16>, tensor<4x2xi8>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
