// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-prefill --canonicalize | FileCheck %s
// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-prefill="split-k=1 stages=2" --canonicalize | FileCheck %s --check-prefix=K1
// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-prefill="stages=8" --canonicalize | FileCheck %s --check-prefix=S8
// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-prefill="wgmma=true" --canonicalize | FileCheck %s --check-prefix=TMA
// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-prefill="wgmma=true tma=false" --canonicalize | FileCheck %s --check-prefix=NOTMA
// RUN: not wq-opt %s --wq-lower-to-gpu-prefill=stages=1 2>&1 | FileCheck %s --check-prefix=BADSTAGES
// BADSTAGES: stages must be 0 (4) or in [2, 8]
// RUN: not wq-opt %s --wq-lower-to-gpu-prefill=split-k=17 2>&1 | FileCheck %s --check-prefix=BADK
// BADK: split-k must be in [0, 16] (0: by the grid)
// RUN: not wq-opt %s --wq-lower-to-gpu-prefill=sm-count=0 2>&1 | FileCheck %s --check-prefix=BADSM
// BADSM: sm-count must be at least 1

// int4 g128 at M = 64: 128 channels = 8 tile columns = 2 blocks of 4 warps,
// 64 rows (8 row tiles) per block. 2 blocks leave SMs idle: split-K into 2
// slices (K = 256 = 4 tiles = 2 groups of 2 tiles, the most there are),
// each writing f32 partial outputs to a [2, 64, 128] workspace that a
// second kernel adds up. 4 stages of 8 KB of activations and 2 KB of
// weights: 40 KB of dynamic shared memory. The prologue puts 3 stages in
// flight (cp.async of 16 bytes bypassing L1: 4 activation chunks and one
// weight chunk per thread and stage, a commit each); the loop runs one unit
// (a group: two tiles) per iteration, each tile waiting for all but the 2
// latest groups, a barrier, the next copies, then per 16-position step one
// 128-bit weight read from shared memory, 4 lop3 into f16 1024, and 8
// mmas (one 8-byte B read each), the group's partial sums scaled at its end.
// CHECK-LABEL: func.func @asym_g128_m64
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 40960 : i32
// CHECK: %[[WS:.*]] = memref.alloc() : memref<2x64x128xf32>
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C2]], {{.*}} = %c1, {{.*}} = %[[C2]]) threads({{.*}}) in ({{.*}} = %[[C128]], {{.*}}) dynamic_shared_memory_size %[[SMEM]]
// CHECK: memref.view {{.*}} to memref<4x64x64xf16, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<4x4x512xi8, #gpu.address_space<workgroup>>
// CHECK-COUNT-4: nvgpu.device_async_copy {{.*}}, 8, {{.*}} {bypassL1} : memref<64x256xf16> to memref<4x64x64xf16, #gpu.address_space<workgroup>>
// CHECK: nvgpu.device_async_copy {{.*}}, 16 {bypassL1} : memref<8x4x512xi8> to memref<4x4x512xi8, #gpu.address_space<workgroup>>
// CHECK: "cp.async.commit_group;"
// CHECK: scf.for {{.*}} step %[[C2]] iter_args
// CHECK: "cp.async.wait_group 2;"
// CHECK: "bar.sync 0;"
// CHECK: "cp.async.commit_group;"
// CHECK: vector.load {{.*}} : memref<4x4x512xi8, #gpu.address_space<workgroup>>, vector<16xi8>
// CHECK-COUNT-4: lop3.b32 $0, $1, 0x{{00F000F0|000F000F}}, 0x64006400, 0xEA;
// CHECK: vector.load {{.*}} {alignment = 8 : i64} : memref<4x64x64xf16, #gpu.address_space<workgroup>>, vector<4xf16>
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK: "cp.async.wait_group 2;"
// CHECK: memref.store {{.*}}, %[[WS]][{{.*}}] : memref<2x64x128xf32>
// CHECK: gpu.launch
// CHECK: scf.for {{.*}} = %c0 to %[[C2]] step %c1 iter_args({{.*}}) -> (f32)
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: memref.store {{.*}} : memref<64x128xf16>

// 8 stages of 10 KB would not fit in 48 KB of shared memory: 4 (40 KB).
// S8-LABEL: func.func @asym_g128_m64
// S8: dynamic_shared_memory_size %c40960_i32
// S8: "cp.async.wait_group 2;"
// S8-LABEL: func.func @dynamic_int8_bf16

// One slice, two stages: no workspace, the kernel stores f16 outputs; one
// stage in flight (wait for every group).
// K1-LABEL: func.func @asym_g128_m64
// K1-NOT: xf32>
// K1: dynamic_shared_memory_size %c20480_i32
// K1: "cp.async.wait_group 0;"
// K1: memref.store {{.*}} : memref<64x128xf16>
// K1-NOT: gpu.launch
// K1: return
// wgmma at 64 rows: cp.async, no tensor map.
// TMA-LABEL: func.func @asym_g128_m64
// TMA-NOT: wqrtTensorMapEncodeTiled2D
// TMA: nvgpu.device_async_copy
// TMA-NOT: mbarrier
// TMA: return
func.func @asym_g128_m64(%x: tensor<64x256xf16>, %p: tensor<8x4x512xi8>, %s: tensor<8x2x16xf16>, %z: tensor<8x2x16xi8>) -> tensor<64x128xf16> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<128x256, u4, group_size = 128, scale_type = f16, zero_points, layout = #wq.layout<mma_tiles>>} : (tensor<64x256xf16>, tensor<8x4x512xi8>, tensor<8x2x16xf16>, tensor<8x2x16xi8>) -> tensor<64x128xf16>
  return %y : tensor<64x128xf16>
}

// -----

// Dynamic M: 64 rows per block, the slice count chosen on the host (enough
// blocks for 132 SMs, at most 4 here: the tiles of K = 128 int8), one
// slice writing the output directly, several going through an f32
// workspace [slices, M, 24] and the reduction kernel.
// CHECK-LABEL: func.func @dynamic_int8_bf16
// CHECK: tensor.dim
// CHECK: %[[BLOCKS:.*]] = arith.divui {{.*}}, %c64 : index
// CHECK: %[[WANT:.*]] = arith.divui {{.*}}, %[[BLOCKS]] : index
// CHECK: %[[MIN:.*]] = arith.minui %[[WANT]], %c4 : index
// CHECK: %[[K:.*]] = arith.maxui %[[MIN]], %c1 : index
// CHECK: %[[DIRECT:.*]] = arith.cmpi eq, %[[K]], %c1 : index
// CHECK: scf.if %[[DIRECT]] {
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %[[BLOCKS]], {{.*}} = %[[K]])
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// CHECK: memref.store {{.*}} : memref<?x24xbf16>
// CHECK: } else {
// CHECK: memref.alloc(%[[K]], %{{.*}}) : memref<?x?x24xf32>
// CHECK: gpu.launch
// CHECK: memref.store {{.*}} : memref<?x?x24xf32>
// CHECK: gpu.launch
// CHECK: memref.store {{.*}} : memref<?x24xbf16>
// wgmma with dynamic M: TMA. The host code gets the tensor map of the
// activations [M, 128] in boxes of 64 rows by one int8 tile (32 positions,
// 64 bytes, 64-byte swizzle) from kernels_runtime; thread 0 initializes one
// mbarrier per stage (4 stages of 4 KB activations and 2 KB weights, 32
// bytes of mbarriers and the 1 KB swizzle alignment: 25632 bytes), sets each
// stage's expected bytes (64 x 64 + 4 x 512 = 6144), copies it with one
// tensor copy and a bulk copy per warp; every thread waits on the phase.
// TMA: func.func private @wqrtTensorMapEncodeTiled2D(index, index, index, index, index, index) -> !llvm.ptr
// TMA-LABEL: func.func @dynamic_int8_bf16
// TMA: %[[BASE:.*]] = memref.extract_aligned_pointer_as_index
// TMA: %[[MAP:.*]] = call @wqrtTensorMapEncodeTiled2D(%[[BASE]], %{{.*}}, %c128, %c64, %c32, %c64) : (index, index, index, index, index, index) -> !llvm.ptr
// TMA: gpu.launch {{.*}} dynamic_shared_memory_size %c25632_i32
// TMA-COUNT-4: "mbarrier.init.shared::cta.b64 [$0], 1;"
// TMA: "fence.mbarrier_init.release.cluster;"
// TMA: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r,~{memory}" %{{.*}}, %c6144_i32
// TMA: "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [$0], [$1, {$2, $3}], [$4];", "r,l,r,r,r,~{memory}" %{{.*}}, %[[MAP]],
// TMA-COUNT-4: "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [$0], [$1], $2, [$3];"
// TMA: scf.while
// TMA: mbarrier.try_wait.parity.shared::cta.b64
// TMA-NOT: nvgpu.device_async_copy
// TMA: return
// NOTMA-LABEL: func.func @dynamic_int8_bf16
// NOTMA-NOT: wqrtTensorMapEncodeTiled2D
// NOTMA: nvgpu.device_async_copy
// NOTMA-NOT: mbarrier
// NOTMA: return
func.func @dynamic_int8_bf16(%x: tensor<?x128xbf16>, %p: tensor<2x4x512xi8>, %s: tensor<2x1x16xbf16>) -> tensor<?x24xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<24x128, i8, group_size = 0, scale_type = bf16, layout = #wq.layout<mma_tiles>>} : (tensor<?x128xbf16>, tensor<2x4x512xi8>, tensor<2x1x16xbf16>) -> tensor<?x24xbf16>
  return %y : tensor<?x24xbf16>
}

// -----

// M <= 16 is the decode kernel's: left alone here.
// CHECK-LABEL: func.func @decode_shape
// CHECK: wq.matmul
// K1-LABEL: func.func @decode_shape
func.func @decode_shape(%x: tensor<16x64xf16>, %p: tensor<1x1x512xi8>, %s: tensor<1x2x16xf16>) -> tensor<16x16xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<16x64, i4, group_size = 32, scale_type = f16, layout = #wq.layout<mma_tiles>>} : (tensor<16x64xf16>, tensor<1x1x512xi8>, tensor<1x2x16xf16>) -> tensor<16x16xf16>
  return %y : tensor<16x16xf16>
}
