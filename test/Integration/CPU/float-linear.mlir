// Float linear layers through wq-lower-float-linear (part of
// wq-cpu-pipeline) against float64 products of the same f32 weights, within
// 1e-5: M = 1 and M > 1, K with a vector tail and a scalar tail (77), odd N,
// a non-zero accumulator, and a layer large enough for the threaded path
// (1000 x 300 = 300000 >= 2^18 weights).
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 3 --k 77 --n 33 --expect fp32 --seed 21 --mlir %t.1.mlir --expected %t.1.npy
// RUN: wq-opt %t.1.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1.out
// RUN: %python %wq_scripts/check_output.py %t.1.out %t.1.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matvec --k 300 --n 1000 --expect fp32 --seed 22 --mlir %t.2.mlir --expected %t.2.npy
// RUN: wq-opt %t.2.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.2.out
// RUN: %python %wq_scripts/check_output.py %t.2.out %t.2.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 1 --k 64 --n 7 --nonzero-init --expect fp32 --seed 23 --mlir %t.3.mlir --expected %t.3.npy
// RUN: wq-opt %t.3.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.3.out
// RUN: %python %wq_scripts/check_output.py %t.3.out %t.3.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 5 --k 300 --n 1000 --expect fp32 --seed 24 --mlir %t.4.mlir --expected %t.4.npy
// RUN: wq-opt %t.4.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.4.out
// RUN: %python %wq_scripts/check_output.py %t.4.out %t.4.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
//
// CHECK: PASS
