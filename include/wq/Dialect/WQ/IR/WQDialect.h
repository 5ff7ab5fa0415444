//===- WQDialect.h - wq dialect ---------------------------------*- C++ -*-===//

#ifndef WQ_DIALECT_WQ_IR_WQDIALECT_H
#define WQ_DIALECT_WQ_IR_WQDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "wq/Numerics/Numerics.h"

namespace mlir::wq {
namespace numerics = ::wq_numerics;

/// The activation (input and result) element types of wq.matmul that every
/// lowering implements: f16, bf16 and f32 (docs/dialect.md).
bool isActivationElementType(Type type);
} // namespace mlir::wq

#include "wq/Dialect/WQ/IR/WQOpsDialect.h.inc"
#include "wq/Dialect/WQ/IR/WQOpsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "wq/Dialect/WQ/IR/WQOpsAttrs.h.inc"

#define GET_OP_CLASSES
#include "wq/Dialect/WQ/IR/WQOps.h.inc"

#endif // WQ_DIALECT_WQ_IR_WQDIALECT_H
