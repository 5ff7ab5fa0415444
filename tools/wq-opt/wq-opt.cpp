//===- wq-opt.cpp - wq optimizer driver -----------------------------------===//
//
// mlir-opt with the wq dialect, passes and pipelines. All upstream dialects
// and passes are registered because wq consumes upstream IR (func, linalg,
// tensor, arith) and lowers through upstream conversions. Unlike mlir-opt,
// `-o FILE` is written atomically: the output goes to a temporary file beside
// FILE, renamed onto it only on success, so a failing run keeps FILE as it
// was.
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

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

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
  // Redirect `-o FILE` (`-o FILE`, `--o FILE`, `-o=FILE`, `--o=FILE`) to a
  // temporary sibling.
  std::vector<std::string> args(argv, argv + argc);
  std::string output, temp;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string &arg = args[i];
    std::string *path = nullptr;
    std::string prefix;
    if ((arg == "-o" || arg == "--o") && i + 1 < args.size()) {
      path = &args[++i];
    } else if (arg.rfind("-o=", 0) == 0 || arg.rfind("--o=", 0) == 0) {
      prefix = arg.substr(0, arg.find('=') + 1);
      path = &arg;
    }
    if (!path)
      continue;
    output = path->substr(prefix.size());
    if (output == "-") {
      output.clear(); // stdout
      continue;
    }
    temp = llvm::formatv("{0}.tmp-{1}", output,
                         llvm::sys::Process::getProcessId())
               .str();
    *path = prefix + temp;
  }
  std::vector<char *> argvOut;
  for (std::string &arg : args)
    argvOut.push_back(arg.data());
  argvOut.push_back(nullptr);
  mlir::LogicalResult result = mlir::MlirOptMain(
      argc, argvOut.data(), "wq optimizer driver\n", registry);
  if (!output.empty()) {
    if (mlir::failed(result)) {
      llvm::sys::fs::remove(temp);
    } else if (std::error_code ec = llvm::sys::fs::rename(temp, output)) {
      llvm::errs() << "wq-opt: cannot write " << output << ": "
                   << ec.message() << "\n";
      llvm::sys::fs::remove(temp);
      return 1;
    }
  }
  return mlir::asMainReturnCode(result);
}
