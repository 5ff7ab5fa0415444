// wq.byte_dot at the edges of its contract, on every lowering the host can
// run: unsigned operand 128 (|w| of the int8 weight -128, sign trick)
// against +-127, and 127 against -128 (int4 and int8 activations). The
// AVX2 pair's 16-bit sums reach 2 * 128 * 127 = 32512 < 32768: exact.
//
// RUN: wq-opt %s --wq-lower-byte-dot=target=generic --convert-vector-to-scf --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: wq-opt %s --wq-lower-byte-dot=target=x86 --convert-vector-to-scf --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: %if x86-vnni %{ wq-opt %s --wq-lower-byte-dot=target=x86-vnni --convert-vector-to-scf --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s %}
// RUN: %if x86-vnni-512 %{ wq-opt %s --wq-lower-byte-dot=target=x86-vnni-512 --convert-vector-to-scf --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s %}
// RUN: wq-opt %s --wq-lower-byte-dot --convert-vector-to-scf --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
//
// CHECK: ( 65024, 65024, 65024, 65024, 65024, 65024, 65024, 65024 )
// CHECK: ( -65024, -65024, -65024, -65024, -65024, -65024, -65024, -65024 )
// CHECK: ( -65024, -65024, -65024, -65024, -65024, -65024, -65024, -65024 )
// CHECK: ( 0, 1, 254, 508, -381, 512, 0, 1 )
// full_range: unsigned 255 against 127 and -128, 128 against -128 (the x86
// pair on the top bit reaches 2 * 128 * -128 = -32768, exactly INT16_MIN),
// and the mixed lanes again.
// CHECK: ( 129540, 129540, 129540, 129540, 129540, 129540, 129540, 129540 )
// CHECK: ( -130560, -130560, -130560, -130560, -130560, -130560, -130560, -130560 )
// CHECK: ( -65536, -65536, -65536, -65536, -65536, -65536, -65536, -65536 )
// CHECK: ( 0, 1, 254, 508, -381, 512, 0, 1 )
// 64 bytes with an accumulator: the mixed lanes then |w| = 128 against -127
// (lanes 0-7, 8-15), plus 1000 * lane - 70000.
// CHECK: ( -70000, -68999, -67746, -66492, -66381, -64488, -64000, -62999, -927024, -926024, -925024, -924024, -923024, -922024, -921024, -920024 )
// CHECK: ( -70000, -68999, -67746, -66492, -66381, -64488, -64000, -62999, -927024, -926024, -925024, -924024, -923024, -922024, -921024, -920024 )
func.func @main() {
  %u128 = arith.constant dense<-128> : vector<32xi8>
  %u127 = arith.constant dense<127> : vector<32xi8>
  %p127 = arith.constant dense<127> : vector<32xi8>
  %m127 = arith.constant dense<-127> : vector<32xi8>
  %m128 = arith.constant dense<-128> : vector<32xi8>
  %a = wq.byte_dot %u128, %p127 : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  vector.print %a : vector<8xi32>
  %b = wq.byte_dot %u128, %m127 : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  vector.print %b : vector<8xi32>
  %c = wq.byte_dot %u127, %m128 : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  vector.print %c : vector<8xi32>
  // Mixed lanes: lane j sums u[4j + i] * s[4j + i].
  %u = arith.constant dense<[0, 0, 0, 0,  1, 0, 0, 0,  2, 0, 0, 0,  4, 0, 0, 0,
                             -128, 0, 0, 3,  2, 2, 2, 2,  5, 5, 0, 0,  -128, 0, 0, 1]> : vector<32xi8>
  %s = arith.constant dense<[9, 9, 9, 9,  1, 7, 7, 7,  127, 0, 0, 0,  127, 0, 0, 0,
                             -3, 0, 0, 1,  64, 64, 64, 64,  1, -1, 0, 0,  1, 0, 0, -127]> : vector<32xi8>
  %d = wq.byte_dot %u, %s : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  vector.print %d : vector<8xi32>
  %u255 = arith.constant dense<-1> : vector<32xi8>
  %e = wq.byte_dot %u255, %p127 full_range : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  vector.print %e : vector<8xi32>
  %f = wq.byte_dot %u255, %m128 full_range : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  vector.print %f : vector<8xi32>
  %g = wq.byte_dot %u128, %m128 full_range : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  vector.print %g : vector<8xi32>
  %h = wq.byte_dot %u, %s full_range : vector<32xi8>, vector<32xi8> -> vector<8xi32>
  vector.print %h : vector<8xi32>
  %uw = vector.shuffle %u, %u128 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63] : vector<32xi8>, vector<32xi8>
  %sw = vector.shuffle %s, %m127 [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63] : vector<32xi8>, vector<32xi8>
  %acc = arith.constant dense<[-70000, -69000, -68000, -67000, -66000, -65000, -64000, -63000, -862000, -861000, -860000, -859000, -858000, -857000, -856000, -855000]> : vector<16xi32>
  %w = wq.byte_dot %uw, %sw, %acc : vector<64xi8>, vector<64xi8> -> vector<16xi32>
  vector.print %w : vector<16xi32>
  %wf = wq.byte_dot %uw, %sw, %acc full_range : vector<64xi8>, vector<64xi8> -> vector<16xi32>
  vector.print %wf : vector<16xi32>
  return
}
