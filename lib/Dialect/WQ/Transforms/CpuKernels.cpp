//===- CpuKernels.cpp - Shared structure of wq's CPU vector kernels -------===//

#include "CpuKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"

using namespace mlir;

Value mlir::wq::buildOutputChannels(OpBuilder &b, Location loc, Value out,
                                    int64_t n, int64_t tileWidth,
                                    bool parallel,
                                    BuildColumnsFn buildColumns) {
  OpFoldResult rowSize = tensor::getMixedSizes(b, loc, out)[0];
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  // The [M, width] slice of `shared` at channel `colBase`.
  auto sliceAt = [&](Value colBase, int64_t width, SmallVector<OpFoldResult> &offsets,
                     SmallVector<OpFoldResult> &sizes,
                     SmallVector<OpFoldResult> &strides) {
    offsets = {b.getIndexAttr(0), colBase};
    sizes = {rowSize, b.getIndexAttr(width)};
    strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
  };
  // Channels firstCol + t * width, t < count, one tile per loop iteration.
  auto loopOverTiles = [&](Value shared, int64_t firstCol, int64_t count,
                           int64_t width) -> Value {
    if (count == 0)
      return shared;
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(count), index(1), ValueRange{shared},
        [&](OpBuilder &lb, Location ll, Value t, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(lb.getInsertionBlock(), lb.getInsertionPoint());
          Value colBase = arith::AddIOp::create(
              b, ll, index(firstCol),
              arith::MulIOp::create(b, ll, t, index(width)));
          SmallVector<OpFoldResult> offsets, sizes, strides;
          sliceAt(colBase, width, offsets, sizes, strides);
          Value columns = tensor::ExtractSliceOp::create(b, ll, args[0], offsets,
                                                         sizes, strides);
          Value updated = tensor::InsertSliceOp::create(
              b, ll, buildColumns(colBase, width, columns), args[0], offsets,
              sizes, strides);
          scf::YieldOp::create(b, ll, updated);
        });
    return loop.getResult(0);
  };

  const int64_t tiles = n / tileWidth;
  Value result = out;
  if (parallel && tiles > 0) {
    // Each iteration fills its columns in place.
    auto forall = scf::ForallOp::create(
        b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(tiles)}, ValueRange{out},
        std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    Block *block = forall.getBody();
    b.setInsertionPoint(block->getTerminator());
    Value colBase =
        arith::MulIOp::create(b, loc, block->getArgument(0), index(tileWidth));
    SmallVector<OpFoldResult> offsets, sizes, strides;
    sliceAt(colBase, tileWidth, offsets, sizes, strides);
    Value columns = tensor::ExtractSliceOp::create(
        b, loc, block->getArgument(1), offsets, sizes, strides);
    Value filled = buildColumns(colBase, tileWidth, columns);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, filled, block->getArgument(1),
                                          offsets, sizes, strides);
    result = forall.getResult(0);
  } else {
    result = loopOverTiles(result, 0, tiles, tileWidth);
  }
  return loopOverTiles(result, tiles * tileWidth, n - tiles * tileWidth, 1);
}
