//===- EnableProgrammaticLaunch.cpp - wq-enable-programmatic-launch -------===//
//
// Lets each outlined kernel start while the kernel before it in the stream
// still runs (Hopper's programmatic dependent launch): every kernel first
// waits for its predecessors itself (griddepcontrol.wait) and then lets its
// successor launch (griddepcontrol.launch_dependents), and its module
// defines the marker global by which kernels_runtime knows to launch the
// module's kernels with programmatic stream serialization.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"
#include "wq_runtime.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQENABLEPROGRAMMATICLAUNCHPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;

namespace {

/// kernels_runtime looks this global up in each module it loads
/// (cuModuleGetGlobal; the name is the runtime's API).
constexpr llvm::StringLiteral kMarker = WQRT_PROGRAMMATIC_LAUNCH_SYMBOL;
/// PTX's global state space.
constexpr unsigned kGlobalAddressSpace = 1;

struct WQEnableProgrammaticLaunchPass
    : public mlir::wq::impl::WQEnableProgrammaticLaunchPassBase<
          WQEnableProgrammaticLaunchPass> {
  using Base::Base;
  void runOnOperation() override {
    WalkResult result = getOperation().walk([](gpu::GPUModuleOp module) {
      // Already done (the marker says so).
      if (module.lookupSymbol(kMarker))
        return WalkResult::advance();
      // griddepcontrol needs sm_90: a module already targeting an older
      // chip cannot take it.
      if (ArrayAttr targets = module.getTargetsAttr())
        for (Attribute target : targets)
          if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(target)) {
            StringRef chip = nvvm.getChip();
            unsigned version = 0;
            if (!chip.consume_front("sm_") ||
                chip.take_while(llvm::isDigit).getAsInteger(10, version) ||
                version < 90) {
              module.emitError("wq-enable-programmatic-launch: the module "
                               "targets ")
                  << nvvm.getChip()
                  << "; griddepcontrol needs sm_90 or later";
              return WalkResult::interrupt();
            }
          }
      bool hasKernel = false;
      module.walk([&](gpu::GPUFuncOp function) {
        if (!function.isKernel())
          return;
        hasKernel = true;
        // Before anything the kernel reads or writes: whatever its
        // predecessors wrote is visible after the wait, and nothing it
        // writes can race with their reads.
        OpBuilder b = OpBuilder::atBlockBegin(&function.getBody().front());
        Location loc = function.getLoc();
        NVVM::GriddepcontrolOp::create(b, loc, NVVM::GridDepActionKind::wait);
        NVVM::GriddepcontrolOp::create(
            b, loc, NVVM::GridDepActionKind::launch_dependents);
      });
      if (!hasKernel)
        return WalkResult::advance();
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      Type i32 = b.getI32Type();
      LLVM::GlobalOp::create(b, module.getLoc(), i32, /*isConstant=*/true,
                             LLVM::Linkage::External, kMarker,
                             b.getI32IntegerAttr(1), /*alignment=*/4,
                             kGlobalAddressSpace);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
