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

#include <map>
#include <string>
#include <vector>

namespace wq_model {

struct LlamaConfig {
  int64_t dim = 0, hiddenDim = 0, numLayers = 0, numHeads = 0, numKvHeads = 0;
  int64_t vocabSize = 0, seqLen = 0;
  bool sharedClassifier = true;
  float normEps = 1e-5f;
  float ropeTheta = 10000.0f;
  int64_t headSize() const { return dim / numHeads; }
  int64_t kvDim() const { return numKvHeads * headSize(); }
  std::string toJson() const;
  static llvm::Expected<LlamaConfig> fromJson(llvm::StringRef text);
};

/// A float tensor of the model (row-major).
struct FloatTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
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
llvm::Expected<LlamaWeights> readHuggingFaceDirectory(llvm::StringRef dir);

/// A llama2.c file or a Hugging Face directory.
llvm::Expected<LlamaWeights> readCheckpoint(llvm::StringRef path);

/// The forward pass as MLIR text: func @forward(token, pos, k_cache,
/// v_cache, logits) updating the caches and logits in place, with every
/// weight a `dense_resource<unbound_NAME>` constant (NAME: the weight name
/// with '.' replaced by '_') located at `loc("<weight name>")`; the importer
/// binds each to a resource named NAME holding the data. `weightDtype` is the
/// element type the weights are stored in ("f32" or "f16").
std::string llamaForwardMlir(const LlamaConfig &config,
                             llvm::StringRef weightDtype = "f32");

/// The unbound resource name llamaForwardMlir uses for weight `name`.
std::string resourceName(llvm::StringRef name);

} // namespace wq_model

#endif // WQ_MODEL_LLAMA_H
