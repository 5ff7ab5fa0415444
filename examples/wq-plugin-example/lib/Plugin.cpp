//===- Plugin.cpp - Pass plugin entry point -------------------------------===//
//
// `wq-opt --load-pass-plugin=libWQExamplePlugin.so` calls this to register
// the example's passes. The plugin links wq's shared libraries, so it sees
// the same wq dialect as the tool that loads it.
//
//===----------------------------------------------------------------------===//

#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

namespace mlir::wq_example {
void registerExamplePasses();
} // namespace mlir::wq_example

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "WQExamplePlugin", "0.1",
          []() { mlir::wq_example::registerExamplePasses(); }};
}
