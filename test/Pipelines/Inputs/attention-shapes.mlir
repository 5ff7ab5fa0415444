// wq.attention for the GPU kernel (wq-lower-attention-to-gpu): SmolLM2's
// decode step (9 heads of 64 over 3 KV heads, the position read from a
// tensor by the kernel), stories260K's prompt rows (8 heads of 8 over 4 KV
// heads, several positions per warp, a dynamic number of rows), a head size
// that is not a power of two (40: two values per lane, the second for 8 of
// 32 lanes) with one KV head, and a Llama-3-8B-shaped head (128, 4 query
// heads per KV head).
func.func @attention_576_step(%q: tensor<1x576xf32>, %k: memref<2x40x192xf32>, %v: memref<2x40x192xf32>, %layer: index, %start: tensor<1xi32>) -> tensor<1x576xf32> {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 9 : i64, kv_heads = 3 : i64} : tensor<1x576xf32>, memref<2x40x192xf32>, tensor<1xi32>
  return %o : tensor<1x576xf32>
}

func.func @attention_64_rows(%q: tensor<?x64xf32>, %k: memref<3x?x32xf32>, %v: memref<3x?x32xf32>, %layer: index, %start: index) -> tensor<?x64xf32> {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 8 : i64, kv_heads = 4 : i64} : tensor<?x64xf32>, memref<3x?x32xf32>, index
  return %o : tensor<?x64xf32>
}

func.func @attention_80_m3(%q: tensor<3x80xf32>, %k: memref<1x23x40xf32>, %v: memref<1x23x40xf32>, %layer: index, %start: index) -> tensor<3x80xf32> {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 2 : i64, kv_heads = 1 : i64} : tensor<3x80xf32>, memref<1x23x40xf32>, index
  return %o : tensor<3x80xf32>
}

func.func @attention_512_step(%q: tensor<1x512xf32>, %k: memref<1x30x128xf32>, %v: memref<1x30x128xf32>, %layer: index, %start: tensor<1xi32>) -> tensor<1x512xf32> {
  %o = wq.attention %q, %k, %v layer %layer start %start {heads = 4 : i64, kv_heads = 1 : i64} : tensor<1x512xf32>, memref<1x30x128xf32>, tensor<1xi32>
  return %o : tensor<1x512xf32>
}
