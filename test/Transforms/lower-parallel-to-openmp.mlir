// RUN: wq-opt %s --split-input-file --wq-lower-parallel-to-openmp | FileCheck %s

// One dimension: each thread walks [n * t / T, n * (t + 1) / T) of the
// iterations, the induction variable recovered as lb + i * step; no
// worksharing loop.
// CHECK-LABEL: func.func @one_dimension
// CHECK-SAME: (%[[LB:.*]]: index, %[[UB:.*]]: index, %[[STEP:.*]]: index,
// CHECK: %[[SPAN:.*]] = arith.subi %[[UB]], %[[LB]]
// CHECK: %[[TRIP:.*]] = arith.ceildivsi %[[SPAN]], %[[STEP]]
// CHECK: %[[TOTAL:.*]] = arith.maxsi %[[TRIP]]
// CHECK: omp.parallel {
// CHECK: %[[T:.*]] = func.call @omp_get_thread_num() : () -> i32
// CHECK: %[[TI:.*]] = arith.index_cast %[[T]]
// CHECK: %[[NT:.*]] = func.call @omp_get_num_threads() : () -> i32
// CHECK: %[[NTI:.*]] = arith.index_cast %[[NT]]
// CHECK: %[[FIRST:.*]] = arith.muli %[[TOTAL]], %[[TI]]
// CHECK: %[[BEGIN:.*]] = arith.divui %[[FIRST]], %[[NTI]]
// CHECK: %[[NEXT:.*]] = arith.addi %[[TI]], %{{.*}}
// CHECK: %[[LAST:.*]] = arith.muli %[[TOTAL]], %[[NEXT]]
// CHECK: %[[END:.*]] = arith.divui %[[LAST]], %[[NTI]]
// CHECK: scf.for %[[I:.*]] = %[[BEGIN]] to %[[END]]
// CHECK: %[[SCALED:.*]] = arith.muli %[[I]], %[[STEP]]
// CHECK: %[[IV:.*]] = arith.addi %[[LB]], %[[SCALED]]
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[IV]]]
// CHECK: omp.terminator
// CHECK-NOT: omp.wsloop
// CHECK-NOT: scf.parallel
// CHECK-DAG: func.func private @omp_get_thread_num() -> i32
// CHECK-DAG: func.func private @omp_get_num_threads() -> i32
func.func @one_dimension(%lb: index, %ub: index, %step: index, %out: memref<?xf32>) {
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%lb) to (%ub) step (%step) {
    memref.store %one, %out[%i] : memref<?xf32>
  }
  return
}

// -----

// Two dimensions: one linear range, the innermost dimension fastest
// (remainder), the outer one the quotient.
// CHECK-LABEL: func.func @two_dimensions
// CHECK: omp.parallel {
// CHECK: scf.for %[[I:.*]] =
// CHECK: %[[INNER:.*]] = arith.remui %[[I]], %{{.*}}
// CHECK: %[[OUTER:.*]] = arith.divui %[[I]], %{{.*}}
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}]
// CHECK-NOT: scf.parallel
func.func @two_dimensions(%out: memref<5x7xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c5, %c7) step (%c1, %c1) {
    memref.store %one, %out[%i, %j] : memref<5x7xf32>
  }
  return
}

// -----

// A parallel loop inside a converted one runs sequentially in its thread:
// one omp.parallel, the inner loop an scf.for walk.
// CHECK-LABEL: func.func @nested
// CHECK-COUNT-1: omp.parallel
// CHECK-NOT: omp.parallel
// CHECK-NOT: scf.parallel
func.func @nested(%out: memref<4x6xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c6) step (%c1) {
      memref.store %one, %out[%i, %j] : memref<4x6xf32>
    }
  }
  return
}

// -----

// Loops with reductions are convert-scf-to-openmp's: left as they are, and
// no runtime declarations are added.
// CHECK-LABEL: func.func @reduction
// CHECK: scf.parallel
// CHECK: scf.reduce
// CHECK-NOT: omp.parallel
// CHECK-NOT: omp_get_thread_num
func.func @reduction(%in: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i) = (%c0) to (%c8) step (%c1) init (%zero) -> f32 {
    %v = memref.load %in[%i] : memref<8xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}

