//===- AllocateOnDevice.cpp - wq-allocate-on-device -----------------------===//
//
// Kernels produced by convert-parallel-loops-to-gpu dereference the memrefs
// of the host function they came from, so those buffers must live in device
// memory. One-shot bufferization allocates on the host; this pass moves the
// allocations (and the copies between them) to the device, and decides, in
// this one place, that constants (the weights) live on the device for good:
// kernels_runtime uploads each on the first call and hands out the same copy
// afterwards.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

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

constexpr llvm::StringLiteral kDeviceConstant = "wqrtDeviceConstant";

/// wqrtDeviceConstant(host, bytes, stream) -> device (kernels_runtime).
LLVM::LLVMFuncOp declareDeviceConstant(ModuleOp module) {
  if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(kDeviceConstant))
    return existing;
  auto b = OpBuilder::atBlockBegin(module.getBody());
  auto pointer = LLVM::LLVMPointerType::get(module.getContext());
  return LLVM::LLVMFuncOp::create(
      b, module.getLoc(), kDeviceConstant,
      LLVM::LLVMFunctionType::get(pointer, {pointer, b.getI64Type(), pointer}));
}

/// The device copy of the constant global `global` reads: the host address
/// and size go to wqrtDeviceConstant, which uploads the bytes on the first
/// call and returns the same device buffer on every later one (synchronous,
/// so no stream is needed); the pointer becomes a memref of the global's
/// type again through its LLVM descriptor, which the LLVM lowering of its
/// users takes as it is.
FailureOr<Value> deviceConstant(OpBuilder &b, memref::GetGlobalOp global,
                                LLVM::LLVMFuncOp callee) {
  Location loc = global.getLoc();
  MemRefType type = global.getType();
  Type element = type.getElementType();
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return global.emitOpError("of a global that is not a statically shaped, "
                              "contiguous buffer of whole bytes cannot be "
                              "placed on the device");
  const int64_t bytes =
      type.getNumElements() * int64_t(element.getIntOrFloatBitWidth() / 8);
  auto pointer = LLVM::LLVMPointerType::get(b.getContext());
  Value address = memref::ExtractAlignedPointerAsIndexOp::create(
      b, loc, global.getResult());
  Value addressBits =
      arith::IndexCastOp::create(b, loc, b.getI64Type(), address);
  Value host = LLVM::IntToPtrOp::create(b, loc, pointer, addressBits);
  Value size = LLVM::ConstantOp::create(b, loc, b.getI64Type(),
                                        b.getI64IntegerAttr(bytes));
  Value stream = LLVM::ZeroOp::create(b, loc, pointer);
  Value device = LLVM::CallOp::create(b, loc, callee,
                                      ValueRange{host, size, stream})
                     .getResult();
  LLVMTypeConverter converter(b.getContext());
  Value descriptor =
      MemRefDescriptor::fromStaticShape(b, loc, converter, type, device);
  return UnrealizedConversionCastOp::create(b, loc, type, descriptor)
      .getResult(0);
}

/// Calls `fn` on every user of `value` and of the views taken of it
/// (subviews, casts, ...: ViewLikeOpInterface ops viewing it), transitively.
void forEachUserThroughViews(Value value,
                             llvm::function_ref<void(Operation *)> fn) {
  SmallVector<Value> worklist = {value};
  while (!worklist.empty()) {
    Value current = worklist.pop_back_val();
    for (Operation *user : current.getUsers()) {
      fn(user);
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == current)
          llvm::append_range(worklist, user->getResults());
    }
  }
}

/// Whether `value`, or a view of it, is returned (then the caller owns it).
bool reachesReturn(Value value) {
  bool returned = false;
  forEachUserThroughViews(value, [&](Operation *user) {
    returned |= isa<func::ReturnOp>(user);
  });
  return returned;
}

/// Where a buffer (or a view of it) is used: element by element by host
/// code (a memref.load/store outside the ops that become kernels: linalg
/// ops, scf.parallel loops, gpu.launch bodies the decode lowering built), and
/// by kernels (those ops, and copies, which become linalg.copy kernels).
struct BufferUses {
  Operation *hostAccess = nullptr;
  Operation *kernelUse = nullptr;
};

BufferUses usesOf(Value value) {
  BufferUses uses;
  forEachUserThroughViews(value, [&](Operation *user) {
    if (isa<memref::LoadOp, memref::StoreOp>(user)) {
      const bool inKernel = user->getParentOfType<linalg::LinalgOp>() ||
                            user->getParentOfType<scf::ParallelOp>() ||
                            user->getParentOfType<gpu::LaunchOp>();
      (inKernel ? uses.kernelUse : uses.hostAccess) = user;
    } else if (isa<linalg::LinalgOp, memref::CopyOp>(user)) {
      uses.kernelUse = user;
    }
  });
  return uses;
}

/// Whether `global` reads a constant global of the module.
bool readsConstant(memref::GetGlobalOp global, SymbolTable &symbols) {
  auto def = symbols.lookup<memref::GlobalOp>(global.getName());
  return def && def.getConstant();
}

LogicalResult moveToDevice(func::FuncOp func, SymbolTable &symbols) {
  OpBuilder builder(func.getContext());
  SmallVector<Operation *> toErase;
  SmallVector<Value> globalsOnDevice;
  llvm::SmallPtrSet<Operation *, 8> hostBuffers;
  WalkResult result = func.walk([&](Operation *op) -> WalkResult {
    builder.setInsertionPoint(op);
    Location loc = op->getLoc();
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      // A buffer host code reads or writes element by element stays in host
      // memory (the bookkeeping arrays the deallocation lowering fills and
      // passes to its helper); one kernels use too has no single place.
      BufferUses uses = usesOf(alloc);
      if (uses.hostAccess && uses.kernelUse) {
        InFlightDiagnostic diag =
            alloc.emitOpError("is accessed element by element by host code and "
                              "used by GPU kernels: it can be in neither "
                              "memory alone");
        diag.attachNote(uses.hostAccess->getLoc()) << "host access";
        diag.attachNote(uses.kernelUse->getLoc()) << "kernel use";
        return WalkResult::interrupt();
      }
      if (uses.hostAccess) {
        hostBuffers.insert(alloc);
        return WalkResult::advance();
      }
      if (!alloc.getSymbolOperands().empty())
        return alloc.emitOpError("with symbol operands cannot be placed on "
                                 "the device");
      alloc.replaceAllUsesWith(createDeviceAlloc(
          builder, loc, alloc.getType(), alloc.getDynamicSizes()));
      toErase.push_back(op);
    } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      if (hostBuffers.contains(dealloc.getMemref().getDefiningOp()))
        return WalkResult::advance();
      gpu::DeallocOp::create(builder, loc, /*asyncToken=*/Type(),
                             ValueRange(), dealloc.getMemref());
      toErase.push_back(op);
    } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      linalg::CopyOp::create(builder, loc, copy.getSource(), copy.getTarget());
      toErase.push_back(op);
    } else if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
      // A constant the function only reads lives on the device for good
      // (one upload, then the same copy); one it returns, or a mutable
      // global, is copied in on each call (the caller owns a returned copy;
      // the others are freed before each return, which needs the copy to
      // dominate them).
      const bool returned = reachesReturn(global.getResult());
      if (readsConstant(global, symbols) && !returned) {
        SmallVector<OpOperand *> uses = llvm::map_to_vector(
            global->getUses(), [](OpOperand &use) { return &use; });
        builder.setInsertionPointAfter(op);
        FailureOr<Value> device = deviceConstant(
            builder, global,
            declareDeviceConstant(func->getParentOfType<ModuleOp>()));
        if (failed(device))
          return WalkResult::interrupt();
        for (OpOperand *use : uses)
          use->set(*device);
        return WalkResult::advance();
      }
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
  // Free the device copies of constants unless they (or views of them) are
  // returned, in which case the caller owns them like any other result.
  func.walk([&](func::ReturnOp ret) {
    builder.setInsertionPoint(ret);
    for (Value device : globalsOnDevice)
      if (!reachesReturn(device))
        gpu::DeallocOp::create(builder, ret.getLoc(), /*asyncToken=*/Type(),
                               ValueRange(), device);
  });
  return success();
}

struct AllocateOnDevicePass
    : public wq::impl::WQAllocateOnDevicePassBase<AllocateOnDevicePass> {
  void runOnOperation() override {
    SymbolTable symbols(getOperation());
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(moveToDevice(func, symbols)))
        return signalPassFailure();
  }
};

} // namespace
