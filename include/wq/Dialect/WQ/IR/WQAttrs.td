//===- WQAttrs.td - wq attributes ---------------------------*- tablegen -*-===//

#ifndef WQ_ATTRS
#define WQ_ATTRS

include "wq/Dialect/WQ/IR/WQBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def WQ_LayoutKind : I32EnumAttr<"LayoutKind", "physical weight layout", [
    I32EnumAttrCase<"row_major", 0>,
    I32EnumAttrCase<"mma_tiles", 1>
  ]> {
  let cppNamespace = "::mlir::wq";
  let genSpecializedAttr = 0;
}

def WQ_LayoutAttr : AttrDef<WQ_Dialect, "Layout"> {
  let mnemonic = "layout";
  let summary = "Physical order of a quantized weight's packed bytes";
  let description = [{
    `row_major`: storage tensor `[batch..., N, G, Bg] x i8` where
    `G = ceil(K / group)` and `Bg = ceil(group * bits / 8)`: output channels,
    then groups along K, then each group's little-endian bit string (element e
    of a group occupies bits `[e*bits, (e+1)*bits)`; for 4 bits element 2i is
    the low nibble of byte i). A ragged last group leaves its unused bits zero.

    `mma_tiles` (4- or 8-bit 2-D weights, K a multiple of the tile depth D =
    64 / 32, groups a multiple of 16): storage `[ceil(N / 16), K / D, 512] x
    i8`, the order in which the GPU decode kernel's tensor-core schedule
    reads the weight: each 16-channel by D-position tile is 32 lanes' 16-byte
    loads, each 32-bit word (int4) or pair of words (int8) the A fragments
    of one `mma.m16n8k16` (field order in `wq/Numerics/GpuLayout.h`); scales,
    zero points and offsets `[ceil(N / 16), groups, 16]`, a tile column's
    channels of one group adjacent. Channels past N are zero. Produced by
    `wq-pack-layout`; read only by `wq-lower-to-gpu-decode`.

    A layout re-tiles the same logical weight: the `#wq.qweight` attribute
    keeps the meaning (field values, scales, zero points and offsets are
    unchanged), the layout only the order in which they are stored.
  }];
  let parameters = (ins EnumParameter<WQ_LayoutKind>:$kind);
  let assemblyFormat = "`<` $kind `>`";
}

def WQ_QuantizedWeightAttr : AttrDef<WQ_Dialect, "QuantizedWeight"> {
  let mnemonic = "qweight";
  let summary = "Describes a quantized weight: meaning and storage";
  let description = [{
    Logical shape `[batch..., N, K]` (nn.Linear layout: N output channels, K
    input channels, K is the reduction dimension), storage integer type
    (`u4`, `i4`, `u8`, `i8`; 2 to 8 bits), group size along K (0 = one group
    per output channel; the last group may be shorter), scale element type
    (f16, bf16, f32), optional per-group zero points (unsigned storage only),
    optional per-group float offsets (`offsets`: stored in the scale type,
    same shape and layout as the scales; llama.cpp's Q4_1 `d * q + m`, HQQ,
    tinygemm's `(q - 8) * s + z` with zero points too), optional act-order permutation (`permuted`: stored column j holds logical
    input channel perm[j], so groups are contiguous in the stored order),
    optional outlier side channel (`outliers = O`: O input channels kept in
    full precision and added to the quantized product), optional per-input-
    channel activation scales (`input_scaled`: AWQ stores Q(W diag(s)) and the
    layer computes it on x / s, operand `input_scales`), optionally groups
    that run over the flattened row-major weight instead of along each row
    (`flat_groups`: llama2.c's int8 export; then the packed bytes, scales and
    zero points are 1-D, groups may straddle rows, and N*K must be a multiple
    of the group size) and a physical layout.

    Dequantized value of stored element (n, k) in group g:
    `w = scale[n, g] * (q[n, k] - zero[n, g]) + offset[n, g]` (zero = 0 and
    offset = 0 when absent). The
    logical weight un-permutes the columns, divides column c by
    `input_scales[c]` and adds the outlier channels.

    ```mlir
    #wq.qweight<256x300, u4, group_size = 32, scale_type = f16, zero_points,
                layout = #wq.layout<row_major>>
    #wq.qweight<4096x4096, u4, group_size = 32, scale_type = f16, offsets>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "logical shape [batch..., N, K]">:$shape,
    "unsigned":$bits,
    "bool":$isSigned,
    "int64_t":$groupSize,
    "::mlir::Type":$scaleType,
    "bool":$zeroPoints,
    "bool":$offsets,
    "bool":$permuted,
    "int64_t":$numOutliers,
    "bool":$inputScaled,
    "bool":$flatGroups,
    "::mlir::wq::LayoutAttr":$layout
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    // A weight without offsets (the form every producer but an importer of
    // offset formats builds).
    AttrBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape, "unsigned":$bits,
                     "bool":$isSigned, "int64_t":$groupSize,
                     "::mlir::Type":$scaleType, "bool":$zeroPoints,
                     "bool":$permuted, "int64_t":$numOutliers,
                     "bool":$inputScaled, "bool":$flatGroups,
                     "::mlir::wq::LayoutAttr":$layout), [{
      return $_get($_ctxt, shape, bits, isSigned, groupSize, scaleType,
                   zeroPoints, /*offsets=*/false, permuted, numOutliers,
                   inputScaled, flatGroups, layout);
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getN() const { return getShape()[getShape().size() - 2]; }
    int64_t getK() const { return getShape().back(); }
    ::llvm::ArrayRef<int64_t> getBatchShape() const {
      return getShape().drop_back(2);
    }
    /// The numerics library's view of this scheme.
    ::wq_numerics::QuantScheme getScheme() const;
    int64_t getEffectiveGroupSize() const;
    int64_t getNumGroups() const;
    int64_t getBytesPerGroup() const;
    /// Storage tensor types of the packed bytes, scales and zero points.
    ::mlir::RankedTensorType getPackedType() const;
    ::mlir::RankedTensorType getScalesType() const;
    ::mlir::RankedTensorType getZeroPointsType() const;
    /// Offsets: the scales' type (same shape, layout and element type).
    ::mlir::RankedTensorType getOffsetsType() const;
    /// Bytes of quantized storage (packed + scales + zero points + offsets).
    int64_t getStorageBytes() const;
  }];
}

#endif // WQ_ATTRS
