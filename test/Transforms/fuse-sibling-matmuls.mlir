// RUN: wq-opt %s --split-input-file --wq-fuse-sibling-matmuls | FileCheck %s

// Q/K/V-shaped siblings (2 + 1 + 1 channels) on one input become one matmul
// over the weights stacked along N; splat constants are expanded, each
// op's channels are a slice of the fused result (dynamic rows kept) and the
// separate constants are gone.
// CHECK-LABEL: func.func @qkv
// CHECK-NOT: tensor<2x2x16xi8>
// CHECK-DAG: %[[P:.*]] = arith.constant dense<"0x1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111122222222222222222222222222222222222222222222222222222222222222223333333333333333333333333333333333333333333333333333333333333333"> : tensor<4x2x16xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00]]> : tensor<4x2xf16>
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<{{\[}}[8, 8], [8, 8], [7, 7], [6, 6]]> : tensor<4x2xi8>
// CHECK: %[[Y:.*]] = wq.matmul %{{.*}}, %[[P]], %[[S]] zero_points(%[[Z]]) {weight = #wq.qweight<4x64, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<row_major>>} : (tensor<?x64xf32>, tensor<4x2x16xi8>, tensor<4x2xf16>, tensor<4x2xi8>) -> tensor<?x4xf32>
// CHECK: %[[M:.*]] = tensor.dim %[[Y]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[Q:.*]] = tensor.extract_slice %[[Y]][0, 0] [%[[M]], 2] [1, 1] : tensor<?x4xf32> to tensor<?x2xf32>
// CHECK: %[[K:.*]] = tensor.extract_slice %[[Y]][0, 2] [%[[M]], 1] [1, 1] : tensor<?x4xf32> to tensor<?x1xf32>
// CHECK: %[[V:.*]] = tensor.extract_slice %[[Y]][0, 3] [%[[M]], 1] [1, 1] : tensor<?x4xf32> to tensor<?x1xf32>
// CHECK: return %[[Q]], %[[K]], %[[V]]
func.func @qkv(%x: tensor<?x64xf32>) -> (tensor<?x2xf32>, tensor<?x1xf32>, tensor<?x1xf32>) {
  %p1 = arith.constant dense<17> : tensor<2x2x16xi8>
  %s1 = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf16>
  %z1 = arith.constant dense<8> : tensor<2x2xi8>
  %p2 = arith.constant dense<34> : tensor<1x2x16xi8>
  %s2 = arith.constant dense<[[5.0, 6.0]]> : tensor<1x2xf16>
  %z2 = arith.constant dense<7> : tensor<1x2xi8>
  %p3 = arith.constant dense<51> : tensor<1x2x16xi8>
  %s3 = arith.constant dense<[[7.0, 8.0]]> : tensor<1x2xf16>
  %z3 = arith.constant dense<6> : tensor<1x2xi8>
  %q = wq.matmul %x, %p1, %s1 zero_points(%z1) {weight = #wq.qweight<2x64, u4, group_size = 32, scale_type = f16, zero_points>} : (tensor<?x64xf32>, tensor<2x2x16xi8>, tensor<2x2xf16>, tensor<2x2xi8>) -> tensor<?x2xf32>
  %k = wq.matmul %x, %p2, %s2 zero_points(%z2) {weight = #wq.qweight<1x64, u4, group_size = 32, scale_type = f16, zero_points>} : (tensor<?x64xf32>, tensor<1x2x16xi8>, tensor<1x2xf16>, tensor<1x2xi8>) -> tensor<?x1xf32>
  %v = wq.matmul %x, %p3, %s3 zero_points(%z3) {weight = #wq.qweight<1x64, u4, group_size = 32, scale_type = f16, zero_points>} : (tensor<?x64xf32>, tensor<1x2x16xi8>, tensor<1x2xf16>, tensor<1x2xi8>) -> tensor<?x1xf32>
  return %q, %k, %v : tensor<?x2xf32>, tensor<?x1xf32>, tensor<?x1xf32>
}

// -----

// Q4_1-style offsets are stacked like the scales; a 1-D input (a matvec)
// gives 1-D slices.
// CHECK-LABEL: func.func @offsets_matvec
// CHECK: %[[O:.*]] = arith.constant dense<{{\[}}[2.500000e-01], [-1.000000e+00]]> : tensor<2x1xf16>
// CHECK: %[[Y:.*]] = wq.matmul %{{.*}}, %{{.*}}, %{{.*}} offsets(%[[O]]) {weight = #wq.qweight<2x32, u4, group_size = 32, scale_type = f16, offsets, layout = #wq.layout<row_major>>} : (tensor<32xf32>, tensor<2x1x16xi8>, tensor<2x1xf16>, tensor<2x1xf16>) -> tensor<2xf32>
// CHECK: tensor.extract_slice %[[Y]][0] [1] [1] : tensor<2xf32> to tensor<1xf32>
// CHECK: tensor.extract_slice %[[Y]][1] [1] [1] : tensor<2xf32> to tensor<1xf32>
func.func @offsets_matvec(%x: tensor<32xf32>) -> (tensor<1xf32>, tensor<1xf32>) {
  %p1 = arith.constant dense<1> : tensor<1x1x16xi8>
  %s1 = arith.constant dense<0.5> : tensor<1x1xf16>
  %o1 = arith.constant dense<0.25> : tensor<1x1xf16>
  %p2 = arith.constant dense<2> : tensor<1x1x16xi8>
  %s2 = arith.constant dense<0.75> : tensor<1x1xf16>
  %o2 = arith.constant dense<-1.0> : tensor<1x1xf16>
  %a = wq.matmul %x, %p1, %s1 offsets(%o1) {weight = #wq.qweight<1x32, u4, group_size = 32, scale_type = f16, offsets>} : (tensor<32xf32>, tensor<1x1x16xi8>, tensor<1x1xf16>, tensor<1x1xf16>) -> tensor<1xf32>
  %b = wq.matmul %x, %p2, %s2 offsets(%o2) {weight = #wq.qweight<1x32, u4, group_size = 32, scale_type = f16, offsets>} : (tensor<32xf32>, tensor<1x1x16xi8>, tensor<1x1xf16>, tensor<1x1xf16>) -> tensor<1xf32>
  return %a, %b : tensor<1xf32>, tensor<1xf32>
}

// -----

// Only ops with the same scheme are stacked: the group-64 weight and the
// one reading another input stay as they are; the two group-32 weights on
// %x are fused even with an incompatible op between them.
// CHECK-LABEL: func.func @schemes_and_inputs
// CHECK: wq.matmul %[[X:[a-z0-9]+]], {{.*}}qweight<3x64, i4, group_size = 32
// CHECK: wq.matmul %[[X]], {{.*}}qweight<1x64, i4, group_size = 64
// CHECK: wq.matmul %{{.*}}qweight<1x64, i4, group_size = 32
// CHECK-NOT: wq.matmul
func.func @schemes_and_inputs(%x: tensor<1x64xf32>, %other: tensor<1x64xf32>) -> (tensor<1x2xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>) {
  %p = arith.constant dense<3> : tensor<2x2x16xi8>
  %s = arith.constant dense<0.5> : tensor<2x2xf16>
  %p1 = arith.constant dense<3> : tensor<1x2x16xi8>
  %s1 = arith.constant dense<0.5> : tensor<1x2xf16>
  %pg = arith.constant dense<3> : tensor<1x1x32xi8>
  %sg = arith.constant dense<0.5> : tensor<1x1xf16>
  %a = wq.matmul %x, %p, %s {weight = #wq.qweight<2x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<2x2x16xi8>, tensor<2x2xf16>) -> tensor<1x2xf32>
  %g = wq.matmul %x, %pg, %sg {weight = #wq.qweight<1x64, i4, group_size = 64, scale_type = f16>} : (tensor<1x64xf32>, tensor<1x1x32xi8>, tensor<1x1xf16>) -> tensor<1x1xf32>
  %b = wq.matmul %x, %p1, %s1 {weight = #wq.qweight<1x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<1x2x16xi8>, tensor<1x2xf16>) -> tensor<1x1xf32>
  %c = wq.matmul %other, %p1, %s1 {weight = #wq.qweight<1x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<1x2x16xi8>, tensor<1x2xf16>) -> tensor<1x1xf32>
  return %a, %g, %b, %c : tensor<1x2xf32>, tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>
}

// -----

// Side inputs belong to one weight's input channels: an act-order weight is
// not stacked, nor are weights that are not constants.
// CHECK-LABEL: func.func @not_stackable
// CHECK-COUNT-3: wq.matmul
// CHECK-NOT: wq.matmul
func.func @not_stackable(%x: tensor<1x64xf32>, %runtime: tensor<1x2x16xi8>) -> (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>) {
  %p = arith.constant dense<3> : tensor<1x2x16xi8>
  %s = arith.constant dense<0.5> : tensor<1x2xf16>
  %perm = arith.constant dense<[63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]> : tensor<64xi32>
  %a = wq.matmul %x, %p, %s perm(%perm) {weight = #wq.qweight<1x64, i4, group_size = 32, scale_type = f16, permuted>} : (tensor<1x64xf32>, tensor<1x2x16xi8>, tensor<1x2xf16>, tensor<64xi32>) -> tensor<1x1xf32>
  %b = wq.matmul %x, %runtime, %s {weight = #wq.qweight<1x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<1x2x16xi8>, tensor<1x2xf16>) -> tensor<1x1xf32>
  %c = wq.matmul %x, %p, %s {weight = #wq.qweight<1x64, i4, group_size = 32, scale_type = f16>} : (tensor<1x64xf32>, tensor<1x2x16xi8>, tensor<1x2xf16>) -> tensor<1x1xf32>
  return %a, %b, %c : tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>
}
