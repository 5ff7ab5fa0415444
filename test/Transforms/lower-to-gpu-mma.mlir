// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-decode | FileCheck %s
// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-decode=split-k=1 | FileCheck %s --check-prefix=K1
// RUN: not wq-opt %s --split-input-file --wq-lower-to-gpu-decode=split-k=33 2>&1 | FileCheck %s --check-prefix=BADK
// BADK: split-k must be in [0, 32] (0: by N)
// RUN: not wq-opt %s --split-input-file --wq-lower-to-gpu-decode=columns-per-block=33 2>&1 | FileCheck %s --check-prefix=BADCOLUMNS
// BADCOLUMNS: columns-per-block must be in [0, 32] (0: one)
// RUN: not wq-opt %s --split-input-file --wq-lower-to-gpu-decode=resident-warps=65 2>&1 | FileCheck %s --check-prefix=BADRESIDENT
// BADRESIDENT: resident-warps must be in [0, 64] (0: 32)

// The tensor-core schedule for an mma_tiles weight. 40 channels = 3 tile
// columns (blocks); K = 512 = 8 tiles, four per iteration (M <= 8, one group
// per tile), split over 2 warps per block (by N: up to 4, reduced until it
// divides the tiles), so each warp runs one iteration of four tiles, each a
// 128-bit load at [block, tile, 16 * lane]. Per 32-bit word: 4 lop3 into
// 1024 (0x64006400), two subf and two fma on f16 pairs (0x2C00 = 1/16), an
// 8-byte activation load per row tile (lanes of rows past M = 3 load row 2
// and nothing zeroes it: the mma keeps output columns apart and those are
// not stored) and one mma with f32 accumulators; one
// group per tile at g128: the tile's sums times the two channels' scales.
// The warps' sums meet in dynamic shared memory; warp 0 stores rows 2q,
// 2q + 1 of channels g and g + 8 where they exist. Two warps per block: 16
// blocks per SM keep 32 warps resident (at most 64 registers).
// CHECK-LABEL: func.func @asym_g128_m3
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 1024 : i32
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C3]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C64]], {{.*}}) dynamic_shared_memory_size %[[SMEM]]
// CHECK: %[[ROW:.*]] = arith.minui {{.*}}, %c2 : index
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK-COUNT-4: vector.load {{.*}} {alignment = 16 : i64, wq.min_blocks_per_sm = 16 : i32} : memref<3x8x512xi8>, vector<16xi8>
// CHECK: memref.load {{.*}} : memref<3x4x16xi8>
// CHECK: memref.load {{.*}} : memref<3x4x16xf16>
// CHECK: llvm.inline_asm "lop3.b32 $0, $1, 0x000F000F, 0x64006400, 0xEA;"
// CHECK: arith.subf {{.*}} : vector<2xf16>
// CHECK: llvm.intr.fma
// CHECK: vector.load %{{.*}}[%[[ROW]], %{{.*}}] {alignment = 8 : i64} : memref<3x512xf16>, vector<4xf16>
// CHECK-NOT: arith.select
// CHECK: llvm.inline_asm "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {$0, $1, $2, $3}, {$4, $5, $6, $7}, {$8, $9}, {$10, $11, $12, $13};", "=f,=f,=f,=f,r,r,r,r,r,r,0,1,2,3"
// CHECK-COUNT-3: llvm.inline_asm "mma.sync
// CHECK-COUNT-4: math.fma {{.*}} : f32
// CHECK: gpu.dynamic_shared_memory
// CHECK: memref.view {{.*}} to memref<2x32x4xf32, #gpu.address_space<workgroup>>
// CHECK: llvm.inline_asm has_side_effects "bar.sync 0;", "~{memory}"
// CHECK: scf.if
// CHECK-COUNT-4: memref.load {{.*}} : memref<2x32x4xf32, #gpu.address_space<workgroup>>
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: memref.store {{.*}} : memref<3x40xf16>
// CHECK: bufferization.to_tensor
// CHECK-NOT: wq.matmul
// K1-LABEL: func.func @asym_g128_m3
// K1: gpu.launch blocks({{.*}}) threads({{.*}}) in ({{.*}} = %c32,
// K1-NOT: dynamic_shared_memory
// K1: scf.for
// K1-NOT: bar.sync
func.func @asym_g128_m3(%x: tensor<3x512xf16>, %p: tensor<3x8x512xi8>, %s: tensor<3x4x16xf16>, %z: tensor<3x4x16xi8>) -> tensor<3x40xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<40x512, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<3x512xf16>, tensor<3x8x512xi8>, tensor<3x4x16xf16>, tensor<3x4x16xi8>) -> tensor<3x40xf16>
  return %y : tensor<3x40xf16>
}

// -----

// bf16, signed g32 (two groups per tile: the sums are scaled after every two
// steps), 9 rows (two row tiles, the second with 1 valid row): words are
// xored with 0x88888888, four lop3 per word (fields at bits 0, 4, 8, 12 into
// bf16 128 = 0x4300) and bf16 pairs; two mma per word.
// CHECK-LABEL: func.func @bf16_sym_g32_m9
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: arith.xori {{.*}}, %c-2004318072_i32
// CHECK: arith.subf {{.*}} : vector<2xbf16>
// CHECK: llvm.inline_asm "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK: llvm.inline_asm "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK-COUNT-8: math.fma {{.*}} : f32
// CHECK: arith.truncf {{.*}} : f32 to bf16
func.func @bf16_sym_g32_m9(%x: tensor<9x128xbf16>, %p: tensor<1x2x512xi8>, %s: tensor<1x4x16xbf16>) -> tensor<9x16xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x128, i4, group_size = 32, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<9x128xbf16>, tensor<1x2x512xi8>, tensor<1x4x16xbf16>) -> tensor<9x16xbf16>
  return %y : tensor<9x16xbf16>
}

// -----

// Per channel: the scales are loaded once before the loop and multiply the
// totals; the mma accumulates straight into them.
// CHECK-LABEL: func.func @per_channel_m8
// CHECK: memref.load {{.*}} : memref<1x1x16xf32>
// CHECK: memref.load {{.*}} : memref<1x1x16xf32>
// CHECK: scf.for
// CHECK-NOT: math.fma {{.*}} : f32
// CHECK: scf.yield
// CHECK: arith.mulf {{.*}} : f32
func.func @per_channel_m8(%x: tensor<8x256xf16>, %p: tensor<1x4x512xi8>, %s: tensor<1x1x16xf32>) -> tensor<8x16xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x256, u4, group_size = 0, scale_type = f32, layout = #wq.layout<mma_tiles>>} : (tensor<8x256xf16>, tensor<1x4x512xi8>, tensor<1x1x16xf32>) -> tensor<8x16xf16>
  return %y : tensor<8x16xf16>
}


// -----

// Act-order and outliers with f16 activations: the gather of x by perm goes
// before the kernel, the outlier products (in f32, rounded to f16) after it.
// CHECK-LABEL: func.func @act_order_outliers_f16
// CHECK: linalg.generic
// CHECK: tensor.extract {{.*}} : tensor<2x128xf16>
// CHECK: gpu.launch
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK: linalg.generic
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: arith.mulf {{.*}} : f32
// CHECK: arith.addf {{.*}} : f32
// CHECK: arith.truncf {{.*}} : f32 to f16
func.func @act_order_outliers_f16(%x: tensor<2x128xf16>, %p: tensor<1x2x512xi8>, %s: tensor<1x4x16xf16>, %z: tensor<1x4x16xi8>, %perm: tensor<128xi32>, %oc: tensor<2xi32>, %ow: tensor<16x2xf16>) -> tensor<2x16xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) perm(%perm) outliers(%oc, %ow) {weight = #wq.qweight<16x128, u4, group_size = 32, scale_type = f16, zero_points, permuted, outliers = 2, layout = #wq.layout<mma_tiles>>} : (tensor<2x128xf16>, tensor<1x2x512xi8>, tensor<1x4x16xf16>, tensor<1x4x16xi8>, tensor<128xi32>, tensor<2xi32>, tensor<16x2xf16>) -> tensor<2x16xf16>
  return %y : tensor<2x16xf16>
}

// -----

// int8 with bf16 activations (128 + byte is not exact in bf16): prmt puts
// each byte under f32 2^23 (0x4B000000, selectors 0x7650 + byte), an f32
// sub of 2^23 + zero leaves byte - zero, and prmt 0x7632 packs the two exact
// high halves into one bf16x2 register; bytes 0, 2 of a word are the low
// channel's, 1, 3 the high channel's. One group per 32-position tile: the
// biases (2^23 + zero as f32 bits) are set in the loop.
// CHECK-LABEL: func.func @int8_bf16_asym_g32_m1
// CHECK: scf.for
// CHECK: arith.addi {{.*}}, %c1258291200_i32
// CHECK: llvm.bitcast {{.*}} : i32 to f32
// CHECK: "prmt.b32 $0, $1, 0x4B000000, 0x7650;"
// CHECK: arith.subf {{.*}} : f32
// CHECK: "prmt.b32 $0, $1, 0x4B000000, 0x7652;"
// CHECK: arith.subf {{.*}} : f32
// CHECK: "prmt.b32 $0, $1, $2, 0x7632;"
// CHECK: "prmt.b32 $0, $1, 0x4B000000, 0x7651;"
// CHECK: "prmt.b32 $0, $1, 0x4B000000, 0x7653;"
// CHECK: "prmt.b32 $0, $1, $2, 0x7632;"
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK: math.fma {{.*}} : f32
// CHECK: scf.yield
func.func @int8_bf16_asym_g32_m1(%x: tensor<1x64xbf16>, %p: tensor<1x2x512xi8>, %s: tensor<1x2x16xbf16>, %z: tensor<1x2x16xi8>) -> tensor<1x16xbf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<16x64, u8, group_size = 32, scale_type = bf16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<1x64xbf16>, tensor<1x2x512xi8>, tensor<1x2x16xbf16>, tensor<1x2x16xi8>) -> tensor<1x16xbf16>
  return %y : tensor<1x16xbf16>
}

// -----

// Offsets of the activations' type (f16, Q4_1's form, g32: two groups per
// tile): the offsets' bits are splatted into f16x2 registers and are the A
// fragment of a second mma per step on the same activations, accumulating
// m * sum(x) straight into the output accumulators; the group end scales
// the first mma's partial sums only (4 FMAs).
// CHECK-LABEL: func.func @offsets_in_mma
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK: memref.load {{.*}} : memref<1x8x16xf16>
// CHECK: memref.load {{.*}} : memref<1x8x16xf16>
// CHECK: %[[ML:.*]] = memref.load {{.*}} : memref<1x8x16xf16>
// CHECK: %[[MLB:.*]] = arith.bitcast %[[ML]] : f16 to i16
// CHECK: %[[MLW:.*]] = arith.extui %[[MLB]] : i16 to i32
// CHECK: arith.muli %[[MLW]], %c65537_i32 : i32
// CHECK: %[[MH:.*]] = memref.load {{.*}} : memref<1x8x16xf16>
// CHECK: arith.bitcast %[[MH]] : f16 to i16
// CHECK: vector.load {{.*}} : memref<1x256xf16>, vector<4xf16>
// CHECK: llvm.inline_asm "mma.sync
// CHECK: llvm.inline_asm "mma.sync
// CHECK: vector.load {{.*}} : memref<1x256xf16>, vector<4xf16>
// CHECK: llvm.inline_asm "mma.sync
// CHECK: llvm.inline_asm "mma.sync
// CHECK-COUNT-4: math.fma {{.*}} : f32
// CHECK-NOT: math.fma
// CHECK: memref.load {{.*}} : memref<1x8x16xf16>
// K1-LABEL: func.func @offsets_in_mma
// K1-COUNT-16: llvm.inline_asm "mma.sync
// K1: scf.yield
func.func @offsets_in_mma(%x: tensor<1x256xf16>, %p: tensor<1x4x512xi8>, %s: tensor<1x8x16xf16>, %o: tensor<1x8x16xf16>) -> tensor<1x16xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<16x256, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x256xf16>, tensor<1x4x512xi8>, tensor<1x8x16xf16>, tensor<1x8x16xf16>) -> tensor<1x16xf16>
  return %y : tensor<1x16xf16>
}

// -----

// f32 offsets (not the activations' type): an mma with an all-ones A
// fragment (f16 1.0 pairs, 0x3C003C00) gives the group's activation sums of
// rows 2q, 2q + 1; at the group end each accumulator takes its scaled
// partial sum and offset * sum (8 FMAs).
// CHECK-LABEL: func.func @offsets_by_sums
// CHECK: %[[ONES:.*]] = arith.constant 1006648320 : i32
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK: %[[ML:.*]] = memref.load {{.*}} : memref<1x4x16xf32>
// CHECK: %[[MH:.*]] = memref.load {{.*}} : memref<1x4x16xf32>
// CHECK: llvm.inline_asm "mma.sync
// CHECK: llvm.inline_asm "mma.sync{{.*}}" %[[ONES]], %[[ONES]], %[[ONES]], %[[ONES]],
// CHECK-COUNT-6: llvm.inline_asm "mma.sync
// CHECK: math.fma {{.*}} : f32
// CHECK: math.fma {{.*}}, %[[ML]], {{.*}} : f32
// CHECK-COUNT-6: math.fma {{.*}} : f32
func.func @offsets_by_sums(%x: tensor<1x256xf16>, %p: tensor<1x4x512xi8>, %s: tensor<1x4x16xf32>, %o: tensor<1x4x16xf32>) -> tensor<1x16xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<16x256, u4, group_size = 64, scale_type = f32, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<1x256xf16>, tensor<1x4x512xi8>, tensor<1x4x16xf32>, tensor<1x4x16xf32>) -> tensor<1x16xf16>
  return %y : tensor<1x16xf16>
}

// -----

// Per channel with offsets, 11 rows (two row tiles): a loop of its own
// before the main one sums the activations (activations as the A fragment,
// both row tiles in one mma, ones as B; two f32 values carried); after the
// main loop four indexed shuffles bring the sums of rows 2q + i (+ 8) to
// the lanes storing them, and each warp applies scale and offset before the
// split-K reduction (which then carries the 8 finished values).
// CHECK-LABEL: func.func @offsets_per_channel
// CHECK: %[[ONES:.*]] = arith.constant 1006648320 : i32
// CHECK: %[[SUMS:.*]]:2 = scf.for {{.*}} -> (f32, f32)
// CHECK: llvm.inline_asm "mma.sync{{.*}}" %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONES]], %[[ONES]],
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: gpu.shuffle  idx %[[SUMS]]#0
// CHECK: gpu.shuffle  idx %[[SUMS]]#0
// CHECK: gpu.shuffle  idx %[[SUMS]]#1
// CHECK: gpu.shuffle  idx %[[SUMS]]#1
// CHECK: arith.mulf
// CHECK: math.fma
// CHECK: memref.view {{.*}} to memref<2x32x8xf32, #gpu.address_space<workgroup>>
// CHECK: scf.if
// CHECK-NOT: arith.mulf
// CHECK: memref.store
func.func @offsets_per_channel(%x: tensor<11x256xf16>, %p: tensor<1x4x512xi8>, %s: tensor<1x1x16xf16>, %o: tensor<1x1x16xf16>) -> tensor<11x16xf16> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<16x256, i4, group_size = 0, scale_type = f16, offsets, layout = #wq.layout<mma_tiles>>} : (tensor<11x256xf16>, tensor<1x4x512xi8>, tensor<1x1x16xf16>, tensor<1x1x16xf16>) -> tensor<11x16xf16>
  return %y : tensor<11x16xf16>
}
