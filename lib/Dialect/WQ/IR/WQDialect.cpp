//===- WQDialect.cpp - wq dialect registration ----------------------------===//

#include "wq/Dialect/WQ/IR/WQDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace mlir::wq;

#include "wq/Dialect/WQ/IR/WQOpsDialect.cpp.inc"
#include "wq/Dialect/WQ/IR/WQOpsEnums.cpp.inc"

void WQDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "wq/Dialect/WQ/IR/WQOps.cpp.inc"
      >();
}

Operation *WQDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type)
    return nullptr;
  return arith::ConstantOp::create(builder, loc, type, typed);
}
