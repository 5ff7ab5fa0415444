//===- LowerToGpuMma.cpp - tensor-core decode schedule --------------------===//
//
// The tensor-core schedule of wq-lower-to-gpu-decode, for int4 and int8
// weights in the `mma_tiles` layout (wq-pack-layout) and f16/bf16
// activations, M <= 16.
//
// With the weights as the A operand of mma.sync.m16n8k16 (16 output channels
// by 16 positions of K) and the activations as B (16 positions by 8 rows),
// one mma serves up to 8 rows (two for 9..16) with f32 accumulation, so the
// kernel stays memory-bound at every decode M where one FMA per weight and
// row on the CUDA cores would not (at 4.8 TB/s an int4 weight arrives every
// 0.1 ns per GPU). Each warp takes a 16-channel tile column; each lane reads
// its 16 bytes of a 512-byte tile with one 128-bit load (the warp reads the
// tile contiguously), and each 32-bit word becomes one mma's four A registers:
// f16 `lop3` of the fields into the mantissa of 1024 (0x000f000f and
// 0x00f000f0, then the same on word >> 8) plus one sub/fma per register that
// also removes the zero point (bf16: 128, four lop3s on word >> 4i, one sub
// each; int8: prmt under f16 1024, or for bf16 under f32 2^23, then an f32
// sub and a prmt packing the bf16 halves). Field - zero is exact in
// f16/bf16 and the products exact in the f32 accumulators; each group's
// scale multiplies the group's f32 partial sums (per-channel scales multiply
// the totals once; a group of several tiles is scaled once, its scales and
// zero points loaded once). `split-k` warps of a block share a tile column,
// each taking runs of `unroll` consecutive tiles in turn, and add their
// partial sums through shared memory.
//
// Group offsets (w = s (q - z) + m) add m times the group's activation sum
// per output: sum_k x_k (s (q_k - z) + m) = s sum_k x_k (q_k - z) + m S_g.
// The sums come from one more mma per step and row tile on the same B
// registers, so the CUDA cores, the kernel's bottleneck (conversions), do
// next to nothing more while the tensor cores, mostly idle in decode, take
// the work. Summing the activations directly instead would need the lane's
// four halves converted and added per step, plus two xor shuffles (across
// the quad) and two indexed shuffles (row g to the lanes storing rows 2q,
// 2q + 1) per group and row tile.
//  - Offsets of the activations' type (f16 offsets with f16 activations,
//    bf16 with bf16: Q4_1 is f16), grouped: the A fragment is the offsets
//    themselves (row g: the low channel's m in both halves, row g + 8 the
//    high one's), so the mma adds m * sum of the step's activations straight
//    into the output accumulators (products of two halves are exact in f32),
//    with no partial sums and no extra FMAs.
//  - Otherwise (f32 offsets, or a type other than the activations'; per
//    channel, where the scale multiplies the totals at the end): A is all
//    ones, giving for every channel row the f32 sums of the activation rows
//    the lane stores (2q, 2q + 1), the two values both of its channels
//    need; a group adds offset * sum with one FMA per accumulator at its
//    end. Per channel the sums are taken in a loop of their own over the
//    warp's tiles before the main one (only activation loads and one mma
//    per step for both row tiles, activations as A and ones as B; two
//    values stay live through the main loop), and each warp applies scale
//    and offset to its totals before the split-K reduction (linear).
//
//===----------------------------------------------------------------------===//

#include "GpuDecode.h"
#include "wq/Numerics/GpuLayout.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::wq;

namespace {

/// Warps per SM the kernel is compiled to keep resident (of 64): with up to
/// four 512-byte tile loads in flight per warp, 64 KB per SM, above what the
/// H200's bandwidth-latency product asks of each of its 132 SMs (4.8 TB/s x
/// ~1 us loaded latency / 132 = ~36 KB), and every grid of up to 4096 warps
/// (defaultSplitK's limit) runs in one wave. The `resident-warps` option
/// trades warps for registers: on an H200 16 warps with twice the unroll
/// were slower in 34 of 36 cases at M = 4 to 16
/// (bench/results/gpu-kernels-h200.md).
constexpr int64_t kResidentWarpsPerSm = 32;

/// Warps per block sharing a tile column when `split-k` is 0: the most, up
/// to 16, that keep the grid within 4096 warps (each with up to four
/// 512-byte tile loads in flight), about one wave at kResidentWarpsPerSm on
/// an H200 (132 SMs), so that small N still fills the GPU. Measured on an
/// H200 (bench/results/gpu-kernels-h200.md, split-K sweep over 1 to 32 at M
/// = 1 and 16, int4 g128 and int8 on six shapes): this choice was the
/// fastest, or within 1% of it, in 23 of the 24 cases (int8 28672 x 8192 at
/// M = 1: 11% slower than split 16); int4 4096 x 14336 at M = 1 went from
/// 21.8 us (split 4) to 11.1 (split 16).
int64_t defaultSplitK(int64_t channelBlocks) {
  int64_t splitK = 16;
  while (splitK > 1 && channelBlocks * splitK > 4096)
    splitK /= 2;
  return splitK;
}

struct LowerMatmulToGpuMma : public OpRewritePattern<MatmulOp> {
  LowerMatmulToGpuMma(MLIRContext *context, const MmaDecodeOptions &options)
      : OpRewritePattern(context), options(options) {}

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &b) const override {
    QuantizedWeightAttr weight = op.getWeight();
    if (weight.getLayout().getKind() != LayoutKind::mma_tiles)
      return b.notifyMatchFailure(op, "not the mma_tiles layout");
    if (std::optional<std::string> why = checkMmaDecode(op))
      return b.notifyMatchFailure(op, *why);
    // Act-order, AWQ input scales and outliers around the kernel.
    op = splitSideInputs(b, op);
    Kernel kernel(b, op, options);
    kernel.build();
    return success();
  }

  MmaDecodeOptions options;

  /// The state of one kernel while it is built.
  struct Kernel : MmaTileKernelBase {
    Kernel(PatternRewriter &b, MatmulOp op, const MmaDecodeOptions &options)
        : MmaTileKernelBase(b, op) {
      rows = op.getInput().getType().getDimSize(0);
      rowTiles = (rows + kRowsPerMma - 1) / kRowsPerMma;
      // Up to four tiles per iteration at M <= 8 with at most one group per
      // tile: four 128-bit loads in flight per lane (2 KB per warp), which
      // the GPU needs to cover its memory latency at these register counts.
      // Two row tiles (twice the accumulators) or groups of 16/32 (their
      // scales and zero points per tile): two tiles, else ptxas spills;
      // group offsets added through activation sums (their partial sums,
      // offsets and a second mma per step): two tiles, one with two row
      // tiles. Compiled for half the resident warps or fewer (twice the
      // registers): twice as many.
      const bool groupSums = offsets && !perChannel && !offsetsInMma;
      residentWarps = options.residentWarps > 0 ? options.residentWarps
                                                : kResidentWarpsPerSm;
      const int64_t registerFactor =
          residentWarps <= kResidentWarpsPerSm / 2 ? 2 : 1;
      const int64_t maxUnroll =
          registerFactor * (groupSums                      ? (rowTiles > 1 ? 1 : 2)
                            : rowTiles == 1 && group >= 64 ? 4
                                                           : 2);
      unroll = 1;
      while (unroll < maxUnroll && tiles % (2 * unroll) == 0)
        unroll *= 2;
      // No more warps than runs of tiles.
      splitK = std::min(options.splitK > 0 ? options.splitK
                                           : defaultSplitK(channelBlocks),
                        tiles / unroll);
      // Several tile columns per block let the warps over the same K range
      // of different columns share activation loads through L1. One by
      // default: on an H200 (bench/results/gpu-kernels-h200.md, 1, 2 and 4
      // columns at M = 4, 8, 16 on six shapes) the activations already hit
      // L1 73% of the time with one (Nsight Compute, 28672 x 8192 at M =
      // 16; DRAM bytes = the weights'), and more columns won at most 7%
      // (M = 4) and lost up to 11% (M = 16).
      columns = options.columnsPerBlock > 0 ? options.columnsPerBlock : 1;
      // Whole tile columns per block, at most 1024 threads.
      while (columns > 1 && (channelBlocks % columns != 0 ||
                             columns * splitK * kWarpSize > 1024))
        columns /= 2;
      // Steps per group along a warp's run of tiles: a group of several
      // tiles spans them when the runs are made of whole groups, else each
      // tile starts its group afresh (per channel: one group the whole way).
      const int64_t tilesPerGroup = group / depth;
      stepsPerGroup = perChannel ? stepsPerTile * unroll
                      : tilesPerGroup > 1 && unroll % tilesPerGroup == 0
                          ? group / 16
                          : std::min(stepsPerTile, group / 16);
      partial.resize(rowTiles * kAccumulators);
      partialSums.resize(rowTiles * kSumsPerRowTile);
    }

    /// Blocks per SM that ptxas must fit: residentWarps warps (by default
    /// kResidentWarpsPerSm), i.e.
    /// at most 64 registers per thread (ptxas -v shows no spills). Without
    /// it ptxas, given only the block size, spends up to ~120 registers on
    /// hoisting and leaves half the warps.
    int64_t minBlocksPerSm() const {
      return std::max<int64_t>(1, residentWarps / warpsPerBlock());
    }
    int64_t warpsPerBlock() const { return columns * splitK; }

    /// Values a lane carries through the loop and reduces over the warps:
    /// the accumulators of every row tile.
    int64_t numTotals() const { return rowTiles * kAccumulators; }

    void build() {
      // The split-K partial sums meet in dynamic shared memory (workgroup
      // attributions would become block arguments that the buffer
      // deallocation pass after this schedule rewrites).
      Value sharedBytes;
      if (splitK > 1)
        sharedBytes = arith::ConstantIntOp::create(
            b, loc, b.getI32Type(),
            warpsPerBlock() * kWarpSize * numTotals() * 4);
      Value one = index(1);
      auto launch = gpu::LaunchOp::create(
          b, loc, index(channelBlocks / columns), one, one,
          index(warpsPerBlock() * kWarpSize), one, one, sharedBytes);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&launch.getBody().front());
        buildBody(launch);
        gpu::TerminatorOp::create(b, loc);
      }
      replaceWithGpuKernelOutput(b, op, buffers);
    }

    /// The loop over the warp's runs of `unroll` tiles: runs w, w + splitK,
    /// (w: the warp's place among its tile column's splitK warps)
    /// ... of the tiles / unroll runs (warps past the last run add nothing),
    /// so any split of K works, not only those dividing the runs evenly.
    /// `body(first tile of the run, carried values)` returns the values
    /// carried on.
    scf::ForOp buildRunLoop(
        ValueRange initial,
        llvm::function_ref<SmallVector<Value>(Value, ValueRange)> body) {
      return scf::ForOp::create(
          b, loc, kWarp, index(tiles / unroll), index(splitK), initial,
          [&](OpBuilder &, Location, Value run, ValueRange carried) {
            Value runStart = arith::MulIOp::create(b, loc, run, index(unroll));
            scf::YieldOp::create(b, loc, body(runStart, carried));
          });
    }

    void buildBody(gpu::LaunchOp launch) {
      Value tid = launch.getThreadIds().x;
      Value warpSize = index(kWarpSize);
      lane = arith::RemUIOp::create(b, loc, tid, warpSize);
      warp = arith::DivUIOp::create(b, loc, tid, warpSize);
      // Warp w of the block: tile column block * columns + w / splitK, the
      // (w % splitK)-th of its splitK warps along K.
      kWarp = arith::RemUIOp::create(b, loc, warp, index(splitK));
      column = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                index(columns)),
          arith::DivUIOp::create(b, loc, warp, index(splitK)));
      Value g = arith::DivUIOp::create(b, loc, lane, index(4));
      quad = arith::RemUIOp::create(b, loc, lane, index(4));
      lowChannel = arith::AddIOp::create(
          b, loc,
          arith::MulIOp::create(b, loc, column,
                                index(numerics::kMmaTileChannels)),
          g);
      highChannel = arith::AddIOp::create(b, loc, lowChannel, index(8));
      // Scales and zero points are [tile column, group, 16] (channels past N
      // are padding, stored nothing).
      lowInBlock = g;
      highInBlock = arith::AddIOp::create(b, loc, g, index(8));
      // Row tile r feeds activation row 8r + g through lanes 4g..4g+3 (the
      // B column, and output column, 8r + g). Rows past M load row M - 1 as
      // they are: an mma keeps its columns apart, and their sums are never
      // stored, so no select is spent on zeroing them.
      for (int64_t r = 0; r < rowTiles; ++r) {
        Value row = arith::AddIOp::create(b, loc, g, index(kRowsPerMma * r));
        xRows.push_back(rows >= kRowsPerMma * (r + 1)
                            ? row
                            : arith::MinUIOp::create(b, loc, row,
                                                     index(rows - 1)));
      }
      laneByte = arith::MulIOp::create(b, loc, lane, index(16));
      // One group per channel: its constants are loaded once, before the
      // loop; otherwise per group in buildTile.
      if (perChannel)
        setGroupConstants(index(0));

      // Per channel with offsets: the activation sums first (two values
      // live through the main loop; after it the accumulators are).
      Value rowSums[2];
      if (perChannel && offsets)
        buildActivationSumsLoop(rowSums);
      SmallVector<Value> initial(rowTiles * kAccumulators, f32(0.0f));
      auto loop = buildRunLoop(
          initial, [&](Value runStart, ValueRange accs) -> SmallVector<Value> {
            // Warp w of the block takes the runs of `unroll` consecutive
            // tiles w, w + splitK, ...: a group spanning several tiles (g128
            // and wider) then lies in one warp's run and its scales and zero
            // points are loaded once (every load is still one whole
            // 512-byte tile per warp).
            SmallVector<Value> tileIndex, words;
            for (int64_t u = 0; u < unroll; ++u) {
              Value t = arith::AddIOp::create(b, loc, runStart, index(u));
              tileIndex.push_back(t);
              auto bytes = vector::LoadOp::create(
                  b, loc, VectorType::get({16}, b.getI8Type()),
                  buffers.packed,
                  ValueRange{column, t, laneByte},
                  /*nontemporal=*/false, llvm::MaybeAlign(16));
              // The residency the kernel is compiled for (on the weight
              // loads, which every kernel keeps through canonicalization;
              // wq-annotate-gpu-kernels makes it the kernel's
              // .minnctapersm).
              bytes->setAttr("wq.min_blocks_per_sm",
                             b.getI32IntegerAttr(minBlocksPerSm()));
              words.push_back(vector::BitCastOp::create(
                  b, loc, VectorType::get({4}, b.getI32Type()), bytes));
            }
            SmallVector<Value> updated(accs);
            for (int64_t u = 0; u < unroll; ++u)
              updated = buildTile(tileIndex[u], u, words[u], updated);
            return updated;
          });
      SmallVector<Value> totals(loop.getResults());
      if (perChannel && offsets) {
        // s * total + m * sum per warp (linear, so the split-K reduction
        // adds finished terms and carries no sums).
        SmallVector<Value> sums = shuffleActivationSums(rowSums);
        for (int64_t r = 0; r < rowTiles; ++r)
          for (int64_t i = 0; i < kAccumulators; ++i) {
            Value &total = totals[r * kAccumulators + i];
            total = math::FmaOp::create(
                b, loc, sums[r * kSumsPerRowTile + i % 2],
                i < 2 ? offsetLow : offsetHigh,
                arith::MulFOp::create(b, loc, total,
                                      i < 2 ? scaleLow : scaleHigh));
          }
        totalsScaled = true;
      }

      if (splitK > 1)
        reduceOverWarps(totals);
      else
        storeOutputs(totals);
    }

    /// The B fragment of row tile `r` at `position`: the lane's four
    /// activations x[row][position .. position + 3] as two 32-bit registers.
    SmallVector<Value> loadFragmentB(Value position, int64_t r) {
      Value xs = vector::LoadOp::create(
          b, loc, VectorType::get({4}, halfType), buffers.x,
          ValueRange{xRows[r], position}, /*nontemporal=*/false,
          llvm::MaybeAlign(8));
      Value pairs = vector::BitCastOp::create(
          b, loc, VectorType::get({2}, b.getI32Type()), xs);
      SmallVector<Value> regs;
      for (int64_t i = 0; i < 2; ++i)
        regs.push_back(vector::ExtractOp::create(b, loc, pairs, i));
      return regs;
    }

    /// The lane's part of tile `t`, the `u`-th of the warp's run (its 4
    /// words), for every row tile.
    SmallVector<Value> buildTile(Value t, int64_t u, Value words,
                                 ValueRange accs) {
      SmallVector<Value> updated(accs);
      Value tileStart =
          arith::MulIOp::create(b, loc, t, index(depth));
      for (int64_t s = 0; s < stepsPerTile; ++s) {
        Value stepStart =
            arith::AddIOp::create(b, loc, tileStart, index(16 * s));
        const int64_t runStep = u * stepsPerTile + s;
        const bool groupStart = runStep % stepsPerGroup == 0;
        if (groupStart && !perChannel)
          setGroupConstants(
              arith::DivUIOp::create(b, loc, stepStart, index(group)));
        SmallVector<Value> a = buildFragmentA(stepWordsOf(words, s));
        Value position = arith::AddIOp::create(
            b, loc, stepStart,
            arith::MulIOp::create(b, loc, quad, index(4)));
        for (int64_t r = 0; r < rowTiles; ++r) {
          auto accRange = MutableArrayRef<Value>(updated).slice(
              r * kAccumulators, kAccumulators);
          SmallVector<Value> bRegs = loadFragmentB(position, r);
          if (perChannel) {
            // (Offsets: the activation sums come after the loop.)
            SmallVector<Value> d = buildMma(a, bRegs, accRange);
            llvm::copy(d, accRange.begin());
            continue;
          }
          auto partRange = MutableArrayRef<Value>(partial).slice(
              r * kAccumulators, kAccumulators);
          auto sumRange = MutableArrayRef<Value>(partialSums)
                              .slice(r * kSumsPerRowTile, kSumsPerRowTile);
          const bool groupSums = offsets && !offsetsInMma;
          if (groupStart) {
            llvm::fill(partRange, f32(0.0f));
            if (groupSums)
              llvm::fill(sumRange, f32(0.0f));
          }
          SmallVector<Value> d = buildMma(a, bRegs, partRange);
          llvm::copy(d, partRange.begin());
          if (offsetsInMma) {
            // acc[channel][row] += m[channel] * sum of the step's x[row].
            SmallVector<Value> withOffsets =
                buildMma(offsetFragmentA(), bRegs, accRange);
            llvm::copy(withOffsets, accRange.begin());
          } else if (groupSums) {
            addActivationSums(bRegs, sumRange);
          }
          if ((runStep + 1) % stepsPerGroup != 0)
            continue;
          // Accumulators 0, 1: the low channel; 2, 3: the high one (rows
          // 2q and 2q + 1 each, whose activation sums are sums 0 and 1).
          for (int64_t i = 0; i < kAccumulators; ++i) {
            accRange[i] = math::FmaOp::create(
                b, loc, partRange[i], i < 2 ? scaleLow : scaleHigh,
                accRange[i]);
            if (groupSums)
              accRange[i] = math::FmaOp::create(
                  b, loc, sumRange[i % 2], i < 2 ? offsetLow : offsetHigh,
                  accRange[i]);
          }
        }
      }
      return updated;
    }

    /// Per channel with offsets: the sums of the activation rows the lane
    /// stores (2q, 2q + 1 of each row tile, kSumsPerRowTile per row tile)
    /// over the warp's share of K (the tiles the main loop took). Here the
    /// activations are the A operand (16 rows: row tile 0 in rows g, row
    /// tile 1 in rows g + 8, from the very registers the main loop's B
    /// fragments load; the order of positions within a step is immaterial
    /// to a sum) and B is all ones, so one mma per step serves both row
    /// tiles and lane (g, q) ends with the sums of rows g (d0) and g + 8
    /// (d2); one indexed shuffle per value then brings row 2q + i from lane
    /// 4 (2q + i).
    void buildActivationSumsLoop(Value (&rowSums)[2]) {
      Value allOnes = ones();
      SmallVector<Value> initial(2, f32(0.0f)); // rows g, g + 8
      auto loop = buildRunLoop(
          initial, [&](Value runStart, ValueRange carried) -> SmallVector<Value> {
            Value low = carried[0], high = carried[1];
            for (int64_t u = 0; u < unroll; ++u) {
              Value tileStart = arith::MulIOp::create(
                  b, loc, arith::AddIOp::create(b, loc, runStart, index(u)),
                  index(depth));
              for (int64_t s = 0; s < stepsPerTile; ++s) {
                Value position = arith::AddIOp::create(
                    b, loc,
                    arith::AddIOp::create(b, loc, tileStart, index(16 * s)),
                    arith::MulIOp::create(b, loc, quad, index(4)));
                SmallVector<Value> rowsLow = loadFragmentB(position, 0);
                SmallVector<Value> rowsHigh =
                    rowTiles > 1 ? loadFragmentB(position, 1) : rowsLow;
                SmallVector<Value> d = buildMma(
                    {rowsLow[0], rowsHigh[0], rowsLow[1], rowsHigh[1]},
                    {allOnes, allOnes}, {low, low, high, high});
                low = d[0];
                high = d[2];
              }
            }
            return {low, high};
          });
      rowSums[0] = loop.getResult(0);
      rowSums[1] = loop.getResult(1);
    }

    /// The sums of rows 2q + i of each row tile (r, i), from the lanes 4 (2q
    /// + i) that hold them (rowSums: rows g and g + 8 of lane (g, q)).
    SmallVector<Value> shuffleActivationSums(Value (&rowSums)[2]) {
      SmallVector<Value> sums;
      for (int64_t r = 0; r < rowTiles; ++r)
        for (int64_t i = 0; i < kSumsPerRowTile; ++i) {
          Value source = arith::IndexCastOp::create(
              b, loc, b.getI32Type(),
              arith::MulIOp::create(
                  b, loc,
                  arith::AddIOp::create(
                      b, loc, arith::MulIOp::create(b, loc, quad, index(2)),
                      index(i)),
                  index(4)));
          sums.push_back(gpu::ShuffleOp::create(
                             b, loc, rowSums[r], source,
                             i32(kWarpSize), gpu::ShuffleMode::IDX)
                             .getShuffleResult());
        }
      return sums;
    }

    /// Adds the partial sums of each tile column's warps through shared
    /// memory; the column's first warp stores.
    void reduceOverWarps(ArrayRef<Value> totals) {
      Value bytes = buildDynamicSharedBytes(b, loc);
      Value shared = memref::ViewOp::create(
          b, loc,
          workgroupMemRefType(
              b.getContext(),
              {warpsPerBlock(), kWarpSize, int64_t(totals.size())},
              b.getF32Type()),
          bytes, index(0), ValueRange());
      for (auto [i, total] : llvm::enumerate(totals))
        memref::StoreOp::create(b, loc, total, shared,
                                ValueRange{warp, lane, index(i)});
      buildBlockBarrier(b, loc);
      auto ifFirst = scf::IfOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, kWarp,
                                index(0)));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&ifFirst.getThenRegion().front());
      SmallVector<Value> sums(totals);
      for (int64_t w = 1; w < splitK; ++w) {
        Value other = arith::AddIOp::create(b, loc, warp, index(w));
        for (auto [i, sum] : llvm::enumerate(sums))
          sum = arith::AddFOp::create(
              b, loc, sum,
              memref::LoadOp::create(b, loc, shared,
                                     ValueRange{other, lane, index(i)}));
      }
      storeOutputs(sums);
    }

    /// Accumulator i of row tile r is output (row 8r + 2q + i % 2, channel
    /// low for i < 2, high otherwise).
    void storeOutputs(ArrayRef<Value> totals) {
      Value firstRow = arith::MulIOp::create(b, loc, quad, index(2));
      for (int64_t r = 0; r < rowTiles; ++r)
        for (int64_t i = 0; i < kAccumulators; ++i) {
          Value value = totals[r * kAccumulators + i];
          if (perChannel && !totalsScaled)
            value = arith::MulFOp::create(b, loc, value,
                                          i < 2 ? scaleLow : scaleHigh);
          value = arith::TruncFOp::create(b, loc, halfType, value);
          Value row = arith::AddIOp::create(
              b, loc, firstRow, index(kRowsPerMma * r + i % 2));
          Value channel = i < 2 ? lowChannel : highChannel;
          Value inRange = arith::AndIOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                    index(rows)),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                    channel, index(n)));
          auto ifStore = scf::IfOp::create(b, loc, inRange);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(&ifStore.getThenRegion().front());
          memref::StoreOp::create(b, loc, value, buffers.out,
                                  ValueRange{row, channel});
        }
    }

    int64_t rows, rowTiles, unroll, splitK, columns, residentWarps,
        stepsPerGroup;
    // Per channel: the scale (and offset term) already applied per warp.
    bool totalsScaled = false;
    Value kWarp, lane, warp, quad, lowChannel, highChannel, laneByte;
    SmallVector<Value> xRows;
    // The group's mma sums so far (per row tile, kAccumulators each).
    SmallVector<Value> partial;
    // With offsets, unless offsetsInMma: the group's activation sums so far
    // (per row tile, kSumsPerRowTile).
    SmallVector<Value> partialSums;
  };
};

} // namespace

MmaTileKernelBase::MmaTileKernelBase(RewriterBase &b, MatmulOp op)
    : b(b), op(op), loc(op.getLoc()), weight(op.getWeight()) {
  auto inputType = op.getInput().getType();
  n = weight.getN();
  k = weight.getK();
  halfType = inputType.getElementType();
  bf16 = halfType.isBF16();
  pairType = VectorType::get({2}, halfType);
  group = weight.getEffectiveGroupSize();
  int8 = weight.getBits() == 8;
  depth = numerics::mmaTileDepth(weight.getBits());
  stepsPerTile = depth / 16;
  perChannel = weight.getNumGroups() == 1;
  channelBlocks =
      (n + numerics::kMmaTileChannels - 1) / numerics::kMmaTileChannels;
  tiles = k / depth;
  offsets = static_cast<bool>(op.getOffsets());
  offsetsInMma =
      offsets && !perChannel && weight.getScaleType() == halfType;
  buffers = createGpuKernelBuffers(b, op);
}

Value MmaTileKernelBase::splat(Value bits16) {
  Value word = arith::MulIOp::create(b, loc, bits16, i32(0x10001));
  return LLVM::BitcastOp::create(b, loc, pairType, word);
}

void MmaTileKernelBase::addActivationSums(ArrayRef<Value> bRegs,
                                          MutableArrayRef<Value> sums) {
  SmallVector<Value> d = buildMma(SmallVector<Value>(4, ones()), bRegs,
                                  {sums[0], sums[1], sums[0], sums[1]});
  sums[0] = d[0];
  sums[1] = d[1];
}

SmallVector<Value> MmaTileKernelBase::stepWordsOf(Value words, int64_t step) {
  SmallVector<Value> stepWords;
  for (int64_t w = 0; w < 4 / stepsPerTile; ++w)
    stepWords.push_back(vector::ExtractOp::create(
        b, loc, words, step * (4 / stepsPerTile) + w));
  return stepWords;
}

/// Zero-point biases (and per-group scales) of group `grp` for the
/// lane's two channels.
void MmaTileKernelBase::setGroupConstants(Value grp) {
  auto zeroOf = [&](Value channel) -> Value {
    // Signed fields are read as unsigned with the top bit flipped.
    if (!weight.getZeroPoints())
      return i32(numerics::unsignedReadBias(weight.getBits(),
                                            weight.getIsSigned()));
    Value z = memref::LoadOp::create(b, loc, buffers.zeros,
                                     ValueRange{column, grp, channel});
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), z);
  };
  Value zLow = zeroOf(lowInBlock), zHigh = zeroOf(highInBlock);
  if (int8 && bf16) {
    // f32 2^23 + z (see buildFragmentA).
    auto f32Bias = [&](Value z) -> Value {
      return LLVM::BitcastOp::create(
          b, loc, b.getF32Type(),
          arith::AddIOp::create(b, loc, z,
                                i32(numerics::f32Int8BiasBits(0))));
    };
    lowBias = f32Bias(zLow);
    highBias = f32Bias(zHigh);
  } else if (bf16) {
    lowBias = splat(arith::AddIOp::create(
        b, loc, zLow, i32(numerics::bf16BiasBits(0))));
    highBias = splat(arith::AddIOp::create(
        b, loc, zHigh, i32(numerics::bf16BiasBits(0))));
  } else if (int8) {
    lowBias = splat(arith::AddIOp::create(
        b, loc, zLow, i32(numerics::f16LowBiasBits(0))));
    highBias = splat(arith::AddIOp::create(
        b, loc, zHigh, i32(numerics::f16LowBiasBits(0))));
  } else {
    lowBias = splat(arith::AddIOp::create(
        b, loc, zLow, i32(numerics::f16LowBiasBits(0))));
    highBias = splat(arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, zHigh, i32(16)),
        i32(numerics::f16HighBiasBits(0))));
  }
  // A channel's value of this group (scales, offsets) as f32.
  auto groupValueOf = [&](Value buffer, Value channel) -> Value {
    Value v = memref::LoadOp::create(b, loc, buffer,
                                     ValueRange{column, grp, channel});
    if (!v.getType().isF32())
      v = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return v;
  };
  scaleLow = groupValueOf(buffers.scales, lowInBlock);
  scaleHigh = groupValueOf(buffers.scales, highInBlock);
  if (offsetsInMma) {
    // The offset's bits in both halves of a register (A fragment).
    auto offsetPairOf = [&](Value channel) -> Value {
      Value m = memref::LoadOp::create(b, loc, buffers.offsets,
                                       ValueRange{column, grp, channel});
      Value bits16 = arith::BitcastOp::create(b, loc, b.getI16Type(), m);
      return splat(arith::ExtUIOp::create(b, loc, b.getI32Type(), bits16));
    };
    offsetLow = offsetPairOf(lowInBlock);
    offsetHigh = offsetPairOf(highInBlock);
  } else if (offsets) {
    offsetLow = groupValueOf(buffers.offsets, lowInBlock);
    offsetHigh = groupValueOf(buffers.offsets, highInBlock);
  }
}

void MmaTileKernelBase::setFragmentScales() {
  auto pairOf = [&](Value v) -> Value {
    if (isa<VectorType>(v.getType()))
      return v; // offsetsInMma: already the offset's bits in both halves
    return vector::BroadcastOp::create(
        b, loc, pairType, arith::TruncFOp::create(b, loc, halfType, v));
  };
  scalePairLow = pairOf(scaleLow);
  scalePairHigh = pairOf(scaleHigh);
  offsetPairLow = offsets ? pairOf(offsetLow) : Value();
  offsetPairHigh = offsets ? pairOf(offsetHigh) : Value();
}

SmallVector<Value> MmaTileKernelBase::scaleFragmentA(ArrayRef<Value> a) {
  SmallVector<Value> scaled;
  for (auto [i, fragment] : llvm::enumerate(a)) {
    Value reg = fragment;
    if (reg.getType() != pairType)
      reg = LLVM::BitcastOp::create(b, loc, pairType, reg);
    // a0, a2: the low channel g; a1, a3: the high one, g + 8.
    Value scale = i % 2 == 0 ? scalePairLow : scalePairHigh;
    if (!offsets) {
      scaled.push_back(arith::MulFOp::create(b, loc, reg, scale));
      continue;
    }
    // llvm.intr.fma for the reason buildFragmentA gives.
    scaled.push_back(LLVM::FMAOp::create(
        b, loc, reg, scale, i % 2 == 0 ? offsetPairLow : offsetPairHigh));
  }
  return scaled;
}

/// The four A registers (field - zero of the lane's 8 weights of one
/// mma step) from the step's 32-bit word of the tile (int4) or its two
/// words (int8).
SmallVector<Value>
MmaTileKernelBase::buildFragmentA(ArrayRef<Value> stepWords) {
  SmallVector<Value> a;
  if (int8 && bf16) {
    // 128 + byte is not exact in bf16: each byte goes under f32 2^23,
    // an f32 sub leaves byte - zero (exact, low 16 bits zero) and prmt
    // packs the two high halves into a bf16x2 register.
    for (Value word : stepWords) {
      if (weight.getIsSigned())
        word = arith::XOrIOp::create(b, loc, word,
                                       i32(numerics::fieldSignBits32(8)));
      for (unsigned first : {0u, 1u}) {
        Value bias = first == 0 ? lowBias : highBias;
        SmallVector<Value, 2> halves;
        for (unsigned byte : {first, first + 2}) {
          Value field = LLVM::BitcastOp::create(
              b, loc, b.getF32Type(),
              buildPrmt(b, loc, word, numerics::kF32Int8Magic,
                        numerics::prmtF32Byte(byte)));
          halves.push_back(LLVM::BitcastOp::create(
              b, loc, b.getI32Type(),
              arith::SubFOp::create(b, loc, field, bias)));
        }
        a.push_back(buildPrmt(b, loc, halves[0], halves[1],
                              numerics::kPrmtHighHalves));
      }
    }
    return a;
  }
  if (int8) {
    // prmt puts bytes 0, 2 (a0, a2) or 1, 3 (a1, a3) under 0x64: f16
    // 1024 + byte; minus 1024 + zero.
    for (Value word : stepWords) {
      if (weight.getIsSigned())
        word = arith::XOrIOp::create(b, loc, word,
                                       i32(numerics::fieldSignBits32(8)));
      for (uint32_t selector :
           {numerics::kPrmtBytes02, numerics::kPrmtBytes13}) {
        Value bits =
            buildPrmt(b, loc, word, numerics::kF16Int8Magic, selector);
        a.push_back(arith::SubFOp::create(
            b, loc, LLVM::BitcastOp::create(b, loc, pairType, bits),
            selector == numerics::kPrmtBytes02 ? lowBias : highBias));
      }
    }
    return a;
  }
  Value word = stepWords.front();
  if (weight.getIsSigned())
    word = arith::XOrIOp::create(b, loc, word,
                                   i32(numerics::fieldSignBits32(4)));
  auto fields = [&](Value w, uint32_t mask, uint16_t magic) -> Value {
    Value bits = buildLop3(b, loc, w, mask, magic * 0x10001u,
                           /*lut=*/0xEA);
    return LLVM::BitcastOp::create(b, loc, pairType, bits);
  };
  if (bf16) {
    // Registers a0..a3 hold nibbles (p0,p4), (p1,p5), (p2,p6), (p3,p7).
    for (int64_t i = 0; i < 4; ++i) {
      Value w = i == 0 ? word
                       : arith::ShRUIOp::create(b, loc, word, i32(4 * i));
      Value pair = arith::SubFOp::create(
          b, loc, fields(w, 0x000f000f, numerics::kBF16Magic),
          i % 2 == 0 ? lowBias : highBias);
      a.push_back(pair);
    }
    return a;
  }
  Value sixteenth = splat(numerics::kF16OneSixteenth);
  Value shifted = arith::ShRUIOp::create(b, loc, word, i32(8));
  for (Value w : {word, shifted}) {
    a.push_back(arith::SubFOp::create(
        b, loc, fields(w, 0x000f000f, numerics::kF16Magic), lowBias));
    // llvm.intr.fma, not math.fma: the NVVM lowering sends math.fma to
    // libdevice, which widens f16 to f32 (3 cvt + fma + cvt per half).
    a.push_back(LLVM::FMAOp::create(
        b, loc, fields(w, 0x00f000f0, numerics::kF16Magic), sixteenth,
        highBias));
  }
  // (a0, a1, a2, a3) = low k0..k0+1, high k0..k0+1, low k0+2.., high ...
  return a;
}

SmallVector<Value> MmaTileKernelBase::asRegisters(ArrayRef<Value> fragment) {
  SmallVector<Value> regs;
  for (Value reg : fragment)
    regs.push_back(reg.getType().isInteger(32)
                       ? reg
                       : Value(LLVM::BitcastOp::create(b, loc, b.getI32Type(),
                                                       reg)));
  return regs;
}

/// One mma step: D = A * B + C.
SmallVector<Value> MmaTileKernelBase::buildMma(ArrayRef<Value> a,
                                                ArrayRef<Value> bRegs,
                                                ArrayRef<Value> c) {
  SmallVector<Value> operands = asRegisters(a);
  llvm::append_range(operands, bRegs);
  llvm::append_range(operands, c);
  // Inline PTX rather than nvvm.mma.sync: the kernel is built before
  // bufferization, which rejects ops without declared memory effects.
  Type f32Type = b.getF32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), {f32Type, f32Type, f32Type, f32Type});
  std::string asmString = llvm::formatv(
      "mma.sync.aligned.m16n8k16.row.col.f32.{0}.{0}.f32 "
      "{{$0, $1, $2, $3}, {{$4, $5, $6, $7}, {{$8, $9}, "
      "{{$10, $11, $12, $13};",
      bf16 ? "bf16" : "f16");
  Value d = buildInlinePtx(b, loc, resultType, operands, asmString,
                           "=f,=f,=f,=f,r,r,r,r,r,r,0,1,2,3");
  return unpackStruct(b, loc, d, kAccumulators);
}

std::optional<std::string> mlir::wq::checkMmaTileWeight(MatmulOp op) {
  QuantizedWeightAttr weight = op.getWeight();
  if (!weight.getBatchShape().empty() || weight.getFlatGroups())
    return std::string("the tensor-core kernels need a 2-D weight "
                       "without flat_groups");
  if (std::optional<std::string> why = numerics::checkMmaTiles(
          weight.getScheme(), weight.getN(), weight.getK()))
    return *why;
  const int64_t group = weight.getEffectiveGroupSize();
  const int64_t depth = numerics::mmaTileDepth(weight.getBits());
  if (weight.getNumGroups() > 1 && group % depth != 0 && depth % group != 0)
    return "the tensor-core kernels need groups dividing or a multiple of "
           "the " +
           std::to_string(depth) + "-position tile, got " +
           std::to_string(group);
  auto inputType = op.getInput().getType();
  Type element = inputType.getElementType();
  if (inputType.getRank() != 2 || inputType.isDynamicDim(1) ||
      inputType.getDimSize(0) == 0 ||
      !(element.isF16() || element.isBF16()) ||
      op.getResult().getType().getElementType() != element)
    return std::string("the tensor-core kernels need [M >= 1, K] f16 or "
                       "bf16 activations and result");
  return std::nullopt;
}

LogicalResult mlir::wq::checkMmaTileOps(Operation *root) {
  // M <= 16 is wq-lower-to-gpu-decode's, larger or dynamic M
  // wq-lower-to-gpu-prefill's: either pass reports what neither can run.
  WalkResult checked = root->walk([](MatmulOp op) {
    if (op.getWeight().getLayout().getKind() != LayoutKind::mma_tiles)
      return WalkResult::advance();
    if (std::optional<std::string> why = checkMmaTileWeight(op)) {
      op.emitOpError() << "has an mma_tiles weight, but " << *why;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(checked.wasInterrupted());
}

std::optional<std::string> mlir::wq::checkMmaDecode(MatmulOp op) {
  if (std::optional<std::string> why = checkMmaTileWeight(op))
    return why;
  int64_t rows = op.getInput().getType().getDimSize(0);
  if (ShapedType::isDynamic(rows) || rows < 1 || rows > kMaxDecodeRows)
    return std::string("the tensor-core decode kernel needs a static M in "
                       "[1, 16]");
  return std::nullopt;
}

void mlir::wq::populateGpuMmaDecodePatterns(
    RewritePatternSet &patterns, const MmaDecodeOptions &options) {
  patterns.add<LowerMatmulToGpuMma>(patterns.getContext(), options);
}
