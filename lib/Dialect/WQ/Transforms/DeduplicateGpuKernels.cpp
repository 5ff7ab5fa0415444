//===- DeduplicateGpuKernels.cpp - wq-deduplicate-gpu-kernels -------------===//
//
// Keeps one copy of each set of identical outlined kernel modules. Outlining
// gives every gpu.launch its own gpu.module, so a model's layers, which launch
// the same kernels layer after layer, carry one copy per layer; each copy is
// lowered to PTX and assembled on its own, which dominated a GPU model's
// compile time.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQDEDUPLICATEGPUKERNELSPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;

namespace {

constexpr OperationEquivalence::Flags kCompareFlags =
    OperationEquivalence::IgnoreLocations;

/// A module's attributes but its name (the same targets, for instance).
DictionaryAttr attributesButName(gpu::GPUModuleOp module) {
  NamedAttrList attributes(module->getAttrDictionary());
  attributes.erase(SymbolTable::getSymbolAttrName());
  return attributes.getDictionary(module.getContext());
}

/// A hash that identical modules share: their attributes but the name, and
/// each top-level op's own hash and size (operands, results and nested ops
/// are left to the full comparison).
llvm::hash_code moduleHash(gpu::GPUModuleOp module) {
  llvm::hash_code hash = hash_value(attributesButName(module));
  for (Operation &op : module.getBody()->getOperations()) {
    size_t nested = 0;
    op.walk([&](Operation *) { ++nested; });
    hash = llvm::hash_combine(
        hash, nested,
        OperationEquivalence::computeHash(
            &op, OperationEquivalence::ignoreHashValue,
            OperationEquivalence::ignoreHashValue, kCompareFlags));
  }
  return hash;
}

/// Whether `a` and `b` hold the same ops with the same attributes, types and
/// regions (their kernel functions' names included: a launch names its
/// kernel inside the module).
bool interchangeable(gpu::GPUModuleOp a, gpu::GPUModuleOp b) {
  if (attributesButName(a) != attributesButName(b))
    return false;
  Block::OpListType &opsA = a.getBody()->getOperations();
  Block::OpListType &opsB = b.getBody()->getOperations();
  if (opsA.size() != opsB.size())
    return false;
  for (auto [opA, opB] : llvm::zip(opsA, opsB))
    if (!OperationEquivalence::isEquivalentTo(&opA, &opB, kCompareFlags))
      return false;
  return true;
}

struct WQDeduplicateGpuKernelsPass
    : public mlir::wq::impl::WQDeduplicateGpuKernelsPassBase<
          WQDeduplicateGpuKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp top = getOperation();
    // Every module a launch refers to, and every other reference: a module
    // anything but a gpu.launch_func names (a binary, a user's own op) is
    // left as it is, and so are the launches of it.
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(&top.getBodyRegion());
    if (!uses)
      return; // an unknown op that may be a symbol table: nothing is safe
    llvm::DenseSet<StringAttr> pinned;
    SmallVector<gpu::LaunchFuncOp> launches;
    for (const SymbolTable::SymbolUse &use : *uses) {
      auto launch = dyn_cast<gpu::LaunchFuncOp>(use.getUser());
      if (launch && use.getSymbolRef() == launch.getKernelAttr())
        launches.push_back(launch);
      else
        pinned.insert(use.getSymbolRef().getRootReference());
    }

    // Buckets of modules by hash; the first module of each set of
    // interchangeable ones stays.
    llvm::DenseMap<llvm::hash_code, SmallVector<gpu::GPUModuleOp, 1>> kept;
    llvm::DenseMap<StringAttr, StringAttr> replacement;
    SmallVector<gpu::GPUModuleOp> duplicates;
    for (auto module : top.getBody()->getOps<gpu::GPUModuleOp>()) {
      if (pinned.contains(module.getSymNameAttr()))
        continue;
      SmallVector<gpu::GPUModuleOp, 1> &bucket = kept[moduleHash(module)];
      auto original = llvm::find_if(bucket, [&](gpu::GPUModuleOp candidate) {
        return interchangeable(candidate, module);
      });
      if (original == bucket.end()) {
        bucket.push_back(module);
        continue;
      }
      replacement[module.getSymNameAttr()] = original->getSymNameAttr();
      duplicates.push_back(module);
    }
    if (duplicates.empty())
      return;

    for (gpu::LaunchFuncOp launch : launches) {
      auto it = replacement.find(launch.getKernelModuleName());
      if (it == replacement.end())
        continue;
      launch.setKernelAttr(SymbolRefAttr::get(
          it->second, {FlatSymbolRefAttr::get(launch.getKernelName())}));
    }
    for (gpu::GPUModuleOp module : duplicates)
      module.erase();
  }
};

} // namespace
