//===- AllocateOnDevice.cpp - wq-allocate-on-device -----------------------===//
//
// Kernels produced by convert-parallel-loops-to-gpu dereference the memrefs
// of the host function they came from, so those buffers must live in device
// memory. One-shot bufferization allocates on the host; this pass moves the
// allocations (and the copies between them) to the device.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQALLOCATEONDEVICEPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;
using namespace mlir::wq;

namespace {

/// Allocates `type` in device memory without an async token.
Value createDeviceAlloc(OpBuilder &builder, Location loc, MemRefType type,
                        ValueRange dynamicSizes) {
  auto alloc = gpu::AllocOp::create(builder, loc, type, /*asyncToken=*/Type(),
                                    /*asyncDependencies=*/ValueRange(),
                                    dynamicSizes, /*symbolOperands=*/
                                    ValueRange(), /*hostShared=*/false);
  return alloc.getMemref();
}

LogicalResult moveToDevice(func::FuncOp func) {
  OpBuilder builder(func.getContext());
  SmallVector<Operation *> toErase;
  SmallVector<Value> globalsOnDevice;
  WalkResult result = func.walk([&](Operation *op) -> WalkResult {
    builder.setInsertionPoint(op);
    Location loc = op->getLoc();
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      if (!alloc.getSymbolOperands().empty())
        return alloc.emitOpError("with symbol operands cannot be placed on "
                                 "the device");
      alloc.replaceAllUsesWith(createDeviceAlloc(
          builder, loc, alloc.getType(), alloc.getDynamicSizes()));
      toErase.push_back(op);
    } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      gpu::DeallocOp::create(builder, loc, /*asyncToken=*/Type(),
                             ValueRange(), dealloc.getMemref());
      toErase.push_back(op);
    } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      linalg::CopyOp::create(builder, loc, copy.getSource(), copy.getTarget());
      toErase.push_back(op);
    } else if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
      // Constants are copied in here as on each call (freed before each
      // return, which needs the copy to dominate them);
      // wq-cache-device-constants later turns that into one upload kept on
      // the device.
      if (op->getBlock() != &func.front())
        return global.emitOpError("inside a nested region cannot be copied to "
                                  "the device; hoist it to the function entry");
      builder.setInsertionPointAfter(op);
      Value device = createDeviceAlloc(builder, loc, global.getType(), {});
      auto memcpy =
          gpu::MemcpyOp::create(builder, loc, /*asyncToken=*/Type(),
                                ValueRange(), device, global.getResult());
      global.getResult().replaceAllUsesExcept(device, memcpy);
      globalsOnDevice.push_back(device);
    } else if (isa<memref::AllocaOp>(op)) {
      return op->emitOpError("stack buffers cannot be read by GPU kernels");
    }
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  for (Operation *op : toErase)
    op->erase();
  // Free the device copies of constants unless they are returned, in which
  // case the caller owns them like any other result.
  func.walk([&](func::ReturnOp ret) {
    builder.setInsertionPoint(ret);
    for (Value device : globalsOnDevice)
      if (!llvm::is_contained(ret.getOperands(), device))
        gpu::DeallocOp::create(builder, ret.getLoc(), /*asyncToken=*/Type(),
                               ValueRange(), device);
  });
  return success();
}

struct AllocateOnDevicePass
    : public wq::impl::WQAllocateOnDevicePassBase<AllocateOnDevicePass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(moveToDevice(func)))
        return signalPassFailure();
  }
};

} // namespace
