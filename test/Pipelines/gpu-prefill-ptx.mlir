// REQUIRES: ptxas
// The prefill kernel's PTX. Both chips: 16-byte cp.async copies of
// activations (zero-filling rows past M through the source size) and weights
// into shared memory, committed per stage; in the loop a wait for the
// stages still allowed in flight and a barrier, 128-bit weight reads from
// shared memory and lop3 dequantization.
// sm_80 (and sm_90 with prefill-wgmma=false): 64-bit B-fragment reads from
// shared memory and mma.sync with f32 accumulators, 3 copies in flight.
// sm_90 (target sm_90a): per step the fragments reordered by two shuffle
// exchanges, wgmma.fence and one wgmma.mma_async over all the block's rows
// (A in registers, B through a shared-memory descriptor); per stage a commit,
// and before the barrier a wait for all but the last stage's wgmmas and the
// proxy fence that makes the copies visible to them; 2 copies in flight; at
// the end a wait for all.
// RUN: wq-opt %S/Inputs/prefill-variants.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --print-ptx | FileCheck %s --check-prefixes=CHECK,WGMMA
// RUN: wq-opt %S/Inputs/prefill-variants.mlir "--wq-gpu-pipeline=chip=sm_80 format=isa" | %python %wq_scripts/ptxas_check.py - --print-ptx | FileCheck %s --check-prefixes=CHECK,MMA
// RUN: wq-opt %S/Inputs/prefill-variants.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa prefill-wgmma=false" | %python %wq_scripts/ptxas_check.py - --print-ptx | FileCheck %s --check-prefixes=CHECK,MMA,SM90MMA
// prefill-tma=false: cp.async at every M.
// RUN: wq-opt %S/Inputs/prefill-variants.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa prefill-tma=false" | %python %wq_scripts/ptxas_check.py - --print-ptx | FileCheck %s --check-prefix=NOTMA
// NOTMA-NOT: cp.async.bulk
// NOTMA-NOT: mbarrier
// NOTMA: .entry int4_g64_asym_m130_kernel(
// NOTMA-NOT: cp.async.bulk
// NOTMA-NOT: mbarrier
// NOTMA: cp.async.cg.shared.global
// NOTMA-NOT: cp.async.bulk
// NOTMA-NOT: mbarrier
// WGMMA: .target sm_90a
// SM90MMA: .target sm_90{{$}}
// CHECK-LABEL: .visible .entry int4_g128_asym_m17_kernel(
// CHECK: cp.async.cg.shared.global [%rd{{[0-9]+}}{{(\+[0-9]+)?}}], [%rd{{[0-9]+}}{{(\+[0-9]+)?}}], 16, %r{{[0-9]+}};
// CHECK: cp.async.cg.shared.global [%rd{{[0-9]+}}{{(\+[0-9]+)?}}], [%rd{{[0-9]+}}], 16;
// CHECK: cp.async.commit_group;
// MMA: cp.async.wait_group 2;
// WGMMA: cp.async.wait_group 1;
// WGMMA: wgmma.wait_group.sync.aligned 1;
// WGMMA: fence.proxy.async.shared::cta;
// CHECK: bar.sync 0;
// CHECK: ld.shared.v4.b32
// CHECK: lop3.b32 %r{{[0-9]+}}, %r{{[0-9]+}}, 0x000F000F, 0x64006400, 0xEA;
// MMA: ld.shared.v2.b32
// MMA: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// WGMMA: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// WGMMA: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
// WGMMA: wgmma.fence.sync.aligned;
// WGMMA: wgmma.mma_async.sync.aligned.m64n24k16.f32.f16.f16 {[[ACC:%r[0-9]+(, %r[0-9]+){11}]]}, {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, %rd{{[0-9]+}}, p, 1, 1, 0;
// The next step accumulates into the same registers.
// WGMMA: wgmma.fence.sync.aligned;
// WGMMA: wgmma.mma_async.sync.aligned.m64n24k16.f32.f16.f16 {[[ACC]]}
// WGMMA: wgmma.commit_group.sync.aligned;
// WGMMA: wgmma.wait_group.sync.aligned 0;
// The split-K reduction kernel.
// CHECK-LABEL: .visible .entry int4_g128_asym_m17_kernel(
// CHECK: ld.global.b32
// CHECK: add.{{(rn.)?}}f32
// CHECK: cvt.rn.f16.f32
// CHECK-LABEL: .visible .entry int4_g32_sym_m64_bf16_kernel(
// MMA: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// WGMMA: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {{[{]}}%r{{[0-9]+(, %r[0-9]+){31}[}]}}, 
// From 128 rows on (M = 130) sm_90 fills the stages by TMA: thread 0
// initializes one mbarrier per stage and, per stage, sets the bytes it
// expects, copies the activations with one cp.async.bulk.tensor through the
// tensor map (a kernel parameter) and each warp's weight tile with one
// cp.async.bulk; before the barrier only the wgmma wait (no cp.async wait,
// no proxy fence: TMA writes through the async proxy), after it a wait for
// the stage's mbarrier phase; wgmma over all 128 rows of the block.
// CHECK-LABEL: .visible .entry int4_g64_asym_m130_kernel(
// MMA: cp.async.cg.shared.global
// WGMMA-NOT: cp.async.cg
// WGMMA: mbarrier.init.shared::cta.b64 [%r{{[0-9]+}}], 1;
// WGMMA: fence.mbarrier_init.release.cluster;
// WGMMA: bar.sync 0;
// WGMMA: mbarrier.arrive.expect_tx.shared::cta.b64 _, [[[BAR:%r[0-9]+]]], %r{{[0-9]+}};
// WGMMA: cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%r{{[0-9]+}}], [%rd{{[0-9]+}}, {%r{{[0-9]+}}, %r{{[0-9]+}}}], [[[BAR]]];
// WGMMA-COUNT-4: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%r{{[0-9]+}}], [%rd{{[0-9]+}}], %r{{[0-9]+}}, [[[BAR]]];
// WGMMA-NOT: cp.async.wait_group
// WGMMA-NOT: fence.proxy.async
// WGMMA: wgmma.wait_group.sync.aligned 1;
// WGMMA-NEXT: // end inline asm
// WGMMA-NEXT: // begin inline asm
// WGMMA-NEXT: bar.sync 0;
// WGMMA: mbarrier.try_wait.parity.shared::cta.b64 %wq_ready, [%r{{[0-9]+}}], %r{{[0-9]+}};
// WGMMA: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// CHECK-LABEL: .visible .entry int8_per_channel_sym_m17_kernel(
// MMA: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// WGMMA: wgmma.mma_async.sync.aligned.m64n24k16.f32.f16.f16
