// The PTX of the GPU decode kernels (wq-lower-to-gpu-decode, first in
// wq-gpu-pipeline) has the essentials: 128-bit global loads of the packed
// weights, one lop3 per weight for the int4 -> f32 conversion, xor-shuffle
// warp reductions (5 per output channel and activation row; M = 1 takes 4
// channels per warp). format=isa needs no CUDA toolkit.
// RUN: wq-opt %S/Inputs/decode-variants.mlir "--wq-gpu-pipeline=chip=sm_90 format=isa" | %python %wq_scripts/ptxas_check.py - --print-ptx | FileCheck %s
// RUN: wq-opt %S/Inputs/decode-variants.mlir "--wq-gpu-pipeline=chip=sm_80 format=isa" | %python %wq_scripts/ptxas_check.py - --print-ptx | FileCheck %s --check-prefix=SM80

// CHECK-LABEL: // gpu.binary @asym_g32_m1_kernel (sm_90a)
// CHECK: .target sm_90
// CHECK: .visible .entry asym_g32_m1_kernel(
// CHECK: ld.global.v4.b32
// CHECK-COUNT-128: lop3.b32 {{.*}}, 0xEA;
// CHECK-COUNT-20: shfl.sync.bfly.b32
// CHECK-NOT: shfl.sync
// CHECK: ret;

// M = 4: two channels per warp, 8 sums reduced; signed nibbles are read as
// unsigned (xor 8).
// CHECK-LABEL: // gpu.binary @sym_g128_m4_kernel (sm_90a)
// CHECK: xor.b32
// CHECK: lop3.b32
// CHECK-COUNT-40: shfl.sync.bfly.b32
// CHECK-NOT: shfl.sync

// f16 activations are loaded as f16 and widened; the result is stored as f16.
// CHECK-LABEL: // gpu.binary @per_channel_m8_f16_kernel (sm_90a)
// CHECK: ld.global.v4.b32
// CHECK: cvt.f32.f16
// CHECK-COUNT-40: shfl.sync.bfly.b32
// CHECK: cvt.rn.f16.f32
// CHECK: st.global.b16

// Act-order: the gather and the outlier term are kernels of their own
// around the decode kernel.
// CHECK-LABEL: // gpu.binary @act_order_outliers_kernel
// CHECK: lop3.b32

// int8 per channel: 16 weights per 128-bit load, mask 0xFF.
// CHECK-LABEL: // gpu.binary @int8_per_channel_m1_kernel (sm_90a)
// CHECK: ld.global.v4.b32
// CHECK: xor.b32
// CHECK-COUNT-64: lop3.b32 {{.*}}, 0xEA;
// CHECK-COUNT-20: shfl.sync.bfly.b32

// Tensor-core schedule: per 32-bit word of the lane's 128-bit load, four
// lop3 into the mantissa of 1024 (0x64006400), one shift, two sub.f16x2 and
// two fma.f16x2 (the 1/16 of the high fields and the zero point) and one
// mma.m16n8k16 per row tile with f32 accumulators: K = 256 is four tiles of
// four steps, all in one warp (four tiles per iteration); the kernel asks for
// 32 one-warp blocks per SM (.minnctapersm 32: at most 64 registers).
// Constants are sunk into the kernel: no parameters but the buffers'
// descriptors (64-bit), no divisions.
// CHECK-LABEL: // gpu.binary @mma_asym_g128_m1_kernel (sm_90a)
// CHECK-NOT: .param .{{(u32|f32|b32|b16|align)}}
// CHECK: .minnctapersm 32
// CHECK-NOT: div.
// CHECK: ld.global.v4.b32
// CHECK: lop3.b32 {{.*}}, 0xEA;
// CHECK: sub.rn.f16x2
// CHECK: fma.rn.f16x2
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-COUNT-15: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-NOT: mma.sync
// CHECK-NOT: bar.sync
// CHECK: st.global.b16
// CHECK: ret;

// bf16: magic 128 (0x43004300), four lop3 per word (fields at 0, 4, 8, 12)
// and one sub.bf16x2 each (symmetric: a constant zero point, which LLVM
// folds into an add of -(128 + 8)); 16 rows: two mma per word.
// CHECK-LABEL: // gpu.binary @mma_bf16_sym_g32_m16_kernel (sm_90a)
// CHECK: xor.b32
// CHECK: {{sub|add}}.rn.bf16x2
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// Per channel at M = 11 (two row tiles, 16 tiles): four warps split K and
// add their sums in shared memory behind bar.sync.
// CHECK-LABEL: // gpu.binary @mma_asym_per_channel_m11_kernel (sm_90a)
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK: st.shared.{{(v4.)?}}b32
// CHECK: bar.sync 0;
// CHECK: ld.shared.{{(v[24].)?}}b32
// CHECK: st.global.b16

// int8: per step two words, each two prmt (bytes 0, 2 and 1, 3 under
// 0x64: f16 1024 + byte) and two sub.f16x2; signed bytes xor 0x80.
// CHECK-LABEL: // gpu.binary @mma_int8_per_channel_m1_kernel (sm_90a)
// CHECK: ld.global.v4.b32
// CHECK: xor.b32
// CHECK: prmt.b32 {{.*}}, 0x64646464, 0x5250;
// CHECK: sub.rn.f16x2
// CHECK: prmt.b32 {{.*}}, 0x64646464, 0x5351;
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK-NOT: lop3.b32

// int8 with bf16 activations: each byte under f32 2^23 (prmt 0x765<byte>), an
// f32 sub of 2^23 + zero, the two exact bf16 halves packed (prmt 0x7632).
// CHECK-LABEL: // gpu.binary @mma_int8_bf16_per_channel_m1_kernel (sm_90a)
// CHECK: ld.global.v4.b32
// CHECK: prmt.b32 {{.*}}, 0x4B000000, 0x7650;
// CHECK: sub.rn.f32
// CHECK: prmt.b32 {{.*}}, 0x4B000000, 0x7652;
// CHECK: sub.rn.f32
// CHECK: prmt.b32 {{%r[0-9]+}}, {{%r[0-9]+}}, {{%r[0-9]+}}, 0x7632;
// CHECK-NOT: cvt.rn.bf16
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// SM80: // gpu.binary @asym_g32_m1_kernel (sm_80)
// SM80: .target sm_80
// SM80: ld.global.v4.b32
// SM80: lop3.b32
// SM80: shfl.sync.bfly.b32
// SM80: // gpu.binary @mma_bf16_sym_g32_m16_kernel (sm_80)
// SM80: fma.rn.bf16x2
// SM80: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
