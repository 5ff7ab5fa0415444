// End-to-end: act-order permutation, outlier side channel, signed 4-bit
// decode, dynamic M and wq.dequantize, on hand-computed values.
// RUN: wq-opt %s --wq-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>) attributes {llvm.emit_c_interface}

// Stored int8 values (stored column order) and per-group scales:
//   row 0: q = [1, 2 | 3, 4]  scales [1.0, 0.5] -> [1, 2, 1.5, 2]
//   row 1: q = [-1, 0 | 5, -2] scales [2.0, 1.0] -> [-2, 0, 5, -2]
// perm = [2, 0, 3, 1]: stored column j holds logical channel perm[j], so the
// logical weight is [[2, 2, 1, 1.5], [0, -2, -2, 5]]; the outlier channel 1
// adds [10, -10]: W = [[2, 12, 1, 1.5], [0, -12, -2, 5]].
#permuted = #wq.qweight<2x4, i8, group_size = 2, scale_type = f32, permuted, outliers = 1>

// Signed 4-bit per channel: q = [-8, 7, -1, 3] packed low nibble first into
// bytes 0x78 (120) and 0x3F (63); scale 0.5 -> W = [-4, 3.5, -0.5, 1.5].
#signed4 = #wq.qweight<1x4, i4, group_size = 0, scale_type = f16>

func.func @main() {
  %p = arith.constant dense<[[[1, 2], [3, 4]], [[-1, 0], [5, -2]]]> : tensor<2x2x2xi8>
  %s = arith.constant dense<[[1.0, 0.5], [2.0, 1.0]]> : tensor<2x2xf32>
  %perm = arith.constant dense<[2, 0, 3, 1]> : tensor<4xi32>
  %oc = arith.constant dense<[1]> : tensor<1xi32>
  %ow = arith.constant dense<[[10.0], [-10.0]]> : tensor<2x1xf32>
  %x = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 2.0, 0.0]]> : tensor<2x4xf32>
  %xd = tensor.cast %x : tensor<2x4xf32> to tensor<?x4xf32>

  // CHECK: sizes = [2, 2]
  // CHECK-NEXT: {{\[\[}}35, -10],
  // CHECK-NEXT: [-9, 8]]
  %y = wq.matmul %xd, %p, %s perm(%perm) outliers(%oc, %ow) {weight = #permuted} : (tensor<?x4xf32>, tensor<2x2x2xi8>, tensor<2x2xf32>, tensor<4xi32>, tensor<1xi32>, tensor<2x1xf32>) -> tensor<?x2xf32>
  %yu = tensor.cast %y : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%yu) : (tensor<*xf32>) -> ()

  // The same product with two dynamic leading dims.
  // CHECK: sizes = [2, 1, 2]
  // CHECK-NEXT: {{\[\[\[}}35, -10]],
  // CHECK-NEXT: {{\[\[}}-9, 8]]]
  %x3 = tensor.expand_shape %x [[0, 1], [2]] output_shape [2, 1, 4] : tensor<2x4xf32> into tensor<2x1x4xf32>
  %x3d = tensor.cast %x3 : tensor<2x1x4xf32> to tensor<?x?x4xf32>
  %y3 = wq.matmul %x3d, %p, %s perm(%perm) outliers(%oc, %ow) {weight = #permuted} : (tensor<?x?x4xf32>, tensor<2x2x2xi8>, tensor<2x2xf32>, tensor<4xi32>, tensor<1xi32>, tensor<2x1xf32>) -> tensor<?x?x2xf32>
  %y3u = tensor.cast %y3 : tensor<?x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%y3u) : (tensor<*xf32>) -> ()

  // CHECK: sizes = [2, 4]
  // CHECK-NEXT: {{\[\[}}2, 12, 1, 1.5],
  // CHECK-NEXT: [0, -12, -2, 5]]
  %w = wq.dequantize %p, %s perm(%perm) outliers(%oc, %ow) {weight = #permuted} : (tensor<2x2x2xi8>, tensor<2x2xf32>, tensor<4xi32>, tensor<1xi32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  %wu = tensor.cast %w : tensor<2x4xf32> to tensor<*xf32>
  call @printMemrefF32(%wu) : (tensor<*xf32>) -> ()

  // AWQ input scales s = [1, 2, 0.5, 4] divide the stored columns:
  // W = [-4, 1.75, -1, 0.375]; x . W = -4 + 3.5 - 3 + 1.5 = -2.
  // CHECK: sizes = [1]
  // CHECK-NEXT: [-2]
  %is = arith.constant dense<[1.0, 2.0, 0.5, 4.0]> : tensor<4xf32>
  %x4s = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %p4s = arith.constant dense<[[[120, 63]]]> : tensor<1x1x2xi8>
  %s4s = arith.constant dense<[[0.5]]> : tensor<1x1xf16>
  %y4s = wq.matmul %x4s, %p4s, %s4s input_scales(%is) {weight = #wq.qweight<1x4, i4, group_size = 0, scale_type = f16, input_scaled>} : (tensor<4xf32>, tensor<1x1x2xi8>, tensor<1x1xf16>, tensor<4xf32>) -> tensor<1xf32>
  %y4su = tensor.cast %y4s : tensor<1xf32> to tensor<*xf32>
  call @printMemrefF32(%y4su) : (tensor<*xf32>) -> ()
  // CHECK: sizes = [1, 4]
  // CHECK-NEXT: {{\[\[}}-4, 1.75, -1, 0.375]]
  %w4s = wq.dequantize %p4s, %s4s input_scales(%is) {weight = #wq.qweight<1x4, i4, group_size = 0, scale_type = f16, input_scaled>} : (tensor<1x1x2xi8>, tensor<1x1xf16>, tensor<4xf32>) -> tensor<1x4xf32>
  %w4su = tensor.cast %w4s : tensor<1x4xf32> to tensor<*xf32>
  call @printMemrefF32(%w4su) : (tensor<*xf32>) -> ()

  // Flat groups (llama2.c's int8 export): groups of 2 over the flattened
  // 2x3 weight, so the middle group straddles the rows. q = [1, 2 | 3, 4 |
  // 5, 6], scales [1, 0.5, 2]: W = [[1, 2, 1.5], [2, 10, 12]];
  // x = [1, 1, 2]: y = [6, 36].
  // CHECK: sizes = [2]
  // CHECK-NEXT: [6, 36]
  // CHECK: sizes = [2, 3]
  // CHECK-NEXT: {{\[\[}}1, 2, 1.5],
  // CHECK-NEXT: [2, 10, 12]]
  %pf = arith.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi8>
  %sf = arith.constant dense<[1.0, 0.5, 2.0]> : tensor<3xf32>
  %xf = arith.constant dense<[1.0, 1.0, 2.0]> : tensor<3xf32>
  %yf = wq.matmul %xf, %pf, %sf {weight = #wq.qweight<2x3, i8, group_size = 2, scale_type = f32, flat_groups>} : (tensor<3xf32>, tensor<6xi8>, tensor<3xf32>) -> tensor<2xf32>
  %yfu = tensor.cast %yf : tensor<2xf32> to tensor<*xf32>
  call @printMemrefF32(%yfu) : (tensor<*xf32>) -> ()
  %wf = wq.dequantize %pf, %sf {weight = #wq.qweight<2x3, i8, group_size = 2, scale_type = f32, flat_groups>} : (tensor<6xi8>, tensor<3xf32>) -> tensor<2x3xf32>
  %wfu = tensor.cast %wf : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%wfu) : (tensor<*xf32>) -> ()

  // CHECK: sizes = [1]
  // CHECK-NEXT: [7.5]
  %p4 = arith.constant dense<[[[120, 63]]]> : tensor<1x1x2xi8>
  %s4 = arith.constant dense<[[0.5]]> : tensor<1x1xf16>
  %x4 = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y4 = wq.matmul %x4, %p4, %s4 {weight = #signed4} : (tensor<4xf32>, tensor<1x1x2xi8>, tensor<1x1xf16>) -> tensor<1xf32>
  %y4u = tensor.cast %y4 : tensor<1xf32> to tensor<*xf32>
  call @printMemrefF32(%y4u) : (tensor<*xf32>) -> ()

  // CHECK: sizes = [1, 4]
  // CHECK-NEXT: {{\[\[}}-4, 3.5, -0.5, 1.5]]
  %w4 = wq.dequantize %p4, %s4 {weight = #signed4} : (tensor<1x1x2xi8>, tensor<1x1xf16>) -> tensor<1x4xf32>
  %w4u = tensor.cast %w4 : tensor<1x4xf32> to tensor<*xf32>
  call @printMemrefF32(%w4u) : (tensor<*xf32>) -> ()
  return
}
