//===- WQOps.td - wq operations -----------------------------*- tablegen -*-===//

#ifndef WQ_OPS
#define WQ_OPS

include "wq/Dialect/WQ/IR/WQBase.td"
include "wq/Dialect/WQ/IR/WQAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def WQ_QuantizeOp : WQ_Op<"quantize", [Pure]> {
  let summary = "Round-to-nearest quantization of a float weight";
  let description = [{
    Quantizes a float weight of shape `[batch..., N, K]` with the RTN rules of
    the `weight` attribute's scheme and returns the packed storage, the scales
    and (for asymmetric schemes) the zero points. Folds when the input is a
    constant, so that quantizing a constant weight costs nothing at run time.
    Act-order permutations and outlier channels come from calibrated
    algorithms and group offsets from imported formats, not from this op, so
    `weight` must not carry them.

    ```mlir
    %packed, %scales, %zeros = wq.quantize %w
        {weight = #wq.qweight<256x300, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<row_major>>}
        : (tensor<256x300xf32>) -> (tensor<256x10x16xi8>, tensor<256x10xf16>, tensor<256x10xi8>)
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, WQ_QuantizedWeightAttr:$weight);
  let results = (outs AnyRankedTensor:$packed, AnyRankedTensor:$scales,
                      Optional<AnyRankedTensor>:$zero_points);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def WQ_DequantizeOp : WQ_Op<"dequantize", [Pure, AttrSizedOperandSegments]> {
  let summary = "Expands a quantized weight to floats";
  let description = [{
    Returns the logical float weight `[batch..., N, K]` that the quantized
    operands represent: `scale * (q - zero) + offset` (the zero point and
    the offset only when the weight has them; `offsets(%o)` has the scales'
    type), columns un-permuted when the
    weight is `permuted`, divided by the input scales when `input_scaled`,
    plus the outlier side channel when present. Matmuls
    should use `wq.matmul` instead, which never materializes this tensor.
  }];
  let arguments = (ins
    AnyRankedTensor:$packed, AnyRankedTensor:$scales,
    Optional<AnyRankedTensor>:$zero_points,
    Optional<AnyRankedTensor>:$offsets,
    Optional<AnyRankedTensor>:$perm,
    Optional<AnyRankedTensor>:$outlier_channels,
    Optional<AnyRankedTensor>:$outlier_weights,
    Optional<AnyRankedTensor>:$input_scales,
    WQ_QuantizedWeightAttr:$weight);
  let results = (outs AnyRankedTensor:$result);
  let builders = [
    // Without offsets (every producer but an importer of offset formats).
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$packed,
                   "::mlir::Value":$scales, "::mlir::Value":$zero_points,
                   "::mlir::Value":$perm, "::mlir::Value":$outlier_channels,
                   "::mlir::Value":$outlier_weights,
                   "::mlir::Value":$input_scales,
                   "::mlir::wq::QuantizedWeightAttr":$weight), [{
      build($_builder, $_state, result, packed, scales, zero_points,
            /*offsets=*/::mlir::Value(), perm, outlier_channels,
            outlier_weights, input_scales, weight);
    }]>
  ];
  let assemblyFormat = [{
    $packed `,` $scales
    (`zero_points` `(` $zero_points^ `)`)?
    (`offsets` `(` $offsets^ `)`)?
    (`perm` `(` $perm^ `)`)?
    (`outliers` `(` $outlier_channels^ `,` $outlier_weights `)`)?
    (`input_scales` `(` $input_scales^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def WQ_MatmulOp : WQ_Op<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "Float activations times a quantized weight, dequantization fused";
  let description = [{
    `result[..., n] = sum_k input[..., k] * W[n, k]` where W is the logical
    weight of the quantized operands (see `wq.dequantize`; with group offsets
    `offsets(%o)`, each group adds `offset * sum of its activations`). The
    weight is used
    in nn.Linear layout `[N, K]`: with a 2-D weight, `input` has shape
    `[..., K]` (any rank >= 1: a matvec, a matmul, or a batch sharing one
    weight) and `result` `[..., N]`; with a batched weight `[B, N, K]`,
    `input` is `[B, M, K]` and `result` `[B, M, N]`. Accumulation is in f32;
    activations and result may be f16, bf16 or f32. Lowerings must never
    materialize the float weight.

    ```mlir
    %y = wq.matmul %x, %packed, %scales zero_points(%zeros)
        {weight = #wq.qweight<256x300, u4, group_size = 32, scale_type = f16, zero_points, layout = #wq.layout<row_major>>}
        : (tensor<4x300xf32>, tensor<256x10x16xi8>, tensor<256x10xf16>, tensor<256x10xi8>) -> tensor<4x256xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$input,
    AnyRankedTensor:$packed, AnyRankedTensor:$scales,
    Optional<AnyRankedTensor>:$zero_points,
    Optional<AnyRankedTensor>:$offsets,
    Optional<AnyRankedTensor>:$perm,
    Optional<AnyRankedTensor>:$outlier_channels,
    Optional<AnyRankedTensor>:$outlier_weights,
    Optional<AnyRankedTensor>:$input_scales,
    WQ_QuantizedWeightAttr:$weight);
  let results = (outs AnyRankedTensor:$result);
  let builders = [
    // Without offsets (every producer but an importer of offset formats).
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input,
                   "::mlir::Value":$packed, "::mlir::Value":$scales,
                   "::mlir::Value":$zero_points, "::mlir::Value":$perm,
                   "::mlir::Value":$outlier_channels,
                   "::mlir::Value":$outlier_weights,
                   "::mlir::Value":$input_scales,
                   "::mlir::wq::QuantizedWeightAttr":$weight), [{
      build($_builder, $_state, result, input, packed, scales, zero_points,
            /*offsets=*/::mlir::Value(), perm, outlier_channels,
            outlier_weights, input_scales, weight);
    }]>
  ];
  let assemblyFormat = [{
    $input `,` $packed `,` $scales
    (`zero_points` `(` $zero_points^ `)`)?
    (`offsets` `(` $offsets^ `)`)?
    (`perm` `(` $perm^ `)`)?
    (`outliers` `(` $outlier_channels^ `,` $outlier_weights `)`)?
    (`input_scales` `(` $input_scales^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def WQ_ByteDotOp : WQ_Op<"byte_dot", [Pure, AllTypesMatch<["lhs", "rhs"]>,
    OptionalTypesMatchWith<"the accumulator has the result's type", "result",
                           "acc", "$_self">]> {
  let summary = "Dot products of 4 small unsigned bytes with 4 signed bytes per lane";
  let description = [{
    `%d = wq.byte_dot %u, %s : vector<32xi8>, vector<32xi8> -> vector<8xi32>`
    computes, for each lane j of the result,
    `sum_{i<4} zext(u[4j+i]) * sext(s[4j+i])`, plus lane j of the
    accumulator `acc` when one is given
    (`wq.byte_dot %u, %s, %acc : vector<64xi8>, vector<64xi8> -> vector<16xi32>`).
    Operands are 32 bytes (8 lanes) or 64 bytes (16 lanes: one AVX-512
    register, two AVX2 ones).

    Without `full_range`, every sum of two adjacent products
    `u[2i] s[2i] + u[2i+1] s[2i+1]` must fit in 16 signed bits, which holds
    when the unsigned operand is below 128, or at most 128 with the signed
    operand above -128: then the result is exact with x86's one
    `vpmaddubsw` + `vpmaddwd` pair, whose 16-bit pair sums would otherwise
    saturate. wq uses it so for 4-bit weights (0..15) against int8
    activations (-127..127). With `full_range` the unsigned operand may be
    any byte (8-bit weights stored as unsigned, or signed ones read as
    `w ^ 0x80` = w + 128, whose offset the kernels take out through the
    zero-point term); the x86 pair then runs twice, on the low 7 bits and on
    the top bit. VNNI's `vpdpbusd` and the portable lowering are exact for
    any bytes either way. It is the integer core of the CPU kernels with int8
    activations (`wq-lower-to-vector{activation-bits=8}`) and is lowered
    after bufferization by `wq-lower-byte-dot`.
  }];
  let arguments = (ins VectorOfLengthAndType<[32, 64], [I8]>:$lhs,
                       VectorOfLengthAndType<[32, 64], [I8]>:$rhs,
                       Optional<VectorOfLengthAndType<[8, 16], [I32]>>:$acc,
                       UnitAttr:$full_range);
  let results = (outs VectorOfLengthAndType<[8, 16], [I32]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`,` $acc^)? (`full_range` $full_range^)? attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def WQ_RmsNormOp : WQ_Op<"rms_norm", [Pure]> {
  let summary = "Root-mean-square normalization of each row, times a weight";
  let description = [{
    `%y = wq.rms_norm %x, %w epsilon = 1.0e-05 : (tensor<?x576xf32>, tensor<576xf32>) -> tensor<?x576xf32>`
    computes, for each row r of `x` (rank 2, rows by D),
    `y[r, j] = w[j] * (x[r, j] * inv[r])` with
    `inv[r] = 1 / sqrt(sum_j x[r, j]^2 / D + epsilon)`, in the element type
    of `x` (the sum of squares in any order). The normalization of Llama-style
    models, before attention, before the MLP and before the classifier.

    With `residual(%r)` the row normalized is `s = x + r` (element-wise, a
    residual connection), and `s` is the second result:
    `%y, %s = wq.rms_norm %x, %w residual(%r) epsilon = ... : (...) -> (tensor<...>, tensor<...>)`.
    Every norm of such a model but the first follows a residual add, so the
    add costs no pass of its own over the rows.

    One op rather than its linalg parts so that each target picks its form:
    `wq-lower-to-linalg` expands it to a reduction and an element-wise
    scaling (the CPU, and any GPU form not otherwise handled), and
    `wq-lower-rms-norm-to-gpu` to one GPU kernel with a block per row whose
    threads reduce the row together (the linalg form would be three
    kernels, the reduction one thread per row).
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       RankedTensorOf<[AnyFloat]>:$weight,
                       Optional<RankedTensorOf<[AnyFloat]>>:$residual,
                       F32Attr:$epsilon);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result,
                      Optional<RankedTensorOf<[AnyFloat]>>:$sum);
  let assemblyFormat = [{
    $input `,` $weight (`residual` `(` $residual^ `)`)? `epsilon` `=` $epsilon attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def WQ_AttentionOp : WQ_Op<"attention", [AllTypesMatch<["query", "result"]>,
                                        AllTypesMatch<["keys", "values"]>]> {
  let summary = "Causal grouped-query attention of query rows over one layer of a KV cache";
  let description = [{
    ```mlir
    %o = wq.attention %q, %k_cache, %v_cache layer %l start %pos
        {heads = 9, kv_heads = 3}
        : tensor<?x576xf32>, memref<30x?x192xf32>, index
    ```
    The attention of a Llama-style decoder layer. `query` holds M rows of
    `heads` heads of `head_size = columns / heads` values; the caches are
    `[layers, positions, kv_heads * head_size]` and `layer` picks one layer.
    Query row r sits at position `start + r` and sees the cached positions
    `t <= start + r`; query head h reads KV head `h / (heads / kv_heads)`:

        s[t] = dot(q[r, h*hs : (h+1)*hs], keys[layer, t, a*hs : (a+1)*hs]) / sqrt(hs)
        p = softmax over t <= start + r of s
        result[r, h*hs + d] = sum over t of p[t] * values[layer, t, a*hs + d]

    The caller has stored the keys and values of positions up to
    `start + M - 1` before the op (it reads the caches, which it declares)
    and sizes the caches so that they hold them.

    `start` is an `index`, or a `tensor<1xi32>` holding it that the
    generated code reads where it runs: a decode step whose position lives
    in device memory, so that one captured CUDA graph serves every step.

    One op rather than its loops so that each target picks its form:
    `wq-lower-attention-to-gpu` makes one kernel of every head and row (the
    scores, the softmax and the weighted sum in registers, online), and
    `wq-lower-to-linalg` three generics (scores; max and sum; the weighted
    sum), which is what other targets run.
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$query,
                       Arg<MemRefRankOf<[F32], [3]>, "the keys", [MemRead]>:$keys,
                       Arg<MemRefRankOf<[F32], [3]>, "the values", [MemRead]>:$values,
                       Index:$layer,
                       AnyTypeOf<[Index, 1DTensorOf<[I32]>]>:$start,
                       I64Attr:$heads, I64Attr:$kv_heads);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $query `,` $keys `,` $values `layer` $layer `start` $start attr-dict `:` type($query) `,` type($keys) `,` type($start)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Values per head: the query's columns / heads.
    int64_t getHeadSize();
  }];
}

#endif // WQ_OPS
