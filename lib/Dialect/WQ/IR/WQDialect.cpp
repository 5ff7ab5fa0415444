//===- WQDialect.cpp - wq dialect registration ----------------------------===//

#include "wq/Dialect/WQ/IR/WQDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mlir::wq;

#include "wq/Dialect/WQ/IR/WQOpsDialect.cpp.inc"
#include "wq/Dialect/WQ/IR/WQOpsEnums.cpp.inc"

namespace {
/// Every wq op may be inlined: none has regions or refers to its enclosing
/// function. Without this interface the inliner keeps any function holding
/// a wq op (a model's norm or attention helper) as a call.
struct WQInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void WQDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "wq/Dialect/WQ/IR/WQOps.cpp.inc"
      >();
  addInterfaces<WQInlinerInterface>();
}

Operation *WQDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type)
    return nullptr;
  return arith::ConstantOp::create(builder, loc, type, typed);
}
