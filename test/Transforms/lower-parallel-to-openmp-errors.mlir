// RUN: wq-opt %s --split-input-file --wq-lower-parallel-to-openmp -verify-diagnostics

// A function of the runtime's name with another type is an error, not a
// call with the wrong signature.
// expected-error@+1 {{'omp_get_thread_num' is OpenMP's () -> i32 runtime query; this symbol would shadow it}}
func.func private @omp_get_thread_num() -> i64

func.func @shadowed(%out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %one, %out[%i] : memref<4xf32>
  }
  return
}
