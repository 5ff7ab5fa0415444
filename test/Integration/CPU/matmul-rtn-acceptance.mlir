// The acceptance case: x 4x300, W 256x300 (random, fixed seeds), quantized by
// wq-opt and run by mlir-runner, against x times the RTN-dequantized W
// computed in float64 by scripts/wq_reference.py (an implementation
// independent of the C++ numerics). Tolerance: relative norm and max error
// 1e-4 (printMemrefF32 prints 6 significant digits).
//
// RUN: %python %wq_scripts/gen_matmul_test.py --m 4 --k 300 --n 256 --bits 4 --group-size 32 --seed 1 --mlir %t.a4.mlir --expected %t.a4.npy
// RUN: wq-opt %t.a4.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.a4.out
// RUN: %python %wq_scripts/check_output.py %t.a4.out %t.a4.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// Symmetric int4 (Q4_0 rule), same shapes.
// RUN: %python %wq_scripts/gen_matmul_test.py --m 4 --k 300 --n 256 --bits 4 --group-size 32 --symmetric --seed 2 --mlir %t.s4.mlir --expected %t.s4.npy
// RUN: wq-opt %t.s4.mlir --wq-quantize-weights="bits=4 group-size=32 symmetric=true" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.s4.out
// RUN: %python %wq_scripts/check_output.py %t.s4.out %t.s4.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// int8 per channel (symmetric) on Gaussian weights: within 1% (relative norm)
// of the fp32 product.
// RUN: %python %wq_scripts/gen_matmul_test.py --m 4 --k 300 --n 256 --bits 8 --group-size 0 --symmetric --weights gaussian --expect fp32 --seed 3 --mlir %t.i8.mlir --expected %t.i8.npy
// RUN: wq-opt %t.i8.mlir --wq-quantize-weights="bits=8 group-size=0 symmetric=true" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.i8.out
// RUN: %python %wq_scripts/check_output.py %t.i8.out %t.i8.npy --rtol-norm 1e-2 | FileCheck %s
//
// The check can fail: int4 output is far from the fp32 product at 1e-4.
// RUN: %python %wq_scripts/gen_matmul_test.py --m 4 --k 300 --n 256 --bits 4 --group-size 32 --expect fp32 --seed 1 --mlir %t.neg.mlir --expected %t.neg.npy
// RUN: not %python %wq_scripts/check_output.py %t.a4.out %t.neg.npy --rtol-norm 1e-4 | FileCheck %s --check-prefix=NEG

// CHECK: PASS
// NEG: FAIL
