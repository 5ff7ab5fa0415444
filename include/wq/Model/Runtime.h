//===- Runtime.h - Native code for models and running it --------*- C++ -*-===//

#ifndef WQ_MODEL_RUNTIME_H
#define WQ_MODEL_RUNTIME_H

#include "wq/Model/Llama.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

namespace wq_model {

struct SharedLibraryOptions {
  /// Use the host CPU's features; otherwise the generic target of the host
  /// triple (for libraries that run on another machine).
  bool hostCpu = true;
  /// What the link step adds after the object (empty: LLVM's libomp and
  /// libm, with an rpath to LLVM's library directory).
  std::vector<std::string> linkArgs;
};

/// Compiles a module in the LLVM dialect (with `gpu.binary` kernels, if any)
/// to a shared library at `path` (-O3, position independent; linked with
/// the system C compiler). Temporary files go next to `path`.
llvm::Error emitSharedLibrary(mlir::ModuleOp module, llvm::StringRef path,
                              const SharedLibraryOptions &options = {});

/// A compiled model (its forward pass from a shared library) with its state.
class CompiledModel {
public:
  static llvm::Expected<CompiledModel> load(llvm::StringRef libraryPath,
                                            const LlamaConfig &config);
  /// Runs one position; returns the logits (vocabSize floats, valid until
  /// the next call).
  float *forward(int token, int pos);
  /// Clears the KV caches (a new sequence).
  void reset();
  const LlamaConfig &config() const { return config_; }

private:
  using ForwardFn = void (*)(int64_t, int64_t, void *, void *, void *);
  LlamaConfig config_;
  ForwardFn forward_ = nullptr;
  std::vector<float> keyCache_, valueCache_, logits_;
};

} // namespace wq_model

#endif // WQ_MODEL_RUNTIME_H
