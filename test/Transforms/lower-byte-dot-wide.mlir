// 64 bytes with an accumulator: one 512-bit vpdpbusd that adds it (AVX512
// VNNI); two 32-byte halves (lanes 0-7 and 8-15) with 256-bit instructions
// only; the portable lowering on the whole width, the accumulator added.
// RUN: wq-opt %s --wq-lower-byte-dot=target=x86-vnni-512 | FileCheck %s --check-prefix=WIDE512
// WIDE512-LABEL: func.func @byte_dot_wide
// WIDE512: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg2, %arg0, %arg1) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// RUN: wq-opt %s --wq-lower-byte-dot=target=x86-vnni-512 --convert-arith-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts | mlir-translate --mlir-to-llvmir | llc -mtriple=x86_64 -mattr=+avx512vnni,+avx512bw | FileCheck %s --check-prefix=ZMM
// ZMM-LABEL: byte_dot_wide:
// ZMM: vpdpbusd %zmm
// RUN: wq-opt %s --wq-lower-byte-dot=target=x86-vnni | FileCheck %s --check-prefix=WIDE256
// WIDE256-LABEL: func.func @byte_dot_wide
// WIDE256-DAG: %[[U0:.*]] = vector.extract_strided_slice %arg0 {offsets = [0], sizes = [32], strides = [1]}
// WIDE256-DAG: %[[S0:.*]] = vector.extract_strided_slice %arg1 {offsets = [0], sizes = [32], strides = [1]}
// WIDE256-DAG: %[[A0:.*]] = vector.extract_strided_slice %arg2 {offsets = [0], sizes = [8], strides = [1]}
// WIDE256-DAG: %[[U1:.*]] = vector.extract_strided_slice %arg0 {offsets = [32], sizes = [32], strides = [1]}
// WIDE256-DAG: %[[S1:.*]] = vector.extract_strided_slice %arg1 {offsets = [32], sizes = [32], strides = [1]}
// WIDE256-DAG: %[[A1:.*]] = vector.extract_strided_slice %arg2 {offsets = [8], sizes = [8], strides = [1]}
// WIDE256-DAG: %[[D0:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%[[A0]], %[[U0]], %[[S0]])
// WIDE256-DAG: %[[D1:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%[[A1]], %[[U1]], %[[S1]])
// WIDE256: vector.shuffle %[[D0]], %[[D1]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
// RUN: wq-opt %s --wq-lower-byte-dot=target=x86 | FileCheck %s --check-prefix=WIDEX86
// WIDEX86-LABEL: func.func @byte_dot_wide
// WIDEX86-COUNT-2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// WIDEX86: vector.shuffle
// WIDEX86-NOT: wq.byte_dot
// RUN: wq-opt %s --wq-lower-byte-dot=target=generic | FileCheck %s --check-prefix=WIDEGENERIC
// WIDEGENERIC-LABEL: func.func @byte_dot_wide
// WIDEGENERIC: arith.muli {{.*}} : vector<64xi32>
// WIDEGENERIC: vector.shuffle {{.*}} [3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63]
// WIDEGENERIC: arith.addi %{{.*}}, %arg2 : vector<16xi32>
func.func @byte_dot_wide(%u: vector<64xi8>, %s: vector<64xi8>, %acc: vector<16xi32>) -> vector<16xi32> {
  %d = wq.byte_dot %u, %s, %acc : vector<64xi8>, vector<64xi8> -> vector<16xi32>
  return %d : vector<16xi32>
}
