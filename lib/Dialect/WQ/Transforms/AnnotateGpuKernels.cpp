//===- AnnotateGpuKernels.cpp - wq-annotate-gpu-kernels -------------------===//
//
// Moves the launch-bound hints that wq's kernel builders put on an op of a
// gpu.launch body onto the outlined kernel function, where the NVVM lowering
// reads them (gpu-kernel-outlining does not carry a launch's attributes).
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQANNOTATEGPUKERNELSPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kMinBlocksHint = "wq.min_blocks_per_sm";
constexpr llvm::StringLiteral kNvvmMinBlocks = "nvvm.minctasm";

struct WQAnnotateGpuKernelsPass
    : public mlir::wq::impl::WQAnnotateGpuKernelsPassBase<
          WQAnnotateGpuKernelsPass> {
  using Base::Base;
  void runOnOperation() override {
    getOperation().walk([](gpu::GPUFuncOp kernel) {
      kernel.walk([&](Operation *op) {
        auto hint = op->getAttrOfType<IntegerAttr>(kMinBlocksHint);
        if (!hint)
          return;
        op->removeAttr(kMinBlocksHint);
        kernel->setAttr(kNvvmMinBlocks, hint);
      });
    });
  }
};

} // namespace
