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
// sm_90a (wgmma): one warpgroup mma per step over all the block's rows, B
// read by the tensor cores from the stage through a descriptor. From 128
// rows on and for dynamic M the stages are filled by TMA instead of
// cp.async: thread 0 copies a stage's activations with one
// cp.async.bulk.tensor through a tensor map the host code gets from
// kernels_runtime (the copy applies wgmma's swizzle and zero-fills rows past
// M) and each warp's weight tile with one cp.async.bulk, all completing on
// the stage's mbarrier, whose phase every thread waits for.
//
// Split-K: when the grid would leave SMs idle, gridDim.z slices of K (whole
// groups) write f32 partial outputs to a workspace that a second kernel
// adds up; with dynamic M the host picks the slice count at run time (one
// slice: the kernel writes the output directly).
//
//===----------------------------------------------------------------------===//

#include "GpuDecode.h"
#include "wq/Numerics/GpuLayout.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
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
/// wgmma: at most 128 rows per block (m64n128k16, 64 accumulators per
/// thread: no group partial sums there), and two warpgroups (128 channels)
/// sharing each stage's activations.
constexpr int64_t kMaxWgmmaRowTiles = 16;
constexpr int64_t kMaxWarpgroups = 2;
/// wgmma: dynamic shared memory per block (the launch opts in beyond 48 KB),
/// small enough for two blocks per SM (228 KB, 1 KB of it reserved per
/// block).
constexpr int64_t kMaxWgmmaSharedBytes = 113 * 1024;
/// K slices at most.
constexpr int64_t kMaxSplitK = 16;
/// Dynamic shared memory per block without a per-kernel opt-in.
constexpr int64_t kMaxSharedBytes = 48 * 1024;
/// Threads per block of the split-K reduction.
constexpr int64_t kReduceThreads = 256;
/// The wgmma schedule's activation stages start on this shared-memory
/// boundary: the 128-byte swizzle repeats every 8 rows of 128 bytes, and
/// wgmma applies it to address bits 4-9.
constexpr int64_t kSwizzleAtomBytes = 1024;
/// wgmma with TMA: from this many static rows on (a block of 128 rows,
/// wgmma's widest), and for dynamic M (prompts).
constexpr int64_t kMinTmaRows = 128;
/// An mbarrier: 8 bytes of shared memory.
constexpr int64_t kMbarrierBytes = 8;
/// What the host code calls for the activations' tensor map
/// (kernels_runtime/include/wq_runtime.h).
constexpr llvm::StringLiteral kTensorMapFunction = "wqrtTensorMapEncodeTiled2D";

struct PrefillOptions {
  int64_t stages = 0; // 0: 4
  int64_t splitK = 0; // 0: by the grid
  int64_t smCount = 132;
  /// sm_90a: warpgroup wgmma instead of mma.sync.
  bool wgmma = false;
  /// wgmma: stages by TMA bulk copies from kMinTmaRows rows on.
  bool tma = true;
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
      wgmma = options.wgmma;
      const bool dynamicRows = ShapedType::isDynamic(staticRows);
      // The tensor map and the bulk copies address the activations and
      // weights from their base pointers.
      auto contiguous = [](Value buffer) {
        return cast<MemRefType>(buffer.getType()).getLayout().isIdentity();
      };
      tma = wgmma && options.tma &&
            (dynamicRows || staticRows >= kMinTmaRows) &&
            contiguous(buffers.x) && contiguous(buffers.packed);
      // The block's rows: all of M up to the largest tile (a dynamic M:
      // mma.sync's largest, 64).
      const int64_t maxRowTiles =
          wgmma && !dynamicRows ? kMaxWgmmaRowTiles : kMaxRowTiles;
      rowTiles = dynamicRows
                     ? kMaxRowTiles
                     : std::min(maxRowTiles,
                                (staticRows + kRowsPerMma - 1) / kRowsPerMma);
      rowsPerBlock = kRowsPerMma * rowTiles;
      // A wgmma is issued by a whole warpgroup: 4 warps even when fewer
      // tile columns are left (the extra warps compute on the last one).
      // Two warpgroups (128 channels) halve the activations' reloads from
      // L2 where the grid still gives every SM a block (static M).
      columns = wgmma ? kColumnsPerBlock
                      : std::min(kColumnsPerBlock, channelBlocks);
      if (wgmma && !dynamicRows) {
        const int64_t wide = kColumnsPerBlock * kMaxWarpgroups;
        const int64_t rowBlocks =
            (staticRows + rowsPerBlock - 1) / rowsPerBlock;
        if ((channelBlocks + wide - 1) / wide * rowBlocks >= options.smCount)
          columns = wide;
      }
      stages = options.stages > 0 ? options.stages : 4;
      // wgmma: a stage's buffer is refilled two tiles after it was
      // computed (the previous tile's wgmmas may still be reading theirs),
      // so at least 3 buffers for one copy in flight.
      const int64_t minStages = wgmma ? 3 : 2;
      stages = std::max(stages, minStages);
      // mma.sync: at most 48 KB of dynamic shared memory, what a launch
      // gets without opting in per kernel (cuFuncSetAttribute); wgmma:
      // two blocks per SM. Fewer stages if needed.
      const int64_t maxShared = wgmma ? kMaxWgmmaSharedBytes : kMaxSharedBytes;
      while (stages > minStages && sharedBytes() > maxShared)
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
      return sharedActivationBytes() + sharedWeightBytes() +
             (tma ? stages * kMbarrierBytes : 0) +
             (wgmma ? kSwizzleAtomBytes : 0);
    }
    int64_t sharedWeightBytes() const {
      return stages * columns * numerics::kMmaTileBytes;
    }
    /// Bytes of one activation row of a stage (one tile's depth).
    int64_t rowBytes() const { return depth * 2; }
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
      if (tma)
        tensorMap = buildActivationTensorMap(rowsValue);
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

    /// The device-resident tensor map of the activations [rows, K] (16-bit
    /// elements, row-major) in boxes of one stage, rowsPerBlock rows by one
    /// tile's depth, swizzled as wgmma reads them (128 bytes for int4's
    /// 128-byte rows, 64 for int8's 64-byte ones): made on the host by
    /// kernels_runtime (cuTensorMapEncodeTiled), once per buffer and shape.
    Value buildActivationTensorMap(Value rowsValue) {
      auto module = op->getParentOfType<ModuleOp>();
      auto pointer = LLVM::LLVMPointerType::get(b.getContext());
      if (!module.lookupSymbol<func::FuncOp>(kTensorMapFunction)) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(module.getBody());
        Type indexType = b.getIndexType();
        auto declaration = func::FuncOp::create(
            b, module.getLoc(), kTensorMapFunction,
            b.getFunctionType(SmallVector<Type>(6, indexType), {pointer}));
        declaration.setPrivate();
      }
      Value base =
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffers.x);
      return func::CallOp::create(
                 b, loc, kTensorMapFunction, TypeRange{pointer},
                 ValueRange{base, rowsValue, index(k), index(rowsPerBlock),
                            index(depth), index(rowBytes())})
          .getResult(0);
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
      isIssuer = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                                       index(0));
      lane = arith::RemUIOp::create(b, loc, tid, index(mlir::wq::kWarpSize));
      warp = arith::DivUIOp::create(b, loc, tid, index(mlir::wq::kWarpSize));
      Value g = arith::DivUIOp::create(b, loc, lane, index(4));
      quad = arith::RemUIOp::create(b, loc, lane, index(4));
      firstBlockColumn = arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                               index(columns));
      outColumn = arith::AddIOp::create(b, loc, firstBlockColumn, warp);
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

      Value bytes = buildDynamicSharedBytes(b, loc);
      // wgmma reads the activations through descriptors of their
      // shared-memory address, whose swizzle needs the stages on a
      // kSwizzleAtomBytes boundary: skip to the next one.
      Value xOffset = index(0);
      if (wgmma) {
        Value address =
            memref::ExtractAlignedPointerAsIndexOp::create(b, loc, bytes);
        xOffset = arith::RemUIOp::create(
            b, loc,
            arith::SubIOp::create(
                b, loc, index(kSwizzleAtomBytes),
                arith::RemUIOp::create(b, loc, address,
                                       index(kSwizzleAtomBytes))),
            index(kSwizzleAtomBytes));
        sharedXAddress = arith::AddIOp::create(b, loc, address, xOffset);
      }
      sharedX = memref::ViewOp::create(
          b, loc,
          workgroupMemRefType(b.getContext(), {stages, rowsPerBlock, depth},
                              halfType),
          bytes, xOffset, ValueRange());
      sharedW = memref::ViewOp::create(
          b, loc,
          workgroupMemRefType(b.getContext(),
                              {stages, columns, numerics::kMmaTileBytes},
                              b.getI8Type()),
          bytes,
          arith::AddIOp::create(b, loc, xOffset,
                                index(sharedActivationBytes())),
          ValueRange());

      // wgmma: scales (and offsets) go into the A fragments, except per
      // channel without offsets, where the f32 totals are scaled once.
      scaleInFragment = wgmma && !(perChannel && !offsets);
      if (perChannel) {
        setGroupConstants(index(0));
        if (scaleInFragment)
          setFragmentScales();
      }
      if (tma)
        initBarriers();
      // Prologue: tiles 0 .. ahead - 1 in flight (mma.sync: stages - 1;
      // wgmma: stages - 2, see above).
      const int64_t ahead = wgmma ? stages - 2 : stages - 1;
      for (int64_t s = 0; s < ahead; ++s)
        issueStage(index(s), index(s));

      SmallVector<Value> initial(rowTiles * kAccumulators, f32(0.0f));
      // Activation sums for per-channel offsets, unless the offsets are in
      // the A fragments.
      const bool channelSums = perChannel && offsets && !scaleInFragment;
      if (channelSums)
        initial.append(rowTiles * kSumsPerRowTile, f32(0.0f));
      auto loop = scf::ForOp::create(
          b, loc, index(0), tileCount, index(unitTiles), initial,
          [&](OpBuilder &, Location, Value unitStart, ValueRange carried) {
            SmallVector<Value> values(carried);
            for (int64_t u = 0; u < unitTiles; ++u) {
              Value i = arith::AddIOp::create(b, loc, unitStart, index(u));
              // Tile i has landed (every later group but ahead - 1 may
              // still be in flight), and every warp is done with the
              // buffer the copies of tile i + ahead overwrite: tile i - 1's
              // (mma.sync), tile i - 2's (wgmma: each warp waits for its
              // wgmmas but the last tile's before the barrier). With TMA,
              // tile i is waited for on its stage's mbarrier after the
              // barrier.
              if (!tma)
                buildSyncPtx(llvm::formatv("cp.async.wait_group {0};",
                                           ahead - 1)
                                 .str());
              if (wgmma)
                buildSyncPtx("wgmma.wait_group.sync.aligned 1;");
              // cp.async writes through the generic proxy, wgmma reads
              // through the async proxy (TMA writes through it too).
              if (wgmma && !tma)
                buildSyncPtx("fence.proxy.async.shared::cta;");
              buildSyncPtx("bar.sync 0;");
              Value next = arith::AddIOp::create(b, loc, i, index(ahead));
              issueStage(next,
                         arith::RemUIOp::create(b, loc, next, index(stages)));
              Value slot = arith::RemUIOp::create(b, loc, i, index(stages));
              if (tma)
                waitForStage(slot, i);
              values = computeStage(
                  slot, arith::AddIOp::create(b, loc, firstTile, i), u,
                  values);
            }
            scf::YieldOp::create(b, loc, values);
          });
      SmallVector<Value> totals(loop.getResults());
      if (wgmma) {
        buildSyncPtx("wgmma.wait_group.sync.aligned 0;");
        totals = fenceAccumulators(totals);
      }
      if (perChannel && !scaleInFragment) {
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
      if (tma)
        return issueStageTma(i, slot);
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
            Value destColumn;
            if (wgmma) {
              // wgmma's swizzle: 16-byte chunk h of row r at h ^ (address
              // bits 7.. of the row), i.e. r mod 8 for 128-byte rows (int4),
              // (r / 2) mod 4 for 64-byte ones (int8).
              Value rowSwizzle = arith::RemUIOp::create(
                  b, loc,
                  arith::DivUIOp::create(b, loc, r,
                                         index(128 / rowBytes())),
                  index(rowBytes() / 16));
              destColumn = arith::MulIOp::create(
                  b, loc, arith::XOrIOp::create(b, loc, h, rowSwizzle),
                  index(8));
            } else {
              Value chunk = arith::XOrIOp::create(
                  b, loc, arith::DivUIOp::create(b, loc, h, index(2)),
                  swizzleOf(r));
              destColumn = arith::AddIOp::create(
                  b, loc, arith::MulIOp::create(b, loc, chunk, index(16)),
                  arith::MulIOp::create(
                      b, loc, arith::RemUIOp::create(b, loc, h, index(2)),
                      index(8)));
            }
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

    /// The i32 shared-memory address `offset` bytes into the stage buffers
    /// (activations, then weights, then the mbarriers).
    Value sharedAddress(Value offset) {
      return arith::IndexCastUIOp::create(
          b, loc, b.getI32Type(),
          arith::AddIOp::create(b, loc, sharedXAddress, offset));
    }
    Value barrierOf(Value slot) {
      return sharedAddress(arith::AddIOp::create(
          b, loc, index(sharedActivationBytes() + sharedWeightBytes()),
          arith::MulIOp::create(b, loc, slot, index(kMbarrierBytes))));
    }

    /// TMA: thread 0 initializes one mbarrier per stage (one arrival: its
    /// own arrive.expect_tx; the copies' bytes complete the phase), made
    /// visible to the async proxy and then to the block. Inline PTX here and
    /// below: nvgpu's and nvvm's mbarrier and TMA ops declare no memory
    /// effects, which the buffer deallocation pass after this schedule
    /// rejects.
    void initBarriers() {
      auto ifIssuer = scf::IfOp::create(b, loc, isIssuer);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&ifIssuer.getThenRegion().front());
        for (int64_t s = 0; s < stages; ++s)
          buildInlinePtx(b, loc, Type(), ValueRange{barrierOf(index(s))},
                         "mbarrier.init.shared::cta.b64 [$0], 1;",
                         "r,~{memory}", /*hasSideEffects=*/true);
        buildSyncPtx("fence.mbarrier_init.release.cluster;");
      }
      buildSyncPtx("bar.sync 0;");
      // The kernel reads the activations only through the tensor map, which
      // buffer liveness cannot see: an empty asm taking their address keeps
      // their buffer's deallocation after the launch.
      Value xAddress = arith::IndexCastUIOp::create(
          b, loc, b.getI64Type(),
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffers.x));
      buildInlinePtx(b, loc, Type(), ValueRange{xAddress}, "", "l",
                     /*hasSideEffects=*/true);
    }

    /// TMA: thread 0 starts the copies of the block's tile `i` of its slice
    /// into stage buffer `slot` (none past the slice): the activations
    /// [rowBase, rowBase + rowsPerBlock) x the tile's positions by one
    /// cp.async.bulk.tensor through the tensor map (rows past M and the
    /// swizzle done by the copy), each warp's 512-byte weight tile by one
    /// cp.async.bulk; all complete on the stage's mbarrier, whose expected
    /// bytes thread 0 sets first.
    void issueStageTma(Value i, Value slot) {
      Value issue = arith::AndIOp::create(
          b, loc, isIssuer,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i,
                                tileCount));
      auto ifIssue = scf::IfOp::create(b, loc, issue);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&ifIssue.getThenRegion().front());
      Value tile = arith::AddIOp::create(b, loc, firstTile, i);
      Value barrier = barrierOf(slot);
      const int64_t stageBytes = rowsPerBlock * rowBytes() +
                                 columns * numerics::kMmaTileBytes;
      buildInlinePtx(b, loc, Type(), ValueRange{barrier, i32(stageBytes)},
                     "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;",
                     "r,r,~{memory}", /*hasSideEffects=*/true);
      auto toI32 = [&](Value v) {
        return arith::IndexCastUIOp::create(b, loc, b.getI32Type(), v);
      };
      Value xDestination = sharedAddress(arith::MulIOp::create(
          b, loc, slot, index(rowsPerBlock * rowBytes())));
      buildInlinePtx(
          b, loc, Type(),
          ValueRange{xDestination, tensorMap,
                     toI32(arith::MulIOp::create(b, loc, tile, index(depth))),
                     toI32(rowBase), barrier},
          "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::"
          "complete_tx::bytes [$0], [$1, {$2, $3}], [$4];",
          "r,l,r,r,r,~{memory}", /*hasSideEffects=*/true);
      Value packed = arith::IndexCastUIOp::create(
          b, loc, b.getI64Type(),
          memref::ExtractAlignedPointerAsIndexOp::create(b, loc,
                                                         buffers.packed));
      for (int64_t w = 0; w < columns; ++w) {
        // Warps past the last tile column read the last column's tile.
        Value warpColumn = arith::MinUIOp::create(
            b, loc,
            arith::AddIOp::create(b, loc, firstBlockColumn, index(w)),
            index(channelBlocks - 1));
        Value tileIndex = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, warpColumn, index(tiles)),
            tile);
        Value source = arith::AddIOp::create(
            b, loc, packed,
            arith::IndexCastUIOp::create(
                b, loc, b.getI64Type(),
                arith::MulIOp::create(b, loc, tileIndex,
                                      index(numerics::kMmaTileBytes))));
        Value destination = sharedAddress(arith::AddIOp::create(
            b, loc,
            arith::MulIOp::create(b, loc, slot,
                                  index(columns * numerics::kMmaTileBytes)),
            index(sharedActivationBytes() + w * numerics::kMmaTileBytes)));
        buildInlinePtx(b, loc, Type(),
                       ValueRange{destination, source,
                                  i32(numerics::kMmaTileBytes), barrier},
                       "cp.async.bulk.shared::cluster.global.mbarrier::"
                       "complete_tx::bytes [$0], [$1], $2, [$3];",
                       "r,l,r,r,~{memory}", /*hasSideEffects=*/true);
      }
    }

    /// TMA: waits until tile `i` has landed in stage buffer `slot`: the
    /// phase (i / stages) of the stage's mbarrier (its parity) is complete.
    void waitForStage(Value slot, Value i) {
      Value barrier = barrierOf(slot);
      Value parity = arith::IndexCastUIOp::create(
          b, loc, b.getI32Type(),
          arith::RemUIOp::create(
              b, loc, arith::DivUIOp::create(b, loc, i, index(stages)),
              index(2)));
      auto loop = scf::WhileOp::create(b, loc, TypeRange(), ValueRange());
      {
        OpBuilder::InsertionGuard guard(b);
        b.createBlock(&loop.getBefore());
        Value ready = buildInlinePtx(
            b, loc, b.getI32Type(), ValueRange{barrier, parity},
            "{\n.reg .pred %wq_ready;\nmbarrier.try_wait.parity.shared::cta."
            "b64 %wq_ready, [$1], $2;\nselp.u32 $0, 1, 0, %wq_ready;\n}",
            "=r,r,r,~{memory}", /*hasSideEffects=*/true);
        scf::ConditionOp::create(
            b, loc,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, ready,
                                  i32(0)),
            ValueRange());
        b.createBlock(&loop.getAfter());
        scf::YieldOp::create(b, loc);
      }
    }

    /// The mmas of the stage in buffer `slot` (tile `tile` of K, the `u`-th
    /// of its unit) over every row tile.
    SmallVector<Value> computeStage(Value slot, Value tile, int64_t u,
                                    ValueRange carried) {
      if (wgmma)
        return computeStageWgmma(slot, tile, u, carried);
      SmallVector<Value> values(carried);
      MutableArrayRef<Value> accs =
          MutableArrayRef<Value>(values).take_front(rowTiles * kAccumulators);
      MutableArrayRef<Value> channelSums =
          MutableArrayRef<Value>(values).drop_front(rowTiles * kAccumulators);
      Value words = laneWordsOf(slot);
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

    /// The lane's 16 bytes of its warp's weight tile in stage buffer
    /// `slot`, as vector<4xi32> (one 128-bit shared-memory load).
    Value laneWordsOf(Value slot) {
      Value bytes = vector::LoadOp::create(
          b, loc, VectorType::get({16}, b.getI8Type()), sharedW,
          ValueRange{slot, warp, laneByte}, /*nontemporal=*/false,
          llvm::MaybeAlign(16));
      return vector::BitCastOp::create(
          b, loc, VectorType::get({4}, b.getI32Type()), bytes);
    }

    /// The wgmma form of computeStage: per 16-position step the warp's
    /// A fragment (dequantized weights, in the ISA's order) and one
    /// wgmma.m64nNk16 of the warpgroup over all N = rowsPerBlock activation
    /// rows, read from shared memory through a descriptor; the stage's
    /// wgmmas are committed as one group.
    SmallVector<Value> computeStageWgmma(Value slot, Value tile, int64_t u,
                                         ValueRange carried) {
      SmallVector<Value> accs(carried);
      Value words = laneWordsOf(slot);
      Value tileStart = arith::MulIOp::create(b, loc, tile, index(depth));
      for (int64_t s = 0; s < stepsPerTile; ++s) {
        const int64_t unitStep = u * stepsPerTile + s;
        if (!perChannel && unitStep % stepsPerGroup == 0) {
          setGroupConstants(arith::DivUIOp::create(
              b, loc,
              arith::AddIOp::create(b, loc, tileStart, index(16 * s)),
              index(group)));
          setFragmentScales();
        }
        SmallVector<Value> a = buildFragmentA(stepWordsOf(words, s));
        if (scaleInFragment)
          a = scaleFragmentA(a);
        a = toIsaOrder(a);
        // The A registers were just written: wgmma reads registers
        // asynchronously, so it is ordered after those writes by a fence.
        buildSyncPtx("wgmma.fence.sync.aligned;");
        accs = buildWgmma(a, descriptorB(slot, s), accs);
      }
      buildSyncPtx("wgmma.commit_group.sync.aligned;");
      return accs;
    }

    /// The mma_tiles layout gives lane q of a quad the step's positions
    /// 4q .. 4q + 3 (registers a0/a1: 4q, 4q + 1; a2/a3: 4q + 2, 4q + 3);
    /// mma.sync takes them in any order matching its B fragments, which the
    /// kernel loads in the same order, but wgmma reads B from shared memory
    /// in the ISA's order (2q, 2q + 1 and 2q + 8, 2q + 9). Pair p of the
    /// step (positions 2p, 2p + 1) sits in lane p / 2, register p % 2 and
    /// must move to lane p % 4, register p / 4: a rotation of the three
    /// bits (lane bit 1, lane bit 0, register), done as two exchanges of
    /// the register bit with a lane bit, one shfl.bfly each.
    SmallVector<Value> toIsaOrder(ArrayRef<Value> a) {
      SmallVector<Value> regs = asRegisters(a);
      Value quadI32 =
          arith::IndexCastUIOp::create(b, loc, b.getI32Type(), quad);
      for (int64_t bit : {1, 2}) {
        Value upper = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::ne,
            arith::AndIOp::create(b, loc, quadI32, i32(bit)), i32(0));
        // (a0, a2) hold the low channel's pairs, (a1, a3) the high one's.
        for (int64_t first : {0, 1}) {
          Value &x = regs[first], &y = regs[first + 2];
          Value send = arith::SelectOp::create(b, loc, upper, x, y);
          Value received =
              gpu::ShuffleOp::create(b, loc, send, i32(bit),
                                     i32(mlir::wq::kWarpSize),
                                     gpu::ShuffleMode::XOR)
                  .getShuffleResult();
          Value newX = arith::SelectOp::create(b, loc, upper, received, x);
          Value newY = arith::SelectOp::create(b, loc, upper, y, received);
          x = newX;
          y = newY;
        }
      }
      return regs;
    }

    /// The wgmma descriptor of step `step` of the activations in stage
    /// buffer `slot` (K-major, rows of one tile's depth, swizzled 128 bytes
    /// for int4 / 64 bytes for int8): start address / 16 (bits 0-13),
    /// leading byte offset 1 (unused when a row holds the whole K of the
    /// instruction), stride byte offset / 16 between 8-row groups (bits
    /// 32-45), the swizzle mode (bits 62-63: 1 = 128 bytes, 2 = 64).
    Value descriptorB(Value slot, int64_t step) {
      Value start = arith::AddIOp::create(
          b, loc, sharedXAddress,
          arith::AddIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, slot,
                                    index(rowsPerBlock * rowBytes())),
              index(32 * step)));
      Type i64 = b.getI64Type();
      Value address = arith::IndexCastUIOp::create(b, loc, i64, start);
      Value field = arith::ShRUIOp::create(
          b, loc,
          arith::AndIOp::create(
              b, loc, address,
              arith::ConstantIntOp::create(b, loc, i64, 0x3FFFF)),
          arith::ConstantIntOp::create(b, loc, i64, 4));
      const uint64_t swizzleMode = rowBytes() == 128 ? 1 : 2;
      const uint64_t constant = (uint64_t(1) << 16) |
                                (uint64_t(8 * rowBytes() / 16) << 32) |
                                (swizzleMode << 62);
      return arith::OrIOp::create(
          b, loc, field,
          arith::ConstantIntOp::create(b, loc, i64, int64_t(constant)));
    }

    /// D += A * B for the warpgroup's 64 channels and the block's
    /// rowsPerBlock activation rows: wgmma.mma_async.m64nNk16 with A from
    /// registers. Inline PTX: MLIR 22's nvvm.wgmma.mma_async and
    /// nvgpu.warpgroup.mma take A only from shared memory (a descriptor),
    /// and this kernel's A is dequantized in registers. The accumulators
    /// are tied operands (the registers wgmma updates in place); their
    /// layout per row tile r is mma.sync's D (accumulator 4r + i).
    SmallVector<Value> buildWgmma(ArrayRef<Value> a, Value descriptor,
                                  ArrayRef<Value> accs) {
      const int64_t count = accs.size();
      std::string text;
      llvm::raw_string_ostream os(text);
      os << "{\n.reg .pred p;\nsetp.ne.b32 p, $" << count + 5
         << ", 0;\nwgmma.mma_async.sync.aligned.m64n" << rowsPerBlock
         << "k16.f32." << (bf16 ? "bf16.bf16" : "f16.f16") << " {";
      for (int64_t i = 0; i < count; ++i)
        os << (i ? ", $" : "$") << i;
      os << "}, {$" << count << ", $" << count + 1 << ", $" << count + 2
         << ", $" << count + 3 << "}, $" << count + 4
         << ", p, 1, 1, 0;\n}";
      std::string constraints;
      for (int64_t i = 0; i < count; ++i)
        constraints += "=f,";
      constraints += "r,r,r,r,l,r";
      for (int64_t i = 0; i < count; ++i)
        constraints += "," + std::to_string(i);
      SmallVector<Value> operands(a);
      operands.push_back(descriptor);
      operands.push_back(i32(1)); // scale-d: D = A * B + D
      llvm::append_range(operands, accs);
      Type f32Type = b.getF32Type();
      auto resultType = LLVM::LLVMStructType::getLiteral(
          b.getContext(), SmallVector<Type>(count, f32Type));
      Value d = buildInlinePtx(b, loc, resultType, operands, text,
                               constraints, /*hasSideEffects=*/true);
      return unpackStruct(b, loc, d, count);
    }

    /// The accumulators as redefined after a wgmma.wait_group: an empty
    /// side-effecting asm ties them, so that no use moves above the wait.
    SmallVector<Value> fenceAccumulators(ArrayRef<Value> accs) {
      const int64_t count = accs.size();
      std::string constraints;
      for (int64_t i = 0; i < count; ++i)
        constraints += "=f,";
      for (int64_t i = 0; i < count; ++i)
        constraints += (i ? "," : "") + std::to_string(i);
      Type f32Type = b.getF32Type();
      auto resultType = LLVM::LLVMStructType::getLiteral(
          b.getContext(), SmallVector<Type>(count, f32Type));
      Value d = buildInlinePtx(b, loc, resultType, accs, "", constraints,
                               /*hasSideEffects=*/true);
      return unpackStruct(b, loc, d, count);
    }

    PrefillOptions options;
    int64_t staticRows, rowTiles, rowsPerBlock, columns, stages, unitTiles,
        units, stepsPerGroup, chunksPerRow;
    bool wgmma = false, scaleInFragment = false, tma = false;
    Value lane, warp, quad, outColumn, rowBase, rows, laneByte, laneSwizzle,
        firstTile, tileCount, sharedX, sharedW, sharedXAddress, isIssuer,
        firstBlockColumn, tensorMap;
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
    options.wgmma = wgmma;
    options.tma = tma;
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
