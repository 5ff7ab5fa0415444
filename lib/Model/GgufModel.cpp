//===- GgufModel.cpp - Llama-architecture models from GGUF files ----------===//
//
// llama.cpp's `llama` architecture: hyper-parameters from the `llama.*`
// metadata, tensors by llama.cpp's names (token_embd, blk.N.attn_q, ...,
// output_norm, output). Q/K rows are already in the interleaved-pair order
// of llama.cpp's "normal" RoPE, which is wq's (and llama2.c's).
//
// Q8_0, Q4_0 and Q4_1 tensors keep the file's integers, scales and minimums
// (lossless): Q8_0 is int8 symmetric with an f16 scale per 32; Q4_0 is
// unsigned 4-bit with zero point 8 and an f16 scale per 32; Q4_1 is unsigned
// 4-bit with an f16 scale and an f16 float offset per 32 (w = d * q + m).
// Every tensor is also dequantized to f32 (ggml's exact arithmetic) for the
// paths that read floats (re-quantization, float layers, calibration).
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Gguf.h"
#include "wq/Model/Llama.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

using namespace llvm;
using namespace wq_formats;
using namespace wq_numerics;

namespace wq_model {

namespace {
/// The integers and scales of a Q8_0, Q4_0 or Q4_1 matrix [rows, cols] in
/// wq's representation; nullopt for other types.
std::optional<QuantizedLinear> keepQuantized(const GgufTensorInfo &tensor,
                                             const std::string &name) {
  const std::vector<int64_t> shape = tensor.shape();
  if (shape.size() != 2)
    return std::nullopt;
  const int64_t rows = shape[0], cols = shape[1];
  const GgmlType type = GgmlType(tensor.type);
  QuantScheme scheme;
  scheme.groupSize = 32;
  scheme.scaleType = ScaleType::F16;
  int64_t blockBytes;
  switch (type) {
  case GgmlType::Q8_0: // w = d * q
    scheme.bits = 8;
    scheme.isSigned = true;
    scheme.zeroPoints = false;
    blockBytes = kGgmlQ8_0BlockBytes;
    break;
  case GgmlType::Q4_0: // w = d * (q - 8)
    scheme.bits = 4;
    scheme.isSigned = false;
    scheme.zeroPoints = true;
    blockBytes = kGgmlQ4_0BlockBytes;
    break;
  case GgmlType::Q4_1: // w = d * q + m
    scheme.bits = 4;
    scheme.isSigned = false;
    scheme.zeroPoints = false;
    scheme.offsets = true;
    blockBytes = kGgmlQ4_1BlockBytes;
    break;
  default:
    return std::nullopt;
  }
  QuantizedLinear linear;
  linear.name = name;
  linear.n = rows;
  linear.k = cols;
  linear.scheme = scheme;
  initQuantizedMatrix(rows, cols, scheme, linear.matrix);
  const int64_t blocksPerRow = cols / kGgmlBlock32;
  const uint8_t *data = tensor.data.data();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t b = 0; b < blocksPerRow; ++b) {
      const uint8_t *block = data + (r * blocksPerRow + b) * blockBytes;
      const int64_t group = r * blocksPerRow + b;
      // The block's fields in element order, through the reader's decoders
      // (one definition of ggml's layouts); stored in wq's packing.
      float d = 0, m = 0;
      uint8_t q[32];
      int8_t q8[32];
      if (type == GgmlType::Q8_0)
        decodeQ8_0Block(block, d, q8);
      else if (type == GgmlType::Q4_0)
        decodeQ4_0Block(block, d, q);
      else
        decodeQ4_1Block(block, d, m, q);
      linear.matrix.scales[size_t(group)] = d;
      if (type == GgmlType::Q4_1)
        linear.matrix.offsets[size_t(group)] = m;
      if (type == GgmlType::Q4_0)
        linear.matrix.zeros[size_t(group)] = 8;
      for (int64_t e = 0; e < 32; ++e)
        storeElement(linear.matrix, scheme, r, b * 32 + e,
                     type == GgmlType::Q8_0 ? int32_t(q8[e]) : int32_t(q[e]));
    }
  return linear;
}
} // namespace

bool isGgufFile(StringRef path) {
  char magic[4] = {0, 0, 0, 0};
  std::FILE *f = std::fopen(path.str().c_str(), "rb");
  if (!f)
    return false;
  size_t got = std::fread(magic, 1, 4, f);
  std::fclose(f);
  return got == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

Expected<LlamaWeights> readGgufCheckpoint(StringRef path) {
  Expected<GgufFile> file = GgufFile::open(path);
  if (!file)
    return file.takeError();
  Expected<std::string> architecture = file->getString("general.architecture");
  if (!architecture)
    return architecture.takeError();
  if (*architecture != "llama")
    return modelFileError(path, "unsupported architecture '" + *architecture +
                               "' (general.architecture; wq reads 'llama')");
  LlamaWeights weights;
  LlamaConfig &c = weights.config;
  auto integer = [&](StringRef key, int64_t &out) -> Error {
    Expected<int64_t> value = file->getInteger(key);
    if (!value)
      return value.takeError();
    out = *value;
    return Error::success();
  };
  for (auto [key, field] :
       std::initializer_list<std::pair<const char *, int64_t *>>{
           {"llama.block_count", &c.numLayers},
           {"llama.embedding_length", &c.dim},
           {"llama.feed_forward_length", &c.hiddenDim},
           {"llama.attention.head_count", &c.numHeads},
           {"llama.context_length", &c.seqLen}})
    if (Error e = integer(key, *field))
      return std::move(e);
  c.numKvHeads = c.numHeads;
  if (file->find("llama.attention.head_count_kv"))
    if (Error e = integer("llama.attention.head_count_kv", c.numKvHeads))
      return std::move(e);
  if (file->find("llama.attention.key_length"))
    if (Error e = integer("llama.attention.key_length", c.headDim))
      return std::move(e);
  if (file->find("llama.rope.dimension_count")) {
    int64_t ropeDims = 0;
    if (Error e = integer("llama.rope.dimension_count", ropeDims))
      return std::move(e);
    int64_t headSize = c.headDim ? c.headDim
                                 : c.numHeads > 0 ? c.dim / c.numHeads : 0;
    if (ropeDims != headSize)
      return modelFileError(path, "partial RoPE (llama.rope.dimension_count " +
                                 Twine(ropeDims) + " of a head size of " +
                                 Twine(headSize) + ") is not supported");
  }
  if (const GgufValue *v = file->find("llama.rope.freq_base")) {
    std::optional<double> theta = v->asNumber();
    if (!theta)
      return modelFileError(path, "llama.rope.freq_base is not a number");
    c.ropeTheta = float(*theta);
  }
  if (const GgufValue *v = file->find("llama.attention.layer_norm_rms_epsilon")) {
    std::optional<double> eps = v->asNumber();
    if (!eps)
      return modelFileError(path,
                       "llama.attention.layer_norm_rms_epsilon is not a number");
    c.normEps = float(*eps);
  }
  for (const char *key : {"llama.rope.scaling.type", "llama.rope.scaling.factor"})
    if (const GgufValue *v = file->find(key)) {
      bool none = v->type == GgufValueType::String
                      ? v->stringValue == "none"
                      : v->asNumber().value_or(1.0) == 1.0;
      if (!none)
        return modelFileError(path, Twine("RoPE scaling (") + key +
                                   ") is not supported");
    }
  Expected<std::vector<std::string>> tokens =
      file->getStringArray("tokenizer.ggml.tokens");
  if (!tokens)
    return tokens.takeError();
  c.vocabSize = int64_t(tokens->size());
  c.sharedClassifier = file->findTensor("output.weight") == nullptr;
  if (Error e = c.validate())
    return modelFileError(path, toString(std::move(e)));

  // llama.cpp's tensor names and the shapes the configuration implies.
  struct Expected2 {
    std::string gguf, name;
    std::vector<int64_t> shape;
  };
  const int64_t D = c.dim, H = c.hiddenDim, QD = c.queryDim(),
                KVD = c.kvDim(), V = c.vocabSize;
  std::vector<Expected2> expected = {{"token_embd.weight", "tok_embeddings.weight", {V, D}},
                                     {"output_norm.weight", "norm.weight", {D}}};
  if (!c.sharedClassifier)
    expected.push_back({"output.weight", "output.weight", {V, D}});
  for (int64_t l = 0; l < c.numLayers; ++l) {
    auto add = [&](const char *gguf, const char *name,
                   std::vector<int64_t> shape) {
      expected.push_back({formatv("blk.{0}.{1}.weight", l, gguf).str(),
                          formatv("layers.{0}.{1}.weight", l, name).str(),
                          std::move(shape)});
    };
    add("attn_norm", "attention_norm", {D});
    add("attn_q", "attention.wq", {QD, D});
    add("attn_k", "attention.wk", {KVD, D});
    add("attn_v", "attention.wv", {KVD, D});
    add("attn_output", "attention.wo", {D, QD});
    add("ffn_norm", "ffn_norm", {D});
    add("ffn_gate", "feed_forward.w1", {H, D});
    add("ffn_down", "feed_forward.w2", {D, H});
    add("ffn_up", "feed_forward.w3", {H, D});
  }
  for (const Expected2 &e : expected) {
    const GgufTensorInfo *tensor = file->findTensor(e.gguf);
    if (!tensor)
      return modelFileError(path, "missing tensor '" + e.gguf + "'");
    if (tensor->shape() != e.shape) {
      std::string want, have;
      for (int64_t d : e.shape)
        want += (want.empty() ? "" : "x") + std::to_string(d);
      for (int64_t d : tensor->shape())
        have += (have.empty() ? "" : "x") + std::to_string(d);
      return modelFileError(path, "tensor '" + e.gguf + "' has shape [" + have +
                                 "], the metadata implies [" + want + "]");
    }
    Expected<std::vector<float>> values = file->dequantize(*tensor);
    if (!values)
      return values.takeError();
    for (size_t i = 0; i < values->size(); ++i)
      if (!std::isfinite((*values)[i]))
        return modelFileError(path, "tensor '" + e.gguf + "' has a non-finite "
                                   "value at element " + Twine(i));
    if (std::optional<QuantizedLinear> linear = keepQuantized(*tensor, e.name))
      weights.quantized[e.name] = std::move(*linear);
    weights.tensors[e.name] = {e.shape, std::move(*values)};
  }
  if (file->tensors().size() != expected.size()) {
    for (const GgufTensorInfo &tensor : file->tensors())
      if (std::none_of(expected.begin(), expected.end(),
                       [&](const Expected2 &e) { return e.gguf == tensor.name; }))
        return modelFileError(path, "unexpected tensor '" + tensor.name +
                                   "' for the llama architecture");
  }
  return std::move(weights);
}

} // namespace wq_model
