//===- LowerToGpuPrefill.cpp - wq-lower-to-gpu-prefill --------------------===//
//
// The tensor-core schedule for wq.matmul ops with more than 16 activation
// rows (prompts, batches; static or dynamic M) whose weight is in the
// `mma_tiles` layout, the layout the decode kernels read: one packed copy of
// a model's weights serves its decode step and its prompts.
//
// A block takes 4 tile columns (64 output channels; one warp each) by
// 8 x `rowTiles` activation rows (up to 64) and walks K one tile (64
// positions for int4, 32 for int8) per pipeline stage. Each stage's
// activation slice [rows, tile depth] and the block's four 512-byte weight
// tiles arrive in shared memory by `cp.async` (nvgpu.device_async_copy;
// rows past M are zero-filled by the copy's source size), `stages` deep:
// while a stage is computed the next stages - 1 are in flight. Each warp
// turns its tile's 32-bit words into mma.sync A fragments once per step
// (MmaTileKernelBase: the same dequantization as the decode kernel) and
// reuses them for every row tile, so the conversions cost 1 / rowTiles of
// the mmas' issue slots; the B fragments are read from shared memory.
//
// The mma_tiles layout gives lane q of a quad the positions 4q .. 4q + 3 of
// each 16-position step (a0/a1 = 4q, 4q + 1; a2/a3 = 4q + 2, 4q + 3), a
// permutation of the ISA's (2q, 2q + 1, 2q + 8, 2q + 9) that lets the decode
// kernel read each lane's activations with one 8-byte load. ldmatrix hands
// lane q the 4-byte word q of each 16-byte row, which cannot produce that
// order, so the B fragments are one 8-byte ld.shared per row tile and step;
// the activation rows in shared memory are XOR-swizzled by 32-byte chunk
// (chunk s of row r at s ^ (r mod 4), int8: s ^ ((r / 2) mod 2)), so the
// 8 rows x 32 bytes a warp reads take the two shared-memory wavefronts 256
// bytes need, as ldmatrix would.
//
// Group scales multiply each group's f32 partial sums (exact products of
// field - zero and the activations), as in decode; offsets of the
// activations' type are added by an mma whose A fragment holds them, other
// offsets through activation sums from an mma with an all-ones A.
//
// Split-K: when the grid would leave SMs idle, gridDim.z slices of K (whole
// groups) write f32 partial outputs to a workspace that a second kernel
// adds up; with dynamic M the host picks the slice count at run time (one
// slice: the kernel writes the output directly).
//
//===----------------------------------------------------------------------===//

#include "GpuDecode.h"
#include "wq/Numerics/GpuLayout.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERTOGPUPREFILLPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// Tile columns (warps) per block: 64 channels, 2 KB of int4 weights per
/// stage.
constexpr int64_t kColumnsPerBlock = 4;
/// Row tiles per warp at most: 64 rows, 32 accumulators (and 32 group
/// partial sums) per lane.
constexpr int64_t kMaxRowTiles = 8;
/// K slices at most.
constexpr int64_t kMaxSplitK = 16;
/// Dynamic shared memory per block without a per-kernel opt-in.
constexpr int64_t kMaxSharedBytes = 48 * 1024;
/// Threads per block of the split-K reduction.
constexpr int64_t kReduceThreads = 256;

struct PrefillOptions {
  int64_t stages = 0; // 0: 4
  int64_t splitK = 0; // 0: by the grid
  int64_t smCount = 132;
};

struct LowerMatmulToGpuPrefill : public OpRewritePattern<MatmulOp> {
  LowerMatmulToGpuPrefill(MLIRContext *context, const PrefillOptions &options)
      : OpRewritePattern(context), options(options) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &b) const override {
    if (op.getWeight().getLayout().getKind() != LayoutKind::mma_tiles)
      return b.notifyMatchFailure(op, "not the mma_tiles layout");
    if (std::optional<std::string> why = checkMmaPrefill(op))
      return b.notifyMatchFailure(op, *why);
    op = splitSideInputs(b, op);
    Kernel kernel(b, op, options);
    kernel.build();
    return success();
  }

  PrefillOptions options;

  struct Kernel : MmaTileKernelBase {
    Kernel(PatternRewriter &b, MatmulOp op, const PrefillOptions &options)
        : MmaTileKernelBase(b, op), options(options) {
      staticRows = op.getInput().getType().getDimSize(0);
      rowTiles = ShapedType::isDynamic(staticRows)
                     ? kMaxRowTiles
                     : std::min(kMaxRowTiles,
                                (staticRows + kRowsPerMma - 1) / kRowsPerMma);
      rowsPerBlock = kRowsPerMma * rowTiles;
      columns = std::min(kColumnsPerBlock, channelBlocks);
      stages = options.stages > 0 ? options.stages : 4;
      // At most 48 KB of dynamic shared memory, what a launch gets without
      // opting in per kernel (cuFuncSetAttribute): fewer stages if needed.
      while (stages > 2 && sharedBytes() > kMaxSharedBytes)
        --stages;
      // A unit of the K loop: whole groups (a group of several tiles is
      // scaled once, at its end), one tile otherwise.
      unitTiles = !perChannel && group > depth ? group / depth : 1;
      units = tiles / unitTiles;
      stepsPerGroup = perChannel ? 0 : group / 16;
      chunksPerRow = depth * 2 / 16;
    }

    int64_t sharedActivationBytes() const {
      return stages * rowsPerBlock * depth * 2;
    }
    int64_t sharedBytes() const {
      return sharedActivationBytes() +
             stages * columns * numerics::kMmaTileBytes;
    }
    int64_t threads() const { return columns * mlir::wq::kWarpSize; }

    /// An scf.if whose body runs when index `a` < `bound`.
    scf::IfOp buildIfBelow(Value a, Value bound) {
      return scf::IfOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, a, bound));
    }

    /// ceil(a / b) of index values.
    Value ceilDiv(Value a, int64_t d) {
      return arith::DivUIOp::create(
          b, loc, arith::AddIOp::create(b, loc, a, index(d - 1)), index(d));
    }

    void build() {
      Value rowsValue =
          ShapedType::isDynamic(staticRows)
              ? Value(memref::DimOp::create(b, loc, buffers.x, 0))
              : index(staticRows);
      const int64_t gridX = (channelBlocks + columns - 1) / columns;
      if (options.splitK > 0 || !ShapedType::isDynamic(staticRows)) {
        int64_t splitK = options.splitK;
        if (splitK == 0) {
          const int64_t blocks =
              gridX * ((staticRows + rowsPerBlock - 1) / rowsPerBlock);
          splitK = (options.smCount + blocks - 1) / blocks;
        }
        splitK = std::clamp<int64_t>(splitK, 1,
                                     std::min(kMaxSplitK, units));
        buildLaunches(rowsValue, gridX, ceilDiv(rowsValue, rowsPerBlock),
                      index(splitK), splitK == 1);
        replaceWithGpuKernelOutput(b, op, buffers);
        return;
      }
      // Dynamic M: enough K slices for a block per SM, chosen on the host.
      Value gridY = ceilDiv(rowsValue, rowsPerBlock);
      Value blocks = arith::MulIOp::create(b, loc, index(gridX), gridY);
      Value wanted = arith::DivUIOp::create(
          b, loc,
          arith::AddIOp::create(
              b, loc, index(options.smCount),
              arith::SubIOp::create(b, loc, blocks, index(1))),
          blocks);
      Value splitK = arith::MaxUIOp::create(
          b, loc, index(1),
          arith::MinUIOp::create(b, loc, wanted,
                                 index(std::min(kMaxSplitK, units))));
      Value direct = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           splitK, index(1));
      auto ifDirect = scf::IfOp::create(b, loc, direct, /*withElse=*/true);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&ifDirect.getThenRegion().front());
        buildLaunches(rowsValue, gridX, gridY, splitK, /*direct=*/true);
        b.setInsertionPointToStart(&ifDirect.getElseRegion().front());
        buildLaunches(rowsValue, gridX, gridY, splitK, /*direct=*/false);
      }
      replaceWithGpuKernelOutput(b, op, buffers);
    }

    /// The main kernel over `splitK` K slices; unless `direct`, into an f32
    /// workspace [splitK, M, N] that a second kernel reduces into the
    /// output.
    void buildLaunches(Value rowsValue, int64_t gridX, Value gridY,
                       Value splitK, bool direct) {
      Value workspace;
      if (!direct) {
        SmallVector<Value> dynamicSizes = {splitK};
        if (ShapedType::isDynamic(staticRows))
          dynamicSizes.push_back(rowsValue);
        workspace = memref::AllocOp::create(
            b, loc,
            MemRefType::get({ShapedType::kDynamic, staticRows, n},
                            b.getF32Type()),
            dynamicSizes);
      }
      Value one = index(1);
      auto launch = gpu::LaunchOp::create(
          b, loc, index(gridX), gridY, splitK, index(threads()), one, one,
          arith::ConstantIntOp::create(b, loc, b.getI32Type(), sharedBytes()));
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&launch.getBody().front());
        buildBody(launch, rowsValue, workspace);
        gpu::TerminatorOp::create(b, loc);
      }
      if (!direct)
        buildReduction(rowsValue, splitK, workspace);
    }

    /// out[row, channel] = sum over the slices of workspace[z, row, channel].
    void buildReduction(Value rowsValue, Value splitK, Value workspace) {
      Value total = arith::MulIOp::create(b, loc, rowsValue, index(n));
      Value one = index(1);
      auto launch = gpu::LaunchOp::create(
          b, loc, ceilDiv(total, kReduceThreads), one, one,
          index(kReduceThreads), one, one);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&launch.getBody().front());
      Value flat = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                index(kReduceThreads)),
          launch.getThreadIds().x);
      auto ifInRange = buildIfBelow(flat, total);
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(&ifInRange.getThenRegion().front());
        Value row = arith::DivUIOp::create(b, loc, flat, index(n));
        Value channel = arith::RemUIOp::create(b, loc, flat, index(n));
        auto sum = scf::ForOp::create(
            b, loc, index(0), splitK, one,
            ValueRange{f32(0.0f)},
            [&](OpBuilder &, Location, Value z, ValueRange carried) {
              Value part = memref::LoadOp::create(
                  b, loc, workspace, ValueRange{z, row, channel});
              scf::YieldOp::create(
                  b, loc,
                  ValueRange{arith::AddFOp::create(b, loc, carried[0], part)});
            });
        memref::StoreOp::create(
            b, loc,
            arith::TruncFOp::create(b, loc, halfType, sum.getResult(0)),
            buffers.out, ValueRange{row, channel});
      }
      gpu::TerminatorOp::create(b, loc);
    }

    /// Inline PTX with side effects and a memory clobber. Used for
    /// cp.async.commit_group / wait_group and bar.sync:
    /// nvgpu.device_async_create_group / device_async_wait and gpu.barrier
    /// declare no memory effects, which the buffer deallocation pass after
    /// this schedule rejects.
    void buildSyncPtx(StringRef text) {
      buildInlinePtx(b, loc, Type(), ValueRange(), text, "~{memory}",
                     /*hasSideEffects=*/true);
    }

    void buildBody(gpu::LaunchOp launch, Value rowsValue, Value workspace) {
      Value tid = launch.getThreadIds().x;
      lane = arith::RemUIOp::create(b, loc, tid, index(mlir::wq::kWarpSize));
      warp = arith::DivUIOp::create(b, loc, tid, index(mlir::wq::kWarpSize));
      Value g = arith::DivUIOp::create(b, loc, lane, index(4));
      quad = arith::RemUIOp::create(b, loc, lane, index(4));
      outColumn = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                index(columns)),
          warp);
      // Warps past the last tile column (a ragged last block) compute on
      // the last column's tiles and constants; their stores are out of
      // range.
      column =
          arith::MinUIOp::create(b, loc, outColumn, index(channelBlocks - 1));
      lowInBlock = g;
      highInBlock = arith::AddIOp::create(b, loc, g, index(8));
      rowBase = arith::MulIOp::create(b, loc, launch.getBlockIds().y,
                                      index(rowsPerBlock));
      rows = rowsValue;
      laneByte = arith::MulIOp::create(b, loc, lane, index(16));
      // The lane's B rows are 8r + g: 8r is a multiple of 4, so the swizzle
      // of every row tile is g's.
      laneSwizzle = swizzleOf(g);
      // This block's K slice: units [z units / Z, (z + 1) units / Z).
      Value z = launch.getBlockIds().z;
      Value slices = launch.getGridSizeZ();
      Value unitBegin = arith::DivUIOp::create(
          b, loc, arith::MulIOp::create(b, loc, z, index(units)), slices);
      Value unitEnd = arith::DivUIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc,
                                arith::AddIOp::create(b, loc, z, index(1)),
                                index(units)),
          slices);
      firstTile = arith::MulIOp::create(b, loc, unitBegin, index(unitTiles));
      tileCount = arith::MulIOp::create(
          b, loc, arith::SubIOp::create(b, loc, unitEnd, unitBegin),
          index(unitTiles));

      Attribute workgroup = gpu::AddressSpaceAttr::get(
          b.getContext(), gpu::AddressSpace::Workgroup);
      Value bytes = gpu::DynamicSharedMemoryOp::create(
          b, loc,
          MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                          MemRefLayoutAttrInterface(), workgroup));
      sharedX = memref::ViewOp::create(
          b, loc,
          MemRefType::get({stages, rowsPerBlock, depth}, halfType,
                          MemRefLayoutAttrInterface(), workgroup),
          bytes, index(0), ValueRange());
      sharedW = memref::ViewOp::create(
          b, loc,
          MemRefType::get({stages, columns, numerics::kMmaTileBytes},
                          b.getI8Type(), MemRefLayoutAttrInterface(),
                          workgroup),
          bytes, index(sharedActivationBytes()), ValueRange());

      if (perChannel)
        setGroupConstants(index(0));
      // Prologue: stages 0 .. stages - 2 in flight.
      for (int64_t s = 0; s + 1 < stages; ++s)
        issueStage(index(s), index(s));

      SmallVector<Value> initial(rowTiles * kAccumulators, f32(0.0f));
      const bool channelSums = perChannel && offsets;
      if (channelSums)
        initial.append(rowTiles * kSumsPerRowTile, f32(0.0f));
      auto loop = scf::ForOp::create(
          b, loc, index(0), tileCount, index(unitTiles), initial,
          [&](OpBuilder &, Location, Value unitStart, ValueRange carried) {
            SmallVector<Value> values(carried);
            for (int64_t u = 0; u < unitTiles; ++u) {
              Value i = arith::AddIOp::create(b, loc, unitStart, index(u));
              // Stage i has landed (every later group but stages - 2 may
              // still be in flight), and every warp is done with stage
              // i - 1, whose buffer the copies of stage i + stages - 1
              // overwrite.
              buildSyncPtx(llvm::formatv("cp.async.wait_group {0};",
                                         stages - 2)
                               .str());
              buildSyncPtx("bar.sync 0;");
              Value ahead = arith::AddIOp::create(b, loc, i, index(stages - 1));
              issueStage(ahead,
                         arith::RemUIOp::create(b, loc, ahead, index(stages)));
              values = computeStage(
                  arith::RemUIOp::create(b, loc, i, index(stages)),
                  arith::AddIOp::create(b, loc, firstTile, i), u, values);
            }
            scf::YieldOp::create(b, loc, values);
          });
      SmallVector<Value> totals(loop.getResults());
      if (perChannel) {
        // s * total (+ m * activation sum): linear, so K slices add
        // finished terms.
        for (int64_t r = 0; r < rowTiles; ++r)
          for (int64_t i = 0; i < kAccumulators; ++i) {
            Value &total = totals[r * kAccumulators + i];
            total = arith::MulFOp::create(b, loc, total,
                                          i < 2 ? scaleLow : scaleHigh);
            if (channelSums)
              total = math::FmaOp::create(
                  b, loc,
                  totals[rowTiles * kAccumulators + r * kSumsPerRowTile +
                         i % 2],
                  i < 2 ? offsetLow : offsetHigh, total);
          }
      }
      storeOutputs(totals, workspace, z);
    }

    /// The 32-byte chunk of shared row r that holds chunk s of the tile's
    /// row: s ^ swizzleOf(r).
    Value swizzleOf(Value row) {
      const int64_t chunks = depth / 16; // 32-byte chunks per row
      return arith::RemUIOp::create(
          b, loc,
          arith::DivUIOp::create(b, loc, row, index(4 / chunks)),
          index(chunks));
    }

    /// Starts the copies of the block's tile `i` of its slice into stage
    /// buffer `slot` (none past the slice) and commits them as one group
    /// (empty past the slice, so that every iteration commits one).
    void issueStage(Value i, Value slot) {
      auto ifInSlice = buildIfBelow(i, tileCount);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&ifInSlice.getThenRegion().front());
        Value tile = arith::AddIOp::create(b, loc, firstTile, i);
        Value tileStart = arith::MulIOp::create(b, loc, tile, index(depth));
        // Activations: rowsPerBlock rows of 2 * depth bytes, in 16-byte
        // copies spread over the block's threads.
        const int64_t copies = rowsPerBlock * chunksPerRow;
        Value tid = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, warp, index(mlir::wq::kWarpSize)),
            lane);
        for (int64_t first = 0; first < copies; first += threads()) {
          Value c = arith::AddIOp::create(b, loc, tid, index(first));
          auto copy = [&] {
            Value r = arith::DivUIOp::create(b, loc, c, index(chunksPerRow));
            Value h = arith::RemUIOp::create(b, loc, c, index(chunksPerRow));
            Value row = arith::AddIOp::create(b, loc, rowBase, r);
            // Rows past M: a zero-filling copy (source size 0) of a row
            // that exists.
            Value inRows = arith::CmpIOp::create(
                b, loc, arith::CmpIPredicate::ult, row, rows);
            Value sourceRow = arith::MinUIOp::create(
                b, loc, row,
                arith::SubIOp::create(b, loc, rows, index(1)));
            Value sourceElements =
                arith::SelectOp::create(b, loc, inRows, index(8), index(0));
            Value sourceColumn = arith::AddIOp::create(
                b, loc, tileStart,
                arith::MulIOp::create(b, loc, h, index(8)));
            Value chunk = arith::XOrIOp::create(
                b, loc, arith::DivUIOp::create(b, loc, h, index(2)),
                swizzleOf(r));
            Value destColumn = arith::AddIOp::create(
                b, loc, arith::MulIOp::create(b, loc, chunk, index(16)),
                arith::MulIOp::create(
                    b, loc, arith::RemUIOp::create(b, loc, h, index(2)),
                    index(8)));
            nvgpu::DeviceAsyncCopyOp::create(
                b, loc, sharedX, ValueRange{slot, r, destColumn}, buffers.x,
                ValueRange{sourceRow, sourceColumn}, b.getIndexAttr(8),
                sourceElements, /*bypassL1=*/b.getUnitAttr());
          };
          if (first + threads() <= copies) {
            copy();
            continue;
          }
          auto ifCopy = buildIfBelow(c, index(copies));
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPointToStart(&ifCopy.getThenRegion().front());
          copy();
        }
        // Weights: each lane its own 16 bytes of its warp's tile (it alone
        // reads them back).
        nvgpu::DeviceAsyncCopyOp::create(
            b, loc, sharedW, ValueRange{slot, warp, laneByte},
            buffers.packed, ValueRange{column, tile, laneByte},
            b.getIndexAttr(16), Value(), /*bypassL1=*/b.getUnitAttr());
      }
      buildSyncPtx("cp.async.commit_group;");
    }

    /// The mmas of the stage in buffer `slot` (tile `tile` of K, the `u`-th
    /// of its unit) over every row tile.
    SmallVector<Value> computeStage(Value slot, Value tile, int64_t u,
                                    ValueRange carried) {
      SmallVector<Value> values(carried);
      MutableArrayRef<Value> accs =
          MutableArrayRef<Value>(values).take_front(rowTiles * kAccumulators);
      MutableArrayRef<Value> channelSums =
          MutableArrayRef<Value>(values).drop_front(rowTiles * kAccumulators);
      Value bytes = vector::LoadOp::create(
          b, loc, VectorType::get({16}, b.getI8Type()), sharedW,
          ValueRange{slot, warp, laneByte}, /*nontemporal=*/false,
          llvm::MaybeAlign(16));
      Value words = vector::BitCastOp::create(
          b, loc, VectorType::get({4}, b.getI32Type()), bytes);
      Value tileStart = arith::MulIOp::create(b, loc, tile, index(depth));
      const bool groupSums = offsets && !perChannel && !offsetsInMma;
      for (int64_t s = 0; s < stepsPerTile; ++s) {
        const int64_t unitStep = u * stepsPerTile + s;
        const bool groupStart =
            !perChannel && unitStep % stepsPerGroup == 0;
        const bool groupEnd =
            !perChannel && (unitStep + 1) % stepsPerGroup == 0;
        if (groupStart) {
          setGroupConstants(arith::DivUIOp::create(
              b, loc,
              arith::AddIOp::create(b, loc, tileStart, index(16 * s)),
              index(group)));
          partial.assign(rowTiles * kAccumulators, f32(0.0f));
          if (groupSums)
            partialSums.assign(rowTiles * kSumsPerRowTile, f32(0.0f));
        }
        SmallVector<Value> a = buildFragmentA(stepWordsOf(words, s));
        Value bColumn = arith::AddIOp::create(
            b, loc,
            arith::MulIOp::create(
                b, loc,
                arith::XOrIOp::create(b, loc, index(s), laneSwizzle),
                index(16)),
            arith::MulIOp::create(b, loc, quad, index(4)));
        for (int64_t r = 0; r < rowTiles; ++r) {
          Value row = arith::AddIOp::create(b, loc, lowInBlock,
                                            index(kRowsPerMma * r));
          Value xs = vector::LoadOp::create(
              b, loc, VectorType::get({4}, halfType), sharedX,
              ValueRange{slot, row, bColumn}, /*nontemporal=*/false,
              llvm::MaybeAlign(8));
          Value pairs = vector::BitCastOp::create(
              b, loc, VectorType::get({2}, b.getI32Type()), xs);
          SmallVector<Value> bRegs = {
              vector::ExtractOp::create(b, loc, pairs, 0),
              vector::ExtractOp::create(b, loc, pairs, 1)};
          auto accRange = accs.slice(r * kAccumulators, kAccumulators);
          if (perChannel) {
            llvm::copy(buildMma(a, bRegs, accRange), accRange.begin());
            if (offsets)
              addActivationSums(bRegs, channelSums.slice(r * kSumsPerRowTile,
                                                         kSumsPerRowTile));
            continue;
          }
          auto partRange =
              MutableArrayRef<Value>(partial).slice(r * kAccumulators,
                                                    kAccumulators);
          llvm::copy(buildMma(a, bRegs, partRange), partRange.begin());
          if (offsetsInMma) {
            llvm::copy(buildMma(offsetFragmentA(), bRegs, accRange),
                       accRange.begin());
          } else if (groupSums) {
            addActivationSums(bRegs,
                              MutableArrayRef<Value>(partialSums)
                                  .slice(r * kSumsPerRowTile, kSumsPerRowTile));
          }
          if (!groupEnd)
            continue;
          for (int64_t i = 0; i < kAccumulators; ++i) {
            accRange[i] = math::FmaOp::create(
                b, loc, partRange[i], i < 2 ? scaleLow : scaleHigh,
                accRange[i]);
            if (groupSums)
              accRange[i] = math::FmaOp::create(
                  b, loc, partialSums[r * kSumsPerRowTile + i % 2],
                  i < 2 ? offsetLow : offsetHigh, accRange[i]);
          }
        }
      }
      return values;
    }

    /// Accumulator i of row tile r is output (row rowBase + 8r + 2q + i % 2,
    /// channel g for i < 2, else g + 8, of the warp's tile column); into the
    /// workspace's slice z when there is one.
    void storeOutputs(ArrayRef<Value> totals, Value workspace, Value z) {
      Value firstRow = arith::AddIOp::create(
          b, loc, rowBase, arith::MulIOp::create(b, loc, quad, index(2)));
      Value columnStart = arith::MulIOp::create(
          b, loc, outColumn, index(numerics::kMmaTileChannels));
      for (int64_t r = 0; r < rowTiles; ++r)
        for (int64_t i = 0; i < kAccumulators; ++i) {
          Value value = totals[r * kAccumulators + i];
          Value row = arith::AddIOp::create(
              b, loc, firstRow, index(kRowsPerMma * r + i % 2));
          Value channel = arith::AddIOp::create(
              b, loc, columnStart, i < 2 ? lowInBlock : highInBlock);
          Value inRange = arith::AndIOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                    rows),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                    channel, index(n)));
          auto ifStore = scf::IfOp::create(b, loc, inRange);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(&ifStore.getThenRegion().front());
          if (workspace)
            memref::StoreOp::create(b, loc, value, workspace,
                                    ValueRange{z, row, channel});
          else
            memref::StoreOp::create(
                b, loc, arith::TruncFOp::create(b, loc, halfType, value),
                buffers.out, ValueRange{row, channel});
        }
    }

    PrefillOptions options;
    int64_t staticRows, rowTiles, rowsPerBlock, columns, stages, unitTiles,
        units, stepsPerGroup, chunksPerRow;
    Value lane, warp, quad, outColumn, rowBase, rows, laneByte, laneSwizzle,
        firstTile, tileCount, sharedX, sharedW;
    // The group's mma sums so far (per row tile, kAccumulators each) and,
    // for offsets added through activation sums, its sums so far.
    SmallVector<Value> partial, partialSums;
  };
};

struct WQLowerToGpuPrefillPass
    : public mlir::wq::impl::WQLowerToGpuPrefillPassBase<
          WQLowerToGpuPrefillPass> {
  using Base::Base;
  void runOnOperation() override {
    if (stages < 0 || stages == 1 || stages > 8) {
      getOperation()->emitError(
          "wq-lower-to-gpu-prefill: stages must be 0 (4) or in [2, 8]");
      return signalPassFailure();
    }
    if (splitK < 0 || splitK > kMaxSplitK) {
      getOperation()->emitError("wq-lower-to-gpu-prefill: split-k must be "
                                "in [0, 16] (0: by the grid)");
      return signalPassFailure();
    }
    if (smCount < 1) {
      getOperation()->emitError(
          "wq-lower-to-gpu-prefill: sm-count must be at least 1");
      return signalPassFailure();
    }
    if (failed(checkMmaTileOps(getOperation())))
      return signalPassFailure();
    PrefillOptions options;
    options.stages = stages;
    options.splitK = splitK;
    options.smCount = smCount;
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerMatmulToGpuPrefill>(&getContext(), options);
    if (failed(applyPatternsToExistingOps(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

std::optional<std::string> mlir::wq::checkMmaPrefill(MatmulOp op) {
  if (std::optional<std::string> why = checkMmaTileWeight(op))
    return why;
  int64_t rows = op.getInput().getType().getDimSize(0);
  if (!ShapedType::isDynamic(rows) && rows <= kMaxDecodeRows)
    return std::string("M <= 16 is the decode kernel's");
  return std::nullopt;
}
