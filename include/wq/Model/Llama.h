//===- Llama.h - Llama-family models: checkpoints and MLIR ------*- C++ -*-===//
//
// Reading llama2.c checkpoints (fp32 legacy and the int8 "ak42" v2 export)
// into a model description, and generating the model's forward pass as MLIR
// in upstream dialects (func, linalg, tensor, arith, math) with the weights
// carried as dense_resource blobs.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_MODEL_LLAMA_H
#define WQ_MODEL_LLAMA_H

#include "wq/Numerics/Calibrated.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace wq_model {

struct LlamaConfig {
  int64_t dim = 0, hiddenDim = 0, numLayers = 0, numHeads = 0, numKvHeads = 0;
  int64_t vocabSize = 0, seqLen = 0;
  /// Width of one attention head; 0 means dim / numHeads.
  int64_t headDim = 0;
  bool sharedClassifier = true;
  float normEps = 1e-5f;
  float ropeTheta = 10000.0f;
  int64_t headSize() const { return headDim ? headDim : dim / numHeads; }
  /// Width of the queries (and of the attention output): heads x head size.
  int64_t queryDim() const { return numHeads * headSize(); }
  int64_t kvDim() const { return numKvHeads * headSize(); }
  /// Checks the dimensions (positive, heads dividing evenly, even head size,
  /// sizes a compiled model can hold); the message names what is wrong.
  llvm::Error validate() const;
  std::string toJson() const;
  static llvm::Expected<LlamaConfig> fromJson(llvm::StringRef text);
};

/// A float tensor of the model (row-major). Readers fill `values`, or, for
/// a lazily read checkpoint (readCheckpoint's `lazy`), leave them empty and
/// set `read`, which reads them from the memory-mapped file when asked
/// (checked finite there): a compile then holds one float tensor at a time.
struct FloatTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
  std::function<llvm::Expected<std::vector<float>>()> read;

  int64_t numElements() const;
  /// The values: `values` itself, or, for a lazy tensor, read now into
  /// `storage` (not kept by the tensor).
  llvm::Expected<llvm::ArrayRef<float>>
  load(std::vector<float> &storage) const;
};

/// All weights of a model by canonical name ("tok_embeddings.weight",
/// "layers.{l}.attention.wq.weight", "layers.{l}.attention_norm.weight",
/// "layers.{l}.feed_forward.w1.weight", "norm.weight", "output.weight" when
/// not shared). Linear weights are [out, in]. A checkpoint that is already
/// quantized also fills `quantized` (same names).
struct LlamaWeights {
  LlamaConfig config;
  std::map<std::string, FloatTensor> tensors;
  std::map<std::string, wq_numerics::QuantizedLinear> quantized;
  /// Group size of an int8 export (0 if not quantized).
  int64_t exportGroupSize = 0;
};

/// The error of a model file: "<path>: <message>" (the readers' one form).
llvm::Error modelFileError(llvm::StringRef path, const llvm::Twine &message);

/// Names of the linear weights of layer `layer`, in llama2.c's order.
std::vector<std::string> linearWeightNames(const LlamaConfig &config);

/// Reads a llama2.c checkpoint: legacy fp32 (7 int32 header) or the int8
/// export (magic "ak42", version 2). Validates sizes against the header and
/// reports truncated or lying files with the path and what is wrong.
llvm::Expected<LlamaWeights> readLlama2cCheckpoint(llvm::StringRef path);

/// Reads a Hugging Face Llama-family directory: config.json and *.safetensors
/// (f32, f16 or bf16), or a GPTQ (AutoGPTQ/transformers v1) or AWQ (AutoAWQ
/// GEMM) quantized one, whose linear weights are kept quantized (q/k rows
/// re-ordered from HF's rotate-half layout to interleaved RoPE pairs).
llvm::Expected<LlamaWeights> readHuggingFaceDirectory(llvm::StringRef dir,
                                                      bool lazy = false);

/// Reads a llama.cpp GGUF file of the `llama` architecture (see
/// GgufModel.cpp): Q8_0, Q4_0 and Q4_1 weights are kept quantized as the
/// file stores them (`quantized`), every tensor is also dequantized.
llvm::Expected<LlamaWeights> readGgufCheckpoint(llvm::StringRef path);

/// Whether `path` is a GGUF file (its magic).
bool isGgufFile(llvm::StringRef path);

/// Checks the values a reader cannot check while reading: every float
/// weight and every quantized scale and offset finite, every zero point
/// representable in its storage. The error names the file, the tensor and
/// the first bad element ("<path>: layers.3.attention.wq.weight[17, 5] is
/// NaN").
llvm::Error validateWeights(const LlamaWeights &weights, llvm::StringRef path);

/// A llama2.c file, a GGUF file or a Hugging Face directory, validated
/// (validateWeights). With `lazy`, the float tensors of a Hugging Face
/// directory are read on demand (FloatTensor::read; validated when read).
llvm::Expected<LlamaWeights> readCheckpoint(llvm::StringRef path,
                                            bool lazy = false);

/// Appends the forward pass to `module` (lib/Model/LlamaForward.cpp, built
/// with op builders): func @forward(tokens [M] i32, pos, k_cache, v_cache
/// [layers, context, kvDim], first, logits [M - first, vocab]) runs M tokens
/// at positions pos .. pos+M-1 as one batch (causal attention over the
/// cache), updates the caches and writes the logits of rows first .. M-1 in
/// place. Every weight is a `dense_resource<unbound_NAME>` constant (NAME:
/// resourceName of the weight name) located at NameLoc("<weight name>");
/// buildModelModule binds each to its data. `weightDtype` is the element
/// type float weights are stored in ("f32" or "f16").
///
/// With `forGpu`, the GPU form: @forward's attention runs every head in one
/// kernel per phase (no host loop over heads), and there is also
///
///   func.func @decode(%step: memref<2xi32>, %k_cache, %v_cache,
///                     %logits: memref<1 x V xf32>)
///
/// one token (step[0]) at position step[1], which the code reads only
/// inside its loops (on a GPU: inside the kernels, from device memory): the
/// launches and their arguments do not depend on the token or the position,
/// so one captured CUDA graph of a call serves every step. Its attention
/// spans the whole cache, positions past step[1] skipped by the kernels.
void buildLlamaForward(mlir::ModuleOp module, const LlamaConfig &config,
                       llvm::StringRef weightDtype = "f32",
                       bool forGpu = false);

/// The unbound resource name buildLlamaForward uses for weight `name`.
std::string resourceName(llvm::StringRef name);

} // namespace wq_model

#endif // WQ_MODEL_LLAMA_H
