// Calibration through the compiler: a program compiled with
// wq-insert-observers records its linear layer's activations while it runs
// (mlir-runner + libwq_observer.so), and wq-quantize-weights uses those
// statistics (GPTQ with act-order, AWQ, outliers). The statistics are checked
// against numpy, and the quantized programs' outputs against x times the
// weight that wq-quantize computes from the same statistics (float64).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %wq_scripts/gen_matmul_test.py --op matmul_nk --m 8 --k 96 --n 40 --calls 4 --name proj.weight --weights gaussian --expect fp32 --seed 21 --mlir %t/model.mlir --expected %t/fp32.npy --x-out %t/x.npy --weights-out %t/w.safetensors
// RUN: wq-opt %t/model.mlir --wq-insert-observers --wq-cpu-pipeline -o %t/observed.mlir
// RUN: env WQ_CALIBRATION_OUT=%t/stats.safetensors mlir-runner %t/observed.mlir -e main -entry-point-result=void -shared-libs=%mlir_runner_libs,%wq_observer > %t/observed.out 2> %t/observer.log
// RUN: FileCheck %s --check-prefix=LOG < %t/observer.log
// RUN: %python %wq_scripts/check_output.py %t/observed.out %t/fp32.npy --rtol-norm 1e-5 | FileCheck %s
// RUN: %python %wq_scripts/check_observer_stats.py %t/stats.safetensors %t/x.npy --name proj.weight | FileCheck %s --check-prefix=STATS
//
// GPTQ + act-order compiled with the recorded statistics, against the same
// quantization done by wq-quantize from the same statistics file.
// RUN: wq-opt %t/model.mlir --wq-quantize-weights="method=gptq act-order=true bits=4 group-size=32 calibration=%t/stats.safetensors" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t/gptq.out
// RUN: wq-quantize --weights %t/w.safetensors --calib %t/stats.safetensors --method gptq --act-order --bits 4 --group-size 32 --format wq -o %t/gptq.safetensors
// RUN: wq-quantize --dequantize %t/gptq.safetensors -o %t/gptq.deq
// RUN: %python %wq_scripts/expected_from_checkpoint.py %t/gptq.deq %t/x.npy --name proj.weight -o %t/gptq.npy
// RUN: %python %wq_scripts/check_output.py %t/gptq.out %t/gptq.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// AWQ with 5% outlier channels, same cross-check.
// RUN: wq-opt %t/model.mlir --wq-quantize-weights="method=awq outlier-fraction=0.05 bits=4 group-size=32 calibration=%t/stats.safetensors" --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t/awq.out
// RUN: wq-quantize --weights %t/w.safetensors --calib %t/stats.safetensors --method awq --outlier-fraction 0.05 --bits 4 --group-size 32 --format wq -o %t/awq.safetensors
// RUN: wq-quantize --dequantize %t/awq.safetensors -o %t/awq.deq
// RUN: %python %wq_scripts/expected_from_checkpoint.py %t/awq.deq %t/x.npy --name proj.weight -o %t/awq.npy
// RUN: %python %wq_scripts/check_output.py %t/awq.out %t/awq.npy --rtol-norm 1e-4 --rtol-max 1e-4 | FileCheck %s
//
// Both stay close to the fp32 layer (4-bit g32: within 10%).
// RUN: %python %wq_scripts/check_output.py %t/gptq.out %t/fp32.npy --rtol-norm 0.1 | FileCheck %s
// RUN: %python %wq_scripts/check_output.py %t/awq.out %t/fp32.npy --rtol-norm 0.1 | FileCheck %s

// LOG: wq observer: wrote statistics of 1 weight(s), 32 activation rows
// STATS: proj.weight: tokens 32 samples 4
// STATS: PASS
// CHECK: PASS
