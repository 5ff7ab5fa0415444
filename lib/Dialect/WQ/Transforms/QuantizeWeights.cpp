//===- QuantizeWeights.cpp - wq-quantize-weights --------------------------===//
//
// Rewrites linalg matmul-like ops with constant weights into wq.matmul with
// packed constants computed by the numerics library.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/IR/WeightConstants.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"
#include "wq/Formats/Checkpoint.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

#define DEBUG_TYPE "wq-quantize-weights"

namespace mlir::wq {
#define GEN_PASS_DEF_WQQUANTIZEWEIGHTSPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// True if `init` is known to be all zeros (or undefined), so that the
/// matmul's accumulation into it can be dropped.
static bool isZeroInit(Value init) {
  if (init.getDefiningOp<tensor::EmptyOp>())
    return true;
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.value(), m_AnyZeroFloat());
  return matchPattern(init, m_AnyZeroFloat());
}

/// Transposes the two innermost dims of a row-major [.., R, C] buffer.
static std::vector<float> transposeInner(ArrayRef<float> values,
                                         ArrayRef<int64_t> shape) {
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  int64_t batch = static_cast<int64_t>(values.size()) / (rows * cols);
  std::vector<float> result(values.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        result[b * rows * cols + c * rows + r] =
            values[b * rows * cols + r * cols + c];
  return result;
}

struct WQQuantizeWeightsPass
    : public mlir::wq::impl::WQQuantizeWeightsPassBase<WQQuantizeWeightsPass> {
  using Base::Base;
  // Reads the recipe options (protected in the generated base) by name.
  friend numerics::RecipeSpec
  numerics::recipeSpecOf<WQQuantizeWeightsPass>(const WQQuantizeWeightsPass &,
                                                unsigned);

  LogicalResult initialize(MLIRContext *ctx) override {
    auto fail = [&](const Twine &message) {
      emitError(UnknownLoc::get(ctx)) << "wq-quantize-weights: " << message;
      return failure();
    };
    numerics::RecipeSpec spec = numerics::recipeSpecOf(*this, bits);
    if (auto error = numerics::buildRecipe(spec, recipe))
      return fail(*error);
    if ((recipe.method == numerics::QuantMethod::Gptq ||
         recipe.method == numerics::QuantMethod::Awq) &&
        calibration.empty())
      return fail("method=" + method +
                  " needs calibration=<statistics.safetensors>");
    calibrationFile.reset();
    if (!calibration.empty()) {
      llvm::Expected<wq_formats::SafetensorsFile> file =
          wq_formats::SafetensorsFile::open(calibration);
      if (!file)
        return fail(llvm::toString(file.takeError()));
      calibrationFile = std::make_shared<wq_formats::SafetensorsFile>(
          std::move(*file));
    }
    selectedOps.clear();
    for (const std::string &name : ops) {
      if (!llvm::is_contained(linearOpNames(), StringRef(name)))
        return fail("unknown op kind '" + name +
                    "' in ops= (supported: linalg.matmul, linalg.batch_matmul, "
                    "linalg.matvec, linalg.vecmat)");
      selectedOps.insert(name);
    }
    if (selectedOps.empty())
      for (StringRef name : linearOpNames())
        selectedOps.insert(name);
    return success();
  }

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (selectedOps.contains(op->getName().getStringRef()) &&
          !op->hasAttr("wq.skip"))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates)
      if (failed(quantizeOp(rewriter, op)))
        return signalPassFailure();
    if (!embeddings)
      return;
    SmallVector<Operation *> lookups;
    getOperation()->walk([&](Operation *op) {
      if (isa<tensor::ExtractSliceOp, linalg::GenericOp>(op) &&
          !op->hasAttr("wq.skip"))
        lookups.push_back(op);
    });
    for (Operation *op : lookups)
      if (failed(quantizeLookup(rewriter, op)))
        return signalPassFailure();
  }

  /// A row lookup of a constant float table [V, D] (a token embedding):
  /// `tensor.extract_slice %table[%i, 0] [1, D] [1, 1]` (f32 result), or a
  /// row gather (buildRowGather's form, static row count). The table is
  /// stored quantized (RTN with the pass's scheme, one group layout per row)
  /// and only the rows read are dequantized, by `wq.dequantize` of their
  /// packed bytes, scales and zero points.
  LogicalResult quantizeLookup(IRRewriter &rewriter, Operation *op) {
    Value source;
    auto slice = dyn_cast<tensor::ExtractSliceOp>(op);
    if (slice) {
      source = slice.getSource();
    } else {
      FailureOr<RowGather> gather =
          matchRowGather(cast<linalg::GenericOp>(op));
      if (failed(gather) ||
          cast<RankedTensorType>(gather->ids.getType()).isDynamicDim(0))
        return success();
      source = gather->source;
    }
    ElementsAttr tableAttr;
    if (!matchPattern(source, m_Constant(&tableAttr)))
      return success();
    auto tableType = dyn_cast<RankedTensorType>(tableAttr.getType());
    if (!tableType || tableType.getRank() != 2 ||
        !tableType.hasStaticShape() ||
        !isa<FloatType>(tableType.getElementType()) ||
        tableType.getNumElements() < minElements)
      return success();
    const int64_t rows = tableType.getDimSize(0), dim = tableType.getDimSize(1);
    if (slice) {
      SmallVector<OpFoldResult> offsets = slice.getMixedOffsets(),
                                sizes = slice.getMixedSizes(),
                                strides = slice.getMixedStrides();
      if (getConstantIntValue(offsets[1]) != 0 ||
          getConstantIntValue(sizes[0]) != 1 ||
          getConstantIntValue(sizes[1]) != dim ||
          getConstantIntValue(strides[0]) != 1 ||
          getConstantIntValue(strides[1]) != 1)
        return success(); // Not a whole-row lookup.
      auto resultType = cast<RankedTensorType>(slice.getResult().getType());
      if (!resultType.getElementType().isF32())
        return success();
    }

    std::vector<float> values;
    if (auto error = readFloatElements(tableAttr, values))
      return op->emitError() << "cannot read the table constant: " << *error;
    MLIRContext *ctx = op->getContext();
    QuantizedWeightAttr table = rtnWeightAttr(ctx, {rows, dim});
    QuantizedWeightConstants constants;
    if (auto error = quantizeToConstants(table, values, constants))
      return op->emitError() << "cannot quantize the table read here: "
                             << *error;

    if (slice)
      replaceTableLookup(rewriter, slice, table, constants);
    else
      replaceRowGather(rewriter, cast<linalg::GenericOp>(op), table,
                       constants);
    return success();
  }

  LogicalResult quantizeOp(IRRewriter &rewriter, linalg::LinalgOp op) {
    FailureOr<LinearOpMatch> match = matchLinearOp(op);
    if (failed(match))
      return success(); // Leave unsupported forms in full precision.
    ElementsAttr weightAttr;
    if (!matchPattern(match->weight, m_Constant(&weightAttr)))
      return success(); // Only constant weights are quantized.
    auto weightType = dyn_cast<RankedTensorType>(weightAttr.getType());
    Type resultType = op->getResult(0).getType();
    if (!weightType || !weightType.hasStaticShape() ||
        !isa<FloatType>(weightType.getElementType()) ||
        !isActivationElementType(
            getElementTypeOrSelf(match->activation.getType())) ||
        !isActivationElementType(getElementTypeOrSelf(resultType)))
      return success(); // (f64 activations stay float: wq.matmul has none)
    // (An empty weight has nothing to quantize.)
    if (weightType.getNumElements() < std::max<int64_t>(minElements, 1))
      return success();

    std::vector<float> values;
    if (auto error = readFloatElements(weightAttr, values))
      return op->emitError() << "cannot read the weight constant: " << *error;
    SmallVector<int64_t> shape(weightType.getShape());
    if (match->transposed) {
      values = transposeInner(values, shape);
      std::swap(shape[shape.size() - 1], shape[shape.size() - 2]);
    }

    MLIRContext *ctx = op->getContext();
    QuantizedWeightAttr weight;
    QuantizedWeightConstants constants;
    if (shape.size() == 2) {
      // One path for every method: numerics::quantizeLinear.
      std::string name = getWeightName(op, match->weight);
      std::optional<numerics::LinearCalibration> stats;
      if (calibrationFile && !name.empty()) {
        llvm::Expected<std::optional<numerics::LinearCalibration>> loaded =
            wq_formats::loadLinearCalibration(*calibrationFile, name,
                                              shape.back());
        if (!loaded)
          return op->emitError() << llvm::toString(loaded.takeError());
        stats = std::move(*loaded);
      }
      bool calibrated = recipe.method == numerics::QuantMethod::Gptq ||
                        recipe.method == numerics::QuantMethod::Awq;
      if (calibrated && !stats)
        return op->emitError()
               << "no calibration statistics for "
               << (name.empty() ? std::string("this weight (give the op a "
                                              "wq.name attribute)")
                                : "weight '" + name + "'")
               << " in '" << calibration << "'";
      numerics::QuantizedLinear linear;
      std::string notes;
      if (auto error = numerics::quantizeLinear(
              name, values.data(), shape[0], shape[1], recipe,
              stats ? &*stats : nullptr, linear, &notes))
        return op->emitError() << "cannot quantize the weight of this op: "
                               << *error;
      if (calibrated || outlierFraction > 0)
        llvm::errs() << llvm::formatv(
            "wq-quantize-weights: {0} [{1}x{2}] {3}\n",
            name.empty() ? std::string("(unnamed)") : name, shape[0], shape[1],
            method);
      if (!notes.empty())
        llvm::errs() << "wq-quantize-weights: note: " << notes;
      weight = getQuantizedWeightAttr(ctx, linear);
      constants = linearToConstants(weight, linear);
    } else {
      if (recipe.method != numerics::QuantMethod::Rtn || outlierFraction > 0)
        return op->emitError() << "method=" << method
                               << " (and outliers) apply to 2-D weights; this "
                                  "op has a batched weight";
      weight = rtnWeightAttr(ctx, shape);
      if (auto error = quantizeToConstants(weight, values, constants))
        return op->emitError() << "cannot quantize the weight of this op: "
                               << *error;
    }

    Location loc = op->getLoc();
    rewriter.setInsertionPoint(op);
    Value packed = arith::ConstantOp::create(rewriter, loc, constants.packed);
    Value scales = arith::ConstantOp::create(rewriter, loc, constants.scales);
    auto optionalConstant = [&](DenseElementsAttr attr) -> Value {
      return attr ? Value(arith::ConstantOp::create(rewriter, loc, attr))
                  : Value();
    };
    Value zeros = optionalConstant(constants.zeroPoints);
    Value perm = optionalConstant(constants.perm);
    Value outlierChannels = optionalConstant(constants.outlierChannels);
    Value outlierWeights = optionalConstant(constants.outlierWeights);
    Value inputScales = optionalConstant(constants.inputScales);
    // The weight fixes K: give a dynamic reduction dim its static size.
    Value activation = match->activation;
    auto activationType = cast<RankedTensorType>(activation.getType());
    if (activationType.isDynamicDim(activationType.getRank() - 1)) {
      SmallVector<int64_t> staticShape(activationType.getShape());
      staticShape.back() = weight.getK();
      activation = tensor::CastOp::create(
          rewriter, loc,
          RankedTensorType::get(staticShape, activationType.getElementType()),
          activation);
    }
    Value result = MatmulOp::create(rewriter, loc, resultType, activation,
                                    packed, scales, zeros, perm,
                                    outlierChannels, outlierWeights,
                                    inputScales, weight);
    Value init = op.getDpsInitOperand(0)->get();
    if (!isZeroInit(init))
      result = linalg::AddOp::create(rewriter, loc, TypeRange{resultType},
                                     ValueRange{result, init}, ValueRange{init})
                   ->getResult(0);
    Operation *weightOp = match->weight.getDefiningOp();
    rewriter.replaceOp(op, result);
    if (weightOp && weightOp->use_empty())
      rewriter.eraseOp(weightOp);
    return success();
  }

  /// The attribute of an RTN-quantized weight of `shape` ([batch..., N, K])
  /// under the options; a group larger than a row is one group per row.
  QuantizedWeightAttr rtnWeightAttr(MLIRContext *ctx,
                                    ArrayRef<int64_t> shape) const {
    int64_t effectiveGroup = groupSize > shape.back() ? 0 : int64_t(groupSize);
    numerics::ScaleType scales = recipe.scheme.scaleType;
    Type scaleElementType =
        scales == numerics::ScaleType::F16    ? Type(Float16Type::get(ctx))
        : scales == numerics::ScaleType::BF16 ? Type(BFloat16Type::get(ctx))
                                              : Type(Float32Type::get(ctx));
    return QuantizedWeightAttr::get(
        ctx, shape, bits, /*isSigned=*/symmetric.getValue(), effectiveGroup,
        scaleElementType, /*zeroPoints=*/!symmetric, /*permuted=*/false,
        /*numOutliers=*/0, /*inputScaled=*/false, /*flatGroups=*/false,
        LayoutAttr::get(ctx, LayoutKind::row_major));
  }

  llvm::StringSet<> selectedOps;
  /// The options as a validated recipe (initialize).
  numerics::LinearQuantOptions recipe;
  std::shared_ptr<wq_formats::SafetensorsFile> calibrationFile;
};

} // namespace

/// `wq.dequantize` to f32 [M, K] of the rows of a quantized table [V, K]
/// that `rowsOf` selects from each of its constants ([V, ...] -> [M, ...]).
static Value dequantizeRows(RewriterBase &rewriter, Location loc,
                            QuantizedWeightAttr table,
                            const QuantizedWeightConstants &constants,
                            int64_t numRows,
                            function_ref<Value(Value)> rowsOf) {
  MLIRContext *ctx = rewriter.getContext();
  const int64_t dim = table.getK();
  auto rows = [&](ElementsAttr attr) -> Value {
    if (!attr)
      return Value();
    return rowsOf(arith::ConstantOp::create(rewriter, loc, attr));
  };
  // The rows read, in the table's scheme.
  auto rowsWeight = QuantizedWeightAttr::get(
      ctx, {numRows, dim}, table.getBits(), table.getIsSigned(),
      table.getGroupSize(), table.getScaleType(), table.getZeroPoints(),
      table.getOffsets(), /*permuted=*/false, /*numOutliers=*/0,
      /*inputScaled=*/false, /*flatGroups=*/false, table.getLayout());
  return DequantizeOp::create(
      rewriter, loc,
      RankedTensorType::get({numRows, dim}, rewriter.getF32Type()),
      rows(constants.packed), rows(constants.scales),
      rows(constants.zeroPoints), rows(constants.offsets), Value(), Value(),
      Value(), Value(), rowsWeight);
}

/// Replaces `op` by `result` and erases the table constant it read if that
/// was its last use.
static void replaceLookup(RewriterBase &rewriter, Operation *op, Value table,
                          Value result) {
  Operation *tableOp = table.getDefiningOp();
  rewriter.replaceOp(op, result);
  if (tableOp && tableOp->use_empty())
    rewriter.eraseOp(tableOp);
}

void mlir::wq::replaceTableLookup(RewriterBase &rewriter,
                                  tensor::ExtractSliceOp op,
                                  QuantizedWeightAttr table,
                                  const QuantizedWeightConstants &constants) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  rewriter.setInsertionPoint(op);
  Value row =
      getValueOrCreateConstantIndexOp(rewriter, loc, op.getMixedOffsets()[0]);
  // Slices one row of a [V, ...] constant, keeping the leading 1.
  auto rowOf = [&](Value all) -> Value {
    auto type = cast<RankedTensorType>(all.getType());
    SmallVector<OpFoldResult> rowOffsets(type.getRank(),
                                         rewriter.getIndexAttr(0));
    rowOffsets[0] = row;
    SmallVector<OpFoldResult> rowSizes;
    rowSizes.push_back(rewriter.getIndexAttr(1));
    for (int64_t d : type.getShape().drop_front())
      rowSizes.push_back(rewriter.getIndexAttr(d));
    SmallVector<OpFoldResult> unit(type.getRank(), rewriter.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(rewriter, loc, all, rowOffsets,
                                          rowSizes, unit);
  };
  Value result = dequantizeRows(rewriter, loc, table, constants, 1, rowOf);
  if (resultType.getRank() == 1)
    result = tensor::CollapseShapeOp::create(
        rewriter, loc, resultType, result,
        SmallVector<ReassociationIndices>{{0, 1}});
  replaceLookup(rewriter, op, op.getSource(), result);
}

Value mlir::wq::buildRowGather(OpBuilder &b, Location loc, Value source,
                               Value ids, Type resultType) {
  auto sourceType = cast<RankedTensorType>(source.getType());
  auto idsType = cast<RankedTensorType>(ids.getType());
  const unsigned rank = unsigned(sourceType.getRank());
  Type element = resultType ? resultType : sourceType.getElementType();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, source);
  sizes[0] = idsType.isDynamicDim(0)
                 ? OpFoldResult(tensor::DimOp::create(b, loc, ids, 0))
                 : OpFoldResult(b.getIndexAttr(idsType.getDimSize(0)));
  Value init = tensor::EmptyOp::create(b, loc, sizes, element);
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, {getAffineDimExpr(0, ctx)}, ctx),
      AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{ids},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &bb, Location, ValueRange args) {
               SmallVector<Value> indices = {arith::IndexCastOp::create(
                   bb, loc, bb.getIndexType(), args[0])};
               for (unsigned d = 1; d < rank; ++d)
                 indices.push_back(linalg::IndexOp::create(bb, loc, d));
               Value value =
                   tensor::ExtractOp::create(bb, loc, source, indices);
               if (value.getType() != element)
                 value = arith::ExtFOp::create(bb, loc, element, value);
               linalg::YieldOp::create(bb, loc, value);
             })
      .getResult(0);
}

FailureOr<RowGather> mlir::wq::matchRowGather(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != 2 || op.getNumReductionLoops() != 0)
    return failure();
  Value ids = op.getDpsInputs()[0];
  auto idsType = dyn_cast<RankedTensorType>(ids.getType());
  auto resultType = dyn_cast<RankedTensorType>(op.getResult(0).getType());
  if (!idsType || idsType.getRank() != 1 ||
      !idsType.getElementType().isInteger(32) || !resultType ||
      !resultType.getElementType().isF32())
    return failure();
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[0] != AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx) ||
      !maps[1].isIdentity())
    return failure();
  // The body: index_cast(id), linalg.index 1, tensor.extract, [extf], yield.
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Value yielded = yield.getValues()[0];
  if (auto ext = yielded.getDefiningOp<arith::ExtFOp>())
    yielded = ext.getIn();
  auto extract = yielded.getDefiningOp<tensor::ExtractOp>();
  if (!extract || extract->getBlock() != &body ||
      extract.getIndices().size() != 2)
    return failure();
  auto cast = extract.getIndices()[0].getDefiningOp<arith::IndexCastOp>();
  auto column = extract.getIndices()[1].getDefiningOp<linalg::IndexOp>();
  if (!cast || cast.getIn() != body.getArgument(0) || !column ||
      column.getDim() != 1)
    return failure();
  // Nothing else in the body.
  if (std::distance(body.begin(), body.end()) !=
      (yield.getValues()[0] == yielded ? 4 : 5))
    return failure();
  return RowGather{extract.getTensor(), ids};
}

void mlir::wq::replaceRowGather(RewriterBase &rewriter, linalg::GenericOp op,
                                QuantizedWeightAttr table,
                                const QuantizedWeightConstants &constants) {
  RowGather gather = *matchRowGather(op);
  rewriter.setInsertionPoint(op);
  const int64_t numRows =
      cast<RankedTensorType>(gather.ids.getType()).getDimSize(0);
  Value result = dequantizeRows(
      rewriter, op.getLoc(), table, constants, numRows, [&](Value all) {
        return buildRowGather(rewriter, op.getLoc(), all, gather.ids);
      });
  replaceLookup(rewriter, op, gather.source, result);
}
