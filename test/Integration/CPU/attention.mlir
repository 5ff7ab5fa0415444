// wq.attention in its linalg form (wq-lower-to-linalg, through
// wq-cpu-pipeline) against a float64 reference, within 1e-5: three prompt
// rows with a start of 5 over 2 KV heads shared by 4 query heads of 6 values
// (a head size no vector width divides), one decode row whose position is
// read from a tensor<1xi32> at the caches' last slot, and one head per KV
// head (plain multi-head attention) with 16 rows from position 0.
//
// RUN: %python %wq_scripts/gen_attention_test.py --rows 3 --heads 4 --kv-heads 2 --head-size 6 --layers 2 --positions 11 --start 5 --seed 3 --mlir %t.1.mlir --expected %t.1.npy
// RUN: wq-opt %t.1.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.1.out
// RUN: %python %wq_scripts/check_output.py %t.1.out %t.1.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_attention_test.py --rows 1 --heads 9 --kv-heads 3 --head-size 64 --layers 3 --positions 40 --start 39 --start-in-tensor --seed 4 --mlir %t.2.mlir --expected %t.2.npy
// RUN: wq-opt %t.2.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.2.out
// RUN: %python %wq_scripts/check_output.py %t.2.out %t.2.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
//
// RUN: %python %wq_scripts/gen_attention_test.py --rows 16 --heads 2 --kv-heads 2 --head-size 16 --layers 1 --positions 16 --start 0 --seed 5 --mlir %t.3.mlir --expected %t.3.npy
// RUN: wq-opt %t.3.mlir --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.3.out
// RUN: %python %wq_scripts/check_output.py %t.3.out %t.3.npy --rtol-norm 1e-5 --rtol-max 1e-5 | FileCheck %s
//
// CHECK: PASS
