// REQUIRES: ptxas
// Every kernel the GPU pipeline generates for the quantized linear layer of
// gpu-pipeline-quantized.mlir assembles with ptxas for sm_80 and sm_90 without
// local-memory spills; registers per thread are printed.
// RUN: wq-opt %S/gpu-pipeline-quantized.mlir --wq-quantize-weights="bits=4 group-size=32" "--wq-gpu-pipeline=chip=sm_80 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=SM80
// RUN: wq-opt %S/gpu-pipeline-quantized.mlir --wq-quantize-weights="bits=4 group-size=32" "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=SM90
// A module without PTX (cubin format) is an error, not a silent pass.
// RUN: wq-opt %S/gpu-pipeline-quantized.mlir --wq-quantize-weights="bits=4 group-size=32" --wq-gpu-pipeline=chip=sm_90 | not %python %wq_scripts/ptxas_check.py - 2>&1 | FileCheck %s --check-prefix=NOPTX

// SM80: kernel {{.*}} sm_80: {{[0-9]+}} registers, {{[0-9]+}} bytes stack, 0 spill stores, 0 spill loads
// SM90: kernel {{.*}} sm_90a: {{[0-9]+}} registers, {{[0-9]+}} bytes stack, 0 spill stores, 0 spill loads
// NOPTX: error: no PTX kernel found

// Every decode-kernel variant (int4 asym/sym, g32/g128/per channel, int8 per
// channel, M = 1/4/8/11 (two row blocks), f32/f16/bf16 activations,
// act-order + outliers; tensor-core schedule: int4 and int8, f16 and bf16,
// sym/asym, g16/g32/g64/g128/per channel, M = 1/4/9/11/12/16, split-K)
// assembles for both chips without spills; so do the group-offset variants
// (SIMT; tensor-core offsets as the A fragment, by activation sums, and per
// channel with a sums loop).
// RUN: wq-opt %S/Inputs/decode-variants.mlir "--wq-gpu-pipeline=chip=sm_80 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=VAR80
// RUN: wq-opt %S/Inputs/decode-variants.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=VAR90
// VAR80: kernel asym_g32_m1_kernel/asym_g32_m1_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel sym_g128_m4_kernel/sym_g128_m4_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel per_channel_m8_f16_kernel/per_channel_m8_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel int8_per_channel_m1_kernel/int8_per_channel_m1_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel rows11_bf16_kernel/rows11_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_asym_g128_m1_kernel/mma_asym_g128_m1_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_bf16_sym_g32_m16_kernel/mma_bf16_sym_g32_m16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_asym_per_channel_m11_kernel/mma_asym_per_channel_m11_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_g16_m4_kernel/mma_g16_m4_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_act_order_outliers_f16_kernel/mma_act_order_outliers_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_int8_per_channel_m1_kernel/mma_int8_per_channel_m1_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_uint8_g32_m12_kernel/mma_uint8_g32_m12_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_int8_bf16_per_channel_m1_kernel/mma_int8_bf16_per_channel_m1_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_uint8_bf16_g64_m9_kernel/mma_uint8_bf16_g64_m9_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel offsets_q41_m1_kernel/offsets_q41_m1_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel offsets_zp_g128_m4_f16_kernel/offsets_zp_g128_m4_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel offsets_int8_g64_m11_bf16_kernel/offsets_int8_g64_m11_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel offsets_side_inputs_kernel{{(_[0-9]+)?}}/offsets_side_inputs_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_offsets_q41_m1_kernel/mma_offsets_q41_m1_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_offsets_zp_g128_m5_bf16_kernel/mma_offsets_zp_g128_m5_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_offsets_sym_per_channel_m11_kernel/mma_offsets_sym_per_channel_m11_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_offsets_uint8_g32_m12_kernel/mma_offsets_uint8_g32_m12_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_offsets_int8_bf16_per_channel_m1_kernel/mma_offsets_int8_bf16_per_channel_m1_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_offsets_sym_g16_m16_bf16_kernel/mma_offsets_sym_g16_m16_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_offsets_side_inputs_f16_kernel{{(_[0-9]+)?}}/mma_offsets_side_inputs_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_offsets_f32_g64_m3_kernel/mma_offsets_f32_g64_m3_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR80: kernel mma_offsets_f16_bf16_g32_m9_kernel/mma_offsets_f16_bf16_g32_m9_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel asym_g32_m1_kernel/asym_g32_m1_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel sym_g128_m4_kernel/sym_g128_m4_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel per_channel_m8_f16_kernel/per_channel_m8_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel int8_per_channel_m1_kernel/int8_per_channel_m1_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel rows11_bf16_kernel/rows11_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_asym_g128_m1_kernel/mma_asym_g128_m1_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_bf16_sym_g32_m16_kernel/mma_bf16_sym_g32_m16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_asym_per_channel_m11_kernel/mma_asym_per_channel_m11_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_g16_m4_kernel/mma_g16_m4_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_act_order_outliers_f16_kernel/mma_act_order_outliers_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_int8_per_channel_m1_kernel/mma_int8_per_channel_m1_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_uint8_g32_m12_kernel/mma_uint8_g32_m12_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_int8_bf16_per_channel_m1_kernel/mma_int8_bf16_per_channel_m1_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_uint8_bf16_g64_m9_kernel/mma_uint8_bf16_g64_m9_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel offsets_q41_m1_kernel/offsets_q41_m1_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel offsets_zp_g128_m4_f16_kernel/offsets_zp_g128_m4_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel offsets_int8_g64_m11_bf16_kernel/offsets_int8_g64_m11_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel offsets_side_inputs_kernel{{(_[0-9]+)?}}/offsets_side_inputs_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_offsets_q41_m1_kernel/mma_offsets_q41_m1_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_offsets_zp_g128_m5_bf16_kernel/mma_offsets_zp_g128_m5_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_offsets_sym_per_channel_m11_kernel/mma_offsets_sym_per_channel_m11_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_offsets_uint8_g32_m12_kernel/mma_offsets_uint8_g32_m12_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_offsets_int8_bf16_per_channel_m1_kernel/mma_offsets_int8_bf16_per_channel_m1_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_offsets_sym_g16_m16_bf16_kernel/mma_offsets_sym_g16_m16_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_offsets_side_inputs_f16_kernel{{(_[0-9]+)?}}/mma_offsets_side_inputs_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_offsets_f32_g64_m3_kernel/mma_offsets_f32_g64_m3_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// VAR90: kernel mma_offsets_f16_bf16_g32_m9_kernel/mma_offsets_f16_bf16_g32_m9_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads

// The tensor-core kernels the GPU benchmark times, at its two largest shapes
// and every M, assemble for sm_90 without spills (registers printed).
// RUN: wq-opt %S/Inputs/bench-shapes.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=BENCH
// BENCH: kernel bench_28672x8192_m1_g128_f16_kernel/bench_28672x8192_m1_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m1_g32_f16_kernel/bench_28672x8192_m1_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m1_g128_bf16_kernel/bench_28672x8192_m1_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m4_g128_f16_kernel/bench_28672x8192_m4_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m4_g32_f16_kernel/bench_28672x8192_m4_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m4_g128_bf16_kernel/bench_28672x8192_m4_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m8_g128_f16_kernel/bench_28672x8192_m8_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m8_g32_f16_kernel/bench_28672x8192_m8_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m8_g128_bf16_kernel/bench_28672x8192_m8_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m16_g128_f16_kernel/bench_28672x8192_m16_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m16_g32_f16_kernel/bench_28672x8192_m16_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m16_g128_bf16_kernel/bench_28672x8192_m16_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m1_g128_f16_kernel/bench_8192x28672_m1_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m1_g32_f16_kernel/bench_8192x28672_m1_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m1_g128_bf16_kernel/bench_8192x28672_m1_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m4_g128_f16_kernel/bench_8192x28672_m4_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m4_g32_f16_kernel/bench_8192x28672_m4_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m4_g128_bf16_kernel/bench_8192x28672_m4_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m8_g128_f16_kernel/bench_8192x28672_m8_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m8_g32_f16_kernel/bench_8192x28672_m8_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m8_g128_bf16_kernel/bench_8192x28672_m8_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m16_g128_f16_kernel/bench_8192x28672_m16_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m16_g32_f16_kernel/bench_8192x28672_m16_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m16_g128_bf16_kernel/bench_8192x28672_m16_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m1_int8_kernel/bench_28672x8192_m1_int8_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m16_int8_kernel/bench_28672x8192_m16_int8_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m1_int8_kernel/bench_8192x28672_m1_int8_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m16_int8_kernel/bench_8192x28672_m16_int8_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m1_int8_bf16_kernel/bench_28672x8192_m1_int8_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_28672x8192_m16_int8_bf16_kernel/bench_28672x8192_m16_int8_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m1_int8_bf16_kernel/bench_8192x28672_m1_int8_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// BENCH: kernel bench_8192x28672_m16_int8_bf16_kernel/bench_8192x28672_m16_int8_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads

// The tensor-core kernels with group offsets at the benchmark's two largest
// shapes (Inputs/offsets-shapes.mlir) assemble for sm_90 without spills.
// Compiled for 16 resident warps per SM (resident-warps; runs of up to eight
// tiles): up to 128 registers, no spills.
// RUN: wq-opt %S/Inputs/bench-shapes.mlir --wq-lower-to-gpu-decode=resident-warps=16 "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=RESIDENT16
// RESIDENT16: kernel bench_28672x8192_m1_g128_f16_kernel{{.*}}: {{(9[7-9]|1[01][0-9]|12[0-8])}} registers
// RESIDENT16: kernel bench_28672x8192_m16_g128_f16_kernel{{.*}}: {{(9[7-9]|1[01][0-9]|12[0-8])}} registers

// RUN: wq-opt %S/Inputs/offsets-shapes.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=OFFBENCH
// OFFBENCH-COUNT-28: kernel off_{{.*}} sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// OFFBENCH-NOT: error

// The tensor-core prefill kernel (M > 16, static and dynamic; its split-K
// reduction kernel too) assembles without spills for both chips: every
// variant of prefill-variants.mlir and the benchmark shapes.
// RUN: wq-opt %S/Inputs/prefill-variants.mlir "--wq-gpu-pipeline=chip=sm_80 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=PRE80
// RUN: wq-opt %S/Inputs/prefill-variants.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=PRE90
// RUN: wq-opt %S/Inputs/prefill-bench-shapes.mlir "--wq-gpu-pipeline=chip=sm_80 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=PREBENCH80
// RUN: wq-opt %S/Inputs/prefill-bench-shapes.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --no-spills | FileCheck %s --check-prefix=PREBENCH90
// PRE80: kernel int4_g128_asym_m17_kernel/int4_g128_asym_m17_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int4_g128_asym_m17_kernel{{(_[0-9]+)?}}/int4_g128_asym_m17_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int4_g32_sym_m64_bf16_kernel/int4_g32_sym_m64_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int4_g32_sym_m64_bf16_kernel{{(_[0-9]+)?}}/int4_g32_sym_m64_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int4_g64_asym_m130_kernel/int4_g64_asym_m130_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int4_g64_asym_m130_kernel{{(_[0-9]+)?}}/int4_g64_asym_m130_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int4_per_channel_asym_m33_kernel/int4_per_channel_asym_m33_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int4_per_channel_asym_m33_kernel{{(_[0-9]+)?}}/int4_per_channel_asym_m33_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int8_per_channel_sym_m17_kernel/int8_per_channel_sym_m17_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int8_per_channel_sym_m17_kernel{{(_[0-9]+)?}}/int8_per_channel_sym_m17_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int8_g32_asym_m64_bf16_kernel/int8_g32_asym_m64_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int8_g32_asym_m64_bf16_kernel{{(_[0-9]+)?}}/int8_g32_asym_m64_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int8_g128_asym_m40_kernel/int8_g128_asym_m40_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int8_g128_asym_m40_kernel{{(_[0-9]+)?}}/int8_g128_asym_m40_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int4_g16_asym_m20_kernel/int4_g16_asym_m20_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel int4_g16_asym_m20_kernel{{(_[0-9]+)?}}/int4_g16_asym_m20_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel offsets_f16_g64_m24_kernel/offsets_f16_g64_m24_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel offsets_f16_g64_m24_kernel{{(_[0-9]+)?}}/offsets_f16_g64_m24_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel offsets_f32_g128_m17_kernel/offsets_f32_g128_m17_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel offsets_f32_g128_m17_kernel{{(_[0-9]+)?}}/offsets_f32_g128_m17_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel offsets_per_channel_m19_bf16_kernel/offsets_per_channel_m19_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel offsets_per_channel_m19_bf16_kernel{{(_[0-9]+)?}}/offsets_per_channel_m19_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel act_order_outliers_m18_kernel/act_order_outliers_m18_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel act_order_outliers_m18_kernel{{(_[0-9]+)?}}/act_order_outliers_m18_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel act_order_outliers_m18_kernel{{(_[0-9]+)?}}/act_order_outliers_m18_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel act_order_outliers_m18_kernel{{(_[0-9]+)?}}/act_order_outliers_m18_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel dynamic_int4_g128_kernel/dynamic_int4_g128_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel dynamic_int4_g128_kernel{{(_[0-9]+)?}}/dynamic_int4_g128_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel dynamic_int4_g128_kernel{{(_[0-9]+)?}}/dynamic_int4_g128_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel dynamic_int8_per_channel_bf16_kernel/dynamic_int8_per_channel_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel dynamic_int8_per_channel_bf16_kernel{{(_[0-9]+)?}}/dynamic_int8_per_channel_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE80: kernel dynamic_int8_per_channel_bf16_kernel{{(_[0-9]+)?}}/dynamic_int8_per_channel_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_g128_asym_m17_kernel/int4_g128_asym_m17_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_g128_asym_m17_kernel{{(_[0-9]+)?}}/int4_g128_asym_m17_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_g32_sym_m64_bf16_kernel/int4_g32_sym_m64_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_g32_sym_m64_bf16_kernel{{(_[0-9]+)?}}/int4_g32_sym_m64_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_g64_asym_m130_kernel/int4_g64_asym_m130_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_g64_asym_m130_kernel{{(_[0-9]+)?}}/int4_g64_asym_m130_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_per_channel_asym_m33_kernel/int4_per_channel_asym_m33_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_per_channel_asym_m33_kernel{{(_[0-9]+)?}}/int4_per_channel_asym_m33_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int8_per_channel_sym_m17_kernel/int8_per_channel_sym_m17_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int8_per_channel_sym_m17_kernel{{(_[0-9]+)?}}/int8_per_channel_sym_m17_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int8_g32_asym_m64_bf16_kernel/int8_g32_asym_m64_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int8_g32_asym_m64_bf16_kernel{{(_[0-9]+)?}}/int8_g32_asym_m64_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int8_g128_asym_m40_kernel/int8_g128_asym_m40_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int8_g128_asym_m40_kernel{{(_[0-9]+)?}}/int8_g128_asym_m40_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_g16_asym_m20_kernel/int4_g16_asym_m20_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel int4_g16_asym_m20_kernel{{(_[0-9]+)?}}/int4_g16_asym_m20_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel offsets_f16_g64_m24_kernel/offsets_f16_g64_m24_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel offsets_f16_g64_m24_kernel{{(_[0-9]+)?}}/offsets_f16_g64_m24_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel offsets_f32_g128_m17_kernel/offsets_f32_g128_m17_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel offsets_f32_g128_m17_kernel{{(_[0-9]+)?}}/offsets_f32_g128_m17_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel offsets_per_channel_m19_bf16_kernel/offsets_per_channel_m19_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel offsets_per_channel_m19_bf16_kernel{{(_[0-9]+)?}}/offsets_per_channel_m19_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel act_order_outliers_m18_kernel/act_order_outliers_m18_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel act_order_outliers_m18_kernel{{(_[0-9]+)?}}/act_order_outliers_m18_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel act_order_outliers_m18_kernel{{(_[0-9]+)?}}/act_order_outliers_m18_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel act_order_outliers_m18_kernel{{(_[0-9]+)?}}/act_order_outliers_m18_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel dynamic_int4_g128_kernel/dynamic_int4_g128_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel dynamic_int4_g128_kernel{{(_[0-9]+)?}}/dynamic_int4_g128_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel dynamic_int4_g128_kernel{{(_[0-9]+)?}}/dynamic_int4_g128_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel dynamic_int8_per_channel_bf16_kernel/dynamic_int8_per_channel_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel dynamic_int8_per_channel_bf16_kernel{{(_[0-9]+)?}}/dynamic_int8_per_channel_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PRE90: kernel dynamic_int8_per_channel_bf16_kernel{{(_[0-9]+)?}}/dynamic_int8_per_channel_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m32_g128_f16_kernel/prefill_28672x8192_m32_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m64_g128_f16_kernel/prefill_28672x8192_m64_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m128_g128_f16_kernel/prefill_28672x8192_m128_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m512_g128_f16_kernel/prefill_28672x8192_m512_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m4096_g128_f16_kernel/prefill_28672x8192_m4096_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_dyn_g128_f16_kernel/prefill_28672x8192_dyn_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_dyn_g128_f16_kernel{{(_[0-9]+)?}}/prefill_28672x8192_dyn_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_dyn_g128_f16_kernel{{(_[0-9]+)?}}/prefill_28672x8192_dyn_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m32_g128_bf16_kernel/prefill_28672x8192_m32_g128_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m32_int8_f16_kernel/prefill_28672x8192_m32_int8_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m32_g32_f16_kernel/prefill_28672x8192_m32_g32_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m4096_g128_bf16_kernel/prefill_28672x8192_m4096_g128_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m4096_int8_f16_kernel/prefill_28672x8192_m4096_int8_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_28672x8192_m4096_g32_f16_kernel/prefill_28672x8192_m4096_g32_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_8192x28672_dyn_g128_f16_kernel/prefill_8192x28672_dyn_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_8192x28672_dyn_g128_f16_kernel{{(_[0-9]+)?}}/prefill_8192x28672_dyn_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_8192x28672_dyn_g128_f16_kernel{{(_[0-9]+)?}}/prefill_8192x28672_dyn_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_4096x4096_m64_g128_f16_kernel/prefill_4096x4096_m64_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_4096x4096_m64_g128_f16_kernel{{(_[0-9]+)?}}/prefill_4096x4096_m64_g128_f16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_4096x4096_dyn_int8_bf16_kernel/prefill_4096x4096_dyn_int8_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_4096x4096_dyn_int8_bf16_kernel{{(_[0-9]+)?}}/prefill_4096x4096_dyn_int8_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH80: kernel prefill_4096x4096_dyn_int8_bf16_kernel{{(_[0-9]+)?}}/prefill_4096x4096_dyn_int8_bf16_kernel sm_80: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m32_g128_f16_kernel/prefill_28672x8192_m32_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m64_g128_f16_kernel/prefill_28672x8192_m64_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m128_g128_f16_kernel/prefill_28672x8192_m128_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m512_g128_f16_kernel/prefill_28672x8192_m512_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m4096_g128_f16_kernel/prefill_28672x8192_m4096_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_dyn_g128_f16_kernel/prefill_28672x8192_dyn_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_dyn_g128_f16_kernel{{(_[0-9]+)?}}/prefill_28672x8192_dyn_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_dyn_g128_f16_kernel{{(_[0-9]+)?}}/prefill_28672x8192_dyn_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m32_g128_bf16_kernel/prefill_28672x8192_m32_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m32_int8_f16_kernel/prefill_28672x8192_m32_int8_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m32_g32_f16_kernel/prefill_28672x8192_m32_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m4096_g128_bf16_kernel/prefill_28672x8192_m4096_g128_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m4096_int8_f16_kernel/prefill_28672x8192_m4096_int8_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_28672x8192_m4096_g32_f16_kernel/prefill_28672x8192_m4096_g32_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_8192x28672_dyn_g128_f16_kernel/prefill_8192x28672_dyn_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_8192x28672_dyn_g128_f16_kernel{{(_[0-9]+)?}}/prefill_8192x28672_dyn_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_8192x28672_dyn_g128_f16_kernel{{(_[0-9]+)?}}/prefill_8192x28672_dyn_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_4096x4096_m64_g128_f16_kernel/prefill_4096x4096_m64_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_4096x4096_m64_g128_f16_kernel{{(_[0-9]+)?}}/prefill_4096x4096_m64_g128_f16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_4096x4096_dyn_int8_bf16_kernel/prefill_4096x4096_dyn_int8_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_4096x4096_dyn_int8_bf16_kernel{{(_[0-9]+)?}}/prefill_4096x4096_dyn_int8_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
// PREBENCH90: kernel prefill_4096x4096_dyn_int8_bf16_kernel{{(_[0-9]+)?}}/prefill_4096x4096_dyn_int8_bf16_kernel sm_90a: {{[0-9]+}} registers, 0 bytes stack, 0 spill stores, 0 spill loads
