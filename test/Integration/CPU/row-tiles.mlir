// The CPU kernels' row tiles (M > 1: 8 activation rows share each decoded
// weight chunk in registers, the last M % 8 rows one by one) against float64
// references with fixed seeds: exact f32 activations within 1e-4 and int8
// activations within 1e-4 of the reference that quantizes them the same way.
// M = 8 (tiles only), 11 and 19 (tiles and a tail), 1 (tail only); ragged K,
// odd N, int4 asymmetric and symmetric, Q4_1's form (offsets), signed int8,
// groups of 32 and 128 (several chunks and blocks per group), a layer large
// enough for threads.
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 11 --k 77 --n 33 --bits 4 --group-size 32 --seed 51 --mlir %t.1.mlir --expected %t.1.npy
// RUN: wq-opt %t.1.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1.out
// RUN: %python %wq_scripts/check_output.py %t.1.out %t.1.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 11 --k 77 --n 33 --bits 4 --group-size 32 --int8-activations --seed 51 --mlir %t.1q.mlir --expected %t.1q.npy
// RUN: wq-opt %t.1q.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1q.out
// RUN: %python %wq_scripts/check_output.py %t.1q.out %t.1q.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 8 --k 300 --n 17 --bits 4 --group-size 128 --symmetric --seed 52 --mlir %t.2.mlir --expected %t.2.npy
// RUN: wq-opt %t.2.mlir --wq-quantize-weights="bits=4 group-size=128 symmetric=true" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.2.out
// RUN: %python %wq_scripts/check_output.py %t.2.out %t.2.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 8 --k 300 --n 17 --bits 4 --group-size 128 --symmetric --int8-activations --seed 52 --mlir %t.2q.mlir --expected %t.2q.npy
// RUN: wq-opt %t.2q.mlir --wq-quantize-weights="bits=4 group-size=128 symmetric=true" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.2q.out
// RUN: %python %wq_scripts/check_output.py %t.2q.out %t.2q.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 19 --k 512 --n 513 --bits 4 --group-size 32 --weights gaussian --seed 53 --mlir %t.3.mlir --expected %t.3.npy
// RUN: wq-opt %t.3.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.3.out
// RUN: %python %wq_scripts/check_output.py %t.3.out %t.3.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 11 --k 96 --n 9 --bits 8 --group-size 32 --symmetric --seed 54 --mlir %t.4.mlir --expected %t.4.npy
// RUN: wq-opt %t.4.mlir --wq-quantize-weights="bits=8 group-size=32 symmetric=true" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.4.out
// RUN: %python %wq_scripts/check_output.py %t.4.out %t.4.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 11 --k 96 --n 9 --bits 8 --group-size 32 --symmetric --int8-activations --seed 54 --mlir %t.4q.mlir --expected %t.4q.npy
// RUN: wq-opt %t.4q.mlir --wq-quantize-weights="bits=8 group-size=32 symmetric=true" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.4q.out
// RUN: %python %wq_scripts/check_output.py %t.4q.out %t.4q.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// Q4_1's form (f16 scales and offsets) with both paths, M = 11, ragged K.
// RUN: %python %wq_scripts/gen_offsets_test.py --m 11 --k 77 --n 33 --bits 4 --group-size 32 --seed 55 --mlir %t.5.mlir --expected %t.5.npy
// RUN: wq-opt %t.5.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.5.out
// RUN: %python %wq_scripts/check_output.py %t.5.out %t.5.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --m 11 --k 77 --n 33 --bits 4 --group-size 32 --int8-activations --seed 55 --mlir %t.5q.mlir --expected %t.5q.npy
// RUN: wq-opt %t.5q.mlir --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.5q.out
// RUN: %python %wq_scripts/check_output.py %t.5q.out %t.5q.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --m 1 --k 77 --n 33 --bits 4 --group-size 32 --seed 56 --mlir %t.6.mlir --expected %t.6.npy
// RUN: wq-opt %t.6.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.6.out
// RUN: %python %wq_scripts/check_output.py %t.6.out %t.6.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// CHECK: PASS
