// RUN: wq-opt %s --wq-lower-byte-dot=target=x86 | FileCheck %s --check-prefix=X86
// RUN: wq-opt %s --wq-lower-byte-dot=target=generic | FileCheck %s --check-prefix=GENERIC
// RUN: not wq-opt %s --wq-lower-byte-dot=target=arm 2>&1 | FileCheck %s --check-prefix=BAD

// X86-LABEL: func.func @byte_dot
// X86: %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// X86: %[[PAIRS:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%arg0, %arg1) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// X86: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[PAIRS]], %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// X86-NOT: wq.byte_dot

// GENERIC-LABEL: func.func @byte_dot
// GENERIC: arith.extui %arg0 : vector<32xi8> to vector<32xi32>
// GENERIC: arith.extsi %arg1 : vector<32xi8> to vector<32xi32>
// GENERIC: arith.muli
// GENERIC: vector.shuffle {{.*}} [0, 4, 8, 12, 16, 20, 24, 28]
// GENERIC: vector.shuffle {{.*}} [1, 5, 9, 13, 17, 21, 25, 29]
// GENERIC: vector.shuffle {{.*}} [2, 6, 10, 14, 18, 22, 26, 30]
// GENERIC: vector.shuffle {{.*}} [3, 7, 11, 15, 19, 23, 27, 31]
// GENERIC: arith.addi
// GENERIC-NOT: wq.byte_dot

// BAD: wq-lower-byte-dot: target must be x86-vnni-512, x86-vnni, x86, generic or host, got 'arm'
func.func @byte_dot(%u: vector<32xi8>, %s: vector<32xi8>) -> vector<8xi32> {
  %d = wq.byte_dot %u, %s : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  return %d : vector<8xi32>
}

// RUN: wq-opt %s --wq-lower-byte-dot=target=x86-vnni | FileCheck %s --check-prefix=VNNI
// VNNI-LABEL: func.func @byte_dot
// VNNI: %[[ZERO:.*]] = arith.constant dense<0> : vector<8xi32>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%[[ZERO]], %arg0, %arg1) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// The intrinsic is one instruction with AVX-VNNI and with AVX512 VNNI and VL.
// RUN: wq-opt %s --wq-lower-byte-dot=target=x86-vnni --convert-arith-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts | mlir-translate --mlir-to-llvmir | llc -mtriple=x86_64 -mattr=+avxvnni | FileCheck %s --check-prefix=AVXVNNI
// AVXVNNI: {vex} vpdpbusd
// RUN: wq-opt %s --wq-lower-byte-dot=target=x86-vnni --convert-arith-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts | mlir-translate --mlir-to-llvmir | llc -mtriple=x86_64 -mattr=+avx512vnni,+avx512vl | FileCheck %s --check-prefix=AVX512VNNI
// AVX512VNNI: vpdpbusd %ymm
// Without VNNI, the AVX2 pair.
// RUN: wq-opt %s --wq-lower-byte-dot=target=x86 --convert-arith-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts | mlir-translate --mlir-to-llvmir | llc -mtriple=x86_64 -mattr=+avx2 | FileCheck %s --check-prefix=AVX2
// AVX2: vpmaddubsw
// AVX2: vpmaddwd

// -----

// full_range: the x86 pair on the low 7 bits and on the top bit, added in 32
// bits; VNNI and the portable lowering are unchanged.
// RUN: wq-opt %s --split-input-file --wq-lower-byte-dot=target=x86 | FileCheck %s --check-prefix=FULL
// FULL-LABEL: func.func @byte_dot_full_range
// FULL-DAG: %[[LOW:.*]] = arith.constant dense<127> : vector<32xi8>
// FULL-DAG: %[[TOP:.*]] = arith.constant dense<-128> : vector<32xi8>
// FULL-DAG: %[[UL:.*]] = arith.andi %arg0, %[[LOW]] : vector<32xi8>
// FULL-DAG: %[[UT:.*]] = arith.andi %arg0, %[[TOP]] : vector<32xi8>
// FULL-DAG: %[[PL:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%[[UL]], %arg1)
// FULL-DAG: %[[PT:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%[[UT]], %arg1)
// FULL-DAG: %[[DL:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[PL]], %{{.*}})
// FULL-DAG: %[[DT:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[PT]], %{{.*}})
// FULL: arith.addi %[[DL]], %[[DT]] : vector<8xi32>
// FULL-NOT: wq.byte_dot
func.func @byte_dot_full_range(%u: vector<32xi8>, %s: vector<32xi8>) -> vector<8xi32> {
  %d = wq.byte_dot %u, %s full_range : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  return %d : vector<8xi32>
}

