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

// Constants are copied to a device buffer, freed before returning unless
// returned.
memref.global "private" constant @weights : memref<2xi8> = dense<[1, 2]>
// CHECK-LABEL: func.func @constants
// CHECK: %[[G:.*]] = memref.get_global @weights
// CHECK: %[[D:.*]] = gpu.alloc () : memref<2xi8>
// CHECK: gpu.memcpy %[[D]], %[[G]]
// CHECK: linalg.copy ins(%[[D]] : memref<2xi8>)
// CHECK: gpu.dealloc %[[D]]
// CHECK-NEXT: return
func.func @constants(%out: memref<2xi8>) {
  %g = memref.get_global @weights : memref<2xi8>
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

func.func @stack_buffer() {
  // expected-error @+1 {{'memref.alloca' op stack buffers cannot be read by GPU kernels}}
  %a = memref.alloca() : memref<4xf32>
  return
}

// -----

memref.global "private" constant @nested : memref<2xi8> = dense<[5, 6]>
func.func @nested_constant(%c: i1, %out: memref<2xi8>) {
  scf.if %c {
    // expected-error @+1 {{'memref.get_global' op inside a nested region cannot be copied to the device; hoist it to the function entry}}
    %g = memref.get_global @nested : memref<2xi8>
    memref.copy %g, %out : memref<2xi8> to memref<2xi8>
  }
  return
}
