// The int4 CPU kernels with int8 activations (wq-cpu-pipeline
// activation-bits=8: per-32 int8 activations, wq.byte_dot) against a float64
// reference that quantizes the activations the same way
// (gen_matmul_test.py --int8-activations), within 1e-4; and against exact
// f32 activations within 2% (the approximation the option buys speed with).
// Ragged K (77, 300), M = 1 and M > 1, odd N, asymmetric and symmetric
// (signed nibbles read as unsigned with zero point 8), groups of 32, 64 and
// 128, a layer large enough for threads, the x86 and the generic lowering
// of wq.byte_dot, and signed int8 weights (llama.cpp's Q8_0 x Q8_0: |w|
// against sign(w) x in wq.byte_dot).
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 3 --k 77 --n 33 --bits 4 --group-size 32 --int8-activations --seed 41 --mlir %t.1.mlir --expected %t.1.npy
// RUN: wq-opt %t.1.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1.out
// RUN: %python %wq_scripts/check_output.py %t.1.out %t.1.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 3 --k 77 --n 33 --bits 4 --group-size 32 --seed 41 --mlir %t.1f.mlir --expected %t.1f.npy
// RUN: %python %wq_scripts/check_output.py %t.1.out %t.1f.npy --rtol-norm 2e-2 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matvec --k 300 --n 17 --bits 4 --group-size 64 --symmetric --int8-activations --seed 42 --mlir %t.2.mlir --expected %t.2.npy
// RUN: wq-opt %t.2.mlir --wq-quantize-weights="bits=4 group-size=64 symmetric=true" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.2.out
// RUN: %python %wq_scripts/check_output.py %t.2.out %t.2.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 2 --k 512 --n 513 --bits 4 --group-size 128 --weights gaussian --int8-activations --seed 43 --mlir %t.3.mlir --expected %t.3.npy
// RUN: wq-opt %t.3.mlir --wq-quantize-weights="bits=4 group-size=128" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.3.out
// RUN: %python %wq_scripts/check_output.py %t.3.out %t.3.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// The portable lowering of wq.byte_dot gives the same results.
// RUN: wq-opt %t.1.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-lower-to-vector=activation-bits=8 --wq-lower-byte-dot=target=generic --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.4.out
// RUN: %python %wq_scripts/check_output.py %t.4.out %t.1.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// The superblock walk's other cases: groups of 96 (3 blocks, straddling the
// 4-block superblocks: scales block by block), M = 9 (a tile of 8 rows and
// one more), K = 200 ragged; int4 per channel (one scale broadcast);
// the AVX2 pair and the 256-bit VNNI form on 64-byte operands (split in
// halves).
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 9 --k 200 --n 19 --bits 4 --group-size 96 --int8-activations --seed 49 --mlir %t.10.mlir --expected %t.10.npy
// RUN: wq-opt %t.10.mlir --wq-quantize-weights="bits=4 group-size=96" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.10.out
// RUN: %python %wq_scripts/check_output.py %t.10.out %t.10.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: wq-opt %t.10.mlir --wq-quantize-weights="bits=4 group-size=96" --wq-cpu-pipeline="activation-bits=8 byte-dot-target=x86" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.10x.out
// RUN: %python %wq_scripts/check_output.py %t.10x.out %t.10.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %if x86-vnni %{ wq-opt %t.10.mlir --wq-quantize-weights="bits=4 group-size=96" --wq-cpu-pipeline="activation-bits=8 byte-dot-target=x86-vnni" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.10v.out %}
// RUN: %if x86-vnni %{ %python %wq_scripts/check_output.py %t.10v.out %t.10.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s %}
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 9 --k 96 --n 7 --bits 4 --group-size 96 --symmetric --int8-activations --seed 50 --mlir %t.11.mlir --expected %t.11.npy
// RUN: wq-opt %t.11.mlir --wq-quantize-weights="bits=4 group-size=0 symmetric=true" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.11.out
// RUN: %python %wq_scripts/check_output.py %t.11.out %t.11.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: wq-opt %t.1.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-cpu-pipeline="activation-bits=8 byte-dot-target=x86" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1x.out
// RUN: %python %wq_scripts/check_output.py %t.1x.out %t.1.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// Signed int8 weights: int8 activations too, within 1e-4 of the reference
// that quantizes the activations, within 2% of exact f32 activations; M > 1
// and M = 1, ragged K (77: the last group padded), odd N, groups of 32 and
// 64, a layer large enough for threads; the generic lowering of
// wq.byte_dot agrees (byte-dot-edges.mlir checks the x86 pair at |w| = 128).
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 2 --k 96 --n 9 --bits 8 --group-size 32 --symmetric --int8-activations --seed 44 --mlir %t.5.mlir --expected %t.5.npy
// RUN: wq-opt %t.5.mlir --wq-quantize-weights="bits=8 group-size=32 symmetric=true" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.5.out
// RUN: %python %wq_scripts/check_output.py %t.5.out %t.5.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 2 --k 96 --n 9 --bits 8 --group-size 32 --symmetric --seed 44 --mlir %t.5f.mlir --expected %t.5f.npy
// RUN: %python %wq_scripts/check_output.py %t.5.out %t.5f.npy --rtol-norm 2e-2 | FileCheck %s
// RUN: wq-opt %t.5.mlir --wq-quantize-weights="bits=8 group-size=32 symmetric=true" --wq-lower-to-vector=activation-bits=8 --wq-lower-byte-dot=target=generic --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.5g.out
// RUN: %python %wq_scripts/check_output.py %t.5g.out %t.5.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_matmul_test.py --op matvec --k 77 --n 31 --bits 8 --group-size 32 --symmetric --int8-activations --seed 45 --mlir %t.6.mlir --expected %t.6.npy
// RUN: wq-opt %t.6.mlir --wq-quantize-weights="bits=8 group-size=32 symmetric=true" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.6.out
// RUN: %python %wq_scripts/check_output.py %t.6.out %t.6.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 3 --k 512 --n 1025 --bits 8 --group-size 64 --weights gaussian --symmetric --int8-activations --seed 46 --mlir %t.7.mlir --expected %t.7.npy
// RUN: wq-opt %t.7.mlir --wq-quantize-weights="bits=8 group-size=64 symmetric=true" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.7.out
// RUN: %python %wq_scripts/check_output.py %t.7.out %t.7.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// The AVX2 pair (vpmaddubsw + vpmaddwd, run twice on a full-range byte)
// gives the same results as VNNI and the portable lowering for the signed
// weights read as w ^ 0x80.
// RUN: wq-opt %t.5.mlir --wq-quantize-weights="bits=8 group-size=32 symmetric=true" --wq-cpu-pipeline="activation-bits=8 byte-dot-target=x86" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.5x.out
// RUN: %python %wq_scripts/check_output.py %t.5x.out %t.5.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// Unsigned int8 weights with zero points take the integer path too (bytes
// up to 255 against the activations, the zero point through the group sums),
// on every lowering of wq.byte_dot; M > 1 and M = 1, ragged K.
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 3 --k 160 --n 17 --bits 8 --group-size 32 --int8-activations --seed 47 --mlir %t.8.mlir --expected %t.8.npy
// RUN: wq-opt %t.8.mlir --wq-quantize-weights="bits=8 group-size=32" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.8.out
// RUN: %python %wq_scripts/check_output.py %t.8.out %t.8.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: wq-opt %t.8.mlir --wq-quantize-weights="bits=8 group-size=32" --wq-cpu-pipeline="activation-bits=8 byte-dot-target=x86" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.8x.out
// RUN: %python %wq_scripts/check_output.py %t.8x.out %t.8.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: wq-opt %t.8.mlir --wq-quantize-weights="bits=8 group-size=32" --wq-lower-to-vector=activation-bits=8 --wq-lower-byte-dot=target=generic --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.8g.out
// RUN: %python %wq_scripts/check_output.py %t.8g.out %t.8.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
// RUN: %python %wq_scripts/gen_matmul_test.py --op matvec --k 77 --n 31 --bits 8 --group-size 32 --int8-activations --seed 48 --mlir %t.9.mlir --expected %t.9.npy
// RUN: wq-opt %t.9.mlir --wq-quantize-weights="bits=8 group-size=32" --wq-cpu-pipeline=activation-bits=8 | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.9.out
// RUN: %python %wq_scripts/check_output.py %t.9.out %t.9.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// CHECK: PASS
