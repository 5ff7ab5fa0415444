//===- Llama.cpp - Llama-family checkpoints and forward-pass MLIR ---------===//

#include "wq/Model/Llama.h"
#include "wq/Formats/Json.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace llvm;
using namespace wq_numerics;

namespace wq_model {

Error modelFileError(StringRef path, const Twine &message) {
  return createStringError(inconvertibleErrorCode(), path + ": " + message);
}

std::string LlamaConfig::toJson() const {
  json::Object o{{"dim", dim},
                 {"hidden_dim", hiddenDim},
                 {"n_layers", numLayers},
                 {"n_heads", numHeads},
                 {"n_kv_heads", numKvHeads},
                 {"vocab_size", vocabSize},
                 {"seq_len", seqLen},
                 {"head_dim", headSize()},
                 {"shared_classifier", sharedClassifier},
                 {"norm_eps", double(normEps)},
                 {"rope_theta", double(ropeTheta)}};
  std::string text;
  raw_string_ostream os(text);
  os << formatv("{0:2}", json::Value(std::move(o)));
  return text;
}

Expected<LlamaConfig> LlamaConfig::fromJson(StringRef text) {
  Expected<json::Value> value = wq_formats::parseJson(text);
  if (!value)
    return value.takeError();
  json::Object *o = value->getAsObject();
  LlamaConfig c;
  auto get = [&](const char *key, int64_t &out) {
    std::optional<int64_t> v = o ? o->getInteger(key) : std::nullopt;
    if (!v)
      return false;
    out = *v;
    return true;
  };
  if (!get("dim", c.dim) || !get("hidden_dim", c.hiddenDim) ||
      !get("n_layers", c.numLayers) || !get("n_heads", c.numHeads) ||
      !get("n_kv_heads", c.numKvHeads) || !get("vocab_size", c.vocabSize) ||
      !get("seq_len", c.seqLen))
    return createStringError(inconvertibleErrorCode(),
                             "model config lacks a dimension");
  c.headDim = o->getInteger("head_dim").value_or(0);
  c.sharedClassifier = o->getBoolean("shared_classifier").value_or(true);
  c.normEps = float(o->getNumber("norm_eps").value_or(1e-5));
  c.ropeTheta = float(o->getNumber("rope_theta").value_or(10000.0));
  if (Error e = c.validate())
    return std::move(e);
  return c;
}

Error LlamaConfig::validate() const {
  auto bad = [](const Twine &message) {
    return createStringError(inconvertibleErrorCode(), message);
  };
  if (dim <= 0 || hiddenDim <= 0 || numLayers <= 0 || numHeads <= 0 ||
      numKvHeads <= 0 || vocabSize <= 0 || seqLen <= 0 || headDim < 0)
    return bad("model dimensions must be positive (dim " + Twine(dim) +
               ", hidden " + Twine(hiddenDim) + ", layers " +
               Twine(numLayers) + ", heads " + Twine(numHeads) + ", kv heads " +
               Twine(numKvHeads) + ", vocab " + Twine(vocabSize) +
               ", context " + Twine(seqLen) + ")");
  if (dim > (1 << 16) || hiddenDim > (1 << 18) || numLayers > 1024 ||
      numHeads > 1024 || vocabSize > (1 << 22) || seqLen > (1 << 24) ||
      headDim > 4096)
    return bad("model dimensions beyond what wq compiles (dim <= 65536, "
               "hidden <= 262144, layers <= 1024, heads <= 1024, vocab <= "
               "4194304, context <= 16777216, head size <= 4096)");
  if (numHeads % numKvHeads != 0)
    return bad(Twine(numHeads) + " query heads are not a multiple of " +
               Twine(numKvHeads) + " key/value heads");
  if (headDim == 0 && dim % numHeads != 0)
    return bad(Twine(numHeads) + " heads do not divide the model dimension " +
               Twine(dim));
  if (headSize() % 2 != 0)
    return bad("odd head size " + Twine(headSize()) + " (RoPE rotates pairs)");
  if (!(normEps > 0) || !std::isfinite(normEps))
    return bad("the RMSNorm epsilon must be positive and finite");
  if (!(ropeTheta > 0) || !std::isfinite(ropeTheta))
    return bad("the RoPE base must be positive and finite");
  return Error::success();
}

std::vector<std::string> linearWeightNames(const LlamaConfig &config) {
  std::vector<std::string> names;
  for (int64_t l = 0; l < config.numLayers; ++l)
    for (const char *w : {"attention.wq", "attention.wk", "attention.wv",
                          "attention.wo", "feed_forward.w1",
                          "feed_forward.w2", "feed_forward.w3"})
      names.push_back(formatv("layers.{0}.{1}.weight", l, w).str());
  return names;
}

std::string resourceName(StringRef name) {
  std::string result = "unbound_" + name.str();
  for (char &c : result)
    if (c == '.')
      c = '_';
  return result;
}

namespace {

/// Reads little-endian values sequentially from the file, failing past its
/// end. Reads go straight into their destination (no copy of the whole file
/// in memory next to the tensors read from it).
class Reader {
public:
  Reader(StringRef path, sys::fs::file_t file, uint64_t size)
      : path(path), file(file), size(size) {}
  /// Fails unless `bytes` more bytes are there (`what` names them).
  Error require(uint64_t bytes, const Twine &what) const {
    if (offset + bytes > size)
      return modelFileError(path, "truncated while reading " + what +
                                      ": needs " + Twine(offset + bytes) +
                                      " bytes, file has " + Twine(size));
    return Error::success();
  }
  Error read(void *out, size_t bytes, const Twine &what) {
    if (Error e = require(bytes, what))
      return e;
    char *to = static_cast<char *>(out);
    for (size_t done = 0; done < bytes;) {
      Expected<size_t> got = sys::fs::readNativeFileSlice(
          file, MutableArrayRef<char>(to + done, bytes - done), offset + done);
      if (!got)
        return modelFileError(path, "cannot read " + what + ": " +
                                        toString(got.takeError()));
      if (*got == 0)
        return modelFileError(path, "truncated while reading " + what);
      done += *got;
    }
    offset += bytes;
    return Error::success();
  }
  Error floats(std::vector<float> &out, int64_t count, const Twine &what) {
    // Before allocating: a lying header must not ask for a huge vector.
    if (Error e = require(uint64_t(count) * 4, what))
      return e;
    out.resize(static_cast<size_t>(count));
    return read(out.data(), size_t(count) * 4, what);
  }
  uint64_t offset = 0;
  StringRef path;
  sys::fs::file_t file;
  uint64_t size;
};
Error checkConfig(StringRef path, const LlamaConfig &c) {
  if (Error e = c.validate())
    return modelFileError(path, "implausible header (dim " + Twine(c.dim) +
                                    ", hidden " + Twine(c.hiddenDim) +
                                    ", layers " + Twine(c.numLayers) +
                                    ", vocab " + Twine(c.vocabSize) + "): " +
                                    toString(std::move(e)) +
                                    "; not a llama2.c checkpoint?");
  return Error::success();
}

/// Reads a stacked [L, shape...] tensor (`what`) straight into per-layer
/// weights "layers.<l>.<field>.weight".
Error readStacked(Reader &in, LlamaWeights &weights, const char *field,
                  int64_t layers, std::vector<int64_t> shape,
                  const Twine &what) {
  int64_t per = 1;
  for (int64_t d : shape)
    per *= d;
  if (Error e = in.require(uint64_t(layers * per) * 4, what))
    return e;
  for (int64_t l = 0; l < layers; ++l) {
    FloatTensor &t =
        weights.tensors[formatv("layers.{0}.{1}.weight", l, field).str()];
    t.shape = shape;
    if (Error e = in.floats(t.values, per, what))
      return e;
  }
  return Error::success();
}

} // namespace

Expected<LlamaWeights> readLlama2cCheckpoint(StringRef path) {
  Expected<sys::fs::file_t> file = sys::fs::openNativeFileForRead(path);
  if (!file)
    return modelFileError(path, "cannot open: " + toString(file.takeError()));
  auto closeFile = make_scope_exit([&] { sys::fs::closeFile(*file); });
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(*file, status))
    return modelFileError(path, "cannot open: " + ec.message());
  Reader in(path, *file, status.getSize());
  LlamaWeights weights;
  LlamaConfig &c = weights.config;
  uint32_t magic = 0;
  if (Error e = in.read(&magic, 4, "the header"))
    return std::move(e);
  const bool int8Export = magic == 0x616b3432; // "ak42"
  int32_t header[7];
  if (int8Export) {
    int32_t version;
    if (Error e = in.read(&version, 4, "the version"))
      return std::move(e);
    if (version != 2)
      return modelFileError(path, "unsupported llama2.c export version " +
                                  Twine(version) + " (supported: 2, int8)");
    if (Error e = in.read(header, sizeof(header), "the header"))
      return std::move(e);
  } else {
    in.offset = 0;
    if (Error e = in.read(header, sizeof(header), "the header"))
      return std::move(e);
  }
  c.dim = header[0];
  c.hiddenDim = header[1];
  c.numLayers = header[2];
  c.numHeads = header[3];
  c.numKvHeads = header[4];
  // In int64: std::abs(INT32_MIN) overflows (found by fuzz/FuzzLlama2c).
  c.vocabSize = std::abs(int64_t(header[5]));
  c.seqLen = header[6];
  c.sharedClassifier = header[5] > 0;
  if (Error e = checkConfig(path, c))
    return std::move(e);
  const int64_t L = c.numLayers, D = c.dim, H = c.hiddenDim, V = c.vocabSize,
                KVD = c.kvDim();

  if (!int8Export) {
    std::vector<float> emb, rmsFinal, freq;
    if (Error e = in.floats(emb, V * D, "token embeddings"))
      return std::move(e);
    weights.tensors["tok_embeddings.weight"] = {{V, D}, std::move(emb)};
    const struct {
      const char *field;
      std::vector<int64_t> shape;
      const char *what;
    } stacked[] = {{"attention_norm", {D}, "attention norms"},
                   {"attention.wq", {D, D}, "wq"},
                   {"attention.wk", {KVD, D}, "wk"},
                   {"attention.wv", {KVD, D}, "wv"},
                   {"attention.wo", {D, D}, "wo"},
                   {"ffn_norm", {D}, "ffn norms"},
                   {"feed_forward.w1", {H, D}, "w1"},
                   {"feed_forward.w2", {D, H}, "w2"},
                   {"feed_forward.w3", {H, D}, "w3"}};
    for (const auto &tensor : stacked)
      if (Error e = readStacked(in, weights, tensor.field, L, tensor.shape,
                                tensor.what))
        return std::move(e);
    if (Error e = in.floats(rmsFinal, D, "the final norm"))
      return std::move(e);
    // Two RoPE tables llama2.c ignores.
    if (Error e = in.floats(freq, c.seqLen * c.headSize(), "the RoPE tables"))
      return std::move(e);
    weights.tensors["norm.weight"] = {{D}, std::move(rmsFinal)};
    if (!c.sharedClassifier) {
      std::vector<float> wcls;
      if (Error e = in.floats(wcls, V * D, "the classifier"))
        return std::move(e);
      weights.tensors["output.weight"] = {{V, D}, std::move(wcls)};
    }
  } else {
    uint8_t shared;
    int32_t groupSize;
    if (Error e = in.read(&shared, 1, "the classifier flag"))
      return std::move(e);
    if (Error e = in.read(&groupSize, 4, "the group size"))
      return std::move(e);
    c.sharedClassifier = shared != 0;
    if (groupSize <= 0 || groupSize > (1 << 20))
      return modelFileError(path, "implausible group size " + Twine(groupSize));
    weights.exportGroupSize = groupSize;
    in.offset = 256; // the header is padded to 256 bytes
    std::vector<float> rmsFinal;
    if (Error e = readStacked(in, weights, "attention_norm", L, {D},
                              "attention norms"))
      return std::move(e);
    if (Error e = readStacked(in, weights, "ffn_norm", L, {D}, "ffn norms"))
      return std::move(e);
    if (Error e = in.floats(rmsFinal, D, "the final norm"))
      return std::move(e);
    weights.tensors["norm.weight"] = {{D}, std::move(rmsFinal)};
    struct Item {
      std::string name;
      int64_t rows, cols;
    };
    std::vector<Item> items = {{"tok_embeddings.weight", V, D}};
    for (const char *w : {"attention.wq", "attention.wk", "attention.wv",
                          "attention.wo", "feed_forward.w1", "feed_forward.w2",
                          "feed_forward.w3"})
      for (int64_t l = 0; l < L; ++l) {
        bool kv = std::strcmp(w, "attention.wk") == 0 ||
                  std::strcmp(w, "attention.wv") == 0;
        bool up = std::strcmp(w, "feed_forward.w1") == 0 ||
                  std::strcmp(w, "feed_forward.w3") == 0;
        bool down = std::strcmp(w, "feed_forward.w2") == 0;
        items.push_back({formatv("layers.{0}.{1}.weight", l, w).str(),
                         kv ? KVD : up ? H : D, down ? H : D});
      }
    if (!c.sharedClassifier)
      items.push_back({"output.weight", V, D});
    for (const Item &item : items) {
      int64_t count = item.rows * item.cols;
      if (count % groupSize != 0)
        return modelFileError(path, "'" + item.name + "' has " + Twine(count) +
                                    " elements, not a multiple of the group "
                                    "size " + Twine(groupSize));
      std::vector<int8_t> q(static_cast<size_t>(count));
      std::vector<float> scales;
      if (Error e = in.read(q.data(), q.size(), "'" + item.name + "' (int8)"))
        return std::move(e);
      if (Error e = in.floats(scales, count / groupSize,
                              "'" + item.name + "' (scales)"))
        return std::move(e);
      // Dequantized values (groups run over the flattened tensor).
      FloatTensor t{{item.rows, item.cols}, std::vector<float>(q.size())};
      for (int64_t i = 0; i < count; ++i)
        t.values[i] = float(q[i]) * scales[i / groupSize];
      // The same integers and scales in wq's representation: per-row groups
      // when rows hold whole groups, else groups over the flattened tensor
      // (llama2.c's own grouping, e.g. rows of 172 with group 8).
      QuantizedLinear linear;
      linear.name = item.name;
      linear.n = item.rows;
      linear.k = item.cols;
      linear.flatGroups = item.cols % groupSize != 0;
      linear.scheme = QuantScheme{8, true, false, groupSize, ScaleType::F32};
      const int64_t rows = linear.flatGroups ? 1 : item.rows;
      const int64_t cols = linear.flatGroups ? count : item.cols;
      initQuantizedMatrix(rows, cols, linear.scheme, linear.matrix);
      linear.matrix.scales = scales;
      for (int64_t i = 0; i < count; ++i)
        storeElement(linear.matrix, linear.scheme, i / cols, i % cols, q[i]);
      weights.quantized[item.name] = std::move(linear);
      weights.tensors[item.name] = std::move(t);
    }
  }
  if (in.offset != in.size)
    return modelFileError(path, "has " + Twine(in.size - in.offset) +
                                " bytes after the last tensor: the header "
                                "does not describe this file");
  return std::move(weights);
}

} // namespace wq_model
