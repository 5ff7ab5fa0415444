//===- CommonStages.h - pipeline stages shared by CPU and GPU -------------===//

#ifndef WQ_LIB_PIPELINES_COMMONSTAGES_H
#define WQ_LIB_PIPELINES_COMMONSTAGES_H

namespace mlir::wq {

/// Whole-program bufferization of tensor-level IR, including function
/// signatures (so callers may pass tensor<*xf32> to external functions such
/// as printMemrefF32). Results that are updated arguments (in-place state
/// such as KV caches) are dropped, so callers own all memory.
inline constexpr const char *kBufferizeStages =
    "one-shot-bufferize{bufferize-function-boundaries=1 "
    "function-boundary-type-conversion=identity-layout-map},"
    "drop-equivalent-buffer-results,"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,";

} // namespace mlir::wq

#endif // WQ_LIB_PIPELINES_COMMONSTAGES_H
