//===- PackLayout.cpp - wq-pack-layout ------------------------------------===//
//
// Re-tiles constant packed weights into the order a GPU kernel reads them
// (the `mma_tiles` layout of the tensor-core decode schedule), so the kernel
// needs one 128-bit load per lane and step and no shuffles of weights.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/IR/WeightConstants.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "llvm/ADT/MapVector.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQPACKLAYOUTPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// The weight operands of `op` if a tensor-core kernel can run it and they
/// are all constants (their bytes are re-tiled at compile time).
std::optional<ConstantWeightOperands> eligibleWeight(MatmulOp op) {
  if (op.getWeight().getLayout().getKind() != LayoutKind::row_major ||
      checkMmaTileWeight(op))
    return std::nullopt;
  return matchConstantWeightOperands(op);
}

/// The re-tiled constants of one weight, shared by every matmul reading it.
struct TiledWeight {
  QuantizedWeightAttr weight;
  DenseElementsAttr packed, scales, zeros, offsets;
};

/// Re-tiles `w` (the operands of `op`); nullopt if a constant is unreadable.
std::optional<TiledWeight> retile(MatmulOp op,
                                  const ConstantWeightOperands &w) {
  QuantizedWeightAttr weight = op.getWeight();
  std::vector<uint8_t> rowMajor, zeros;
  std::vector<float> scales, offsets;
  if (readByteElements(w.packed, rowMajor) ||
      readFloatElements(w.scales, scales) ||
      (w.zeroPoints && readByteElements(w.zeroPoints, zeros)) ||
      (w.offsets && readFloatElements(w.offsets, offsets)))
    return std::nullopt;
  MLIRContext *context = op.getContext();
  TiledWeight tiled;
  tiled.weight = QuantizedWeightAttr::get(
      context, weight.getShape(), weight.getBits(), weight.getIsSigned(),
      weight.getGroupSize(), weight.getScaleType(), weight.getZeroPoints(),
      weight.getOffsets(), weight.getPermuted(), weight.getNumOutliers(),
      weight.getInputScaled(), weight.getFlatGroups(),
      LayoutAttr::get(context, LayoutKind::mma_tiles));
  auto bytesAttr = [](RankedTensorType type, ArrayRef<uint8_t> bytes) {
    return DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                             bytes.size()));
  };
  tiled.packed = bytesAttr(tiled.weight.getPackedType(),
                           packedInLayout(tiled.weight, rowMajor));
  tiled.scales =
      buildScalesAttr(tiled.weight.getScalesType(),
                      groupsInLayout(tiled.weight, ArrayRef<float>(scales)));
  if (w.zeroPoints)
    tiled.zeros =
        bytesAttr(tiled.weight.getZeroPointsType(),
                  groupsInLayout(tiled.weight, ArrayRef<uint8_t>(zeros)));
  // Offsets are re-tiled exactly as the scales (same type and layout).
  if (w.offsets)
    tiled.offsets = buildScalesAttr(
        tiled.weight.getOffsetsType(),
        groupsInLayout(tiled.weight, ArrayRef<float>(offsets)));
  return tiled;
}

/// Points `op` at the re-tiled constants (new constant ops before it; equal
/// attributes are one copy in the module).
void useTiled(MatmulOp op, const TiledWeight &tiled) {
  OpBuilder b(op);
  auto constant = [&](Value old, DenseElementsAttr attr) -> Value {
    return arith::ConstantOp::create(b, old.getLoc(), attr);
  };
  Value packed = constant(op.getPacked(), tiled.packed);
  Value scales = constant(op.getScales(), tiled.scales);
  Value zeros = tiled.zeros ? constant(op.getZeroPoints(), tiled.zeros)
                            : Value();
  Value offsets =
      tiled.offsets ? constant(op.getOffsets(), tiled.offsets) : Value();
  op.getPackedMutable().assign(packed);
  op.getScalesMutable().assign(scales);
  if (zeros)
    op.getZeroPointsMutable().assign(zeros);
  if (offsets)
    op.getOffsetsMutable().assign(offsets);
  op.setWeightAttr(tiled.weight);
}

struct WQPackLayoutPass
    : public mlir::wq::impl::WQPackLayoutPassBase<WQPackLayoutPass> {
  using Base::Base;
  void runOnOperation() override {
    if (layout != "mma_tiles") {
      getOperation()->emitError()
          << "wq-pack-layout: unknown layout '" << layout
          << "' (supported: mma_tiles)";
      return signalPassFailure();
    }
    // Every matmul of one packed weight (a model's forward pass and decode
    // step read the same constant) shares one re-tiled copy, made once; a
    // weight with any other reader (a token lookup of a tied classifier,
    // a matmul no tensor-core kernel runs) keeps row_major for all, so that
    // the module holds one copy of its bytes.
    struct Reader {
      MatmulOp op;
      ConstantWeightOperands operands;
    };
    llvm::MapVector<Attribute, SmallVector<Reader>> matmulsOf;
    getOperation()->walk([&](MatmulOp op) {
      if (std::optional<ConstantWeightOperands> w = eligibleWeight(op))
        matmulsOf[w->packed].push_back({op, *w});
    });
    DenseMap<Attribute, int64_t> usesOf;
    getOperation()->walk([&](arith::ConstantOp constant) {
      auto it = matmulsOf.find(constant.getValue());
      if (it != matmulsOf.end())
        usesOf[it->first] += llvm::range_size(constant->getUses());
    });
    for (auto &[packed, readers] : matmulsOf) {
      // Every use of the bytes is one of these matmuls' packed operand, all
      // with the same scheme and constants (and so one re-tiled copy).
      Reader &first = readers.front();
      if (usesOf[packed] != int64_t(readers.size()) ||
          llvm::any_of(readers, [&](Reader &reader) {
            return reader.op.getWeight() != first.op.getWeight() ||
                   !(reader.operands == first.operands);
          }))
        continue;
      std::optional<TiledWeight> tiled = retile(first.op, first.operands);
      if (!tiled)
        continue;
      for (Reader &reader : readers)
        useTiled(reader.op, *tiled);
    }
  }
};

} // namespace
