//===- FuzzDialect.cpp - the wq dialect, its passes and pipelines ---------===//
//
// MLIR text as wq-opt reads it: parsed and verified with every dialect
// wq-opt registers; on what verifies, each wq pass alone (a pass that
// succeeds must leave valid IR), then the CPU pipeline (both activation
// paths) and the GPU pipeline to PTX for sm_90. Diagnostics are expected;
// crashes, sanitizer reports and invalid IR from a successful wq pass are
// defects.
//
// Only modules made of the ops wq's inputs and passes use (builtin, func,
// arith, math, tensor, linalg, wq) are run through the passes, so that what
// the fuzzer finds is wq's, not an upstream op's that wq never sees.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "wq/Dialect/WQ/IR/WQDialect.h"
#include "wq/Dialect/WQ/Transforms/Passes.h"
#include "wq/Pipelines/Pipelines.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;

namespace {

const DialectRegistry &registry() {
  static DialectRegistry *instance = [] {
    registerAllPasses();
    wq::registerWQPasses();
    wq::registerPipelines();
    auto *r = new DialectRegistry();
    registerAllDialects(*r);
    registerAllExtensions(*r);
    registerAllToLLVMIRTranslations(*r);
    r->insert<wq::WQDialect>();
    return r;
  }();
  return *instance;
}

/// Every wq pass, alone, with its default options.
const char *const kWqPasses[] = {
    "wq-fold-constant-dequantize", "wq-lower-to-linalg",
    "wq-lower-to-vector",          "wq-lower-to-vector{activation-bits=8}",
    "wq-lower-float-linear",       "wq-pack-layout",
    "wq-lower-to-gpu-decode",      "wq-lower-byte-dot",
    "wq-quantize-weights",         "wq-insert-observers",
    "wq-allocate-on-device",       "wq-annotate-gpu-kernels",
    "wq-fuse-sibling-matmuls",
    "wq-lower-strided-copies",
    "wq-externalize-weights{file=/dev/null}",
};

bool onlyWqInputDialects(ModuleOp module) {
  static const llvm::StringSet<> allowed = {"builtin", "func",   "arith",
                                            "math",    "tensor", "linalg",
                                            "wq"};
  bool ok = true;
  module->walk([&](Operation *op) {
    if (!allowed.contains(op->getName().getDialectNamespace())) {
      ok = false;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return ok;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // MLIR's lexer reads the byte after the text, which must be a NUL: the
  // tools read files through MemoryBuffer, which provides one, and so does
  // std::string (the raw fuzzer input does not).
  const std::string text(reinterpret_cast<const char *>(data), size);
  MLIRContext context(registry(), MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  if (!module || !onlyWqInputDialects(*module))
    return 0;

  for (const char *pass : kWqPasses) {
    OwningOpRef<ModuleOp> copy = module->clone();
    PassManager pm(&context);
    pm.enableVerifier(false); // checked below, to tell a bad pass apart
    if (failed(parsePassPipeline(pass, pm)))
      std::abort();
    if (succeeded(pm.run(*copy)) && failed(verify(*copy))) {
      llvm::errs() << "fuzz: " << pass << " succeeded but left invalid IR\n";
      std::abort();
    }
  }

  for (unsigned bits : {32u, 8u}) {
    OwningOpRef<ModuleOp> copy = module->clone();
    PassManager pm(&context);
    wq::CpuPipelineOptions options;
    options.activationBits = bits;
    if (failed(wq::buildCpuPipeline(pm, options)))
      std::abort();
    // As wq-compile runs it: every constant global's bytes leave the module.
    pm.addPass(wq::createWQExternalizeWeightsPass({"/dev/null", 1}));
    (void)pm.run(*copy);
  }
  {
    OwningOpRef<ModuleOp> copy = module->clone();
    PassManager pm(&context);
    wq::GpuPipelineOptions options;
    options.format = "isa"; // PTX text: no ptxas subprocess per input
    if (failed(wq::buildGpuPipeline(pm, options)))
      std::abort();
    (void)pm.run(*copy);
  }
  return 0;
}
