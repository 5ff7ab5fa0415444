//===- Runtime.h - Native code for models and running it --------*- C++ -*-===//

#ifndef WQ_MODEL_RUNTIME_H
#define WQ_MODEL_RUNTIME_H

#include "wq/Model/Llama.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace wq_model {

struct SharedLibraryOptions {
  /// Use the host CPU's features; otherwise the generic target of the host
  /// triple (for libraries that run on another machine).
  bool hostCpu = true;
  /// What the link step adds after the object (empty: LLVM's libomp, libm
  /// and, on x86-64 GNU/Linux, glibc's libmvec, whose expf the loop
  /// vectorizer then calls 8 floats at a time (4 ulp, glibc's documented
  /// bound, instead of libm's 1); with an rpath to LLVM's library
  /// directory).
  std::vector<std::string> linkArgs;
};

/// Compiles a module in the LLVM dialect (with `gpu.binary` kernels, if any)
/// to a shared library at `path` (-O3, position independent; linked with
/// the system C compiler). Temporary files go next to `path`.
llvm::Error emitSharedLibrary(mlir::ModuleOp module, llvm::StringRef path,
                              const SharedLibraryOptions &options = {});

/// The model library's ABI: the forward function's signature and the
/// stamp's form. Raised whenever either changes, so that a library built by
/// another wq is refused at load rather than called wrongly. 2: the weights
/// in a file beside the library (wq-externalize-weights); 3: GPU libraries
/// carry the decode step (_mlir_ciface_decode).
constexpr int kModelAbiVersion = 3;
/// The exported string constant each model library carries:
/// "wq-model-abi <version>\n<the model's config as JSON>".
constexpr const char *kModelStampSymbol = "wq_model_stamp";
/// The exported string constant of model libraries compiled for a GPU: the
/// chip ("sm_80", "sm_90"). CPU libraries have none.
constexpr const char *kModelDeviceSymbol = "wq_model_device";
/// Adds the exported, NUL-terminated string constant `symbol` = `text` to
/// `module` (an LLVM dialect global): how a model library carries its stamp
/// and device for CompiledModel::load to read.
void addExportedString(mlir::ModuleOp module, llvm::StringRef symbol,
                       llvm::StringRef text);
/// The stamp of a model library compiled for `config`.
std::string modelStamp(const LlamaConfig &config);

/// The weights file of a model library: model.so -> model.weights.
std::string weightsPathFor(llvm::StringRef libraryPath);

/// The device side of a model compiled for a GPU (Runtime.cpp).
struct DeviceState;

/// A compiled model (its forward pass from a shared library) with its state:
/// the key/value caches for `contextLength` positions (f32, allocated
/// untouched, so memory is committed only as positions are used). A library
/// compiled for a GPU runs there: its caches and logits live in device
/// memory (through the kernels runtime it links), and only the logits rows
/// asked for come back per call. Calls of one token run the library's decode
/// step: the token and position are copied to the device, the step is
/// captured as a CUDA graph on its first call and replayed from then on (load
/// runs one step directly, which uploads the weights).
/// Longer calls (prompts) run the forward pass, which reads the token ids
/// from host memory.
class CompiledModel {
public:
  /// `contextLength` 0 means the model's own (config.seqLen). The library
  /// must be whole (its ELF headers within the file: a truncated file is
  /// refused before it is mapped) and stamped with this wq's ABI version
  /// and the same shapes as `config` (a config.json edited after the
  /// compile, or a library from another build, is refused). A library whose
  /// weights were moved out (wq-externalize-weights) reads them from
  /// weightsPathFor(libraryPath), mapped read-only for the life of the
  /// process; a missing file or one of another size is refused.
  static llvm::Expected<CompiledModel> load(llvm::StringRef libraryPath,
                                            const LlamaConfig &config,
                                            int64_t contextLength = 0);
  /// Runs `tokens` at positions pos .. pos + M - 1 as one batch and returns
  /// the logits of rows first .. M - 1 ([M - first, vocab] row-major; the
  /// caller may modify them, e.g. to sample; valid until the next call).
  /// Positions past the context, token ids outside the vocabulary and
  /// first >= M are errors. A call at pos 0 starts a new sequence: a call
  /// only reads cache positions that it or earlier calls wrote.
  llvm::Expected<float *> run(llvm::ArrayRef<int32_t> tokens, int64_t pos,
                              int64_t first);
  const LlamaConfig &config() const { return config_; }
  /// "cpu", or the GPU the library was compiled for ("sm_90").
  const std::string &device() const { return device_; }
  int64_t contextLength() const { return contextLength_; }
  /// Bytes of the key and value caches together.
  int64_t kvCacheBytes() const {
    return 2 * config_.numLayers * contextLength_ * config_.kvDim() * 4;
  }

  CompiledModel();
  CompiledModel(CompiledModel &&);
  CompiledModel &operator=(CompiledModel &&);
  ~CompiledModel();

private:
  /// One token on the GPU through the decode step (see the class comment):
  /// by replaying its graph (captured by the first such call), or `direct`ly
  /// (the load's step, which uploads the weights).
  llvm::Expected<float *> runDecodeStep(int32_t token, int64_t pos,
                                        bool direct);
  /// The memref descriptor of a KV cache [layers, context, kvDim].
  StridedMemRefType<float, 3> cacheRef(void *cache) const;

  using ForwardFn = void (*)(void *, int64_t, void *, void *, int64_t, void *);
  using DecodeFn = void (*)(void *, void *, void *, void *);
  LlamaConfig config_;
  int64_t contextLength_ = 0;
  std::string device_ = "cpu";
  ForwardFn forward_ = nullptr;
  DecodeFn decode_ = nullptr;
  std::unique_ptr<float[]> keyCache_, valueCache_;
  std::unique_ptr<DeviceState> deviceState_;
  std::vector<float> logits_;
};

} // namespace wq_model

#endif // WQ_MODEL_RUNTIME_H
