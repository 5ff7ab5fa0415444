// RUN: %python %S/Inputs/make_stats.py %t.stats
// RUN: wq-opt %s --wq-quantize-weights="method=gptq act-order=true bits=4 group-size=4 calibration=%t.stats ops=linalg.matmul" 2>%t.log | FileCheck %s --check-prefix=GPTQ
// RUN: FileCheck %s --check-prefix=LOG < %t.log
// RUN: wq-opt %s --wq-quantize-weights="method=gptq act-order=true static-groups=true bits=4 group-size=4 calibration=%t.stats ops=linalg.matmul" | FileCheck %s --check-prefix=STATIC
// RUN: wq-opt %s --wq-quantize-weights="method=awq bits=4 group-size=8 calibration=%t.stats ops=linalg.matmul" | FileCheck %s --check-prefix=AWQ
// RUN: wq-opt %s --wq-quantize-weights="method=rtn-mse outlier-fraction=0.1 bits=4 group-size=8 calibration=%t.stats ops=linalg.matmul" | FileCheck %s --check-prefix=OUTLIER
// RUN: not wq-opt %s --wq-quantize-weights="method=gptq calibration=%t.stats ops=linalg.matvec" 2>&1 | FileCheck %s --check-prefix=NOSTATS

// The weight is named by its location; statistics are looked up by name.
// GPTQ with act-order stores permuted columns (channel 5, the largest
// activation, comes first) with contiguous groups.
// GPTQ-LABEL: func.func @proj
// GPTQ: %[[PERM:.*]] = arith.constant dense<[5, {{.*}}]> : tensor<16xi32>
// GPTQ: wq.matmul %arg0, %{{.*}}, %{{.*}} zero_points(%{{.*}}) perm(%[[PERM]]) {weight = #wq.qweight<8x16, u4, group_size = 4, scale_type = f16, zero_points, permuted, layout = #wq.layout<row_major>>}
// LOG: wq-quantize-weights: proj [8x16] gptq
// Static groups keep the original order: no permutation operand.
// STATIC-LABEL: func.func @proj
// STATIC-NOT: perm(
// STATIC: wq.matmul
// AWQ folds its scales into the weight and divides the activations.
// AWQ-LABEL: func.func @proj
// AWQ: wq.matmul {{.*}} input_scales(%{{.*}}) {weight = #wq.qweight<8x16, u4, group_size = 8, scale_type = f16, zero_points, input_scaled,
// Outliers: 10% of 16 channels rounds to 2, channel 5 among them.
// OUTLIER-LABEL: func.func @proj
// OUTLIER: arith.constant dense<[{{.*}}5{{.*}}]> : tensor<2xi32>
// OUTLIER: wq.matmul {{.*}} outliers(%{{.*}}, %{{.*}}) {weight = #wq.qweight<8x16, u4, group_size = 8, scale_type = f16, zero_points, outliers = 2,
// The matvec's weight has no statistics.
// NOSTATS: error: no calibration statistics for weight 'other'
func.func @proj(%x: tensor<2x16xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9, -1.0, 1.1, -1.2, 1.3, -1.4, 1.5, -1.6],
                             [0.2, 0.1, -0.3, 0.4, -0.5, 0.6, -0.7, 0.8, -0.9, 1.0, -1.1, 1.2, -1.3, 1.4, -1.5, 1.6],
                             [-0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6],
                             [0.3, 0.3, 0.3, -0.3, 0.3, 0.3, 0.3, -0.3, 0.3, 0.3, 0.3, -0.3, 0.3, 0.3, 0.3, -0.3],
                             [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.1, -0.2, -0.3, -0.4, -0.5],
                             [0.5, -0.5, 0.5, -0.5, 0.25, -0.25, 0.25, -0.25, 0.75, -0.75, 0.75, -0.75, 1.0, -1.0, 1.0, -1.0],
                             [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16],
                             [-1.6, 1.5, -1.4, 1.3, -1.2, 1.1, -1.0, 0.9, -0.8, 0.7, -0.6, 0.5, -0.4, 0.3, -0.2, 0.1]]> : tensor<8x16xf32> loc("proj")
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<2x16xf32>, tensor<8x16xf32>) outs(%z : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

func.func @other(%x: tensor<16xf32>) -> tensor<4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x16xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %y = linalg.matvec {wq.name = "other"} ins(%w, %x : tensor<4x16xf32>, tensor<16xf32>) outs(%z : tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
