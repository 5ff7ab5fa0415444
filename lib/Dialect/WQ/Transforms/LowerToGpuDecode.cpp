//===- LowerToGpuDecode.cpp - wq-lower-to-gpu-decode ----------------------===//
//
// The pass, and its SIMT schedule for row-major weights (the tensor-core
// schedule for mma_tiles weights is in LowerToGpuMma.cpp): one warp per
// output channel (or a few), each lane reading 16 packed bytes (32 int4 or
// 16 int8 weights) per step with one 128-bit load, so a warp reads 512
// consecutive bytes of its row at a time; fields become f32 with the
// magic-number trick (one lop3 per weight: the field ORed into the mantissa
// of 2^23), products accumulate in f32 per activation row (up to 8 per warp;
// more rows go to further blocks along grid y), each chunk's group scale is
// applied once (a group offset m adds m times the chunk's activation sum,
// computed once per chunk and row for all of the warp's channels), and the
// warp reduces with five xor shuffles.
//
//===----------------------------------------------------------------------===//

#include "GpuDecode.h"
#include "wq/Numerics/GpuLayout.h"

#include "llvm/Support/FormatVariadic.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERTOGPUDECODEPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// Packed bytes per lane and step: one 128-bit load.
constexpr int64_t kChunkBytes = 16;
/// Activation rows kept in registers per warp; more rows are split over
/// blocks along grid y, each re-reading the weights (mostly from L2: one
/// matmul's weights are small next to it, or the blocks of one channel run
/// close together).
constexpr int64_t kMaxRowsPerWarp = 8;

/// A tensor the kernel reads in place, a chunk of consecutive columns at a
/// time: rank 2, `source[rowOffset + r, columnOffset + c]`, or rank 1,
/// `source[columnOffset + c]` for every row (an operand broadcast over the
/// rows). A unit-stride tensor.extract_slice is looked through, so that a
/// slice of a fused projection (SwiGLU's halves of gate/up) is read where it
/// lies rather than copied out first.
struct InPlaceRead {
  static InPlaceRead of(Value tensor) {
    InPlaceRead read;
    read.source = tensor;
    auto type = cast<RankedTensorType>(tensor.getType());
    auto slice = tensor.getDefiningOp<tensor::ExtractSliceOp>();
    if (slice && slice.getSourceType().getRank() == type.getRank() &&
        llvm::all_of(slice.getMixedStrides(), isOneInteger)) {
      read.source = slice.getSource();
      read.offsets = slice.getMixedOffsets();
    } else {
      read.offsets.assign(type.getRank(),
                          Builder(tensor.getContext()).getIndexAttr(0));
    }
    return read;
  }

  /// The buffer and offsets, before the launch.
  void materialize(OpBuilder &b, Location loc) {
    buffer = buildReadOnlyBuffer(b, loc, source);
    auto type = cast<RankedTensorType>(source.getType());
    elementBytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
    // A load's first element is 16-byte aligned (or as aligned as its
    // width, a power of two, loads starting at multiples of it) when the
    // column offset and (rank 2) the row length are; otherwise only the
    // element is.
    std::optional<int64_t> column = getConstantIntValue(offsets.back());
    const bool aligned =
        column && *column * elementBytes % 16 == 0 &&
        (type.getRank() == 1 ||
         (!type.isDynamicDim(1) && type.getDimSize(1) * elementBytes % 16 == 0));
    alignment = aligned ? 16 : uint64_t(elementBytes);
    for (OpFoldResult offset : offsets)
      offsetValues.push_back(getValueOrCreateConstantIndexOp(b, loc, offset));
  }

  /// `width` elements from column `column` of row `row` (rank 1: of the
  /// one row every row reads).
  Value loadChunk(OpBuilder &b, Location loc, Value row, Value column,
                  int64_t width) const {
    auto type = cast<MemRefType>(buffer.getType());
    SmallVector<Value> indices;
    if (type.getRank() == 2)
      indices.push_back(arith::AddIOp::create(b, loc, offsetValues[0], row));
    indices.push_back(
        arith::AddIOp::create(b, loc, offsetValues.back(), column));
    // Loads start at multiples of `width` elements of an aligned row.
    return vector::LoadOp::create(
        b, loc, VectorType::get({width}, type.getElementType()), buffer,
        indices, /*nontemporal=*/false,
        llvm::MaybeAlign(
            std::min<uint64_t>(alignment, uint64_t(width * elementBytes))));
  }

  Value source;
  SmallVector<OpFoldResult> offsets;
  Value buffer;
  SmallVector<Value> offsetValues;
  int64_t elementBytes = 0;
  uint64_t alignment = 0;
};

/// Where the kernel's activations come from: the matmul's input as it is,
/// or recomputed from the operands of the op that produces it, which then
/// needs no kernel (and its result no round trip through memory) of its
/// own. A decode step is a chain of small dependent kernels whose launch
/// latency is most of its time, so each producer fused is a launch fewer:
/// - an element-wise linalg.generic (SwiGLU's silu(g) * u): its body, per
///   element, on chunks of its operands (rank 2 operands, or rank 1
///   operands broadcast over the rows);
/// - a f32 wq.rms_norm (with or without a residual): the activations are
///   s = x (+ r) times the norm's weight g, and each row's inverse root is
///   applied to the warp's totals once, since
///   sum_k w_k g_k s_k inv = inv * sum_k w_k g_k s_k; the warp sums s^2
///   as it walks the row, which every warp reads whole. When the norm's
///   residual sum is used later, the warp of channel 0 writes it.
/// Casts between the producer and the matmul are looked through; the
/// producer must have no other user. Every warp recomputes the activations
/// of its rows, so the producer's work is repeated once per warp along N:
/// worthFusing weighs that against the launch it saves.
struct ActivationSource {
  enum class Kind { Input, Elementwise, RmsNorm };

  /// The matmul's input, read as it is.
  static ActivationSource input(MatmulOp op) {
    ActivationSource source;
    source.operands.push_back(InPlaceRead::of(op.getInput()));
    return source;
  }

  static ActivationSource match(MatmulOp op) {
    ActivationSource source;
    Value input = op.getInput();
    SmallVector<tensor::CastOp> casts;
    while (auto cast = input.getDefiningOp<tensor::CastOp>()) {
      if (!input.hasOneUse())
        break;
      casts.push_back(cast);
      input = cast.getSource();
    }
    if (input.hasOneUse()) {
      if (auto generic = input.getDefiningOp<linalg::GenericOp>();
          generic && isFusableElementwise(generic)) {
        source.kind = Kind::Elementwise;
        source.producer = generic;
        for (Value operand : generic.getDpsInputs())
          source.operands.push_back(InPlaceRead::of(operand));
      } else if (auto norm = input.getDefiningOp<RmsNormOp>();
                 norm && norm.getResult() == input &&
                 isFusableNorm(norm, op, source.sumCasts)) {
        source.kind = Kind::RmsNorm;
        source.producer = norm;
        source.operands.push_back(InPlaceRead::of(norm.getInput()));
        source.operands.push_back(InPlaceRead::of(norm.getWeight()));
        if (norm.getResidual())
          source.operands.push_back(InPlaceRead::of(norm.getResidual()));
      }
    }
    if (source.kind == Kind::Input)
      return ActivationSource::input(op);
    source.casts = std::move(casts);
    return source;
  }

  /// Lane instructions the producer spends per activation element, roughly:
  /// transcendental functions, divisions and roots ~8 (range reduction, the
  /// IEEE division's checks), anything else 1; a norm adds (x + r), squares
  /// and sums, and scales by its weight.
  int64_t elementCost() const {
    if (kind == Kind::RmsNorm)
      return cast<RmsNormOp>(producer).getResidual() ? 3 : 2;
    if (kind == Kind::Input)
      return 0;
    int64_t cost = 0;
    for (Operation &bodyOp : cast<linalg::GenericOp>(producer)
                                 .getRegion()
                                 .front()
                                 .without_terminator()) {
      if (isa<arith::ConstantOp>(bodyOp))
        continue;
      const bool expensive =
          bodyOp.getDialect()->getNamespace() == "math" ||
          isa<arith::DivFOp, arith::RemFOp>(bodyOp);
      cost += expensive ? 8 : 1;
    }
    return cost;
  }

  /// Whether taking the producer in costs at most `budget` lane
  /// instructions: it is repeated by each of `warps` warps along N for
  /// every one of the M x K activations (a dynamic M, a prompt's, is never
  /// worth it: the launch saved is nothing next to a prompt's work).
  bool worthFusing(int64_t warps, std::optional<int64_t> rows, int64_t k,
                   int64_t budget) const {
    return kind == Kind::Input ||
           (rows && warps * *rows * k * elementCost() <= budget);
  }

  /// A 2-d all-parallel generic with one result in the identity map, whose
  /// operands are rank 2 (identity map) or rank 1 (columns, broadcast over
  /// rows), whose body reads no iteration index, holds no region and has
  /// no memory effect.
  static bool isFusableElementwise(linalg::GenericOp generic) {
    if (generic.getNumLoops() != 2 || generic.getNumDpsInits() != 1 ||
        generic->getNumResults() != 1 ||
        generic.getNumParallelLoops() != 2 ||
        !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
             .isIdentity() ||
        generic.payloadUsesValueFromOperand(generic.getDpsInitOperand(0)))
      return false;
    MLIRContext *context = generic.getContext();
    AffineMap columns = AffineMap::get(
        2, 0, {getAffineDimExpr(1, context)}, context);
    for (OpOperand *operand : generic.getDpsInputOperands()) {
      AffineMap map = generic.getMatchingIndexingMap(operand);
      auto type = dyn_cast<RankedTensorType>(operand->get().getType());
      if (!type || !type.getElementType().isIntOrFloat() ||
          !(map.isIdentity() || map == columns))
        return false;
    }
    for (Operation &bodyOp :
         generic.getRegion().front().without_terminator())
      if (bodyOp.getNumRegions() != 0 || isa<linalg::IndexOp>(bodyOp) ||
          !isMemoryEffectFree(&bodyOp))
        return false;
    return true;
  }

  /// f32 (the sum of squares accumulates in the warp's f32 registers) with
  /// a static row length (the residual sum's buffer), and the residual sum,
  /// if used, read only after the matmul (the kernel writes it), or by casts
  /// before it whose users come after (they are moved after the kernel).
  static bool isFusableNorm(RmsNormOp norm, MatmulOp op,
                            SmallVectorImpl<tensor::CastOp> &sumCasts) {
    if (!norm.getInput().getType().getElementType().isF32() ||
        norm.getInput().getType().isDynamicDim(1))
      return false;
    auto isAfterMatmul = [&](Operation *user) {
      Operation *ancestor = op->getBlock()->findAncestorOpInBlock(*user);
      return ancestor && op->isBeforeInBlock(ancestor);
    };
    if (Value sum = norm.getSum())
      for (Operation *user : sum.getUsers()) {
        if (isAfterMatmul(user))
          continue;
        auto cast = dyn_cast<tensor::CastOp>(user);
        if (!cast || cast->getBlock() != op->getBlock() ||
            !llvm::all_of(cast->getUsers(), isAfterMatmul))
          return false;
        sumCasts.push_back(cast);
      }
    return true;
  }

  bool writesSum() const {
    return kind == Kind::RmsNorm && cast<RmsNormOp>(producer).getSum() &&
           !cast<RmsNormOp>(producer).getSum().use_empty();
  }

  /// Buffers (and the residual sum's output, of `rows` rows) before the
  /// launch.
  void materialize(OpBuilder &b, Location loc, Value rows) {
    for (InPlaceRead &operand : operands)
      operand.materialize(b, loc);
    if (writesSum())
      sumOut = buildRowsAllocation(
          b, loc, cast<RankedTensorType>(producer->getResult(1).getType()),
          rows);
  }

  /// Carried f32 values per activation row: the norm's sum of squares.
  int64_t carriedPerRow() const { return kind == Kind::RmsNorm ? 1 : 0; }

  /// The f32 activations of `width` columns from `column` of row `row`
  /// (clamped to the rows there are); `carried` (carriedPerRow values) is
  /// updated; `storeSum` (for writesSum) says whether this thread writes
  /// the residual sum of `rawRow`.
  Value buildChunk(OpBuilder &b, Location loc, Value row, Value column,
                   int64_t width, MutableArrayRef<Value> carried,
                   Value storeSum) const {
    Type f32 = b.getF32Type();
    auto toF32 = [&](Value chunk) -> Value {
      auto type = cast<VectorType>(chunk.getType());
      if (type.getElementType().isF32())
        return chunk;
      return arith::ExtFOp::create(b, loc, VectorType::get({width}, f32),
                                   chunk);
    };
    auto load = [&](const InPlaceRead &operand) {
      return operand.loadChunk(b, loc, row, column, width);
    };
    switch (kind) {
    case Kind::Input:
      return toF32(load(operands[0]));
    case Kind::Elementwise: {
      auto generic = cast<linalg::GenericOp>(producer);
      SmallVector<Value> chunks;
      for (const InPlaceRead &operand : operands)
        chunks.push_back(load(operand));
      Block &body = generic.getRegion().front();
      Value yielded = body.getTerminator()->getOperand(0);
      SmallVector<Value> elements;
      for (int64_t e = 0; e < width; ++e) {
        IRMapping mapping;
        for (auto [argument, chunk] : llvm::zip(
                 body.getArguments().take_front(chunks.size()), chunks))
          mapping.map(argument, vector::ExtractOp::create(b, loc, chunk, e));
        for (Operation &bodyOp : body.without_terminator())
          b.clone(bodyOp, mapping);
        elements.push_back(mapping.lookupOrDefault(yielded));
      }
      Value chunk = vector::FromElementsOp::create(
          b, loc, VectorType::get({width}, yielded.getType()), elements);
      return toF32(chunk);
    }
    case Kind::RmsNorm: {
      Value sum = load(operands[0]);
      if (operands.size() > 2)
        sum = arith::AddFOp::create(b, loc, sum, load(operands[2]));
      if (storeSum) {
        auto ifStore = scf::IfOp::create(b, loc, storeSum);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&ifStore.getThenRegion().front());
        vector::StoreOp::create(b, loc, sum, sumOut, ValueRange{row, column},
                                /*nontemporal=*/false,
                                llvm::MaybeAlign(std::min<uint64_t>(
                                    16, uint64_t(width) * 4)));
      }
      carried[0] = vector::ReductionOp::create(
          b, loc, vector::CombiningKind::ADD,
          arith::MulFOp::create(b, loc, sum, sum), carried[0]);
      return arith::MulFOp::create(b, loc, sum, load(operands[1]));
    }
    }
    llvm_unreachable("activation source kind");
  }

  /// The factor of a row's totals, from its reduced carried values: the
  /// norm's inverse root (null for none).
  Value buildRowFactor(OpBuilder &b, Location loc, ArrayRef<Value> carried,
                       int64_t columns) const {
    if (kind != Kind::RmsNorm)
      return Value();
    return buildInverseRootMeanSquare(
        b, loc, carried[0], columns,
        cast<RmsNormOp>(producer).getEpsilon().convertToDouble());
  }

  /// Once the kernel is built: the producer's uses are the kernel's.
  void replaceProducer(RewriterBase &b, Location loc) {
    if (kind == Kind::Input)
      return;
    for (tensor::CastOp cast : casts)
      b.eraseOp(cast);
    if (writesSum()) {
      Value sum = producer->getResult(1);
      auto written = bufferization::ToTensorOp::create(
          b, loc, sum.getType(), sumOut, /*restrict=*/true, /*writable=*/true);
      b.replaceAllUsesWith(sum, written);
      for (tensor::CastOp cast : llvm::reverse(sumCasts))
        b.moveOpAfter(cast, written);
    }
    b.eraseOp(producer);
  }

  Kind kind = Kind::Input;
  Operation *producer = nullptr;
  /// From the matmul's input towards the producer.
  SmallVector<tensor::CastOp> casts;
  /// Casts of the norm's residual sum before the matmul.
  SmallVector<tensor::CastOp> sumCasts;
  /// Input: the matmul's input; Elementwise: the generic's inputs;
  /// RmsNorm: x, the weight, the residual (if any).
  SmallVector<InPlaceRead> operands;
  Value sumOut;
};

struct LowerMatmulToGpuDecode : public OpRewritePattern<MatmulOp> {
  LowerMatmulToGpuDecode(MLIRContext *context, int64_t warpsPerBlock,
                         int64_t channelsPerWarp, int64_t fusionBudget)
      : OpRewritePattern(context), warpsPerBlock(warpsPerBlock),
        channelsPerWarp(channelsPerWarp), fusionBudget(fusionBudget) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &b) const override {
    QuantizedWeightAttr weight = op.getWeight();
    if (!weight.getBatchShape().empty() || weight.getFlatGroups())
      return b.notifyMatchFailure(op, "batched or flat groups");
    if (weight.getLayout().getKind() != LayoutKind::row_major)
      return b.notifyMatchFailure(op, "not the row_major layout");
    const unsigned bits = weight.getBits();
    if (bits != 4 && bits != 8)
      return b.notifyMatchFailure(op, "only int4 and int8 storage");
    const int64_t n = weight.getN(), k = weight.getK();
    const int64_t groupSize = weight.getEffectiveGroupSize();
    const int64_t groupBytes = weight.getBytesPerGroup();
    // One 16-byte chunk: 32 int4 or 16 int8 weights.
    const int64_t chunkWeights = kChunkBytes * (8 / bits);
    if (k % chunkWeights != 0 || groupSize % chunkWeights != 0 ||
        groupBytes * int64_t(8 / bits) != groupSize)
      return b.notifyMatchFailure(op, "K and the groups must fill whole "
                                      "16-byte chunks");
    auto inputType = op.getInput().getType();
    auto resultType = op.getResult().getType();
    Type elementType = inputType.getElementType();
    const bool dynamicRows = inputType.isDynamicDim(0);
    if (inputType.getRank() != 2 || inputType.isDynamicDim(1) ||
        (!dynamicRows && inputType.getDimSize(0) < 1) ||
        !(elementType.isF32() || elementType.isF16() ||
          elementType.isBF16()) ||
        resultType.getElementType() != elementType)
      return b.notifyMatchFailure(
          op, "[M >= 1, K] f32/f16/bf16 activations with a static K");
    // Side inputs around the kernel (the outlier term is added in f32).
    op = splitSideInputs(b, op);
    ActivationSource source = ActivationSource::match(op);

    Location loc = op.getLoc();
    auto index = [&](OpBuilder &ob, Location l, int64_t v) -> Value {
      return arith::ConstantIndexOp::create(ob, l, v);
    };
    // Up to 8 rows per warp, the row blocks along grid y balanced for a
    // static M; a dynamic M (a prompt) takes blocks of 8 rows. Rows past M
    // in the last block compute row M - 1 and store nothing.
    const int64_t staticRows = dynamicRows ? 0 : inputType.getDimSize(0);
    const int64_t staticRowBlocks =
        (staticRows + kMaxRowsPerWarp - 1) / kMaxRowsPerWarp;
    const int64_t rows = dynamicRows ? kMaxRowsPerWarp
                                     : (staticRows + staticRowBlocks - 1) /
                                           staticRowBlocks; // per warp
    const bool rowsOverrun =
        dynamicRows || rows * staticRowBlocks != staticRows;
    // Several channels per warp reuse each activation load (L1 traffic per
    // FMA / channels); fewer when many rows already fill the registers.
    const int64_t perWarp =
        channelsPerWarp > 0 ? channelsPerWarp
                            : (rows <= 2 ? 4 : rows <= 4 ? 2 : 1);
    const int64_t warpTasks = (n + perWarp - 1) / perWarp;
    if (!source.worthFusing(warpTasks,
                            dynamicRows ? std::nullopt
                                        : std::optional<int64_t>(staticRows),
                            k, fusionBudget))
      source = ActivationSource::input(op);
    // A dynamic M reads the matmul's input as it is (worthFusing), which
    // therefore outlives the kernel's construction.
    Value rowCount =
        dynamicRows ? Value(tensor::DimOp::create(b, loc, op.getInput(), 0))
                    : index(b, loc, staticRows);
    Value lastRow = arith::SubIOp::create(b, loc, rowCount, index(b, loc, 1));
    const int64_t chunksPerRow = k / chunkWeights;
    const int64_t chunksPerGroup = groupSize / chunkWeights;
    const int64_t steps = (chunksPerRow + kWarpSize - 1) / kWarpSize;
    const bool isSigned = weight.getIsSigned();

    source.materialize(b, loc, rowCount);
    GpuKernelBuffers buffers = createGpuKernelBuffers(b, op, rowCount);
    Value packed = buffers.packed, scales = buffers.scales,
          zeros = buffers.zeros, offsets = buffers.offsets, out = buffers.out;

    Value gridX = index(b, loc, (warpTasks + warpsPerBlock - 1) / warpsPerBlock);
    Value blockX = index(b, loc, warpsPerBlock * kWarpSize);
    Value one = index(b, loc, 1);
    Value gridY =
        dynamicRows
            ? Value(arith::DivUIOp::create(
                  b, loc,
                  arith::AddIOp::create(b, loc, rowCount,
                                        index(b, loc, kMaxRowsPerWarp - 1)),
                  index(b, loc, kMaxRowsPerWarp)))
            : index(b, loc, staticRowBlocks);
    // A prompt of no rows launches nothing (an empty grid is an error).
    std::optional<OpBuilder::InsertionGuard> launchGuard;
    if (dynamicRows) {
      auto ifRows = scf::IfOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, rowCount,
                                index(b, loc, 0)),
          /*withElseRegion=*/false);
      launchGuard.emplace(b);
      b.setInsertionPointToStart(&ifRows.getThenRegion().front());
    }
    auto launch =
        gpu::LaunchOp::create(b, loc, gridX, gridY, one, blockX, one, one);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&launch.getBody().front());
      Value tid = launch.getThreadIds().x, bid = launch.getBlockIds().x;
      Value firstRow = arith::MulIOp::create(b, loc, launch.getBlockIds().y,
                                             index(b, loc, rows));
      Value warpSize = index(b, loc, kWarpSize);
      Value lane = arith::RemUIOp::create(b, loc, tid, warpSize);
      Value warp = arith::DivUIOp::create(b, loc, tid, warpSize);
      Value firstChannel = arith::MulIOp::create(
          b, loc,
          arith::AddIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, bid, index(b, loc, warpsPerBlock)),
              warp),
          index(b, loc, perWarp));
      Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                            firstChannel, index(b, loc, n));
      auto ifChannel = scf::IfOp::create(b, loc, inRange);
      b.setInsertionPointToStart(&ifChannel.getThenRegion().front());
      // Channels past N (the last warp) read channel N - 1 and store nothing.
      SmallVector<Value> channels, readChannels;
      for (int64_t c = 0; c < perWarp; ++c) {
        channels.push_back(
            arith::AddIOp::create(b, loc, firstChannel, index(b, loc, c)));
        readChannels.push_back(
            n % perWarp == 0
                ? channels.back()
                : Value(arith::MinUIOp::create(b, loc, channels.back(),
                                               index(b, loc, n - 1))));
      }
      Value zeroF = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
      // The channels' sums (channel-major), then the activation source's
      // carried values (row-major).
      const int64_t carriedPerRow = source.carriedPerRow();
      SmallVector<Value> initial(perWarp * rows + carriedPerRow * rows,
                                 zeroF);
      // The warp of channel 0 writes the residual sum of its rows.
      Value sumWriter;
      if (source.writesSum())
        sumWriter = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                          firstChannel, index(b, loc, 0));

      // Lane `lane` takes chunks lane, lane + 32, ...: the warp's 16-byte
      // loads are consecutive (coalesced 512 bytes per step).
      auto stepLoop = scf::ForOp::create(
          b, loc, index(b, loc, 0), index(b, loc, steps), one, initial,
          [&](OpBuilder &sb, Location sl, Value step, ValueRange accs) {
            Value chunk = arith::AddIOp::create(
                sb, sl, lane,
                arith::MulIOp::create(sb, sl, step, warpSize));
            Value valid = arith::CmpIOp::create(
                sb, sl, arith::CmpIPredicate::ult, chunk,
                index(sb, sl, chunksPerRow));
            auto ifValid = scf::IfOp::create(sb, sl, TypeRange(accs), valid,
                                             /*addThenBlock=*/true,
                                             /*addElseBlock=*/true);
            {
              OpBuilder::InsertionGuard guard(sb);
              sb.setInsertionPointToStart(ifValid.thenBlock());
              scf::YieldOp::create(
                  sb, sl, buildChunk(sb, sl, source, packed, scales, zeros,
                                     offsets, readChannels, chunk, accs,
                                     firstRow, rows, lastRow, rowCount,
                                     rowsOverrun, chunksPerGroup,
                                     bits, isSigned, sumWriter));
              sb.setInsertionPointToStart(ifValid.elseBlock());
              scf::YieldOp::create(sb, sl, accs);
            }
            scf::YieldOp::create(sb, sl, ifValid.getResults());
          });

      // Warp reduction, then lane 0 writes the outputs of its channels.
      SmallVector<Value> totals(stepLoop.getResults());
      for (Value &total : totals)
        total = buildLaneGroupSum(b, loc, total, kWarpSize);
      SmallVector<Value> rowFactors;
      for (int64_t m = 0; m < rows; ++m)
        rowFactors.push_back(source.buildRowFactor(
            b, loc,
            ArrayRef(totals).slice(perWarp * rows + m * carriedPerRow,
                                   carriedPerRow),
            k));
      Value isFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            lane, index(b, loc, 0));
      auto ifFirst = scf::IfOp::create(b, loc, isFirst);
      b.setInsertionPointToStart(&ifFirst.getThenRegion().front());
      for (int64_t c = 0; c < perWarp; ++c) {
        OpBuilder::InsertionGuard channelGuard(b);
        if (n % perWarp != 0) {
          auto ifStored = scf::IfOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                    channels[c], index(b, loc, n)));
          b.setInsertionPointToStart(&ifStored.getThenRegion().front());
        }
        for (int64_t m = 0; m < rows; ++m) {
          Value value = totals[c * rows + m];
          if (rowFactors[m])
            value = arith::MulFOp::create(b, loc, value, rowFactors[m]);
          if (!elementType.isF32())
            value = arith::TruncFOp::create(b, loc, elementType, value);
          Value row = arith::AddIOp::create(b, loc, firstRow, index(b, loc, m));
          if (!rowsOverrun) {
            memref::StoreOp::create(b, loc, value, out,
                                    ValueRange{row, channels[c]});
            continue;
          }
          // The last row block has rows past M: they computed row M - 1.
          auto ifRow = scf::IfOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                    rowCount));
          OpBuilder::InsertionGuard rowGuard(b);
          b.setInsertionPointToStart(&ifRow.getThenRegion().front());
          memref::StoreOp::create(b, loc, value, out,
                                  ValueRange{row, channels[c]});
        }
      }
      b.setInsertionPointToEnd(&launch.getBody().front());
      gpu::TerminatorOp::create(b, loc);
    }
    launchGuard.reset();
    replaceWithGpuKernelOutput(b, op, buffers);
    source.replaceProducer(b, loc);
    return success();
  }

  /// One lane's chunk `chunk` for each of the warp's channels (16 bytes
  /// each) and every activation row: the activations are loaded once and
  /// used for all channels. `accs` and the result are channel-major
  /// (channel c, row m at c * rows + m).
  SmallVector<Value> buildChunk(OpBuilder &b, Location loc,
                                const ActivationSource &source, Value packed,
                                Value scales, Value zeros, Value offsets,
                                ArrayRef<Value> channels, Value chunk,
                                ValueRange accs, Value firstRow, int64_t rows,
                                Value lastRow, Value rowCount,
                                bool rowsOverrun, int64_t chunksPerGroup,
                                unsigned bits, bool isSigned,
                                Value sumWriter) const {
    const int64_t chunkWeights = kChunkBytes * (8 / bits);
    const int64_t fieldsPerWord = 32 / bits;
    // Signed fields are read as unsigned (top bit flipped) with the zero
    // point 2^(bits-1) (wq_numerics::unsignedReadBias).
    const int64_t signFlip = numerics::fieldSignBits32(bits);
    const float signedZero = float(numerics::unsignedReadBias(bits, true));
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    auto i32Const = [&](int64_t v) -> Value {
      return arith::ConstantIntOp::create(b, loc, i32, v);
    };
    Value group = arith::DivUIOp::create(b, loc, chunk, index(chunksPerGroup));
    Value byteOffset = arith::MulIOp::create(
        b, loc, arith::RemUIOp::create(b, loc, chunk, index(chunksPerGroup)),
        index(kChunkBytes));

    Value firstElement =
        arith::MulIOp::create(b, loc, chunk, index(chunkWeights));
    const int64_t carriedPerRow = source.carriedPerRow();
    const int64_t sums = int64_t(channels.size()) * rows;
    SmallVector<Value> carried(accs.begin() + sums, accs.end());
    // Per row: where its activations are read (rows past M, in the last row
    // block, read row M - 1 and are not stored) and whether this lane
    // writes the row's residual sum.
    SmallVector<Value> readRows, storeSums;
    for (int64_t m = 0; m < rows; ++m) {
      Value rawRow = arith::AddIOp::create(b, loc, firstRow, index(m));
      readRows.push_back(arith::MinUIOp::create(b, loc, rawRow, lastRow));
      Value storeSum = sumWriter;
      if (storeSum && m > 0 && rowsOverrun)
        storeSum = arith::AndIOp::create(
            b, loc, storeSum,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, rawRow,
                                  rowCount));
      storeSums.push_back(storeSum);
    }

    // Each channel's 16 bytes (one 128-bit load: the packed rows are 16-byte
    // aligned, whole chunks) and group constants.
    SmallVector<Value> words, groupScales, biases;
    for (Value channel : channels) {
      Value bytes = vector::LoadOp::create(
          b, loc, VectorType::get({kChunkBytes}, b.getI8Type()), packed,
          ValueRange{channel, group, byteOffset}, /*nontemporal=*/false,
          llvm::MaybeAlign(kChunkBytes));
      words.push_back(vector::BitCastOp::create(
          b, loc, VectorType::get({4}, i32), bytes));
      Value scale = memref::LoadOp::create(b, loc, scales,
                                           ValueRange{channel, group});
      if (!scale.getType().isF32())
        scale = arith::ExtFOp::create(b, loc, f32, scale);
      groupScales.push_back(scale);
      // (2^23 + q) - (2^23 + z) = q - z exactly.
      Value zero;
      if (zeros) {
        Value z = memref::LoadOp::create(b, loc, zeros,
                                         ValueRange{channel, group});
        zero = arith::UIToFPOp::create(b, loc, f32, z);
      } else {
        zero = arith::ConstantOp::create(
            b, loc, b.getF32FloatAttr(isSigned ? signedZero : 0.0f));
      }
      biases.push_back(arith::AddFOp::create(
          b, loc,
          arith::ConstantOp::create(
              b, loc, b.getF32FloatAttr(numerics::kF32MagicValue)),
          zero));
    }

    // The activations of a run of words for every row, then each channel's
    // fields of those words: the whole chunk when its activations fit in 64
    // registers (up to 2 rows), else word by word, so that 8 rows of
    // activations that a fused producer computes are not all live at once.
    // With group offsets: sum_i x_i over the chunk per row, shared by the
    // warp's channels (each adds offset * sum), one chain of adds in the
    // order the first channel's FMAs read them.
    const int64_t wordsPerRun = rows * chunkWeights <= 64 ? 4 : 1;
    SmallVector<Value> activationSums(offsets ? rows : 0);
    SmallVector<SmallVector<Value>> partial(channels.size(),
                                            SmallVector<Value>(rows));
    const uint32_t mask = numerics::fieldMask(bits);
    SmallVector<Value> activations;
    for (int64_t w = 0; w < 4; ++w) {
      if (w % wordsPerRun == 0) {
        Value firstOfRun = arith::AddIOp::create(b, loc, firstElement,
                                                 index(w * fieldsPerWord));
        activations.clear();
        for (int64_t m = 0; m < rows; ++m)
          activations.push_back(source.buildChunk(
              b, loc, readRows[m], firstOfRun, wordsPerRun * fieldsPerWord,
              MutableArrayRef(carried).slice(m * carriedPerRow,
                                             carriedPerRow),
              storeSums[m]));
      }
      const int64_t firstInRun = (w % wordsPerRun) * fieldsPerWord;
      for (int64_t c = 0; c < int64_t(channels.size()); ++c) {
        Value word = vector::ExtractOp::create(b, loc, words[c], w);
        if (isSigned)
          word = arith::XOrIOp::create(b, loc, word, i32Const(signFlip));
        // Field i of word w is weight fieldsPerWord * w + i (little endian;
        // int4: element 2j is the low nibble of byte j).
        for (int64_t i = 0; i < fieldsPerWord; ++i) {
          Value field = i == 0 ? word
                               : arith::ShRUIOp::create(b, loc, word,
                                                        i32Const(bits * i));
          // (field & mask) | 0x4B000000 in one lop3 (LUT 0xEA = (a & b) | c).
          Value magicBits =
              buildLop3(b, loc, field, mask, numerics::kF32Magic, 0xEA);
          Value q = arith::SubFOp::create(
              b, loc, arith::BitcastOp::create(b, loc, f32, magicBits),
              biases[c]);
          for (int64_t m = 0; m < rows; ++m) {
            Value xv = vector::ExtractOp::create(b, loc, activations[m],
                                                 firstInRun + i);
            if (offsets && c == 0)
              activationSums[m] =
                  activationSums[m]
                      ? Value(arith::AddFOp::create(b, loc, activationSums[m],
                                                    xv))
                      : xv;
            Value &p = partial[c][m];
            p = p ? Value(math::FmaOp::create(b, loc, q, xv, p))
                  : Value(arith::MulFOp::create(b, loc, q, xv));
          }
        }
      }
    }

    SmallVector<Value> updated;
    for (auto [c, channel] : llvm::enumerate(channels)) {
      Value offset;
      if (offsets) {
        offset = memref::LoadOp::create(b, loc, offsets,
                                        ValueRange{channel, group});
        if (!offset.getType().isF32())
          offset = arith::ExtFOp::create(b, loc, f32, offset);
      }
      for (int64_t m = 0; m < rows; ++m) {
        Value acc = math::FmaOp::create(b, loc, groupScales[c], partial[c][m],
                                        accs[updated.size()]);
        if (offset)
          acc = math::FmaOp::create(b, loc, offset, activationSums[m], acc);
        updated.push_back(acc);
      }
    }
    llvm::append_range(updated, carried);
    return updated;
  }

  int64_t warpsPerBlock;
  int64_t channelsPerWarp; // 0: by the number of rows
  /// Lane instructions a producer taken in may add (ActivationSource).
  int64_t fusionBudget;
};

struct WQLowerToGpuDecodePass
    : public mlir::wq::impl::WQLowerToGpuDecodePassBase<
          WQLowerToGpuDecodePass> {
  using Base::Base;
  void runOnOperation() override {
    if (warpsPerBlock < 1 || warpsPerBlock > 32) {
      getOperation()->emitError("wq-lower-to-gpu-decode: warps-per-block "
                                "must be in [1, 32]");
      return signalPassFailure();
    }
    if (channelsPerWarp < 0 || channelsPerWarp > 8) {
      getOperation()->emitError("wq-lower-to-gpu-decode: channels-per-warp "
                                "must be in [0, 8] (0: by the rows)");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    if (splitK < 0 || splitK > 32) {
      getOperation()->emitError("wq-lower-to-gpu-decode: split-k must be in "
                                "[0, 32] (0: by N)");
      return signalPassFailure();
    }
    if (columnsPerBlock < 0 || columnsPerBlock > 32) {
      getOperation()->emitError("wq-lower-to-gpu-decode: columns-per-block "
                                "must be in [0, 32] (0: one)");
      return signalPassFailure();
    }
    if (residentWarps < 0 || residentWarps > 64) {
      getOperation()->emitError("wq-lower-to-gpu-decode: resident-warps "
                                "must be in [0, 64] (0: 32)");
      return signalPassFailure();
    }
    if (failed(checkMmaTileOps(getOperation())))
      return signalPassFailure();
    if (producerBudget < 0) {
      getOperation()->emitError("wq-lower-to-gpu-decode: producer-budget "
                                "must be >= 0 (0: take no producer in)");
      return signalPassFailure();
    }
    patterns.add<LowerMatmulToGpuDecode>(&getContext(), warpsPerBlock,
                                         channelsPerWarp,
                                         producerBudget * 1000000);
    MmaDecodeOptions mmaOptions;
    mmaOptions.splitK = splitK;
    mmaOptions.columnsPerBlock = columnsPerBlock;
    mmaOptions.residentWarps = residentWarps;
    populateGpuMmaDecodePatterns(patterns, mmaOptions);
    if (failed(applyPatternsToExistingOps(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

GpuKernelBuffers mlir::wq::createGpuKernelBuffers(RewriterBase &b,
                                                  MatmulOp op, Value rows) {
  Location loc = op.getLoc();
  auto bufferOf = [&](Value tensor) {
    return buildReadOnlyBuffer(b, loc, tensor);
  };
  GpuKernelBuffers buffers;
  if (!rows)
    buffers.x = bufferOf(op.getInput());
  buffers.packed = bufferOf(op.getPacked());
  buffers.scales = bufferOf(op.getScales());
  buffers.zeros = bufferOf(op.getZeroPoints());
  buffers.offsets = bufferOf(op.getOffsets());
  auto resultType = op.getResult().getType();
  auto outType =
      MemRefType::get(resultType.getShape(), resultType.getElementType());
  // A result only materialized into a memref of the same type (a function's
  // output buffer) is written there directly, without an intermediate
  // buffer and a copy kernel.
  if (op.getResult().hasOneUse())
    buffers.materialize = dyn_cast<bufferization::MaterializeInDestinationOp>(
        *op.getResult().getUsers().begin());
  if (buffers.materialize &&
      buffers.materialize.getDest().getType() == outType) {
    buffers.out = buffers.materialize.getDest();
  } else {
    buffers.materialize = nullptr;
    // A dynamic M (prefill) is the activations'.
    if (!rows && outType.isDynamicDim(0))
      rows = memref::DimOp::create(b, loc, buffers.x, 0);
    buffers.out = buildRowsAllocation(b, loc, resultType, rows);
  }
  return buffers;
}

void mlir::wq::replaceWithGpuKernelOutput(RewriterBase &b, MatmulOp op,
                                          const GpuKernelBuffers &buffers) {
  if (buffers.materialize) {
    b.eraseOp(buffers.materialize);
    b.eraseOp(op);
    return;
  }
  b.replaceOp(op, bufferization::ToTensorOp::create(
                      b, op.getLoc(), op.getResult().getType(), buffers.out,
                      /*restrict=*/true, /*writable=*/true));
}

Value mlir::wq::buildReadOnlyBuffer(OpBuilder &b, Location loc,
                                    Value tensor) {
  if (!tensor)
    return Value();
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
}

MemRefType mlir::wq::workgroupMemRefType(MLIRContext *context,
                                         ArrayRef<int64_t> shape,
                                         Type element) {
  return MemRefType::get(
      shape, element, MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup));
}

Value mlir::wq::buildDynamicSharedBytes(OpBuilder &b, Location loc) {
  return gpu::DynamicSharedMemoryOp::create(
      b, loc,
      workgroupMemRefType(b.getContext(), {ShapedType::kDynamic},
                          b.getI8Type()));
}

SmallVector<Value> mlir::wq::unpackStruct(OpBuilder &b, Location loc,
                                          Value value, int64_t count) {
  SmallVector<Value> members;
  for (int64_t i = 0; i < count; ++i)
    members.push_back(LLVM::ExtractValueOp::create(b, loc, value, i));
  return members;
}

Value mlir::wq::buildInlinePtx(OpBuilder &b, Location loc, Type resultType,
                               ValueRange operands, StringRef text,
                               StringRef constraints, bool hasSideEffects) {
  return LLVM::InlineAsmOp::create(
             b, loc, resultType ? TypeRange(resultType) : TypeRange(),
             operands, text, constraints, hasSideEffects,
             /*is_align_stack=*/false, LLVM::TailCallKind::None,
             LLVM::AsmDialectAttr(), ArrayAttr())
      .getRes();
}

Value mlir::wq::buildInverseRootMeanSquare(OpBuilder &b, Location loc,
                                           Value sumOfSquares,
                                           int64_t features, double epsilon) {
  KernelConstants k{b, loc};
  Value mean =
      arith::DivFOp::create(b, loc, sumOfSquares, k.f32(double(features)));
  Value root = math::SqrtOp::create(
      b, loc, arith::AddFOp::create(b, loc, mean, k.f32(epsilon)));
  return arith::DivFOp::create(b, loc, k.f32(1.0), root);
}

Value mlir::wq::buildRowsAllocation(OpBuilder &b, Location loc,
                                   RankedTensorType type, Value rows) {
  auto bufferType = MemRefType::get(type.getShape(), type.getElementType());
  SmallVector<Value> dynamicSizes;
  if (bufferType.isDynamicDim(0))
    dynamicSizes.push_back(rows);
  return memref::AllocOp::create(b, loc, bufferType, dynamicSizes);
}

void mlir::wq::buildBlockBarrier(OpBuilder &b, Location loc) {
  buildInlinePtx(b, loc, Type(), ValueRange(), "bar.sync 0;", "~{memory}",
                 /*hasSideEffects=*/true);
}

Value mlir::wq::buildLaneGroupSum(OpBuilder &b, Location loc, Value value,
                                  int64_t lanes) {
  for (int32_t offset = int32_t(lanes) / 2; offset > 0; offset /= 2)
    value = arith::AddFOp::create(
        b, loc, value,
        gpu::ShuffleOp::create(b, loc, value, offset, int32_t(kWarpSize),
                               gpu::ShuffleMode::XOR)
            .getShuffleResult());
  return value;
}

Value mlir::wq::buildLop3(OpBuilder &b, Location loc, Value a, uint32_t bBits,
                          uint32_t cBits, uint8_t lut) {
  return buildInlinePtx(
      b, loc, b.getI32Type(), a,
      llvm::formatv("lop3.b32 $0, $1, 0x{0:X-8}, 0x{1:X-8}, 0x{2:X-2};", bBits,
                    cBits, unsigned(lut))
          .str(),
      "=r,r");
}

Value mlir::wq::buildPrmt(OpBuilder &b, Location loc, Value a, uint32_t bBits,
                          uint32_t selector) {
  return buildInlinePtx(
      b, loc, b.getI32Type(), a,
      llvm::formatv("prmt.b32 $0, $1, 0x{0:X-8}, 0x{1:X-4};", bBits, selector)
          .str(),
      "=r,r");
}

Value mlir::wq::buildPrmt(OpBuilder &b, Location loc, Value a, Value bReg,
                          uint32_t selector) {
  return buildInlinePtx(
      b, loc, b.getI32Type(), ValueRange{a, bReg},
      llvm::formatv("prmt.b32 $0, $1, $2, 0x{0:X-4};", selector).str(),
      "=r,r,r");
}
