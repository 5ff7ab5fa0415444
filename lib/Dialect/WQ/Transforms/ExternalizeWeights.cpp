//===- ExternalizeWeights.cpp - wq-externalize-weights --------------------===//
//
// Large constant globals (the model's weights) leave the LLVM module for a
// file of their own, read through one pointer the loader sets: the code
// generator and the linker then handle code only, and the weights are mapped
// from the file at load time instead of being copied into LLVM IR constants,
// an object file and the shared library.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/IR/WeightConstants.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQEXTERNALIZEWEIGHTSPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kWeightsSymbol = "wq_weights";
constexpr llvm::StringLiteral kWeightsBytesSymbol = "wq_weights_bytes";
constexpr int64_t kAlignment = 64;

/// The bytes a global's value occupies, if it is elements of whole bytes.
std::optional<int64_t> storageBytes(Attribute value) {
  auto elements = dyn_cast_or_null<ElementsAttr>(value);
  if (!elements)
    return std::nullopt;
  Type element = elements.getShapedType().getElementType();
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  return elements.getShapedType().getNumElements() *
         int64_t(element.getIntOrFloatBitWidth() / 8);
}

struct WQExternalizeWeightsPass
    : public wq::impl::WQExternalizeWeightsPassBase<WQExternalizeWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (file.empty()) {
      module.emitError("wq-externalize-weights: file= is required");
      return signalPassFailure();
    }
    // Where each moved global's bytes start in the file.
    llvm::StringMap<int64_t> offsets;
    SmallVector<LLVM::GlobalOp> moved;
    std::unique_ptr<llvm::raw_fd_ostream> out;
    int64_t size = 0;
    for (LLVM::GlobalOp global : module.getOps<LLVM::GlobalOp>()) {
      if (!global.getConstant())
        continue;
      std::optional<int64_t> storage = storageBytes(global.getValueOrNull());
      if (!storage || *storage < minBytes)
        continue;
      // In memory order, a splat repeated (wq's reader of constants).
      std::vector<char> bytes;
      if (wq::readRawElements(cast<ElementsAttr>(global.getValueOrNull()), bytes))
        continue; // no data to move (e.g. an unbound resource)
      if (!out) {
        std::error_code ec;
        out = std::make_unique<llvm::raw_fd_ostream>(file, ec);
        if (ec) {
          module.emitError() << "wq-externalize-weights: " << file << ": "
                             << ec.message();
          return signalPassFailure();
        }
      }
      const int64_t padding = (kAlignment - size % kAlignment) % kAlignment;
      out->write_zeros(padding);
      size += padding;
      offsets[global.getSymName()] = size;
      out->write(bytes.data(), bytes.size());
      size += int64_t(bytes.size());
      moved.push_back(global);
    }
    if (moved.empty())
      return;
    out->close();
    if (out->has_error()) {
      module.emitError() << "wq-externalize-weights: writing " << file
                         << " failed: " << out->error().message();
      out->clear_error();
      return signalPassFailure();
    }

    // wq_weights (set by the loader) and wq_weights_bytes (the file's size).
    MLIRContext *ctx = &getContext();
    auto pointer = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    Location loc = module.getLoc();
    auto base = LLVM::GlobalOp::create(b, loc, pointer, /*isConstant=*/false,
                                       LLVM::Linkage::External, kWeightsSymbol,
                                       Attribute());
    {
      Block *init = b.createBlock(&base.getInitializerRegion());
      OpBuilder ib = OpBuilder::atBlockEnd(init);
      LLVM::ReturnOp::create(ib, loc,
                             ValueRange{LLVM::ZeroOp::create(ib, loc, pointer)});
    }
    b.setInsertionPointAfter(base);
    LLVM::GlobalOp::create(b, loc, i64, /*isConstant=*/true,
                           LLVM::Linkage::External, kWeightsBytesSymbol,
                           b.getI64IntegerAttr(size));

    // Each address of a moved global: wq_weights + its offset.
    SmallVector<LLVM::AddressOfOp> uses;
    module.walk([&](LLVM::AddressOfOp op) {
      if (op->getParentOfType<ModuleOp>() == module &&
          offsets.count(op.getGlobalName()))
        uses.push_back(op);
    });
    for (LLVM::AddressOfOp op : uses) {
      OpBuilder ub(op);
      Value slot = LLVM::AddressOfOp::create(ub, op.getLoc(), pointer,
                                             kWeightsSymbol);
      Value start = LLVM::LoadOp::create(ub, op.getLoc(), pointer, slot);
      // An i64 index: a GEP's constant indices are 32-bit, and the weights
      // of a 7B model run past 2 GB.
      Value offset = LLVM::ConstantOp::create(
          ub, op.getLoc(), i64,
          ub.getI64IntegerAttr(offsets.lookup(op.getGlobalName())));
      Value address = LLVM::GEPOp::create(
          ub, op.getLoc(), pointer, ub.getI8Type(), start,
          ArrayRef<LLVM::GEPArg>{offset}, LLVM::GEPNoWrapFlags::inbounds);
      op.replaceAllUsesWith(address);
      op.erase();
    }
    for (LLVM::GlobalOp global : moved)
      global.erase();
  }
};

} // namespace
