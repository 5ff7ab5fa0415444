// RUN: wq-opt %s --wq-allocate-on-device --split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @alloc_copy_dealloc
// CHECK-SAME: (%[[ARG:.*]]: memref<4xf32>)
// CHECK: %[[A:.*]] = gpu.alloc () : memref<4xf32>
// CHECK: linalg.copy ins(%[[ARG]] : memref<4xf32>) outs(%[[A]] : memref<4xf32>)
// CHECK: gpu.dealloc %[[A]] : memref<4xf32>
// CHECK-NOT: memref.
func.func @alloc_copy_dealloc(%arg: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  memref.copy %arg, %a : memref<4xf32> to memref<4xf32>
  memref.dealloc %a : memref<4xf32>
  return
}

// -----

// Dynamic sizes carry over.
// CHECK-LABEL: func.func @dynamic
// CHECK: gpu.alloc (%{{.*}}) : memref<?xf32>
func.func @dynamic(%n: index) -> memref<?xf32> {
  %a = memref.alloc(%n) : memref<?xf32>
  return %a : memref<?xf32>
}

// -----

// A constant the function reads lives on the device for good: the device
// copy kernels_runtime uploads on the first call and keeps
// (wqrtDeviceConstant of the global's address and byte size), as a memref of
// the global's type; nothing is allocated, copied or freed per call.
memref.global "private" constant @weights : memref<2x3xf16> = dense<1.0>
// CHECK: llvm.func @wqrtDeviceConstant(!llvm.ptr, i64, !llvm.ptr) -> !llvm.ptr
// CHECK-LABEL: func.func @constants
// CHECK: %[[G:.*]] = memref.get_global @weights
// CHECK: %[[A:.*]] = memref.extract_aligned_pointer_as_index %[[G]]
// CHECK: %[[I:.*]] = arith.index_cast %[[A]] : index to i64
// CHECK: %[[H:.*]] = llvm.inttoptr %[[I]] : i64 to !llvm.ptr
// CHECK: %[[N:.*]] = llvm.mlir.constant(12 : i64) : i64
// CHECK: %[[S:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[P:.*]] = llvm.call @wqrtDeviceConstant(%[[H]], %[[N]], %[[S]])
// CHECK: %[[D:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<2x3xf16>
// CHECK-NOT: gpu.alloc
// CHECK-NOT: gpu.memcpy
// CHECK: linalg.copy ins(%[[D]] : memref<2x3xf16>)
// CHECK-NOT: gpu.dealloc
// CHECK: return
func.func @constants(%out: memref<2x3xf16>) {
  %g = memref.get_global @weights : memref<2x3xf16>
  memref.copy %g, %out : memref<2x3xf16> to memref<2x3xf16>
  return
}

// -----

// A mutable global is copied in on each call and freed before returning.
memref.global "private" @state : memref<2xi8> = dense<[1, 2]>
// CHECK-LABEL: func.func @mutable_global
// CHECK: %[[G:.*]] = memref.get_global @state
// CHECK: %[[D:.*]] = gpu.alloc () : memref<2xi8>
// CHECK: gpu.memcpy %[[D]], %[[G]]
// CHECK: linalg.copy ins(%[[D]] : memref<2xi8>)
// CHECK: gpu.dealloc %[[D]]
// CHECK-NEXT: return
func.func @mutable_global(%out: memref<2xi8>) {
  %g = memref.get_global @state : memref<2xi8>
  memref.copy %g, %out : memref<2xi8> to memref<2xi8>
  return
}

// -----

memref.global "private" constant @table : memref<2xi8> = dense<[3, 4]>
// CHECK-LABEL: func.func @returned_constant
// CHECK: %[[D:.*]] = gpu.alloc
// CHECK-NOT: gpu.dealloc
// CHECK: return %[[D]]
func.func @returned_constant() -> memref<2xi8> {
  %g = memref.get_global @table : memref<2xi8>
  return %g : memref<2xi8>
}

// -----

// Returned through a view: still the caller's own copy.
memref.global "private" constant @table2 : memref<2xi8> = dense<[3, 4]>
// CHECK-LABEL: func.func @returned_view
// CHECK-NOT: wqrtDeviceConstant
// CHECK: %[[D:.*]] = gpu.alloc
// CHECK: gpu.memcpy %[[D]]
// CHECK: %[[V:.*]] = memref.subview %[[D]]
// CHECK-NOT: gpu.dealloc
// CHECK: return %[[V]]
func.func @returned_view() -> memref<1xi8, strided<[1], offset: 1>> {
  %g = memref.get_global @table2 : memref<2xi8>
  %v = memref.subview %g[1] [1] [1] : memref<2xi8> to memref<1xi8, strided<[1], offset: 1>>
  return %v : memref<1xi8, strided<[1], offset: 1>>
}

// -----

func.func @stack_buffer() {
  // expected-error @+1 {{'memref.alloca' op stack buffers cannot be read by GPU kernels}}
  %a = memref.alloca() : memref<4xf32>
  return
}

// -----

// A constant read in a nested region takes its device copy there (nothing
// to free).
memref.global "private" constant @nested : memref<2xi8> = dense<[5, 6]>
// CHECK-LABEL: func.func @nested_constant
// CHECK: scf.if
// CHECK: memref.get_global @nested
// CHECK: llvm.call @wqrtDeviceConstant
// CHECK-NOT: gpu.dealloc
func.func @nested_constant(%c: i1, %out: memref<2xi8>) {
  scf.if %c {
    %g = memref.get_global @nested : memref<2xi8>
    memref.copy %g, %out : memref<2xi8> to memref<2xi8>
  }
  return
}

// -----

// A mutable global copied per call needs its copy to dominate the frees at
// the returns.
memref.global "private" @nested_state : memref<2xi8> = dense<[5, 6]>
func.func @nested_mutable(%c: i1, %out: memref<2xi8>) {
  scf.if %c {
    // expected-error @+1 {{'memref.get_global' op inside a nested region cannot be copied to the device; hoist it to the function entry}}
    %g = memref.get_global @nested_state : memref<2xi8>
    memref.copy %g, %out : memref<2xi8> to memref<2xi8>
  }
  return
}

// -----

// Buffers the host code reads or writes element by element (the arrays the
// deallocation lowering fills for its helper) stay in host memory; one that
// only kernels (linalg ops) touch goes to the device.
// CHECK-LABEL: func.func @host_bookkeeping
// CHECK: %[[HOST:.*]] = memref.alloc() : memref<2xindex>
// CHECK: memref.store %{{.*}}, %[[HOST]]
// CHECK: %[[DEV:.*]] = gpu.alloc () : memref<4xf32>
// CHECK: linalg.fill
// CHECK: memref.dealloc %[[HOST]]
// CHECK: gpu.dealloc %[[DEV]]
func.func @host_bookkeeping(%i: index) -> index {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 1.0 : f32
  %b = memref.alloc() : memref<2xindex>
  memref.store %i, %b[%c0] : memref<2xindex>
  %v = memref.load %b[%c0] : memref<2xindex>
  %d = memref.alloc() : memref<4xf32>
  linalg.fill ins(%cst : f32) outs(%d : memref<4xf32>)
  memref.dealloc %b : memref<2xindex>
  memref.dealloc %d : memref<4xf32>
  return %v : index
}

// -----

// Element accesses inside linalg bodies are the kernels' (a gather from a
// buffer): that buffer goes to the device.
// CHECK-LABEL: func.func @kernel_gather
// CHECK: gpu.alloc () : memref<4xf32>
// CHECK-NOT: memref.alloc
func.func @kernel_gather(%out: memref<2xf32>) {
  %cst = arith.constant 1.0 : f32
  %t = memref.alloc() : memref<4xf32>
  linalg.fill ins(%cst : f32) outs(%t : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>],
                  iterator_types = ["parallel"]} outs(%out : memref<2xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %x = memref.load %t[%i] : memref<4xf32>
    linalg.yield %x : f32
  }
  memref.dealloc %t : memref<4xf32>
  return
}

// -----

// A buffer both the host code and a kernel touch has no single place.
func.func @host_and_kernel(%i: index) -> f32 {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 1.0 : f32
  // expected-error @+1 {{'memref.alloc' op is accessed element by element by host code and used by GPU kernels: it can be in neither memory alone}}
  %b = memref.alloc() : memref<4xf32>
  // expected-note @+1 {{kernel use}}
  linalg.fill ins(%cst : f32) outs(%b : memref<4xf32>)
  // expected-note @+1 {{host access}}
  %v = memref.load %b[%c0] : memref<4xf32>
  memref.dealloc %b : memref<4xf32>
  return %v : f32
}
