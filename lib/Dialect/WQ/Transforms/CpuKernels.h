//===- CpuKernels.h - Shared decisions of wq's CPU vector kernels -*- C++ -*-===//
//
// One definition of what the CPU kernels of quantized (wq-lower-to-vector)
// and float (wq-lower-float-linear) linear layers must agree on.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_LIB_DIALECT_WQ_TRANSFORMS_CPUKERNELS_H
#define WQ_LIB_DIALECT_WQ_TRANSFORMS_CPUKERNELS_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>

namespace mlir::wq {

/// Lanes of one f32 vector register on AVX2 (and half of one on AVX-512).
constexpr int64_t kCpuLanes = 8;

/// Weights (elements) from which a layer's output channels are spread over
/// OpenMP threads: below this, a layer takes a few microseconds and the
/// fork/join of a parallel region costs more than it saves.
constexpr int64_t kCpuParallelMinElements = 1 << 18;

/// Builds the [columns of `width` output channels from `colBase`] of an
/// output from `columns` (those columns of the output so far, [M, width]),
/// at the builder's insertion point.
using BuildColumnsFn =
    llvm::function_ref<Value(Value colBase, int64_t width, Value columns)>;

/// Fills the output `out` ([M, n]) output channel by output channel: tiles
/// of `tileWidth` channels (in parallel, an scf.forall that scf-to-openmp
/// turns into OpenMP threads, when `parallel`; else in a loop), then the
/// last n % tileWidth channels one at a time. Returns the filled output.
Value buildOutputChannels(OpBuilder &b, Location loc, Value out, int64_t n,
                          int64_t tileWidth, bool parallel,
                          BuildColumnsFn buildColumns);

} // namespace mlir::wq

#endif // WQ_LIB_DIALECT_WQ_TRANSFORMS_CPUKERNELS_H
