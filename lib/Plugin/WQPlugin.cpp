//===- WQPlugin.cpp - wq as an MLIR dialect and pass plugin ---------------===//
//
// Entry points for `--load-dialect-plugin` (registers the wq dialect) and
// `--load-pass-plugin` (registers the wq passes and pipelines), so that any
// opt tool built on libMLIR.so can run wq.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "wq/Dialect/WQ/IR/WQDialect.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"
#include "wq/Pipelines/Pipelines.h"
#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "WQ", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            registry->insert<mlir::wq::WQDialect>();
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "WQ", LLVM_VERSION_STRING, []() {
            mlir::wq::registerWQPasses();
            mlir::wq::registerPipelines();
          }};
}
