// RUN: wq-opt %s --split-input-file --wq-lower-strided-copies | FileCheck %s

// Columns of a wider buffer (a fused matmul's result) copied into a strided
// cache row: neither side is contiguous, so the copy becomes linalg.copy
// (loops later) instead of a call to the element-wise memrefCopy.
// CHECK-LABEL: func.func @strided
// CHECK: linalg.copy ins(%{{.*}} : memref<?x3xf32, strided<[5, 1], offset: 2>>) outs(%{{.*}} : memref<?x3xf32, strided<[?, 1], offset: ?>>)
// CHECK-NOT: memref.copy
func.func @strided(%src: memref<?x3xf32, strided<[5, 1], offset: 2>>, %dst: memref<?x3xf32, strided<[?, 1], offset: ?>>) {
  memref.copy %src, %dst : memref<?x3xf32, strided<[5, 1], offset: 2>> to memref<?x3xf32, strided<[?, 1], offset: ?>>
  return
}

// -----

// One side strided is enough to leave memcpy.
// CHECK-LABEL: func.func @one_side
// CHECK: linalg.copy
func.func @one_side(%src: memref<4x3xf32>, %dst: memref<4x3xf32, strided<[5, 1]>>) {
  memref.copy %src, %dst : memref<4x3xf32> to memref<4x3xf32, strided<[5, 1]>>
  return
}

// -----

// Contiguous copies (identity layouts, dynamic or not, or a static
// row-major strided form) stay memref.copy, which becomes a memcpy.
// CHECK-LABEL: func.func @contiguous
// CHECK-COUNT-2: memref.copy
// CHECK-NOT: linalg.copy
func.func @contiguous(%a: memref<?x3xf32>, %b: memref<?x3xf32>, %c: memref<4x3xf32, strided<[3, 1], offset: 6>>, %d: memref<4x3xf32>) {
  memref.copy %a, %b : memref<?x3xf32> to memref<?x3xf32>
  memref.copy %c, %d : memref<4x3xf32, strided<[3, 1], offset: 6>> to memref<4x3xf32>
  return
}
