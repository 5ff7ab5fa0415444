// Every linear-op form and awkward shape through wq-opt and mlir-runner,
// against the float64 RTN reference (scripts/wq_reference.py), within 1e-4.
// M = 1 and M > 1, odd N, K not a multiple of the group size, bits 4 and 8,
// symmetric and asymmetric, odd group sizes, per channel, bf16/f32 scales,
// dense_resource weights and a non-zero accumulator.
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 3 --k 77 --n 33 --bits 4 --group-size 16 --seed 11 --mlir %t.1.mlir --expected %t.1.npy
// RUN: wq-opt %t.1.mlir --wq-quantize-weights="bits=4 group-size=16" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1.out
// RUN: %python %wq_scripts/check_output.py %t.1.out %t.1.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matvec --k 77 --n 33 --bits 8 --group-size 16 --seed 12 --mlir %t.2.mlir --expected %t.2.npy
// RUN: wq-opt %t.2.mlir --wq-quantize-weights="bits=8 group-size=16" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.2.out
// RUN: %python %wq_scripts/check_output.py %t.2.out %t.2.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op vecmat --k 77 --n 33 --bits 4 --group-size 16 --symmetric --seed 13 --mlir %t.3.mlir --expected %t.3.npy
// RUN: wq-opt %t.3.mlir --wq-quantize-weights="bits=4 group-size=16 symmetric=true" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.3.out
// RUN: %python %wq_scripts/check_output.py %t.3.out %t.3.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op batch_matmul --batch 3 --m 2 --k 50 --n 7 --bits 8 --group-size 32 --symmetric --seed 14 --mlir %t.4.mlir --expected %t.4.npy
// RUN: wq-opt %t.4.mlir --wq-quantize-weights="bits=8 group-size=32 symmetric=true" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.4.out
// RUN: %python %wq_scripts/check_output.py %t.4.out %t.4.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --m 1 --k 41 --n 9 --bits 4 --group-size 7 --seed 15 --mlir %t.5.mlir --expected %t.5.npy
// RUN: wq-opt %t.5.mlir --wq-quantize-weights="bits=4 group-size=7" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.5.out
// RUN: %python %wq_scripts/check_output.py %t.5.out %t.5.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --m 5 --k 41 --n 9 --bits 4 --group-size 0 --scale-type bf16 --seed 16 --mlir %t.6.mlir --expected %t.6.npy
// RUN: wq-opt %t.6.mlir --wq-quantize-weights="bits=4 group-size=0 scale-type=bf16" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.6.out
// RUN: %python %wq_scripts/check_output.py %t.6.out %t.6.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --m 2 --k 64 --n 17 --bits 8 --group-size 32 --scale-type f32 --resource --nonzero-init --seed 17 --mlir %t.7.mlir --expected %t.7.npy
// RUN: wq-opt %t.7.mlir --wq-quantize-weights="bits=8 group-size=32 scale-type=f32" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.7.out
// RUN: %python %wq_scripts/check_output.py %t.7.out %t.7.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s

//
// The vector fast path (groups filling 16-byte chunks): int8 per channel with
// K = 320, signed int4 g64 with a ragged K = 200, M = 5 and M = 1.
// RUN: %python %wq_scripts/gen_matmul_test.py --m 5 --k 320 --n 24 --bits 8 --group-size 0 --symmetric --seed 18 --mlir %t.8.mlir --expected %t.8.npy
// RUN: wq-opt %t.8.mlir --wq-quantize-weights="bits=8 group-size=0 symmetric=true" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.8.out
// RUN: %python %wq_scripts/check_output.py %t.8.out %t.8.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 1 --k 200 --n 33 --bits 4 --group-size 64 --symmetric --seed 19 --mlir %t.9.mlir --expected %t.9.npy
// RUN: wq-opt %t.9.mlir --wq-quantize-weights="bits=4 group-size=64 symmetric=true" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.9.out
// RUN: %python %wq_scripts/check_output.py %t.9.out %t.9.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// K tiles: K = 4296 spans two tiles of 4096 activations (ragged last group).
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 2 --k 4296 --n 5 --bits 4 --group-size 32 --seed 20 --mlir %t.10.mlir --expected %t.10.npy
// RUN: wq-opt %t.10.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.10.out
// RUN: %python %wq_scripts/check_output.py %t.10.out %t.10.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s

// CHECK: PASS
