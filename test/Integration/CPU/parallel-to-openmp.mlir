// wq-lower-parallel-to-openmp runs every iteration of a parallel loop
// exactly once, whatever the thread count: each (i, j) of a 2-D loop with
// offset bounds and a step, with a parallel loop nested inside, adds 1 to
// its own counter (atomically, so a duplicate would show as 2) and
// records which thread ran it. 1 thread, 2, and 3 (more threads than fit
// the 5 outer iterations evenly; 16 more than iterations).
//
// RUN: wq-opt %s --wq-lower-parallel-to-openmp --convert-linalg-to-loops --convert-scf-to-cf --convert-openmp-to-llvm --finalize-memref-to-llvm --convert-vector-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts > %t.mlir
// RUN: env OMP_NUM_THREADS=1 mlir-runner %t.mlir -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefixes=CHECK,ONE
// RUN: env OMP_NUM_THREADS=2 mlir-runner %t.mlir -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefixes=CHECK,TWO
// RUN: env OMP_NUM_THREADS=3 mlir-runner %t.mlir -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefixes=CHECK,THREE
// RUN: env OMP_NUM_THREADS=16 mlir-runner %t.mlir -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefixes=CHECK,SIXTEEN

// Every counter of rows 1, 3, 5, 7, 9 (lb 1, step 2, ub 10) and columns
// 2..4, times the 3 iterations of the nested loop, is 3; rows 0, 2, ..
// (not iterated) and column 0/1 stay 0.
// CHECK: counts
// CHECK: data =
// CHECK-NEXT: [0,   0,   0,   0,   0]
// CHECK-NEXT: [0,   0,   3,   3,   3]
// CHECK-NEXT: [0,   0,   0,   0,   0]
// CHECK-NEXT: [0,   0,   3,   3,   3]
// CHECK-NEXT: [0,   0,   0,   0,   0]
// CHECK-NEXT: [0,   0,   3,   3,   3]
// CHECK-NEXT: [0,   0,   0,   0,   0]
// CHECK-NEXT: [0,   0,   3,   3,   3]
// CHECK-NEXT: [0,   0,   0,   0,   0]
// CHECK-NEXT: [0,   0,   3,   3,   3]
// The 15 iterations in contiguous shares: 1 thread all; 2 threads 7 and 8;
// 3 threads 5 each; 16 threads 0 or 1 each (threads 1.. get one).
// CHECK: threads
// CHECK: data =
// ONE-NEXT: [0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0]
// TWO-NEXT: [0,   0,   0,   0,   0,   0,   0,   1,   1,   1,   1,   1,   1,   1,   1]
// THREE-NEXT: [0,   0,   0,   0,   0,   1,   1,   1,   1,   1,   2,   2,   2,   2,   2]
// SIXTEEN-NEXT: [1,   2,   3,   4,   5,   6,   7,   8,   9,   10,   11,   12,   13,   14,   15]

func.func private @printMemrefI32(memref<*xi32>)
func.func private @omp_get_thread_num() -> i32

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c10 = arith.constant 10 : index
  %zero = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %counts = memref.alloc() : memref<10x5xi32>
  %threads = memref.alloc() : memref<15xi32>
  linalg.fill ins(%zero : i32) outs(%counts : memref<10x5xi32>)
  scf.parallel (%i, %j) = (%c1, %c2) to (%c10, %c5) step (%c2, %c1) {
    // Linear iteration (i - 1) / 2 * 3 + (j - 2): which thread ran it.
    %row = arith.divui %i, %c2 : index
    %base = arith.muli %row, %c3 : index
    %col = arith.subi %j, %c2 : index
    %linear = arith.addi %base, %col : index
    %t = func.call @omp_get_thread_num() : () -> i32
    memref.store %t, %threads[%linear] : memref<15xi32>
    scf.parallel (%k) = (%c0) to (%c3) step (%c1) {
      %old = memref.atomic_rmw addi %one, %counts[%i, %j] : (i32, memref<10x5xi32>) -> i32
    }
  }
  %cu = memref.cast %counts : memref<10x5xi32> to memref<*xi32>
  %tu = memref.cast %threads : memref<15xi32> to memref<*xi32>
  vector.print str "counts\n"
  call @printMemrefI32(%cu) : (memref<*xi32>) -> ()
  vector.print str "threads\n"
  call @printMemrefI32(%tu) : (memref<*xi32>) -> ()
  memref.dealloc %counts : memref<10x5xi32>
  memref.dealloc %threads : memref<15xi32>
  return
}
