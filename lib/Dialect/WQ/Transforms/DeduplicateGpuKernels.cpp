//===- DeduplicateGpuKernels.cpp - wq-deduplicate-gpu-kernels -------------===//
//
// Keeps one copy of each set of identical outlined kernel modules. Outlining
// gives every gpu.launch its own gpu.module, so a model's layers, which launch
// the same kernels layer after layer, carry one copy per layer; each copy is
// lowered to PTX and assembled on its own, which dominated a GPU model's
// compile time. Kernels that differ only in integer constants used as memory
// indices (a layer's offset into the KV cache) become one kernel that takes
// those constants as arguments: one comparison serves both, identical
// modules being those where no constant differs.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQDEDUPLICATEGPUKERNELSPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;

namespace {

/// A module's attributes but its name (the same targets, for instance).
DictionaryAttr attributesButName(gpu::GPUModuleOp module) {
  NamedAttrList attributes(module->getAttrDictionary());
  attributes.erase(SymbolTable::getSymbolAttrName());
  return attributes.getDictionary(module.getContext());
}

bool isIntegerConstant(Operation *op) {
  auto constant = dyn_cast_or_null<arith::ConstantOp>(op);
  return constant && constant.getType().isIntOrIndex();
}

/// Whether operand `index` of `user` may read a kernel argument instead of
/// an integer constant: an index of a memory access, or an operand of the
/// integer adds, multiplies, comparisons and casts that compute indices. Not
/// loop bounds, divisors or shift amounts, whose constant values let the
/// compiler unroll or strength-reduce.
bool mayBecomeArgument(Operation *user, unsigned index) {
  // A stored value is no index.
  if (isa<memref::StoreOp, vector::StoreOp>(user))
    return index != 0;
  return isa<memref::LoadOp, vector::LoadOp, arith::AddIOp, arith::SubIOp,
             arith::MulIOp, arith::CmpIOp, arith::IndexCastOp,
             arith::IndexCastUIOp>(user);
}

/// A hash that modules equal but for integer constants share.
llvm::hash_code shapeHash(gpu::GPUModuleOp module) {
  llvm::hash_code hash = hash_value(attributesButName(module));
  module.getBody()->walk([&](Operation *op) {
    if (isIntegerConstant(op))
      return;
    hash = llvm::hash_combine(hash, op->getName(), op->getNumOperands(),
                              op->getNumRegions(), op->getAttrDictionary());
    for (Type type : op->getResultTypes())
      hash = llvm::hash_combine(hash, type);
  });
  return hash;
}

/// An operand of a kernel that reads an integer constant whose value
/// differs in another module: the operand's op and number there.
using ConstantUse = std::pair<Operation *, unsigned>;

/// Whether `a` and `b` hold the same ops but for the values of integer
/// constants at operands that mayBecomeArgument; then `differing` holds
/// those operands of `a` whose constant differs in `b`, with `b`'s value.
bool equalButConstants(
    gpu::GPUModuleOp a, gpu::GPUModuleOp b,
    SmallVectorImpl<std::pair<ConstantUse, Attribute>> &differing) {
  if (attributesButName(a) != attributesButName(b))
    return false;
  // Integer constants are compared where they are used, by value.
  SmallVector<Operation *> opsA, opsB;
  a.getBody()->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (!isIntegerConstant(op))
      opsA.push_back(op);
  });
  b.getBody()->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (!isIntegerConstant(op))
      opsB.push_back(op);
  });
  if (opsA.size() != opsB.size())
    return false;
  // Values and blocks of `a` and their counterparts in `b`.
  llvm::DenseMap<Value, Value> values;
  llvm::DenseMap<Block *, Block *> blocks;
  auto mapValue = [&](Value x, Value y) {
    if (x.getType() != y.getType())
      return false;
    values[x] = y;
    return true;
  };
  for (auto [opA, opB] : llvm::zip(opsA, opsB)) {
    if (opA->getName() != opB->getName() ||
        opA->getNumOperands() != opB->getNumOperands() ||
        opA->getNumResults() != opB->getNumResults() ||
        opA->getNumRegions() != opB->getNumRegions() ||
        opA->getNumSuccessors() != opB->getNumSuccessors() ||
        opA->getAttrDictionary() != opB->getAttrDictionary())
      return false;
    for (OpOperand &operand : opA->getOpOperands()) {
      Value x = operand.get();
      Value y = opB->getOperand(operand.getOperandNumber());
      if (isIntegerConstant(x.getDefiningOp())) {
        if (!isIntegerConstant(y.getDefiningOp()) || x.getType() != y.getType())
          return false;
        Attribute valueA = cast<arith::ConstantOp>(x.getDefiningOp()).getValue();
        Attribute valueB = cast<arith::ConstantOp>(y.getDefiningOp()).getValue();
        if (valueA == valueB)
          continue;
        if (!mayBecomeArgument(opA, operand.getOperandNumber()))
          return false;
        differing.push_back({{opA, operand.getOperandNumber()}, valueB});
        continue;
      }
      auto it = values.find(x);
      if (it == values.end() || it->second != y)
        return false;
    }
    for (auto [x, y] : llvm::zip(opA->getSuccessors(), opB->getSuccessors()))
      if (blocks.lookup(x) != y)
        return false;
    for (auto [x, y] : llvm::zip(opA->getResults(), opB->getResults()))
      if (!mapValue(x, y))
        return false;
    for (auto [regionA, regionB] :
         llvm::zip(opA->getRegions(), opB->getRegions())) {
      if (regionA.getBlocks().size() != regionB.getBlocks().size())
        return false;
      for (auto [blockA, blockB] : llvm::zip(regionA, regionB)) {
        blocks[&blockA] = &blockB;
        if (blockA.getNumArguments() != blockB.getNumArguments())
          return false;
        for (auto [x, y] :
             llvm::zip(blockA.getArguments(), blockB.getArguments()))
          if (!mapValue(x, y))
            return false;
      }
    }
  }
  return true;
}

/// The module's one kernel function, if it has exactly one.
gpu::GPUFuncOp onlyKernel(gpu::GPUModuleOp module) {
  auto funcs = module.getBody()->getOps<gpu::GPUFuncOp>();
  if (!llvm::hasSingleElement(funcs) || !(*funcs.begin()).isKernel())
    return {};
  return *funcs.begin();
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

    // Modules equal but for integer constants at index operands
    // (equalButConstants) form a group whose first module stays: it takes
    // each set of such operands whose values differ in the group as a new
    // argument (only a module of one kernel may), and every launch passes
    // its own module's values. Identical modules are the groups where
    // nothing differs.
    struct Group {
      gpu::GPUModuleOp canonical;
      // Members after the canonical module, with their differing operands.
      SmallVector<std::pair<gpu::GPUModuleOp,
                            SmallVector<std::pair<ConstantUse, Attribute>>>>
          members;
    };
    llvm::DenseMap<llvm::hash_code, SmallVector<Group, 1>> buckets;
    for (auto module : top.getBody()->getOps<gpu::GPUModuleOp>()) {
      if (pinned.contains(module.getSymNameAttr()))
        continue;
      SmallVector<Group, 1> &bucket = buckets[shapeHash(module)];
      bool placed = false;
      for (Group &group : bucket) {
        SmallVector<std::pair<ConstantUse, Attribute>> differing;
        if (!equalButConstants(group.canonical, module, differing) ||
            (!differing.empty() && !onlyKernel(group.canonical)))
          continue;
        group.members.push_back({module, std::move(differing)});
        placed = true;
        break;
      }
      if (!placed)
        bucket.push_back(Group{module, {}});
    }
    llvm::DenseMap<StringAttr, StringAttr> replacement;
    SmallVector<gpu::GPUModuleOp> duplicates;
    // Per module of a group: the values its launches pass for the new
    // arguments.
    llvm::DenseMap<StringAttr, SmallVector<Attribute>> argumentValues;
    for (auto &[hash, bucket] : buckets) {
      for (Group &group : bucket) {
        if (group.members.empty())
          continue;
        // Each operand of the canonical kernel that differs in some member,
        // with its value in every module of the group (canonical first).
        SmallVector<ConstantUse> uses;
        llvm::DenseMap<ConstantUse, SmallVector<Attribute>> valuesOf;
        const size_t modules = group.members.size() + 1;
        for (auto [m, member] : llvm::enumerate(group.members))
          for (auto &[use, value] : member.second) {
            auto [it, inserted] = valuesOf.try_emplace(use);
            if (inserted) {
              Value own = use.first->getOperand(use.second);
              it->second.assign(
                  modules,
                  cast<arith::ConstantOp>(own.getDefiningOp()).getValue());
              uses.push_back(use);
            }
            it->second[m + 1] = value;
          }
        // One argument per distinct vector of values (a layer index read
        // by several accesses is one argument).
        SmallVector<SmallVector<Attribute>> arguments;
        SmallVector<SmallVector<ConstantUse>> readers;
        for (ConstantUse use : uses) {
          SmallVector<Attribute> &values = valuesOf[use];
          auto found = llvm::find(arguments, values);
          if (found == arguments.end()) {
            arguments.push_back(values);
            readers.push_back({use});
          } else {
            readers[found - arguments.begin()].push_back(use);
          }
        }
        if (!arguments.empty()) {
          gpu::GPUFuncOp kernel = onlyKernel(group.canonical);
          for (const SmallVector<ConstantUse> &users : readers) {
            unsigned index = kernel.getNumArguments();
            Value first =
                users.front().first->getOperand(users.front().second);
            (void)kernel.insertArgument(index, first.getType(),
                                        DictionaryAttr(), first.getLoc());
            for (auto [user, operand] : users) {
              Operation *constant = user->getOperand(operand).getDefiningOp();
              user->setOperand(operand, kernel.getArgument(index));
              if (constant->use_empty())
                constant->erase();
            }
          }
        }
        for (unsigned m = 0; m < modules; ++m) {
          gpu::GPUModuleOp module =
              m == 0 ? group.canonical : group.members[m - 1].first;
          if (!arguments.empty()) {
            SmallVector<Attribute> &values =
                argumentValues[module.getSymNameAttr()];
            for (SmallVector<Attribute> &argument : arguments)
              values.push_back(argument[m]);
          }
          if (m == 0)
            continue;
          replacement[module.getSymNameAttr()] =
              group.canonical.getSymNameAttr();
          duplicates.push_back(module);
        }
      }
    }
    for (gpu::LaunchFuncOp launch : launches) {
      StringAttr module = launch.getKernelModuleName();
      if (auto it = argumentValues.find(module); it != argumentValues.end()) {
        OpBuilder builder(launch);
        for (Attribute value : it->second)
          launch.getKernelOperandsMutable().append(
              arith::ConstantOp::create(builder, launch.getLoc(),
                                        cast<TypedAttr>(value))
                  .getResult());
      }
      if (auto it = replacement.find(module); it != replacement.end())
        launch.setKernelAttr(SymbolRefAttr::get(
            it->second, {FlatSymbolRefAttr::get(launch.getKernelName())}));
    }
    for (gpu::GPUModuleOp module : duplicates)
      module.erase();
  }
};

} // namespace
