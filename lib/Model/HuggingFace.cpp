//===- HuggingFace.cpp - Hugging Face Llama-family directories ------------===//

#include "wq/Formats/Checkpoint.h"
#include "wq/Formats/Json.h"
#include "wq/Model/Llama.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>

using namespace llvm;
using namespace wq_numerics;

namespace wq_model {

namespace {

/// "name[i, j]" of flat element `flat` of a tensor of `shape`.
std::string elementName(StringRef name, ArrayRef<int64_t> shape,
                        int64_t flat) {
  SmallVector<int64_t> index(shape.size());
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    int64_t extent = std::max<int64_t>(shape[d], 1);
    index[d] = flat % extent;
    flat /= extent;
  }
  std::string text = name.str() + "[";
  for (auto [i, v] : llvm::enumerate(index))
    text += (i ? ", " : "") + std::to_string(v);
  return text + "]";
}

std::string describeNonFinite(float v) {
  return std::isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}

/// The first non-finite value of `values`, as an error naming the element.
Error checkFinite(StringRef path, StringRef name, ArrayRef<int64_t> shape,
                  ArrayRef<float> values) {
  auto bad = llvm::find_if(values, [](float v) { return !std::isfinite(v); });
  if (bad == values.end())
    return Error::success();
  return modelFileError(path, elementName(name, shape, bad - values.begin()) +
                                  " is " + describeNonFinite(*bad));
}

/// HF name (without ".weight") -> canonical (llama2.c) name.
std::optional<std::string> canonicalName(StringRef hf) {
  if (hf == "model.embed_tokens")
    return std::string("tok_embeddings.weight");
  if (hf == "model.norm")
    return std::string("norm.weight");
  if (hf == "lm_head")
    return std::string("output.weight");
  StringRef rest = hf;
  if (!rest.consume_front("model.layers."))
    return std::nullopt;
  auto [index, field] = rest.split('.');
  unsigned layer;
  if (index.getAsInteger(10, layer))
    return std::nullopt;
  static const std::pair<const char *, const char *> fields[] = {
      {"self_attn.q_proj", "attention.wq"},
      {"self_attn.k_proj", "attention.wk"},
      {"self_attn.v_proj", "attention.wv"},
      {"self_attn.o_proj", "attention.wo"},
      {"mlp.gate_proj", "feed_forward.w1"},
      {"mlp.down_proj", "feed_forward.w2"},
      {"mlp.up_proj", "feed_forward.w3"},
      {"input_layernorm", "attention_norm"},
      {"post_attention_layernorm", "ffn_norm"}};
  for (auto [from, to] : fields)
    if (field == from)
      return "layers." + std::to_string(layer) + "." + to + ".weight";
  return std::nullopt;
}

/// Row order that turns HF's rotate-half q/k layout back into interleaved
/// pairs: llama2.c row h*hs + 2i + j is HF row h*hs + j*hs/2 + i.
std::vector<int64_t> ropeRowOrder(int64_t heads, int64_t headSize) {
  std::vector<int64_t> order(size_t(heads * headSize));
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < headSize / 2; ++i)
      for (int64_t j = 0; j < 2; ++j)
        order[h * headSize + 2 * i + j] = h * headSize + j * headSize / 2 + i;
  return order;
}

std::vector<float> permutedRows(const std::vector<float> &values, int64_t cols,
                                const std::vector<int64_t> &order) {
  std::vector<float> out(values.size());
  for (size_t r = 0; r < order.size(); ++r)
    std::copy_n(&values[order[r] * cols], cols, &out[r * cols]);
  return out;
}

/// Re-orders the rows of `t`, or of what a lazy `t` will read.
void permuteRows(FloatTensor &t, const std::vector<int64_t> &order) {
  const int64_t cols = t.shape[1];
  if (!t.read) {
    t.values = permutedRows(t.values, cols, order);
    return;
  }
  t.read = [read = std::move(t.read), cols,
            order]() -> Expected<std::vector<float>> {
    Expected<std::vector<float>> values = read();
    if (!values)
      return values.takeError();
    return permutedRows(*values, cols, order);
  };
}

void permuteRows(QuantizedLinear &l, const std::vector<int64_t> &order) {
  const int64_t groups = l.scheme.numGroups(l.k);
  const int64_t rowBytes = groups * l.scheme.bytesPerGroup(l.k);
  QuantizedMatrix m = l.matrix;
  const int64_t o = int64_t(l.outlierChannels.size());
  std::vector<float> outliers = l.outlierWeights;
  for (size_t r = 0; r < order.size(); ++r) {
    int64_t from = order[r];
    std::copy_n(&l.matrix.packed[from * rowBytes], rowBytes, &m.packed[r * rowBytes]);
    std::copy_n(&l.matrix.scales[from * groups], groups, &m.scales[r * groups]);
    if (!l.matrix.zeros.empty())
      std::copy_n(&l.matrix.zeros[from * groups], groups, &m.zeros[r * groups]);
    if (o)
      std::copy_n(&l.outlierWeights[from * o], o, &outliers[r * o]);
  }
  l.matrix = std::move(m);
  l.outlierWeights = std::move(outliers);
}

} // namespace

Expected<LlamaWeights> readHuggingFaceDirectory(StringRef dir, bool lazy) {
  SmallString<256> configPath(dir);
  sys::path::append(configPath, "config.json");
  auto configText = MemoryBuffer::getFile(configPath);
  if (!configText)
    return modelFileError(configPath, "cannot open: " + configText.getError().message());
  Expected<json::Value> parsed = wq_formats::parseJson((*configText)->getBuffer());
  if (!parsed)
    return modelFileError(configPath, "not JSON: " + toString(parsed.takeError()));
  json::Object *o = parsed->getAsObject();
  auto get = [&](const char *key, int64_t fallback) {
    std::optional<int64_t> v = o ? o->getInteger(key) : std::nullopt;
    return v ? *v : fallback;
  };
  LlamaWeights weights;
  LlamaConfig &c = weights.config;
  c.dim = get("hidden_size", -1);
  c.hiddenDim = get("intermediate_size", -1);
  c.numLayers = get("num_hidden_layers", -1);
  c.numHeads = get("num_attention_heads", -1);
  c.numKvHeads = get("num_key_value_heads", c.numHeads);
  c.vocabSize = get("vocab_size", -1);
  c.seqLen = get("max_position_embeddings", 2048);
  c.sharedClassifier = o && o->getBoolean("tie_word_embeddings").value_or(false);
  if (o) {
    c.normEps = float(o->getNumber("rms_norm_eps").value_or(1e-5));
    c.ropeTheta = float(o->getNumber("rope_theta").value_or(10000.0));
  }
  if (c.dim <= 0 || c.hiddenDim <= 0 || c.numLayers <= 0 || c.numHeads <= 0 ||
      c.numKvHeads <= 0 || c.vocabSize <= 0 || c.dim % c.numHeads != 0 ||
      c.numHeads % c.numKvHeads != 0)
    return modelFileError(configPath, "not a Llama-family config");
  // max_position_embeddings, rms_norm_eps and rope_theta too (a negative
  // epsilon or context compiled and ran).
  if (Error e = c.validate())
    return modelFileError(configPath, toString(std::move(e)));

  std::error_code ec;
  std::vector<std::string> shards;
  for (sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (StringRef(it->path()).ends_with(".safetensors"))
      shards.push_back(it->path());
  std::sort(shards.begin(), shards.end());
  if (shards.empty())
    return modelFileError(dir, "no .safetensors files");
  for (const std::string &shard : shards) {
    Expected<wq_formats::SafetensorsFile> opened =
        wq_formats::SafetensorsFile::open(shard);
    if (!opened)
      return opened.takeError();
    // Shared with the lazy tensors' readers, which keep the file mapped.
    auto file =
        std::make_shared<wq_formats::SafetensorsFile>(std::move(*opened));
    // Quantized linears (GPTQ or AWQ layout) in this shard.
    std::vector<QuantizedLinear> quantized;
    std::optional<wq_formats::CheckpointFormat> format;
    if (Expected<wq_formats::CheckpointFormat> detected =
            wq_formats::detectFormat(*file)) {
      format = *detected;
      Expected<std::vector<QuantizedLinear>> read =
          wq_formats::readQuantizedLinears(*file, *format);
      if (!read)
        return read.takeError();
      quantized = std::move(*read);
    } else {
      consumeError(detected.takeError());
    }
    for (QuantizedLinear &linear : quantized) {
      std::optional<std::string> name =
          canonicalName(wq_formats::baseName(linear.name));
      if (!name)
        return modelFileError(shard, "unexpected quantized tensor '" + linear.name + "'");
      linear.name = *name;
      FloatTensor t{{linear.n, linear.k}, dequantizeLinear(linear), {}};
      weights.tensors[*name] = std::move(t);
      if (*name != "tok_embeddings.weight")
        weights.quantized[*name] = std::move(linear);
    }
    for (const wq_formats::TensorView &t : file->tensors()) {
      if (format && wq_formats::isQuantizedTensorName(t.name, *format))
        continue;
      StringRef base = t.name;
      if (!base.consume_back(".weight"))
        continue; // biases and buffers are not part of Llama
      std::optional<std::string> name = canonicalName(base);
      if (!name)
        return modelFileError(shard, "unexpected tensor '" + t.name + "'");
      if (lazy) {
        FloatTensor tensor{t.shape, {}, {}};
        tensor.read = [file, t, name = *name]() -> Expected<std::vector<float>> {
          Expected<std::vector<float>> values = file->readFloats(t);
          file->releasePages(t);
          if (!values)
            return values.takeError();
          if (Error e = checkFinite(file->path(), name, t.shape, *values))
            return std::move(e);
          return values;
        };
        weights.tensors[*name] = std::move(tensor);
        continue;
      }
      Expected<std::vector<float>> values = file->readFloats(t);
      if (!values)
        return values.takeError();
      weights.tensors[*name] = FloatTensor{t.shape, std::move(*values), {}};
    }
  }

  // Check every tensor, then re-order q/k rows for interleaved RoPE.
  const int64_t D = c.dim, H = c.hiddenDim, KVD = c.kvDim(), V = c.vocabSize;
  auto expect = [&](const std::string &name,
                    std::vector<int64_t> shape) -> Error {
    auto it = weights.tensors.find(name);
    if (it == weights.tensors.end())
      return modelFileError(dir, "missing tensor for '" + name + "'");
    if (it->second.shape != shape)
      return modelFileError(dir, "tensor for '" + name +
                              "' has the wrong shape for config.json");
    return Error::success();
  };
  if (Error e = expect("tok_embeddings.weight", {V, D}))
    return std::move(e);
  if (Error e = expect("norm.weight", {D}))
    return std::move(e);
  if (!c.sharedClassifier)
    if (Error e = expect("output.weight", {V, D}))
      return std::move(e);
  // Tensors of layers the config does not have (num_hidden_layers smaller
  // than the checkpoint's layers) would be dropped silently.
  for (const auto &[name, tensor] : weights.tensors) {
    StringRef rest = name;
    int64_t layer;
    if (rest.consume_front("layers.") && !rest.consumeInteger(10, layer) &&
        layer >= c.numLayers)
      return modelFileError(dir, "tensor for '" + name +
                                     "' belongs to layer " + Twine(layer) +
                                     ", but config.json's num_hidden_layers "
                                     "is " + Twine(c.numLayers));
  }
  for (int64_t l = 0; l < c.numLayers; ++l) {
    std::string p = "layers." + std::to_string(l) + ".";
    for (auto [field, shape] :
         std::vector<std::pair<const char *, std::vector<int64_t>>>{
             {"attention.wq.weight", {D, D}}, {"attention.wk.weight", {KVD, D}},
             {"attention.wv.weight", {KVD, D}}, {"attention.wo.weight", {D, D}},
             {"feed_forward.w1.weight", {H, D}},
             {"feed_forward.w2.weight", {D, H}},
             {"feed_forward.w3.weight", {H, D}},
             {"attention_norm.weight", {D}}, {"ffn_norm.weight", {D}}})
      if (Error e = expect(p + field, shape))
        return std::move(e);
    for (auto [field, heads] : {std::pair<const char *, int64_t>{"attention.wq.weight", c.numHeads},
                                {"attention.wk.weight", c.numKvHeads}}) {
      std::vector<int64_t> order = ropeRowOrder(heads, c.headSize());
      permuteRows(weights.tensors[p + field], order);
      auto q = weights.quantized.find(p + field);
      if (q != weights.quantized.end())
        permuteRows(q->second, order);
    }
  }
  return std::move(weights);
}

Error validateWeights(const LlamaWeights &weights, StringRef path) {
  // (Lazy tensors are checked when they are read.)
  for (const auto &[name, tensor] : weights.tensors)
    if (Error e = checkFinite(path, name, tensor.shape, tensor.values))
      return e;
  for (const auto &entry : weights.quantized) {
    // Not a structured binding: the lambda below captures the name.
    const std::string &name = entry.first;
    const QuantizedLinear &linear = entry.second;
    const wq_numerics::QuantizedMatrix &m = linear.matrix;
    const int64_t groups = linear.scheme.numGroups(m.cols);
    auto groupName = [&](StringRef what, size_t flat) {
      return elementName((name + " " + what).str(), {m.rows, groups},
                         int64_t(flat));
    };
    for (auto [what, values] :
         {std::pair<StringRef, const std::vector<float> *>{"scale",
                                                           &m.scales},
          {"offset", &m.offsets}}) {
      auto bad = llvm::find_if(*values,
                               [](float v) { return !std::isfinite(v); });
      if (bad != values->end())
        return modelFileError(path, groupName(what, bad - values->begin()) +
                                        " is " + describeNonFinite(*bad));
    }
    const QuantScheme &s = linear.scheme;
    if (std::optional<size_t> bad = findZeroPointOutsideStorage(m, s))
      return modelFileError(
          path, groupName("zero point", *bad) + " is " +
                    std::to_string(m.zeros[*bad]) + ", outside the " +
                    std::to_string(s.bits) + "-bit storage's [" +
                    std::to_string(s.qmin()) + ", " +
                    std::to_string(s.qmax()) + "]");
    for (auto [i, v] : llvm::enumerate(linear.outlierWeights))
      if (!std::isfinite(v))
        return modelFileError(path, name + " outlier weight " +
                                        std::to_string(i) + " is " +
                                        describeNonFinite(v));
    for (auto [i, v] : llvm::enumerate(linear.inputScales))
      if (!std::isfinite(v) || v <= 0)
        return modelFileError(path, name + " input scale " +
                                        std::to_string(i) + " is " +
                                        std::to_string(v) +
                                        " (must be finite and positive)");
  }
  return Error::success();
}

int64_t FloatTensor::numElements() const {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  return count;
}

Expected<ArrayRef<float>> FloatTensor::load(std::vector<float> &storage) const {
  if (!read)
    return ArrayRef<float>(values);
  Expected<std::vector<float>> loaded = read();
  if (!loaded)
    return loaded.takeError();
  storage = std::move(*loaded);
  return ArrayRef<float>(storage);
}

Expected<LlamaWeights> readCheckpoint(StringRef path, bool lazy) {
  Expected<LlamaWeights> weights =
      sys::fs::is_directory(path) ? readHuggingFaceDirectory(path, lazy)
      : isGgufFile(path)          ? readGgufCheckpoint(path)
                                  : readLlama2cCheckpoint(path);
  if (!weights)
    return weights.takeError();
  if (Error e = validateWeights(*weights, path))
    return std::move(e);
  return weights;
}

} // namespace wq_model
