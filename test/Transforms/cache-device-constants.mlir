// RUN: wq-opt %s --wq-cache-device-constants | FileCheck %s

// Host code as the GPU host lowering emits it: a constant copied to the
// device on every call (alloc, copy from the global, free).

llvm.mlir.global private constant @weights(dense<1> : tensor<16xi8>) {addr_space = 0 : i32} : !llvm.array<16 x i8>
llvm.mlir.global private @mutable(dense<1> : tensor<16xi8>) {addr_space = 0 : i32} : !llvm.array<16 x i8>
llvm.func @mgpuStreamCreate() -> !llvm.ptr
llvm.func @mgpuMemAlloc(i64, !llvm.ptr, i8) -> !llvm.ptr
llvm.func @mgpuMemcpy(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr)
llvm.func @mgpuMemFree(!llvm.ptr, !llvm.ptr)
llvm.func @use(!llvm.ptr)

// CHECK: llvm.func @wqrtDeviceConstant(!llvm.ptr, i64, !llvm.ptr) -> !llvm.ptr

// The copy becomes wqrtDeviceConstant (uploaded once, kept on the device);
// the copy and the free are gone.
// CHECK-LABEL: llvm.func @cached
// CHECK: %[[W:.*]] = llvm.mlir.addressof @weights
// CHECK: %[[P:.*]] = llvm.getelementptr %[[W]][0, 0]
// CHECK: %[[D:.*]] = llvm.call @wqrtDeviceConstant(%[[P]], %{{.*}}, %{{.*}})
// CHECK-NOT: mgpuMemAlloc
// CHECK-NOT: mgpuMemcpy
// CHECK: llvm.call @use(%[[D]])
// CHECK-NOT: mgpuMemFree
// CHECK: llvm.return
llvm.func @cached() {
  %w = llvm.mlir.addressof @weights : !llvm.ptr
  %p = llvm.getelementptr %w[0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<16 x i8>
  %n = llvm.mlir.constant(16 : i64) : i64
  %z = llvm.mlir.constant(0 : i8) : i8
  %s = llvm.call @mgpuStreamCreate() : () -> !llvm.ptr
  %d = llvm.call @mgpuMemAlloc(%n, %s, %z) : (i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.call @mgpuMemcpy(%d, %p, %n, %s) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
  llvm.call @use(%d) : (!llvm.ptr) -> ()
  llvm.call @mgpuMemFree(%d, %s) : (!llvm.ptr, !llvm.ptr) -> ()
  llvm.return
}

// Kept per call: a mutable global, a copy the caller receives (no free),
// a copy from inside a global (non-zero offset), a partial copy.
// CHECK-LABEL: llvm.func @kept
// CHECK-NOT: wqrtDeviceConstant
// CHECK-COUNT-4: llvm.call @mgpuMemcpy
// CHECK: llvm.return
llvm.func @kept() -> !llvm.ptr {
  %m = llvm.mlir.addressof @mutable : !llvm.ptr
  %w = llvm.mlir.addressof @weights : !llvm.ptr
  %inside = llvm.getelementptr %w[0, 4] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<16 x i8>
  %n = llvm.mlir.constant(16 : i64) : i64
  %half = llvm.mlir.constant(8 : i64) : i64
  %z = llvm.mlir.constant(0 : i8) : i8
  %s = llvm.call @mgpuStreamCreate() : () -> !llvm.ptr
  %a = llvm.call @mgpuMemAlloc(%n, %s, %z) : (i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.call @mgpuMemcpy(%a, %m, %n, %s) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
  llvm.call @mgpuMemFree(%a, %s) : (!llvm.ptr, !llvm.ptr) -> ()
  %b = llvm.call @mgpuMemAlloc(%n, %s, %z) : (i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.call @mgpuMemcpy(%b, %w, %n, %s) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
  %c = llvm.call @mgpuMemAlloc(%half, %s, %z) : (i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.call @mgpuMemcpy(%c, %inside, %half, %s) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
  llvm.call @mgpuMemFree(%c, %s) : (!llvm.ptr, !llvm.ptr) -> ()
  %d = llvm.call @mgpuMemAlloc(%n, %s, %z) : (i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.call @mgpuMemcpy(%d, %w, %half, %s) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
  llvm.call @mgpuMemFree(%d, %s) : (!llvm.ptr, !llvm.ptr) -> ()
  llvm.return %b : !llvm.ptr
}
