// RUN: wq-opt %s --split-input-file --wq-quantize-weights="bits=4 group-size=4 embeddings=true" | FileCheck %s
// RUN: wq-opt %s --split-input-file --wq-quantize-weights="bits=4 group-size=4" | FileCheck %s --check-prefix=OFF

// A whole-row lookup of a constant table: the table is stored packed (the
// hand-computed asymmetric groups of quantize-weights.mlir: [1, 2, 3, 4] ->
// bytes 0x84, 0xFB, scale 4/15, zero 0; all zeros -> 0x88, scale 2/15,
// zero 8) and only the row read is dequantized.
// CHECK-LABEL: func.func @lookup
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<{{\[\[}}0], [8]]> : tensor<2x1xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<{{\[\[}}2.666020e-01], [1.333010e-01]]> : tensor<2x1xf16>
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[\[\[}}-124, -5]], {{\[\[}}-120, -120]]]> : tensor<2x1x2xi8>
// CHECK-DAG: %[[ZR:.*]] = tensor.extract_slice %[[Z]][%arg0, 0] [1, 1] [1, 1]
// CHECK-DAG: %[[SR:.*]] = tensor.extract_slice %[[S]][%arg0, 0] [1, 1] [1, 1]
// CHECK-DAG: %[[PR:.*]] = tensor.extract_slice %[[P]][%arg0, 0, 0] [1, 1, 2] [1, 1, 1]
// CHECK: %[[ROW:.*]] = wq.dequantize %[[PR]], %[[SR]] zero_points(%[[ZR]]) {weight = #wq.qweight<1x4, u4, group_size = 4, scale_type = f16, zero_points, layout = #wq.layout<row_major>>} : (tensor<1x1x2xi8>, tensor<1x1xf16>, tensor<1x1xi8>) -> tensor<1x4xf32>
// CHECK: tensor.collapse_shape %[[ROW]] {{\[\[}}0, 1]] : tensor<1x4xf32> into tensor<4xf32>
// CHECK-NOT: tensor<2x4xf32>
// OFF-LABEL: func.func @lookup
// OFF: tensor.extract_slice {{.*}} : tensor<2x4xf32> to tensor<4xf32>
func.func @lookup(%tok: index) -> tensor<4xf32> {
  %table = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<2x4xf32>
  %row = tensor.extract_slice %table[%tok, 0] [1, 4] [1, 1] : tensor<2x4xf32> to tensor<4xf32>
  return %row : tensor<4xf32>
}

// -----

// A table that another op also reads stays for that op; the lookup reads
// the packed copy. Partial rows, strided reads and non-constant tables are
// left alone.
// CHECK-LABEL: func.func @shared_and_partial
// CHECK: %[[T:.*]] = arith.constant dense<{{.*}}> : tensor<2x4xf32>
// CHECK: wq.dequantize
// CHECK: tensor.extract_slice %[[T]][%arg0, 1] [1, 3] [1, 1]
// CHECK: tensor.extract_slice %arg1[%arg0, 0] [1, 4] [1, 1]
// CHECK-NOT: wq.dequantize
func.func @shared_and_partial(%tok: index, %other: tensor<2x4xf32>) -> (tensor<4xf32>, tensor<3xf32>, tensor<4xf32>) {
  %table = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %row = tensor.extract_slice %table[%tok, 0] [1, 4] [1, 1] : tensor<2x4xf32> to tensor<4xf32>
  %part = tensor.extract_slice %table[%tok, 1] [1, 3] [1, 1] : tensor<2x4xf32> to tensor<3xf32>
  %dyn = tensor.extract_slice %other[%tok, 0] [1, 4] [1, 1] : tensor<2x4xf32> to tensor<4xf32>
  return %row, %part, %dyn : tensor<4xf32>, tensor<3xf32>, tensor<4xf32>
}

// -----

// A row gather (the decode step's lookup: the ids are read inside the
// kernel, not by the host): each packed constant is gathered by the same ids,
// then only those rows are dequantized.
// CHECK-LABEL: func.func @gather
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{.*}}> : tensor<2x1x2xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<{{.*}}> : tensor<2x1xf16>
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<{{.*}}> : tensor<2x1xi8>
// CHECK-DAG: %[[PR:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<1xi32>) outs(%{{.*}} : tensor<1x1x2xi8>)
// CHECK-DAG: %[[SR:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<1xi32>) outs(%{{.*}} : tensor<1x1xf16>)
// CHECK-DAG: %[[ZR:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<1xi32>) outs(%{{.*}} : tensor<1x1xi8>)
// CHECK: %[[ROW:.*]] = wq.dequantize %[[PR]], %[[SR]] zero_points(%[[ZR]]) {weight = #wq.qweight<1x4, u4, group_size = 4, scale_type = f16, zero_points, layout = #wq.layout<row_major>>}
// CHECK: return %[[ROW]]
// CHECK-NOT: tensor<2x4xf32>
// OFF-LABEL: func.func @gather
// OFF: tensor.extract %{{.*}} : tensor<2x4xf32>
#ids = affine_map<(r, c) -> (r)>
#rows = affine_map<(r, c) -> (r, c)>
func.func @gather(%ids: tensor<1xi32>) -> tensor<1x4xf32> {
  %table = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<2x4xf32>
  %init = tensor.empty() : tensor<1x4xf32>
  %rows = linalg.generic {indexing_maps = [#ids, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%ids : tensor<1xi32>) outs(%init : tensor<1x4xf32>) {
  ^bb0(%id: i32, %out: f32):
    %r = arith.index_cast %id : i32 to index
    %c = linalg.index 1 : index
    %v = tensor.extract %table[%r, %c] : tensor<2x4xf32>
    linalg.yield %v : f32
  } -> tensor<1x4xf32>
  return %rows : tensor<1x4xf32>
}
