// Group offsets (w = scale * (q - zero) + offset) end to end on the CPU:
// random stored integers, scales, zero points and offsets with fixed seeds
// (scripts/gen_offsets_test.py writes them as constants and computes the
// float64 reference from the definition), through wq-cpu-pipeline and
// mlir-runner. Within 1e-4 of the output norm and of its largest value.
//
// The vector kernels (exact f32 activations): Q4_1's form (u4 g32, f16
// scales and offsets, no zero points) with ragged K = 77 and M = 3; zero
// points and offsets together with bf16 at M = 1 and odd N; signed int4 as a
// matvec (K = 300, g64); a layer large enough for OpenMP threads (513 x 512);
// int8 signed g16 f32 and int8 per channel with zero points.
// RUN: %python %wq_scripts/gen_offsets_test.py --m 3 --k 77 --n 33 --bits 4 --group-size 32 --seed 11 --mlir %t.1.mlir --expected %t.1.npy
// RUN: wq-opt %t.1.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1.out
// RUN: %python %wq_scripts/check_output.py %t.1.out %t.1.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: wq-opt %t.1.mlir --wq-lower-to-vector | FileCheck %s --check-prefix=VECTOR
// RUN: %python %wq_scripts/gen_offsets_test.py --m 1 --k 96 --n 17 --bits 4 --group-size 32 --zero-points --scale-type bf16 --seed 12 --mlir %t.2.mlir --expected %t.2.npy
// RUN: wq-opt %t.2.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.2.out
// RUN: %python %wq_scripts/check_output.py %t.2.out %t.2.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --rank1 --k 300 --n 9 --bits 4 --group-size 64 --signed --seed 13 --mlir %t.3.mlir --expected %t.3.npy
// RUN: wq-opt %t.3.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.3.out
// RUN: %python %wq_scripts/check_output.py %t.3.out %t.3.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --m 2 --k 512 --n 513 --bits 4 --group-size 128 --zero-points --seed 14 --mlir %t.4.mlir --expected %t.4.npy
// RUN: wq-opt %t.4.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.4.out
// RUN: %python %wq_scripts/check_output.py %t.4.out %t.4.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --m 3 --k 100 --n 7 --bits 8 --group-size 16 --signed --scale-type f32 --seed 15 --mlir %t.5.mlir --expected %t.5.npy
// RUN: wq-opt %t.5.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.5.out
// RUN: %python %wq_scripts/check_output.py %t.5.out %t.5.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --m 2 --k 64 --n 5 --bits 8 --group-size 0 --zero-points --seed 16 --mlir %t.6.mlir --expected %t.6.npy
// RUN: wq-opt %t.6.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.6.out
// RUN: %python %wq_scripts/check_output.py %t.6.out %t.6.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// activation-bits=8: the reference quantizes the activations per 32 like
// the kernel (its offset term uses the quantized activations' group sums,
// so the kernel is exact against x_q W): Q4_1's form with ragged K, signed
// int4 as a matvec, zero points and offsets with threads; and the portable
// wq.byte_dot lowering.
// RUN: %python %wq_scripts/gen_offsets_test.py --m 3 --k 77 --n 33 --bits 4 --group-size 32 --int8-activations --seed 21 --mlir %t.7.mlir --expected %t.7.npy
// RUN: wq-opt %t.7.mlir --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.7.out
// RUN: %python %wq_scripts/check_output.py %t.7.out %t.7.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: wq-opt %t.7.mlir --wq-lower-to-vector=activation-bits=8 | FileCheck %s --check-prefix=BYTEDOT
// RUN: wq-opt %t.7.mlir --wq-lower-to-vector=activation-bits=8 --wq-lower-byte-dot=target=generic --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.7g.out
// RUN: %python %wq_scripts/check_output.py %t.7g.out %t.7.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --rank1 --k 300 --n 17 --bits 4 --group-size 64 --signed --int8-activations --seed 22 --mlir %t.8.mlir --expected %t.8.npy
// RUN: wq-opt %t.8.mlir --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.8.out
// RUN: %python %wq_scripts/check_output.py %t.8.out %t.8.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --m 2 --k 512 --n 513 --bits 4 --group-size 128 --zero-points --scale-type bf16 --int8-activations --seed 23 --mlir %t.9.mlir --expected %t.9.npy
// RUN: wq-opt %t.9.mlir --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.9.out
// RUN: %python %wq_scripts/check_output.py %t.9.out %t.9.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// Signed int8 weights (random stored values, -128 included) with offsets
// through integer dot products (|w| against sign(w) x): ragged
// K, M = 3 and a matvec, odd N, f16 and f32 scales, and the portable lowering.
// RUN: %python %wq_scripts/gen_offsets_test.py --m 3 --k 77 --n 33 --bits 8 --group-size 32 --signed --int8-activations --seed 24 --mlir %t.12.mlir --expected %t.12.npy
// RUN: wq-opt %t.12.mlir --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.12.out
// RUN: %python %wq_scripts/check_output.py %t.12.out %t.12.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: wq-opt %t.12.mlir --wq-lower-to-vector=activation-bits=8 --wq-lower-byte-dot=target=generic --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.12g.out
// RUN: %python %wq_scripts/check_output.py %t.12g.out %t.12.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --rank1 --k 160 --n 9 --bits 8 --group-size 64 --signed --scale-type f32 --int8-activations --seed 25 --mlir %t.13.mlir --expected %t.13.npy
// RUN: wq-opt %t.13.mlir --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.13.out
// RUN: %python %wq_scripts/check_output.py %t.13.out %t.13.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// The linalg path: Q4_1's form with ragged K sent there (wq-lower-to-linalg
// first); forms the vector kernels leave to it: a batched weight with zero
// points and offsets, 2-bit with odd groups (bf16), int8 flat groups
// straddling rows.
// RUN: wq-opt %t.1.mlir --wq-lower-to-linalg --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1l.out
// RUN: %python %wq_scripts/check_output.py %t.1l.out %t.1.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --batch 2 --m 3 --k 50 --n 7 --bits 4 --group-size 16 --zero-points --seed 31 --mlir %t.10.mlir --expected %t.10.npy
// RUN: wq-opt %t.10.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.10.out
// RUN: %python %wq_scripts/check_output.py %t.10.out %t.10.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --m 2 --k 21 --n 6 --bits 2 --group-size 5 --scale-type bf16 --seed 32 --mlir %t.11.mlir --expected %t.11.npy
// RUN: wq-opt %t.11.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.11.out
// RUN: %python %wq_scripts/check_output.py %t.11.out %t.11.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --m 2 --k 15 --n 4 --bits 8 --group-size 12 --flat --signed --seed 33 --mlir %t.12.mlir --expected %t.12.npy
// RUN: wq-opt %t.12.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.12.out
// RUN: %python %wq_scripts/check_output.py %t.12.out %t.12.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// wq.dequantize (lowered, and folded by wq-fold-constant-dequantize):
// ragged groups with zero points, flat groups, a batched signed weight.
// RUN: %python %wq_scripts/gen_offsets_test.py --dequantize --k 45 --n 6 --bits 4 --group-size 16 --zero-points --seed 41 --mlir %t.13.mlir --expected %t.13.npy
// RUN: wq-opt %t.13.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.13.out
// RUN: %python %wq_scripts/check_output.py %t.13.out %t.13.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
// RUN: wq-opt %t.13.mlir --wq-fold-constant-dequantize --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.13f.out
// RUN: %python %wq_scripts/check_output.py %t.13f.out %t.13.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --dequantize --k 15 --n 4 --bits 8 --group-size 12 --flat --seed 42 --mlir %t.14.mlir --expected %t.14.npy
// RUN: wq-opt %t.14.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.14.out
// RUN: %python %wq_scripts/check_output.py %t.14.out %t.14.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
// RUN: wq-opt %t.14.mlir --wq-fold-constant-dequantize --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.14f.out
// RUN: %python %wq_scripts/check_output.py %t.14f.out %t.14.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
// RUN: %python %wq_scripts/gen_offsets_test.py --dequantize --batch 2 --k 20 --n 3 --bits 4 --group-size 0 --signed --scale-type f32 --seed 43 --mlir %t.15.mlir --expected %t.15.npy
// RUN: wq-opt %t.15.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.15.out
// RUN: %python %wq_scripts/check_output.py %t.15.out %t.15.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
// RUN: wq-opt %t.15.mlir --wq-fold-constant-dequantize --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.15f.out
// RUN: %python %wq_scripts/check_output.py %t.15f.out %t.15.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
//
// The offsets matter: the same program with its offsets zeroed misses the
// reference by far.
// RUN: sed -E 's/(%%o = arith.constant )dense<"0x[0-9A-F]+">/\1dense<0.0>/' %t.1.mlir > %t.1z.mlir
// RUN: wq-opt %t.1z.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1z.out
// RUN: not %python %wq_scripts/check_output.py %t.1z.out %t.1.npy --rtol-norm 1e-2 | FileCheck %s --check-prefix=ZEROED
//
// CHECK: PASS
// ZEROED: FAIL
// VECTOR-NOT: wq.matmul
// BYTEDOT: wq.byte_dot
