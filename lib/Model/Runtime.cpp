//===- Runtime.cpp - Native code for models and running it ----------------===//

#include "wq/Model/Runtime.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Target/TargetMachine.h"

#include <cstring>

using namespace llvm;

namespace wq_model {

static Error runtimeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

Error emitSharedLibrary(mlir::ModuleOp module, StringRef path,
                        const SharedLibraryOptions &options) {
  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::registerOpenMPDialectTranslation(registry);
  mlir::registerGPUDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);

  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  LLVMContext llvmContext;
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, llvmContext, "wq_model");
  if (!llvmModule)
    return runtimeError("translation to LLVM IR failed");
  Expected<orc::JITTargetMachineBuilder> builder =
      options.hostCpu
          ? orc::JITTargetMachineBuilder::detectHost()
          : Expected<orc::JITTargetMachineBuilder>(
                orc::JITTargetMachineBuilder(Triple(sys::getProcessTriple())));
  if (!builder)
    return builder.takeError();
  builder->setRelocationModel(Reloc::PIC_);
  builder->setCodeGenOptLevel(CodeGenOptLevel::Aggressive);
  Expected<std::unique_ptr<TargetMachine>> machine =
      builder->createTargetMachine();
  if (!machine)
    return machine.takeError();
  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  auto optimize = mlir::makeOptimizingTransformer(3, 0, machine->get());
  if (Error e = optimize(llvmModule.get()))
    return e;

  std::string objectPath = (path + ".o").str();
  {
    std::error_code ec;
    raw_fd_ostream object(objectPath, ec, sys::fs::OF_None);
    if (ec)
      return runtimeError(objectPath + ": " + ec.message());
    legacy::PassManager passes;
    if ((*machine)->addPassesToEmitFile(passes, object, nullptr,
                                        CodeGenFileType::ObjectFile))
      return runtimeError("the host target cannot emit object files");
    passes.run(*llvmModule);
  }
  ErrorOr<std::string> cc = sys::findProgramByName("cc");
  if (!cc)
    return runtimeError("no C compiler ('cc') to link the model library");
  std::string message;
  std::string out = path.str();
  // -Bsymbolic: calls inside the library bind to its own functions, so
  // several compiled libraries (with the same function names) can be loaded
  // into one process.
  std::vector<std::string> args = {*cc, "-shared", "-Wl,-Bsymbolic", "-o",
                                   out, objectPath};
  if (options.linkArgs.empty())
    args.insert(args.end(),
                {"-L" WQ_LLVM_LIBRARY_DIR, "-Wl,-rpath," WQ_LLVM_LIBRARY_DIR,
                 "-lomp", "-lm"});
  else
    args.insert(args.end(), options.linkArgs.begin(), options.linkArgs.end());
  std::vector<StringRef> argRefs(args.begin(), args.end());
  int rc = sys::ExecuteAndWait(*cc, argRefs, std::nullopt, {}, 0, 0, &message);
  sys::fs::remove(objectPath);
  if (rc != 0)
    return runtimeError("linking " + out + " failed" +
                        (message.empty() ? "" : ": " + message));
  return Error::success();
}

namespace {
/// MLIR's memref descriptor for a static memref of rank N.
template <int N> struct MemRefDescriptor {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[N];
  int64_t strides[N];
};
} // namespace

Expected<CompiledModel> CompiledModel::load(StringRef libraryPath,
                                            const LlamaConfig &config) {
  std::string error;
  sys::DynamicLibrary library =
      sys::DynamicLibrary::getPermanentLibrary(libraryPath.str().c_str(), &error);
  if (!library.isValid())
    return runtimeError("cannot load " + libraryPath + ": " + error);
  void *symbol = library.getAddressOfSymbol("_mlir_ciface_forward");
  if (!symbol)
    return runtimeError(libraryPath + " has no forward function");
  CompiledModel model;
  model.config_ = config;
  model.forward_ = reinterpret_cast<ForwardFn>(symbol);
  size_t cache = size_t(config.numLayers * config.seqLen * config.kvDim());
  model.keyCache_.assign(cache, 0.0f);
  model.valueCache_.assign(cache, 0.0f);
  model.logits_.assign(size_t(config.vocabSize), 0.0f);
  return std::move(model);
}

void CompiledModel::reset() {
  std::fill(keyCache_.begin(), keyCache_.end(), 0.0f);
  std::fill(valueCache_.begin(), valueCache_.end(), 0.0f);
}

float *CompiledModel::forward(int token, int pos) {
  const int64_t L = config_.numLayers, S = config_.seqLen, KVD = config_.kvDim();
  MemRefDescriptor<3> k{keyCache_.data(), keyCache_.data(), 0, {L, S, KVD},
                        {S * KVD, KVD, 1}};
  MemRefDescriptor<3> v{valueCache_.data(), valueCache_.data(), 0, {L, S, KVD},
                        {S * KVD, KVD, 1}};
  MemRefDescriptor<1> out{logits_.data(), logits_.data(), 0,
                          {config_.vocabSize}, {1}};
  forward_(token, pos, &k, &v, &out);
  return logits_.data();
}

} // namespace wq_model
