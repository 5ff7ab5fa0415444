// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-decode | FileCheck %s
// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-decode=warps-per-block=8 | FileCheck %s --check-prefix=W8
// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-decode=channels-per-warp=1 | FileCheck %s --check-prefix=C1
// RUN: wq-opt %s --split-input-file --wq-lower-to-gpu-decode=producer-budget=0 | FileCheck %s --check-prefix=NOFUSE
// RUN: not wq-opt %s --split-input-file --wq-lower-to-gpu-decode=warps-per-block=0 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not wq-opt %s --split-input-file --wq-lower-to-gpu-decode=channels-per-warp=9 2>&1 | FileCheck %s --check-prefix=BADC
// BAD: warps-per-block must be in [1, 32]
// BADC: channels-per-warp must be in [0, 8]

// Two rows: 4 output channels per warp, 4 warps per block -> 64 channels in
// 4 blocks of 128 threads; lanes walk chunks lane, lane + 32, ... with one
// 16-byte load per channel, the activations loaded once for the 4 channels
// (the whole chunk's: 2 rows of 32 fit in registers);
// the nibble conversion is one lop3 (inline PTX) per weight and a
// subtraction of 2^23 + zero; scale once per chunk; 5 xor shuffles per
// channel and row; lane 0 stores.
// CHECK-LABEL: func.func @asym_g128
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK: bufferization.to_buffer %arg0 read_only : tensor<2x256xf32> to memref<2x256xf32>
// CHECK: bufferization.to_buffer %arg1 read_only
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<2x64xf32>
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C4]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C128]],
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<64x2x64xi8>, vector<16xi8>
// CHECK: vector.bitcast {{.*}} : vector<16xi8> to vector<4xi32>
// CHECK: memref.load {{.*}} : memref<64x2xi8>
// CHECK: arith.uitofp
// CHECK-COUNT-3: vector.load {{.*}} : memref<64x2x64xi8>, vector<16xi8>
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<2x256xf32>, vector<32xf32>
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<2x256xf32>, vector<32xf32>
// CHECK-COUNT-8: llvm.inline_asm "lop3.b32 $0, $1, 0x0000000F, 0x4B000000, 0xEA;"
// CHECK: math.fma
// CHECK-COUNT-40: gpu.shuffle  xor
// CHECK: arith.cmpi eq
// CHECK: memref.store {{.*}}, %[[OUT]]
// CHECK: gpu.terminator
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// CHECK-NOT: wq.matmul
// W8-LABEL: func.func @asym_g128
// W8: arith.constant 256 : index
// W8: gpu.launch
// C1-LABEL: func.func @asym_g128
// C1: arith.constant 16 : index
// C1: gpu.launch
// C1: scf.for {{.*}} -> (f32, f32)
func.func @asym_g128(%x: tensor<2x256xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> tensor<2x64xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<2x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<2x64xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Signed storage: every word is xored with 0x88888888 (nibble + 8) and the
// zero point is 8.
// CHECK-LABEL: func.func @signed_f16
// CHECK-DAG: arith.constant 8.000000e+00 : f32
// CHECK-DAG: arith.constant -2004318072 : i32
// CHECK: vector.load {{.*}} : memref<1x64xf16>, vector<32xf16>
// CHECK: arith.extf {{.*}} : vector<32xf16> to vector<32xf32>
// CHECK: arith.xori
// CHECK: arith.truncf {{.*}} : f32 to f16
func.func @signed_f16(%x: tensor<1x64xf16>, %p: tensor<8x2x16xi8>, %s: tensor<8x2xf16>) -> tensor<1x8xf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<8x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf16>, tensor<8x2x16xi8>, tensor<8x2xf16>) -> tensor<1x8xf16>
  return %y : tensor<1x8xf16>
}

// -----

// 11 rows: two row blocks of 6 along grid y; the second block's sixth row
// reads row 10 again (minui) and is not stored (guarded); bf16 activations,
// word by word (6 rows of a whole chunk would take 192 registers).
// CHECK-LABEL: func.func @rows11_bf16
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK: gpu.launch blocks(%{{.*}}, %[[BY:.*]], %{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %[[C2]],
// CHECK: %[[FIRST:.*]] = arith.muli %[[BY]], %[[C6]]
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32)
// CHECK: arith.minui
// CHECK: vector.load {{.*}} {alignment = 16 : i64} : memref<11x64xbf16>, vector<8xbf16>
// CHECK: arith.extf {{.*}} : vector<8xbf16> to vector<8xf32>
// CHECK-COUNT-30: gpu.shuffle  xor
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: scf.if
// CHECK: memref.store
func.func @rows11_bf16(%x: tensor<11x64xbf16>, %p: tensor<8x2x16xi8>, %s: tensor<8x2xf16>) -> tensor<11x8xbf16> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<8x64, i4, group_size = 32, scale_type = f16>} : (tensor<11x64xbf16>, tensor<8x2x16xi8>, tensor<8x2xf16>) -> tensor<11x8xbf16>
  return %y : tensor<11x8xbf16>
}

// -----

// N = 6 with 4 channels per warp: the second warp's channels 6 and 7 read
// channel 5 (minui) and are not stored.
// CHECK-LABEL: func.func @ragged_channels
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK: arith.minui %{{.*}}, %[[C5]]
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK: arith.cmpi ult, %{{.*}}, %[[C6]]
// CHECK: scf.if
// CHECK: memref.store
func.func @ragged_channels(%x: tensor<1x64xf32>, %p: tensor<6x2x16xi8>, %s: tensor<6x2xf16>) -> tensor<1x6xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<6x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<6x2x16xi8>, tensor<6x2xf16>) -> tensor<1x6xf32>
  return %y : tensor<1x6xf32>
}

// -----

// int8 storage: 16 weights per 16-byte chunk, one lop3 with mask 0xFF per
// weight; signed bytes are read as unsigned (xor 0x80) with zero point 128.
// CHECK-LABEL: func.func @int8_g32
// CHECK-DAG: arith.constant 1.280000e+02 : f32
// CHECK-DAG: arith.constant -2139062144 : i32
// CHECK: vector.load {{.*}} : memref<1x64xf32>, vector<16xf32>
// CHECK-COUNT-4: llvm.inline_asm "lop3.b32 $0, $1, 0x000000FF, 0x4B000000, 0xEA;"
// CHECK: gpu.shuffle  xor
func.func @int8_g32(%x: tensor<1x64xf32>, %p: tensor<4x2x32xi8>, %s: tensor<4x2xf16>) -> tensor<1x4xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x64, i8, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<4x2x32xi8>, tensor<4x2xf16>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// Left for the generic path: K not a multiple of 32, 2-bit storage.
// CHECK-LABEL: func.func @not_decode
// CHECK-COUNT-2: wq.matmul
// CHECK-NOT: gpu.launch
func.func @not_decode(%x: tensor<1x50xf32>, %p: tensor<4x2x16xi8>, %s: tensor<4x2xf16>,
                      %p2: tensor<4x2x8xi8>, %x2: tensor<1x64xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %a = wq.matmul %x, %p, %s {weight = #wq.qweight<4x50, i4, group_size = 32, scale_type = f16>} : (tensor<1x50xf32>, tensor<4x2x16xi8>, tensor<4x2xf16>) -> tensor<1x4xf32>
  %d = wq.matmul %x2, %p2, %s {weight = #wq.qweight<4x64, i2, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<4x2x8xi8>, tensor<4x2xf16>) -> tensor<1x4xf32>
  return %a, %d : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// 17 rows (static): three row blocks of 6 along grid y, the last with 5.
// CHECK-LABEL: func.func @rows17
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK: gpu.launch blocks(%{{.*}}, %[[BY:.*]], %{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %[[C3]],
// CHECK: arith.muli %[[BY]], %[[C6]]
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32)
// CHECK-NOT: wq.matmul
func.func @rows17(%x: tensor<17x64xf32>, %p: tensor<4x2x16xi8>, %s: tensor<4x2xf16>) -> tensor<17x4xf32> {
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<4x64, i4, group_size = 32, scale_type = f16>} : (tensor<17x64xf32>, tensor<4x2x16xi8>, tensor<4x2xf16>) -> tensor<17x4xf32>
  return %y : tensor<17x4xf32>
}

// -----

// A result only materialized into the function's output buffer is written
// there directly: no intermediate buffer, no copy.
// CHECK-LABEL: func.func @into_destination
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch
// CHECK: memref.store {{.*}}, %arg1[
// CHECK-NOT: bufferization.materialize_in_destination
// CHECK: return
func.func @into_destination(%xm: memref<1x64xf32>, %ym: memref<1x8xf32>, %p: tensor<8x2x16xi8>, %s: tensor<8x2xf16>) {
  %x = bufferization.to_tensor %xm restrict : memref<1x64xf32> to tensor<1x64xf32>
  %y = wq.matmul %x, %p, %s {weight = #wq.qweight<8x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<8x2x16xi8>, tensor<8x2xf16>) -> tensor<1x8xf32>
  bufferization.materialize_in_destination %y in restrict writable %ym : (tensor<1x8xf32>, memref<1x8xf32>) -> ()
  return
}

// -----

// Group offsets (Q4_1's form) in the SIMT schedule: the offsets are a fifth
// read-only buffer; the first channel's pass over the chunk also chains the
// sum of the chunk's activations per row (one addf per weight and row,
// shared by the warp's 4 channels); after a channel's scale FMA per row, one
// FMA adds offset * sum.
// CHECK-LABEL: func.func @offsets_q41
// CHECK: %[[O:.*]] = bufferization.to_buffer %arg3 read_only : tensor<8x8xf16> to memref<8x8xf16>
// CHECK: gpu.launch
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: %[[S:.*]] = memref.load %{{.*}} : memref<8x8xf16>
// CHECK: %[[SF:.*]] = arith.extf %[[S]]
// CHECK: llvm.inline_asm "lop3.b32
// CHECK: %[[X0:.*]] = vector.extract %{{.*}}[1] : f32 from vector<32xf32>
// CHECK: %[[SUM:.*]] = arith.addf %{{.*}}, %[[X0]] : f32
// CHECK: %[[M:.*]] = memref.load %[[O]]
// CHECK: %[[MF:.*]] = arith.extf %[[M]] : f16 to f32
// CHECK: %[[ACC:.*]] = math.fma %[[SF]], %{{.*}}, %{{.*}} : f32
// CHECK: math.fma %[[MF]], %{{.*}}, %[[ACC]] : f32
// CHECK-COUNT-3: memref.load %[[O]]
// CHECK-NOT: wq.matmul
func.func @offsets_q41(%x: tensor<2x256xf32>, %p: tensor<8x8x16xi8>, %s: tensor<8x8xf16>, %o: tensor<8x8xf16>) -> tensor<2x8xf32> {
  %y = wq.matmul %x, %p, %s offsets(%o) {weight = #wq.qweight<8x256, u4, group_size = 32, scale_type = f16, offsets>} : (tensor<2x256xf32>, tensor<8x8x16xi8>, tensor<8x8xf16>, tensor<8x8xf16>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// No activation rows (M = 0): not a decode kernel (its row blocks divided by
// zero); the op is left to the generic path.
// CHECK-LABEL: func.func @no_rows
// CHECK-NOT: gpu.launch
// CHECK: wq.matmul
func.func @no_rows(%x: tensor<0x256xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> tensor<0x64xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<0x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<0x64xf32>
  return %y : tensor<0x64xf32>
}

// -----

// A residual add and RMSNorm taken into the kernel: no wq.rms_norm is left;
// each warp reads x and r, the warp of channel 0 writes their sum, the sum
// of squares is carried (the fifth loop value) and reduced like the totals,
// and the inverse root scales the totals before they are stored. The sum's
// cast before the matmul moves after the kernel.
// CHECK-LABEL: func.func @norm_residual
// CHECK-NOT: wq.rms_norm
// NOFUSE-LABEL: func.func @norm_residual
// NOFUSE: wq.rms_norm
// NOFUSE: gpu.launch
// CHECK: %[[X:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x256xf32> to memref<?x256xf32>
// CHECK: %[[W:.*]] = bufferization.to_buffer %arg1 read_only : tensor<256xf32> to memref<256xf32>
// CHECK: %[[R:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x256xf32> to memref<?x256xf32>
// CHECK: %[[SUM:.*]] = memref.alloc(%{{.*}}) : memref<?x256xf32>
// CHECK: gpu.launch
// CHECK: %[[WRITER:.*]] = arith.cmpi eq, %{{.*}}, %c0 : index
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32)
// CHECK: %[[XV:.*]] = vector.load %[[X]]
// CHECK: %[[RV:.*]] = vector.load %[[R]]
// CHECK: %[[S:.*]] = arith.addf %[[XV]], %[[RV]] : vector<32xf32>
// CHECK: scf.if %[[WRITER]] {
// CHECK-NEXT: vector.store %[[S]], %[[SUM]]
// CHECK: %[[SQ:.*]] = arith.mulf %[[S]], %[[S]] : vector<32xf32>
// CHECK: vector.reduction <add>, %[[SQ]], %{{.*}} : vector<32xf32> into f32
// CHECK: %[[WV:.*]] = vector.load %[[W]]
// CHECK: arith.mulf %[[S]], %[[WV]] : vector<32xf32>
// CHECK: math.sqrt
// CHECK: %[[INV:.*]] = arith.divf %cst{{.*}}, %{{.*}} : f32
// CHECK-COUNT-4: arith.mulf %{{.*}}, %[[INV]] : f32
// CHECK: gpu.terminator
// CHECK: %[[SUMT:.*]] = bufferization.to_tensor %[[SUM]] restrict writable
// CHECK: tensor.cast %[[SUMT]] : tensor<?x256xf32> to tensor<1x256xf32>
func.func @norm_residual(%x: tensor<1x256xf32>, %w: tensor<256xf32>, %r: tensor<1x256xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> (tensor<1x64xf32>, tensor<1x256xf32>) {
  %xc = tensor.cast %x : tensor<1x256xf32> to tensor<?x256xf32>
  %rc = tensor.cast %r : tensor<1x256xf32> to tensor<?x256xf32>
  %n, %sum = wq.rms_norm %xc, %w residual(%rc) epsilon = 1.0e-05 : (tensor<?x256xf32>, tensor<256xf32>, tensor<?x256xf32>) -> (tensor<?x256xf32>, tensor<?x256xf32>)
  %nc = tensor.cast %n : tensor<?x256xf32> to tensor<1x256xf32>
  %sc = tensor.cast %sum : tensor<?x256xf32> to tensor<1x256xf32>
  %y = wq.matmul %nc, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<1x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<1x64xf32>
  return %y, %sc : tensor<1x64xf32>, tensor<1x256xf32>
}

// -----

// SwiGLU of the two halves of one tensor: both read in place from the
// tensor's buffer (the second at column 256), the body once per element,
// no linalg.generic left.
// CHECK-LABEL: func.func @swiglu
// CHECK-NOT: linalg.generic
// CHECK: %[[H:.*]] = bufferization.to_buffer %arg0 read_only : tensor<1x512xf32> to memref<1x512xf32>
// CHECK: gpu.launch
// CHECK: vector.load %[[H]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<1x512xf32>, vector<32xf32>
// CHECK: %[[UP:.*]] = arith.addi %c256, %{{.*}} : index
// CHECK: vector.load %{{.*}}[%{{.*}}, %[[UP]]] {alignment = 16 : i64} : memref<1x512xf32>, vector<32xf32>
// CHECK-COUNT-32: math.exp
// CHECK: vector.from_elements {{.*}} : vector<32xf32>
// CHECK-NOT: linalg.generic
func.func @swiglu(%h: tensor<1x512xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> tensor<1x64xf32> {
  %g = tensor.extract_slice %h[0, 0] [1, 256] [1, 1] : tensor<1x512xf32> to tensor<1x256xf32>
  %u = tensor.extract_slice %h[0, 256] [1, 256] [1, 1] : tensor<1x512xf32> to tensor<1x256xf32>
  %e = tensor.empty() : tensor<1x256xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g, %u : tensor<1x256xf32>, tensor<1x256xf32>) outs(%e : tensor<1x256xf32>) {
  ^bb0(%gi: f32, %ui: f32, %o: f32):
    %one = arith.constant 1.000000e+00 : f32
    %neg = arith.negf %gi : f32
    %ex = math.exp %neg : f32
    %den = arith.addf %ex, %one : f32
    %sig = arith.divf %gi, %den : f32
    %m = arith.mulf %sig, %ui : f32
    linalg.yield %m : f32
  } -> tensor<1x256xf32>
  %y = wq.matmul %a, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<1x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// -----

// Producers the kernel does not take in: a norm whose result has another
// user (the function returns it), a residual sum read before the matmul by
// an op other than a cast, a norm of rows of dynamic length (the kernel's
// residual sum buffer is static), and a generic reading its iteration index.
// CHECK-LABEL: func.func @norm_two_users
// CHECK: wq.rms_norm
// CHECK: gpu.launch
func.func @norm_two_users(%x: tensor<1x256xf32>, %w: tensor<256xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> (tensor<1x64xf32>, tensor<1x256xf32>) {
  %n = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<1x256xf32>, tensor<256xf32>) -> tensor<1x256xf32>
  %y = wq.matmul %n, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<1x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<1x64xf32>
  return %y, %n : tensor<1x64xf32>, tensor<1x256xf32>
}
// CHECK-LABEL: func.func @sum_read_before
// CHECK: wq.rms_norm
// CHECK: gpu.launch
func.func @sum_read_before(%x: tensor<1x256xf32>, %w: tensor<256xf32>, %r: tensor<1x256xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> (tensor<1x64xf32>, tensor<1x64xf32>) {
  %n, %sum = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-05 : (tensor<1x256xf32>, tensor<256xf32>, tensor<1x256xf32>) -> (tensor<1x256xf32>, tensor<1x256xf32>)
  %early = wq.matmul %sum, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<1x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<1x64xf32>
  %y = wq.matmul %n, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<1x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<1x64xf32>
  return %y, %early : tensor<1x64xf32>, tensor<1x64xf32>
}
// CHECK-LABEL: func.func @dynamic_features
// CHECK: wq.rms_norm
// CHECK: gpu.launch
func.func @dynamic_features(%x: tensor<1x?xf32>, %w: tensor<?xf32>, %r: tensor<1x?xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> (tensor<1x64xf32>, tensor<1x?xf32>) {
  %n, %sum = wq.rms_norm %x, %w residual(%r) epsilon = 1.0e-05 : (tensor<1x?xf32>, tensor<?xf32>, tensor<1x?xf32>) -> (tensor<1x?xf32>, tensor<1x?xf32>)
  %nc = tensor.cast %n : tensor<1x?xf32> to tensor<1x256xf32>
  %y = wq.matmul %nc, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<1x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<1x64xf32>
  return %y, %sum : tensor<1x64xf32>, tensor<1x?xf32>
}
// CHECK-LABEL: func.func @index_body
// CHECK: linalg.generic
// CHECK: gpu.launch
func.func @index_body(%x: tensor<1x256xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> tensor<1x64xf32> {
  %e = tensor.empty() : tensor<1x256xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<1x256xf32>) outs(%e : tensor<1x256xf32>) {
  ^bb0(%xi: f32, %o: f32):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i32
    %jf = arith.sitofp %ji : i32 to f32
    %m = arith.mulf %xi, %jf : f32
    linalg.yield %m : f32
  } -> tensor<1x256xf32>
  %y = wq.matmul %a, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<1x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// -----

// A dynamic M (a prompt): 8 rows per warp, one channel per warp, the row
// blocks along grid y counted on the host ((M + 7) / 8), no launch for
// M = 0; rows read at min(row, M - 1), stored only below M.
// CHECK-LABEL: func.func @prompt
// CHECK-DAG: %[[C7:.*]] = arith.constant 7 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK: %[[M:.*]] = tensor.dim %arg0, %c0 : tensor<?x256xf32>
// CHECK: %[[LAST:.*]] = arith.subi %[[M]], %c1 : index
// CHECK: %[[OUT:.*]] = memref.alloc(%[[M]]) : memref<?x64xf32>
// CHECK: %[[UP:.*]] = arith.addi %[[M]], %[[C7]] : index
// CHECK: %[[BLOCKS:.*]] = arith.divui %[[UP]], %[[C8]] : index
// CHECK: %[[ANY:.*]] = arith.cmpi ugt, %[[M]], %c0 : index
// CHECK: scf.if %[[ANY]] {
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c16, {{.*}} = %[[BLOCKS]], {{.*}})
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: arith.minui %{{.*}}, %[[LAST]] : index
// CHECK: arith.cmpi ult, %{{.*}}, %[[M]] : index
// CHECK: memref.store {{.*}}, %[[OUT]]
// CHECK: bufferization.to_tensor %[[OUT]]
func.func @prompt(%x: tensor<?x256xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> tensor<?x64xf32> {
  %y = wq.matmul %x, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<?x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Producers over the budget stay kernels of their own: a Llama-3-8B-sized
// w2's SwiGLU (1024 warps x 14336 x 19 lane instructions, more than 64
// million) and any producer of a dynamic M (a prompt).
// CHECK-LABEL: func.func @swiglu_over_budget
// CHECK: linalg.generic
// CHECK: gpu.launch
// CHECK-LABEL: func.func @prompt_norm
// CHECK: wq.rms_norm
// CHECK: gpu.launch
func.func @swiglu_over_budget(%g: tensor<1x14336xf32>, %u: tensor<1x14336xf32>, %p: tensor<4096x448x16xi8>, %s: tensor<4096x448xf16>, %z: tensor<4096x448xi8>) -> tensor<1x4096xf32> {
  %e = tensor.empty() : tensor<1x14336xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%g, %u : tensor<1x14336xf32>, tensor<1x14336xf32>) outs(%e : tensor<1x14336xf32>) {
  ^bb0(%gi: f32, %ui: f32, %o: f32):
    %one = arith.constant 1.000000e+00 : f32
    %neg = arith.negf %gi : f32
    %ex = math.exp %neg : f32
    %den = arith.addf %ex, %one : f32
    %sig = arith.divf %gi, %den : f32
    %m = arith.mulf %sig, %ui : f32
    linalg.yield %m : f32
  } -> tensor<1x14336xf32>
  %y = wq.matmul %a, %p, %s zero_points(%z) {weight = #wq.qweight<4096x14336, u4, group_size = 32, scale_type = f16, zero_points>} : (tensor<1x14336xf32>, tensor<4096x448x16xi8>, tensor<4096x448xf16>, tensor<4096x448xi8>) -> tensor<1x4096xf32>
  return %y : tensor<1x4096xf32>
}
func.func @prompt_norm(%x: tensor<?x256xf32>, %w: tensor<256xf32>, %p: tensor<64x2x64xi8>, %s: tensor<64x2xf16>, %z: tensor<64x2xi8>) -> tensor<?x64xf32> {
  %n = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<?x256xf32>, tensor<256xf32>) -> tensor<?x256xf32>
  %y = wq.matmul %n, %p, %s zero_points(%z) {weight = #wq.qweight<64x256, u4, group_size = 128, scale_type = f16, zero_points>} : (tensor<?x256xf32>, tensor<64x2x64xi8>, tensor<64x2xf16>, tensor<64x2xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
