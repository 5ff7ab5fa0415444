//===- wq-opt.cpp - wq optimizer driver -----------------------------------===//
//
// mlir-opt with the wq dialect, passes and pipelines. All upstream dialects
// and passes are registered because wq consumes upstream IR (func, linalg,
// tensor, arith) and lowers through upstream conversions.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "wq/Dialect/WQ/IR/WQDialect.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"
#include "wq/Pipelines/Pipelines.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::wq::registerWQPasses();
  mlir::wq::registerPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR inside the pipeline.
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::wq::WQDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "wq optimizer driver\n", registry));
}
