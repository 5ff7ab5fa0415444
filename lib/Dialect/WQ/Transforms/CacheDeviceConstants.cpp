//===- CacheDeviceConstants.cpp - wq-cache-device-constants ---------------===//
//
// The GPU host lowering copies every constant a kernel reads to the device on
// each call (alloc, copy from the constant global, free before returning).
// For a decode step those constants are the model's weights, and the copy
// over PCIe would cost far more than the kernels: this pass makes the host
// code ask kernels_runtime for a device copy that is uploaded once
// (wqrtDeviceConstant) instead.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/IR/Dominance.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQCACHEDEVICECONSTANTSPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kAlloc = "mgpuMemAlloc";
constexpr llvm::StringLiteral kCopy = "mgpuMemcpy";
constexpr llvm::StringLiteral kFree = "mgpuMemFree";
constexpr llvm::StringLiteral kDeviceConstant = "wqrtDeviceConstant";

bool isCallTo(Operation *op, StringRef callee) {
  auto call = dyn_cast<LLVM::CallOp>(op);
  return call && call.getCallee() == callee;
}

/// The constant global `pointer` addresses at its start, if any.
LLVM::GlobalOp constantGlobalAt(Value pointer, SymbolTable &symbols) {
  while (auto gep = pointer.getDefiningOp<LLVM::GEPOp>()) {
    for (LLVM::GEPIndicesAdaptor<ValueRange>::value_type index :
         gep.getIndices()) {
      auto constant = dyn_cast<IntegerAttr>(index);
      if (!constant || constant.getInt() != 0)
        return nullptr;
    }
    pointer = gep.getBase();
  }
  auto address = pointer.getDefiningOp<LLVM::AddressOfOp>();
  if (!address)
    return nullptr;
  auto global = symbols.lookup<LLVM::GlobalOp>(address.getGlobalName());
  return global && global.getConstant() ? global : nullptr;
}

struct WQCacheDeviceConstantsPass
    : public mlir::wq::impl::WQCacheDeviceConstantsPassBase<
          WQCacheDeviceConstantsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    DominanceInfo dominance(module);
    SmallVector<LLVM::CallOp> copies;
    module.walk([&](LLVM::CallOp call) {
      if (call.getCallee() == kCopy && call.getNumOperands() == 4)
        copies.push_back(call);
    });
    for (LLVM::CallOp copy : copies) {
      Value device = copy.getOperand(0), host = copy.getOperand(1),
            bytes = copy.getOperand(2), stream = copy.getOperand(3);
      auto alloc = device.getDefiningOp<LLVM::CallOp>();
      if (!alloc || alloc.getCallee() != kAlloc ||
          alloc.getOperand(0) != bytes || !constantGlobalAt(host, symbols))
        continue;
      // The copy must be the buffer's only writer and the function must
      // free it (else it is returned and the caller owns it).
      SmallVector<Operation *> frees;
      bool onlyRead = true;
      for (Operation *user : device.getUsers()) {
        if (isCallTo(user, kFree))
          frees.push_back(user);
        else if (user != copy.getOperation() &&
                 (isCallTo(user, kCopy) && user->getOperand(0) == device))
          onlyRead = false;
      }
      if (!onlyRead || frees.empty())
        continue;
      OpBuilder builder(alloc);
      LLVM::LLVMFuncOp callee = declareDeviceConstant(module, builder);
      // The upload happens at the allocation's place, before any kernel.
      auto cached = LLVM::CallOp::create(builder, alloc.getLoc(), callee,
                                         ValueRange{host, bytes, stream});
      if (!dominance.properlyDominates(host, cached.getOperation()) ||
          !dominance.properlyDominates(stream, cached.getOperation())) {
        cached.erase();
        continue;
      }
      alloc.getResult().replaceAllUsesWith(cached.getResult());
      copy.erase();
      for (Operation *free : frees)
        free->erase();
      alloc.erase();
    }
  }

  LLVM::LLVMFuncOp declareDeviceConstant(ModuleOp module, OpBuilder &b) {
    if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(kDeviceConstant))
      return existing;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto pointer = LLVM::LLVMPointerType::get(b.getContext());
    return LLVM::LLVMFuncOp::create(
        b, module.getLoc(), kDeviceConstant,
        LLVM::LLVMFunctionType::get(pointer,
                                    {pointer, b.getI64Type(), pointer}));
  }

};

} // namespace
