//===- LowerToLinalg.cpp - wq-lower-to-linalg -----------------------------===//
//
// Lowers wq.matmul and wq.dequantize to linalg on tensors. The matmul becomes
// one linalg.generic that decodes each stored integer (scale * (q - zero) +
// offset) inside the reduction, so the float weight never exists at run time.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

#define DEBUG_TYPE "wq-lower-to-linalg"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERTOLINALGPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

using utils::IteratorType;

/// Builds linalg-on-tensors IR for one quantized weight.
class WeightLowering {
public:
  WeightLowering(OpBuilder &b, Location loc, QuantizedWeightAttr weight)
      : b(b), loc(loc), weight(weight), ctx(b.getContext()),
        f32(Float32Type::get(ctx)),
        numBatch(static_cast<unsigned>(weight.getBatchShape().size())),
        bits(weight.getBits()), elementsPerByte(8 / weight.getBits()) {}

  /// Decodes one stored element to f32: scale * (q - zero) + offset (zero
  /// and offset null when absent), the rule of wq_numerics::QuantScheme
  /// written on the field's value (signed fields sign-extended), the
  /// reference form the optimized lowerings' bit-level variants
  /// (wq_numerics::unsignedReadBias) must agree with. `byte` is the i8 holding it and `slot`
  /// (an index) its position within the byte.
  Value decode(Value byte, Value slot, Value scale, Value zero,
               Value offset = Value()) {
    Value q = byte;
    if (bits < 8) {
      Type i8 = b.getI8Type();
      Value slotI8 = arith::IndexCastOp::create(b, loc, i8, slot);
      Value shift = arith::MulIOp::create(
          b, loc, slotI8, arith::ConstantIntOp::create(b, loc, i8, bits));
      q = arith::ShRUIOp::create(b, loc, q, shift);
      if (weight.getIsSigned()) {
        // Move the field to the top of the byte, then shift it back down
        // arithmetically to sign-extend it.
        Value up = arith::ConstantIntOp::create(b, loc, i8, 8 - bits);
        q = arith::ShLIOp::create(b, loc, q, up);
        q = arith::ShRSIOp::create(b, loc, q, up);
      } else {
        q = arith::AndIOp::create(
            b, loc, q,
            arith::ConstantIntOp::create(b, loc, i8,
                                         numerics::fieldMask(bits)));
      }
    }
    Value value = weight.getIsSigned()
                      ? Value(arith::SIToFPOp::create(b, loc, f32, q))
                      : Value(arith::UIToFPOp::create(b, loc, f32, q));
    if (zero)
      value = arith::SubFOp::create(b, loc, value,
                                    arith::UIToFPOp::create(b, loc, f32, zero));
    value = arith::MulFOp::create(b, loc, value, toF32(scale));
    if (offset)
      value = arith::AddFOp::create(b, loc, value, toF32(offset));
    return value;
  }

  /// The decode operands after the packed bytes in a generic's block
  /// arguments `args` starting at `first`: scale, then the zero point and
  /// the offset when the op has them.
  struct GroupArgs {
    Value scale, zero, offset;
  };
  GroupArgs groupArgs(ValueRange args, unsigned first, bool hasZero,
                      bool hasOffset) {
    GroupArgs result;
    result.scale = args[first++];
    if (hasZero)
      result.zero = args[first++];
    if (hasOffset)
      result.offset = args[first++];
    return result;
  }

  Value toF32(Value value) {
    if (value.getType() == f32)
      return value;
    return arith::ExtFOp::create(b, loc, f32, value);
  }

  Value fromF32(Value value, Type type) {
    if (type == f32)
      return value;
    return arith::TruncFOp::create(b, loc, type, value);
  }

  /// Map over `numDims` dims selecting `dims`.
  AffineMap map(unsigned numDims, ArrayRef<unsigned> dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : dims)
      exprs.push_back(b.getAffineDimExpr(d));
    return AffineMap::get(numDims, 0, exprs, ctx);
  }

  SmallVector<unsigned> range(unsigned begin, unsigned end) {
    SmallVector<unsigned> dims;
    for (unsigned d = begin; d < end; ++d)
      dims.push_back(d);
    return dims;
  }

  /// tensor.empty + linalg.fill(0) of the given sizes.
  Value zeros(ArrayRef<OpFoldResult> sizes, Type elementType) {
    Value empty = tensor::EmptyOp::create(b, loc, sizes, elementType);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
    return linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty})
        .getResult(0);
  }

  /// Pads the last dim of `value` with zeros up to `size`.
  Value padLastDim(Value value, int64_t size) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getShape().back() == size)
      return value;
    SmallVector<int64_t> shape(type.getShape());
    shape.back() = size;
    SmallVector<Value> dynamicDims;
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (type.isDynamicDim(i))
        dynamicDims.push_back(tensor::DimOp::create(b, loc, value, i));
    Value zero =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
    return tensor::createPadHighOp(
        RankedTensorType::get(shape, type.getElementType()), value, zero,
        /*nofold=*/false, loc, b, dynamicDims);
  }

  /// Splits the last dim of `value` into `inner` (whose product it must be).
  Value splitLastDim(Value value, ArrayRef<int64_t> inner) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
    sizes.pop_back();
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t i = 0; i + 1 < type.getRank(); ++i)
      reassociation.push_back({i});
    ReassociationIndices last;
    SmallVector<int64_t> shape(type.getShape().drop_back());
    for (int64_t size : inner) {
      last.push_back(static_cast<int64_t>(shape.size()));
      shape.push_back(size);
      sizes.push_back(b.getIndexAttr(size));
    }
    reassociation.push_back(last);
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), value,
        reassociation, sizes);
  }

  /// Merges the last `count` dims of `value`.
  Value mergeLastDims(Value value, int64_t count) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t i = 0; i < type.getRank() - count; ++i)
      reassociation.push_back({i});
    ReassociationIndices last;
    for (int64_t i = type.getRank() - count; i < type.getRank(); ++i)
      last.push_back(i);
    reassociation.push_back(last);
    return tensor::CollapseShapeOp::create(b, loc, value, reassociation);
  }

  /// Keeps the first `size` elements of the last dim.
  Value sliceLastDim(Value value, int64_t size) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getShape().back() == size)
      return value;
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
    sizes.back() = b.getIndexAttr(size);
    return tensor::ExtractSliceOp::create(b, loc, value, offsets, sizes,
                                          strides);
  }

  /// result[..., c] = source[..., channels[c]]: a gather along the last dim.
  /// `channels` is a 1-D i32 tensor.
  Value gatherLastDim(Value source, Value channels) {
    auto sourceType = cast<RankedTensorType>(source.getType());
    auto channelsType = cast<RankedTensorType>(channels.getType());
    unsigned rank = static_cast<unsigned>(sourceType.getRank());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, source);
    sizes.back() = b.getIndexAttr(channelsType.getDimSize(0));
    Value init = tensor::EmptyOp::create(b, loc, sizes,
                                         sourceType.getElementType());
    SmallVector<AffineMap> maps = {map(rank, {rank - 1}),
                                   b.getMultiDimIdentityMap(rank)};
    SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, init.getType(), ValueRange{channels}, ValueRange{init},
               maps, iterators,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 SmallVector<Value> indices;
                 for (unsigned d = 0; d + 1 < rank; ++d)
                   indices.push_back(linalg::IndexOp::create(nb, nloc, d));
                 indices.push_back(arith::IndexCastOp::create(
                     nb, nloc, nb.getIndexType(), args[0]));
                 Value element =
                     tensor::ExtractOp::create(nb, nloc, source, indices);
                 linalg::YieldOp::create(nb, nloc, element);
               })
        .getResult(0);
  }

  /// result[..., c] = value[..., c] / divisors[c] (any float types; the
  /// result keeps value's type).
  Value divideLastDim(Value value, Value divisors) {
    auto type = cast<RankedTensorType>(value.getType());
    unsigned rank = static_cast<unsigned>(type.getRank());
    Value init = tensor::EmptyOp::create(
        b, loc, tensor::getMixedSizes(b, loc, value), type.getElementType());
    SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                   map(rank, {rank - 1}),
                                   b.getMultiDimIdentityMap(rank)};
    SmallVector<IteratorType> iterators(rank, IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, init.getType(), ValueRange{value, divisors},
               ValueRange{init}, maps, iterators,
               [&](OpBuilder &nbld, Location nloc, ValueRange args) {
                 OpBuilder::InsertionGuard guard(b);
                 b.setInsertionPoint(nbld.getInsertionBlock(),
                                     nbld.getInsertionPoint());
                 Value quotient = arith::DivFOp::create(b, nloc, toF32(args[0]),
                                                        toF32(args[1]));
                 linalg::YieldOp::create(
                     b, nloc, fromF32(quotient, type.getElementType()));
               })
        .getResult(0);
  }

  /// Maps of a flat-group weight's operands over (lead..., n, k): element
  /// e = n*K + k of the flattened weight lives in byte e / E, group e / gs.
  SmallVector<AffineMap> flatMaps(unsigned numDims, unsigned dn, unsigned dk,
                                  bool zeroPoints, bool offsets) {
    AffineExpr e = b.getAffineDimExpr(dn) * weight.getK() +
                   b.getAffineDimExpr(dk);
    AffineMap byte = AffineMap::get(numDims, 0, {e.floorDiv(elementsPerByte)}, ctx);
    AffineMap group =
        AffineMap::get(numDims, 0, {e.floorDiv(weight.getGroupSize())}, ctx);
    SmallVector<AffineMap> maps = {byte, group};
    if (zeroPoints)
      maps.push_back(group);
    if (offsets)
      maps.push_back(group);
    return maps;
  }

  /// The field of element (n, k) within its byte, for flat groups.
  Value flatSlot(unsigned dn, unsigned dk) {
    Value n = linalg::IndexOp::create(b, loc, dn);
    Value k = linalg::IndexOp::create(b, loc, dk);
    Value e = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, n,
                              arith::ConstantIndexOp::create(b, loc, weight.getK())),
        k);
    return arith::RemUIOp::create(
        b, loc, e, arith::ConstantIndexOp::create(b, loc, elementsPerByte));
  }

  /// wq.matmul with flat groups: one generic over (lead..., n, k).
  Value lowerFlat(MatmulOp op) {
    auto resultType = op.getResult().getType();
    Value input = op.getInput();
    unsigned numLead =
        static_cast<unsigned>(op.getInput().getType().getRank()) - 1;
    unsigned dn = numLead, dk = numLead + 1, numDims = numLead + 2;
    SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(b, loc, input);
    outSizes.back() = b.getIndexAttr(weight.getN());
    Value acc = zeros(outSizes, f32);
    Value zeroPoints = op.getZeroPoints(), offsets = op.getOffsets();
    SmallVector<Value> inputs = {input, op.getPacked(), op.getScales()};
    if (zeroPoints)
      inputs.push_back(zeroPoints);
    if (offsets)
      inputs.push_back(offsets);
    SmallVector<unsigned> lead = range(0, numLead);
    SmallVector<unsigned> xDims(lead), outDims(lead);
    xDims.push_back(dk);
    outDims.push_back(dn);
    SmallVector<AffineMap> maps = {map(numDims, xDims)};
    maps.append(flatMaps(numDims, dn, dk, bool(zeroPoints), bool(offsets)));
    maps.push_back(map(numDims, outDims));
    SmallVector<IteratorType> iterators(numLead + 1, IteratorType::parallel);
    iterators.push_back(IteratorType::reduction);
    acc = linalg::GenericOp::create(
              b, loc, acc.getType(), inputs, ValueRange{acc}, maps, iterators,
              [&](OpBuilder &nbld, Location nloc, ValueRange args) {
                OpBuilder::InsertionGuard guard(b);
                b.setInsertionPoint(nbld.getInsertionBlock(),
                                    nbld.getInsertionPoint());
                GroupArgs group =
                    groupArgs(args, 2, bool(zeroPoints), bool(offsets));
                Value w = decode(args[1], flatSlot(dn, dk), group.scale,
                                 group.zero, group.offset);
                auto fastmath = arith::FastMathFlags::reassoc |
                                arith::FastMathFlags::contract;
                Value product = arith::MulFOp::create(
                    b, nloc, toF32(args[0]), w, fastmath);
                linalg::YieldOp::create(
                    b, nloc,
                    arith::AddFOp::create(b, nloc, args.back(), product,
                                          fastmath)
                        .getResult());
              })
              .getResult(0);
    return toResultType(acc, resultType);
  }

  /// wq.dequantize with flat groups: one parallel generic over (n, k).
  Value lowerFlat(DequantizeOp op) {
    Value zeroPoints = op.getZeroPoints(), offsets = op.getOffsets();
    SmallVector<Value> inputs = {op.getPacked(), op.getScales()};
    if (zeroPoints)
      inputs.push_back(zeroPoints);
    if (offsets)
      inputs.push_back(offsets);
    SmallVector<AffineMap> maps =
        flatMaps(2, 0, 1, bool(zeroPoints), bool(offsets));
    maps.push_back(b.getMultiDimIdentityMap(2));
    Value init = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{weight.getN(), weight.getK()}, f32);
    Value w = linalg::GenericOp::create(
                  b, loc, init.getType(), inputs, ValueRange{init}, maps,
                  {IteratorType::parallel, IteratorType::parallel},
                  [&](OpBuilder &nbld, Location nloc, ValueRange args) {
                    OpBuilder::InsertionGuard guard(b);
                    b.setInsertionPoint(nbld.getInsertionBlock(),
                                        nbld.getInsertionPoint());
                    GroupArgs group =
                        groupArgs(args, 1, bool(zeroPoints), bool(offsets));
                    linalg::YieldOp::create(
                        b, nloc,
                        decode(args[0], flatSlot(0, 1), group.scale,
                               group.zero, group.offset));
                  })
                  .getResult(0);
    return toResultType(w, op.getResult().getType());
  }

  /// Lowers wq.matmul. The activation's leading dims [L...] (possibly
  /// dynamic) are kept as parallel iteration dims rather than reshaped, so no
  /// dynamic reshapes are needed; with a batched weight the first of them
  /// also indexes the weight.
  Value lower(MatmulOp op) {
    if (weight.getFlatGroups())
      return lowerFlat(op);
    auto resultType = op.getResult().getType();
    unsigned numLead =
        static_cast<unsigned>(op.getInput().getType().getRank()) - 1;
    int64_t n = weight.getN();
    int64_t groupSize = weight.getEffectiveGroupSize();
    int64_t groups = weight.getNumGroups();
    int64_t groupBytes = weight.getBytesPerGroup();
    int64_t paddedGroup = groupBytes * elementsPerByte;

    Value input = op.getInput();
    Value x = input;
    // AWQ: the stored weight is Q(W diag(s)); it multiplies x / s.
    if (Value inputScales = op.getInputScales())
      x = divideLastDim(x, inputScales);
    if (Value perm = op.getPerm())
      x = gatherLastDim(x, perm);
    // [L..., K] -> [L..., G, Bg, elementsPerByte], zero-padded so that every
    // group fills whole bytes.
    x = padLastDim(x, groups * groupSize);
    x = splitLastDim(x, {groups, groupSize});
    x = padLastDim(x, paddedGroup);
    x = splitLastDim(x, {groupBytes, elementsPerByte});

    // Iteration space (L..., n, g, byte, slot).
    unsigned numDims = numLead + 4;
    unsigned dn = numLead, dg = numLead + 1, dbyte = numLead + 2,
             dslot = numLead + 3;
    SmallVector<unsigned> lead = range(0, numLead);
    SmallVector<unsigned> batch = range(0, numBatch);
    auto concat = [](ArrayRef<unsigned> a, ArrayRef<unsigned> b) {
      SmallVector<unsigned> all(a);
      all.append(b.begin(), b.end());
      return all;
    };
    SmallVector<OpFoldResult> outSizes = tensor::getMixedSizes(b, loc, input);
    outSizes.back() = b.getIndexAttr(n);
    Value acc = zeros(outSizes, f32);

    SmallVector<Value> inputs = {x, op.getPacked(), op.getScales()};
    SmallVector<AffineMap> maps = {
        map(numDims, concat(lead, {dg, dbyte, dslot})),
        map(numDims, concat(batch, {dn, dg, dbyte})),
        map(numDims, concat(batch, {dn, dg}))};
    Value zeroPoints = op.getZeroPoints(), offsets = op.getOffsets();
    if (zeroPoints) {
      inputs.push_back(zeroPoints);
      maps.push_back(map(numDims, concat(batch, {dn, dg})));
    }
    // Offsets: per (n, g) like the scales; each element adds offset * x, so
    // the zero-padded activations of a ragged last group add nothing.
    if (offsets) {
      inputs.push_back(offsets);
      maps.push_back(map(numDims, concat(batch, {dn, dg})));
    }
    maps.push_back(map(numDims, concat(lead, {dn})));
    SmallVector<IteratorType> iterators(numLead + 1, IteratorType::parallel);
    iterators.append(3, IteratorType::reduction);
    acc = linalg::GenericOp::create(
              b, loc, acc.getType(), inputs, ValueRange{acc}, maps, iterators,
              [&](OpBuilder &nbld, Location nloc, ValueRange args) {
                OpBuilder::InsertionGuard guard(b);
                b.setInsertionPoint(nbld.getInsertionBlock(),
                                    nbld.getInsertionPoint());
                Value slot = linalg::IndexOp::create(b, nloc, dslot);
                GroupArgs group =
                    groupArgs(args, 2, bool(zeroPoints), bool(offsets));
                Value w = decode(args[1], slot, group.scale, group.zero,
                                 group.offset);
                // The reduction may be reassociated (vectorized): its
                // order is not part of wq.matmul's semantics.
                auto fastmath = arith::FastMathFlags::reassoc |
                                arith::FastMathFlags::contract;
                Value product = arith::MulFOp::create(
                    b, nloc, toF32(args[0]), w, fastmath);
                Value sum = arith::AddFOp::create(b, nloc, args.back(),
                                                  product, fastmath);
                linalg::YieldOp::create(b, nloc, sum);
              })
              .getResult(0);

    if (Value channels = op.getOutlierChannels())
      acc = addOutlierProducts(acc, input, channels, op.getOutlierWeights());

    return toResultType(acc, resultType);
  }

  /// Outlier side channel: acc[L..., n] += sum_o x[L..., channels[o]] *
  /// outlierWeights[n, o], with `acc` in f32.
  Value addOutlierProducts(Value acc, Value input, Value channels,
                           Value outlierWeights) {
    unsigned numLead =
        static_cast<unsigned>(cast<RankedTensorType>(input.getType()).getRank()) -
        1;
    Value xOutliers = gatherLastDim(input, channels); // [L..., O]
    unsigned outlierDims = numLead + 2, dn = numLead, dOut = numLead + 1;
    SmallVector<unsigned> leadAndOutlier = range(0, numLead);
    leadAndOutlier.push_back(dOut);
    SmallVector<unsigned> leadAndN = range(0, numLead);
    leadAndN.push_back(dn);
    SmallVector<AffineMap> outlierMaps = {map(outlierDims, leadAndOutlier),
                                          map(outlierDims, {dn, dOut}),
                                          map(outlierDims, leadAndN)};
    SmallVector<IteratorType> outlierIterators(numLead + 1,
                                               IteratorType::parallel);
    outlierIterators.push_back(IteratorType::reduction);
    return linalg::GenericOp::create(
               b, loc, acc.getType(), ValueRange{xOutliers, outlierWeights},
               ValueRange{acc}, outlierMaps, outlierIterators,
               [&](OpBuilder &nbld, Location nloc, ValueRange args) {
                 OpBuilder::InsertionGuard guard(b);
                 b.setInsertionPoint(nbld.getInsertionBlock(),
                                     nbld.getInsertionPoint());
                 // In f32, rounded once to the result type.
                 Value product = arith::MulFOp::create(
                     b, nloc, toF32(args[0]), toF32(args[1]));
                 Value sum =
                     arith::AddFOp::create(b, nloc, toF32(args[2]), product);
                 linalg::YieldOp::create(
                     b, nloc, fromF32(sum, args[2].getType()));
               })
        .getResult(0);
  }

  /// A wq.matmul with side inputs, as x / s and the gather by perm in
  /// linalg, a plain wq.matmul on the same storage, and the outlier products
  /// added in linalg (in f32, rounded to the result type).
  Value splitSideInputs(MatmulOp op, MatmulOp *plainOp) {
    Value x = op.getInput();
    if (Value inputScales = op.getInputScales())
      x = divideLastDim(x, inputScales);
    if (Value perm = op.getPerm())
      x = gatherLastDim(x, perm);
    auto plainWeight = QuantizedWeightAttr::get(
        ctx, weight.getShape(), weight.getBits(), weight.getIsSigned(),
        weight.getGroupSize(), weight.getScaleType(), weight.getZeroPoints(),
        weight.getOffsets(), /*permuted=*/false, /*numOutliers=*/0,
        /*inputScaled=*/false, weight.getFlatGroups(), weight.getLayout());
    auto plain = MatmulOp::create(b, loc, op.getResult().getType(), x,
                                  op.getPacked(), op.getScales(),
                                  op.getZeroPoints(), op.getOffsets(), Value(),
                                  Value(), Value(), Value(), plainWeight);
    if (plainOp)
      *plainOp = plain;
    Value y = plain.getResult();
    if (Value channels = op.getOutlierChannels())
      y = addOutlierProducts(y, op.getInput(), channels,
                             op.getOutlierWeights());
    return y;
  }

  /// An f32 result converted to the op's result type (element type and
  /// static/dynamic shape).
  Value toResultType(Value value, RankedTensorType resultType) {
    value = convertElements(value, resultType.getElementType());
    if (value.getType() != resultType)
      value = tensor::CastOp::create(b, loc, resultType, value);
    return value;
  }

  /// Elementwise conversion of an f32 tensor to `elementType`.
  Value convertElements(Value value, Type elementType) {
    return convertTensorElements(b, loc, value, elementType);
  }

  /// Lowers wq.dequantize to the logical float weight.
  Value lower(DequantizeOp op) {
    if (weight.getFlatGroups())
      return lowerFlat(op);
    int64_t k = weight.getK();
    int64_t groupSize = weight.getEffectiveGroupSize();
    int64_t groups = weight.getNumGroups();
    int64_t groupBytes = weight.getBytesPerGroup();
    unsigned nb = numBatch, numDims = nb + 4;
    // Iteration space (batch?, n, g, byte, slot), all parallel.
    SmallVector<unsigned> lead = range(0, nb + 2); // batch?, n, g
    SmallVector<Value> inputs = {op.getPacked(), op.getScales()};
    SmallVector<AffineMap> maps = {map(numDims, range(0, nb + 3)),
                                   map(numDims, lead)};
    Value zeroPoints = op.getZeroPoints(), offsets = op.getOffsets();
    if (zeroPoints) {
      inputs.push_back(zeroPoints);
      maps.push_back(map(numDims, lead));
    }
    if (offsets) {
      inputs.push_back(offsets);
      maps.push_back(map(numDims, lead));
    }
    maps.push_back(b.getMultiDimIdentityMap(numDims));
    SmallVector<OpFoldResult> sizes;
    for (int64_t size : weight.getBatchShape())
      sizes.push_back(b.getIndexAttr(size));
    for (int64_t size : {weight.getN(), groups, groupBytes,
                         static_cast<int64_t>(elementsPerByte)})
      sizes.push_back(b.getIndexAttr(size));
    Value init = tensor::EmptyOp::create(b, loc, sizes, f32);
    SmallVector<IteratorType> iterators(numDims, IteratorType::parallel);
    Value w = linalg::GenericOp::create(
                  b, loc, init.getType(), inputs, ValueRange{init}, maps,
                  iterators,
                  [&](OpBuilder &nbld, Location nloc, ValueRange args) {
                    OpBuilder::InsertionGuard guard(b);
                    b.setInsertionPoint(nbld.getInsertionBlock(),
                                        nbld.getInsertionPoint());
                    Value slot = linalg::IndexOp::create(b, nloc, nb + 3);
                    GroupArgs group =
                        groupArgs(args, 1, bool(zeroPoints), bool(offsets));
                    linalg::YieldOp::create(
                        b, nloc,
                        decode(args[0], slot, group.scale, group.zero,
                               group.offset));
                  })
                  .getResult(0);
    // [.., N, G, Bg, epb] -> [.., N, K].
    w = mergeLastDims(w, 2);
    w = sliceLastDim(w, groupSize);
    w = mergeLastDims(w, 2);
    w = sliceLastDim(w, k);

    if (Value perm = op.getPerm())
      w = gatherLastDim(w, inversePermutation(perm));
    if (Value inputScales = op.getInputScales())
      w = divideLastDim(w, inputScales);
    if (Value channels = op.getOutlierChannels())
      w = addOutlierColumns(w, channels, op.getOutlierWeights());
    return toResultType(w, op.getResult().getType());
  }

  /// inverse[perm[j]] = j, computed with a loop at run time.
  Value inversePermutation(Value perm) {
    auto type = cast<RankedTensorType>(perm.getType());
    int64_t size = type.getDimSize(0);
    Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                         type.getElementType());
    Value lb = arith::ConstantIndexOp::create(b, loc, 0);
    Value ub = arith::ConstantIndexOp::create(b, loc, size);
    Value step = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(
        b, loc, lb, ub, step, ValueRange{init},
        [&](OpBuilder &lb2, Location nloc, Value j, ValueRange iterArgs) {
          Value target = arith::IndexCastOp::create(
              lb2, nloc, lb2.getIndexType(),
              tensor::ExtractOp::create(lb2, nloc, perm, ValueRange{j}));
          Value jI32 = arith::IndexCastOp::create(lb2, nloc,
                                                  type.getElementType(), j);
          Value next = tensor::InsertOp::create(lb2, nloc, jI32, iterArgs[0],
                                                ValueRange{target});
          scf::YieldOp::create(lb2, nloc, next);
        });
    return loop.getResult(0);
  }

  /// w[n, channels[o]] += extra[n, o].
  Value addOutlierColumns(Value w, Value channels, Value extra) {
    auto extraType = cast<RankedTensorType>(extra.getType());
    Value lb = arith::ConstantIndexOp::create(b, loc, 0);
    Value step = arith::ConstantIndexOp::create(b, loc, 1);
    Value numRows = arith::ConstantIndexOp::create(b, loc, extraType.getDimSize(0));
    Value numOutliers =
        arith::ConstantIndexOp::create(b, loc, extraType.getDimSize(1));
    auto outer = scf::ForOp::create(
        b, loc, lb, numOutliers, step, ValueRange{w},
        [&](OpBuilder &ob, Location oloc, Value o, ValueRange outerArgs) {
          Value column = arith::IndexCastOp::create(
              ob, oloc, ob.getIndexType(),
              tensor::ExtractOp::create(ob, oloc, channels, ValueRange{o}));
          auto inner = scf::ForOp::create(
              ob, oloc, lb, numRows, step, ValueRange{outerArgs[0]},
              [&](OpBuilder &ib, Location iloc, Value row, ValueRange args) {
                Value current = tensor::ExtractOp::create(
                    ib, iloc, args[0], ValueRange{row, column});
                Value delta = tensor::ExtractOp::create(ib, iloc, extra,
                                                        ValueRange{row, o});
                if (delta.getType() != f32)
                  delta = arith::ExtFOp::create(ib, iloc, f32, delta);
                Value sum = arith::AddFOp::create(ib, iloc, current, delta);
                scf::YieldOp::create(
                    ib, iloc,
                    tensor::InsertOp::create(ib, iloc, sum, args[0],
                                             ValueRange{row, column})
                        .getResult());
              });
          scf::YieldOp::create(ob, oloc, inner.getResult(0));
        });
    return outer.getResult(0);
  }

private:
  OpBuilder &b;
  Location loc;
  QuantizedWeightAttr weight;
  MLIRContext *ctx;
  Type f32;
  unsigned numBatch;
  unsigned bits;
  unsigned elementsPerByte;
};

/// Lowers a wq op carrying a quantized weight (wq.matmul, wq.dequantize).
template <typename OpTy>
struct LowerQuantizedOpPattern : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (8 % op.getWeight().getBits() != 0)
      return rewriter.notifyMatchFailure(op, "storage width must divide 8");
    if (op.getWeight().getLayout().getKind() != LayoutKind::row_major)
      return rewriter.notifyMatchFailure(op, "a GPU tile layout");
    WeightLowering lowering(rewriter, op.getLoc(), op.getWeight());
    rewriter.replaceOp(op, lowering.lower(op));
    return success();
  }
};

/// wq.rms_norm as a row reduction (sum of squares, reassociable so that it
/// vectorizes) into a fresh accumulator, the inverse roots, and one
/// element-wise scaling; with a residual, an element-wise add first.
struct LowerRmsNormPattern : public OpRewritePattern<RmsNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RmsNormOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getInput(), w = op.getWeight();
    auto type = op.getInput().getType();
    Type element = type.getElementType();
    auto floatType = cast<FloatType>(element);
    MLIRContext *ctx = b.getContext();
    auto rows = AffineMap::getMultiDimIdentityMap(2, ctx);
    if (Value residual = op.getResidual()) {
      x = linalg::GenericOp::create(
              b, loc, type, ValueRange{x, residual},
              ValueRange{tensor::EmptyOp::create(
                  b, loc, tensor::getMixedSizes(b, loc, x), element)},
              ArrayRef<AffineMap>{rows, rows, rows},
              ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                            utils::IteratorType::parallel},
              [&](OpBuilder &bb, Location l, ValueRange a) {
                linalg::YieldOp::create(
                    bb, l, ValueRange{arith::AddFOp::create(bb, l, a[0], a[1])});
              })
              .getResult(0);
    }
    SmallVector<OpFoldResult> rowSizes = {tensor::getMixedSize(b, loc, x, 0)};
    Value sums = linalg::FillOp::create(
                     b, loc,
                     ValueRange{arith::ConstantOp::create(
                         b, loc, b.getFloatAttr(element, 0.0))},
                     ValueRange{tensor::EmptyOp::create(b, loc, rowSizes,
                                                        element)})
                     .getResult(0);
    auto rowOnly = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
    auto featureOnly = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
    auto flags = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    sums = linalg::GenericOp::create(
               b, loc, sums.getType(), ValueRange{x}, ValueRange{sums},
               ArrayRef<AffineMap>{rows, rowOnly},
               ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                             utils::IteratorType::reduction},
               [&](OpBuilder &bb, Location l, ValueRange a) {
                 Value square = arith::MulFOp::create(bb, l, a[0], a[0], flags);
                 linalg::YieldOp::create(
                     bb, l,
                     ValueRange{arith::AddFOp::create(bb, l, a[1], square,
                                                      flags)});
               })
               .getResult(0);
    Value count;
    if (type.isDynamicDim(1)) {
      Value features = arith::IndexCastUIOp::create(
          b, loc, b.getI64Type(), tensor::DimOp::create(b, loc, x, 1));
      count = arith::UIToFPOp::create(b, loc, floatType, features);
    } else {
      count = arith::ConstantOp::create(
          b, loc, b.getFloatAttr(element, double(type.getDimSize(1))));
    }
    Value epsilon = arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(element, op.getEpsilon().convertToDouble()));
    Value one =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(element, 1.0));
    // The inverse root once per row (the GPU pipeline's element-wise fusion
    // moves it into the scaling).
    auto vector = AffineMap::getMultiDimIdentityMap(1, ctx);
    Value inverses =
        linalg::GenericOp::create(
            b, loc, sums.getType(), ValueRange{sums},
            ValueRange{tensor::EmptyOp::create(b, loc, rowSizes, element)},
            ArrayRef<AffineMap>{vector, vector},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
            [&](OpBuilder &bb, Location l, ValueRange a) {
              Value mean = arith::DivFOp::create(bb, l, a[0], count);
              Value root = math::SqrtOp::create(
                  bb, l, arith::AddFOp::create(bb, l, mean, epsilon));
              linalg::YieldOp::create(
                  bb, l, ValueRange{arith::DivFOp::create(bb, l, one, root)});
            })
            .getResult(0);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    Value y = linalg::GenericOp::create(
                  b, loc, type, ValueRange{x, inverses, w},
                  ValueRange{tensor::EmptyOp::create(b, loc, sizes, element)},
                  ArrayRef<AffineMap>{rows, rowOnly, featureOnly, rows},
                  ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                                utils::IteratorType::parallel},
                  [&](OpBuilder &bb, Location l, ValueRange a) {
                    Value scaled = arith::MulFOp::create(bb, l, a[1], a[0]);
                    linalg::YieldOp::create(
                        bb, l,
                        ValueRange{arith::MulFOp::create(bb, l, a[2], scaled)});
                  })
                  .getResult(0);
    if (op.getResidual())
      b.replaceOp(op, ValueRange{y, x});
    else
      b.replaceOp(op, y);
    return success();
  }
};

struct WQLowerToLinalgPass
    : public mlir::wq::impl::WQLowerToLinalgPassBase<WQLowerToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    WalkResult checked = getOperation()->walk([](Operation *op) {
      return failed(checkLowerableToLinalg(op)) ? WalkResult::interrupt()
                                                : WalkResult::advance();
    });
    if (checked.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateWQToLinalgPatterns(patterns);
    if (failed(applyPatternsToExistingOps(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

MatmulOp mlir::wq::splitSideInputs(RewriterBase &b, MatmulOp op) {
  if (!op.getPerm() && !op.getInputScales() && !op.getOutlierChannels())
    return op;
  WeightLowering lowering(b, op.getLoc(), op.getWeight());
  MatmulOp plain;
  b.replaceOp(op, lowering.splitSideInputs(op, &plain));
  // Whatever replaces `plain` goes before the outlier term that uses it.
  b.setInsertionPoint(plain);
  return plain;
}

LogicalResult mlir::wq::checkLowerableToLinalg(Operation *op) {
  if (isa<QuantizeOp>(op))
    return op->emitOpError(
        "has a non-constant input and cannot be lowered: wq quantizes weights "
        "at compile time (a wq.quantize of a finite constant folds away)");
  QuantizedWeightAttr weight;
  if (auto matmul = dyn_cast<MatmulOp>(op))
    weight = matmul.getWeight();
  else if (auto dequantize = dyn_cast<DequantizeOp>(op))
    weight = dequantize.getWeight();
  else
    return success();
  if (weight.getLayout().getKind() != LayoutKind::row_major)
    return op->emitOpError()
           << "cannot be lowered: layout "
           << stringifyLayoutKind(weight.getLayout().getKind())
           << " is read only by the GPU decode kernel "
              "(wq-lower-to-gpu-decode); the CPU lowering reads row_major";
  if (8 % weight.getBits() != 0)
    return op->emitOpError() << "cannot be lowered: " << weight.getBits()
                             << "-bit storage straddles bytes; the CPU "
                                "lowering supports 2, 4 and 8 bits";
  return success();
}

void mlir::wq::populateWQToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerQuantizedOpPattern<MatmulOp>,
               LowerQuantizedOpPattern<DequantizeOp>, LowerRmsNormPattern>(
      patterns.getContext());
  populateAttentionToLinalgPatterns(patterns);
}
