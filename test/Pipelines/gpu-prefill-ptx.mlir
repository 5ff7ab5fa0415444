// REQUIRES: ptxas
// The prefill kernel's PTX (sm_90 and sm_80): 16-byte cp.async copies of
// activations (zero-filling rows past M through the source size) and
// weights into shared memory, committed per stage; in the loop a wait for
// all but the two latest groups and a barrier, 128-bit weight reads and
// 64-bit B-fragment reads from shared memory, lop3 dequantization and
// mma.sync with f32 accumulators.
// RUN: wq-opt %S/Inputs/prefill-variants.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --print-ptx | FileCheck %s
// RUN: wq-opt %S/Inputs/prefill-variants.mlir "--wq-gpu-pipeline=chip=sm_80 format=isa" | %python %wq_scripts/ptxas_check.py - --print-ptx | FileCheck %s
// CHECK-LABEL: .visible .entry int4_g128_asym_m17_kernel(
// CHECK: cp.async.cg.shared.global [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], 16, %r{{[0-9]+}};
// CHECK: cp.async.cg.shared.global [%rd{{[0-9]+}}{{(\+[0-9]+)?}}], [%rd{{[0-9]+}}], 16;
// CHECK: cp.async.commit_group;
// CHECK: cp.async.wait_group 2;
// CHECK: bar.sync 0;
// CHECK: ld.shared.v4.b32
// CHECK: lop3.b32 %r{{[0-9]+}}, %r{{[0-9]+}}, 0x000F000F, 0x64006400, 0xEA;
// CHECK: ld.shared.v2.b32
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// The split-K reduction kernel.
// CHECK-LABEL: .visible .entry int4_g128_asym_m17_kernel(
// CHECK: ld.global.b32
// CHECK: add.{{(rn.)?}}f32
// CHECK: cvt.rn.f16.f32
// CHECK-LABEL: .visible .entry int4_g32_sym_m64_bf16_kernel(
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
