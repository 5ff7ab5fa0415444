//===- CpuKernels.h - Shared decisions of wq's CPU vector kernels -*- C++ -*-===//
//
// One definition of what the CPU kernels of quantized (wq-lower-to-vector)
// and float (wq-lower-float-linear) linear layers must agree on.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_LIB_DIALECT_WQ_TRANSFORMS_CPUKERNELS_H
#define WQ_LIB_DIALECT_WQ_TRANSFORMS_CPUKERNELS_H

#include <cstdint>

namespace mlir::wq {

/// Lanes of one f32 vector register on AVX2 (and half of one on AVX-512).
constexpr int64_t kCpuLanes = 8;

/// Weights (elements) from which a layer's output channels are spread over
/// OpenMP threads: below this, a layer takes a few microseconds and the
/// fork/join of a parallel region costs more than it saves.
constexpr int64_t kCpuParallelMinElements = 1 << 18;

} // namespace mlir::wq

#endif // WQ_LIB_DIALECT_WQ_TRANSFORMS_CPUKERNELS_H
