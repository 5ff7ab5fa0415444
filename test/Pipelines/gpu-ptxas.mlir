// REQUIRES: ptxas
// Every kernel the GPU pipeline generates for the quantized linear layer of
// gpu-pipeline-quantized.mlir assembles with ptxas for sm_80 and sm_90 without
// local-memory spills; registers per thread are printed.
// RUN: wq-opt %S/gpu-pipeline-quantized.mlir --wq-quantize-weights="bits=4 group-size=32" "--wq-gpu-pipeline=chip=sm_80 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=SM80
// RUN: wq-opt %S/gpu-pipeline-quantized.mlir --wq-quantize-weights="bits=4 group-size=32" "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=SM90
// A module without PTX (cubin format) is an error, not a silent pass.
// RUN: wq-opt %S/gpu-pipeline-quantized.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-gpu-pipeline=chip=sm_90 | not %python %wq_scripts/ptxas_check.py - 2>&1 | FileCheck %s --check-prefix=NOPTX

// SM80: kernel {{.*}} sm_80: {{[0-9]+}} registers, {{[0-9]+}} bytes stack, 0 spill stores, 0 spill loads
// SM90: kernel {{.*}} sm_90: {{[0-9]+}} registers, {{[0-9]+}} bytes stack, 0 spill stores, 0 spill loads
// NOPTX: error: no PTX kernel found
