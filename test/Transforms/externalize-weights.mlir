// RUN: wq-opt %s --wq-externalize-weights="file=%t.weights min-bytes=64" | FileCheck %s
// RUN: wc -c < %t.weights | FileCheck %s --check-prefix=SIZE
// RUN: od -A d -t x1 -v %t.weights | FileCheck %s --check-prefix=BYTES
// RUN: not wq-opt %s --wq-externalize-weights 2>&1 | FileCheck %s --check-prefix=NOFILE

// Constant globals of at least min-bytes leave the module for the file
// (64-byte aligned, in module order); each address of one becomes
// wq_weights + offset; small and mutable globals stay.

// CHECK: llvm.mlir.global external @wq_weights() {{.*}} : !llvm.ptr {
// CHECK: llvm.mlir.zero : !llvm.ptr
// CHECK: llvm.mlir.global external constant @wq_weights_bytes(192 : i64)
// CHECK-NOT: @big
// CHECK-NOT: @splat
// CHECK: llvm.mlir.global private constant @small
// CHECK: llvm.mlir.global private @mutable
llvm.mlir.global private constant @big(dense<[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70]]> : tensor<1x70xi8>) {addr_space = 0 : i32} : !llvm.array<1 x array<70 x i8>>
llvm.mlir.global private constant @splat(dense<1.0> : tensor<32xf16>) {addr_space = 0 : i32} : !llvm.array<32 x f16>
llvm.mlir.global private constant @small(dense<7> : tensor<8xi8>) {addr_space = 0 : i32} : !llvm.array<8 x i8>
llvm.mlir.global private @mutable(dense<7> : tensor<128xi8>) {addr_space = 0 : i32} : !llvm.array<128 x i8>
llvm.func @use(!llvm.ptr)

// CHECK-LABEL: llvm.func @reads
// CHECK: %[[SLOT:.*]] = llvm.mlir.addressof @wq_weights : !llvm.ptr
// CHECK: %[[BASE:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[OFF:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: %[[BIG:.*]] = llvm.getelementptr inbounds %[[BASE]][%[[OFF]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: llvm.call @use(%[[BIG]])
// CHECK: %[[SLOT2:.*]] = llvm.mlir.addressof @wq_weights : !llvm.ptr
// CHECK: %[[BASE2:.*]] = llvm.load %[[SLOT2]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[OFF2:.*]] = llvm.mlir.constant(128 : i64) : i64
// CHECK: %[[SPLAT:.*]] = llvm.getelementptr inbounds %[[BASE2]][%[[OFF2]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: llvm.call @use(%[[SPLAT]])
// CHECK: llvm.mlir.addressof @small
// CHECK: llvm.mlir.addressof @mutable
llvm.func @reads() {
  %0 = llvm.mlir.addressof @big : !llvm.ptr
  llvm.call @use(%0) : (!llvm.ptr) -> ()
  %1 = llvm.mlir.addressof @splat : !llvm.ptr
  llvm.call @use(%1) : (!llvm.ptr) -> ()
  %2 = llvm.mlir.addressof @small : !llvm.ptr
  llvm.call @use(%2) : (!llvm.ptr) -> ()
  %3 = llvm.mlir.addressof @mutable : !llvm.ptr
  llvm.call @use(%3) : (!llvm.ptr) -> ()
  llvm.return
}

// The file: 70 bytes of @big, zeros to 128, then 32 f16 ones (0x3c00).
// SIZE: 192
// BYTES: 0000000 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10
// BYTES: 0000064 41 42 43 44 45 46 00 00 00 00 00 00 00 00 00 00
// BYTES: 0000128 00 3c 00 3c 00 3c 00 3c 00 3c 00 3c 00 3c 00 3c

// NOFILE: wq-externalize-weights: file= is required
