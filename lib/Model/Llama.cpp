//===- Llama.cpp - Llama-family checkpoints and forward-pass MLIR ---------===//

#include "wq/Model/Llama.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace llvm;
using namespace wq_numerics;

namespace wq_model {

static Error modelError(StringRef path, const Twine &message) {
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
                 {"shared_classifier", sharedClassifier},
                 {"norm_eps", double(normEps)},
                 {"rope_theta", double(ropeTheta)}};
  std::string text;
  raw_string_ostream os(text);
  os << formatv("{0:2}", json::Value(std::move(o)));
  return text;
}

Expected<LlamaConfig> LlamaConfig::fromJson(StringRef text) {
  Expected<json::Value> value = json::parse(text);
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
  c.sharedClassifier = o->getBoolean("shared_classifier").value_or(true);
  c.normEps = float(o->getNumber("norm_eps").value_or(1e-5));
  c.ropeTheta = float(o->getNumber("rope_theta").value_or(10000.0));
  return c;
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

/// Replaces ${0}, ${1}, ... in `text` by the printed arguments.
struct Arg {
  std::string text;
  Arg(int64_t v) : text(std::to_string(v)) {}
  Arg(int v) : text(std::to_string(v)) {}
  Arg(const std::string &v) : text(v) {}
  Arg(const char *v) : text(v) {}
};
std::string subst(StringRef text, std::initializer_list<Arg> args) {
  std::string result = text.str();
  int index = 0;
  for (const Arg &arg : args) {
    std::string key = "${" + std::to_string(index++) + "}";
    for (size_t at = result.find(key); at != std::string::npos;
         at = result.find(key, at + arg.text.size()))
      result.replace(at, key.size(), arg.text);
  }
  return result;
}

/// Reads little-endian values sequentially, failing past the end.
class Reader {
public:
  Reader(StringRef path, StringRef data) : path(path), data(data) {}
  Error read(void *out, size_t bytes, const Twine &what) {
    if (offset + bytes > data.size())
      return modelError(path, "truncated while reading " + what + ": needs " +
                                  Twine(offset + bytes) + " bytes, file has " +
                                  Twine(data.size()));
    std::memcpy(out, data.data() + offset, bytes);
    offset += bytes;
    return Error::success();
  }
  Error floats(std::vector<float> &out, int64_t count, const Twine &what) {
    out.resize(static_cast<size_t>(count));
    return read(out.data(), size_t(count) * 4, what);
  }
  size_t offset = 0;
  StringRef path, data;
};

Error checkConfig(StringRef path, const LlamaConfig &c) {
  if (c.dim <= 0 || c.hiddenDim <= 0 || c.numLayers <= 0 || c.numHeads <= 0 ||
      c.numKvHeads <= 0 || c.vocabSize <= 0 || c.seqLen <= 0 ||
      c.dim > (1 << 16) || c.hiddenDim > (1 << 18) || c.numLayers > 1024 ||
      c.vocabSize > (1 << 22) || c.seqLen > (1 << 20))
    return modelError(path, "implausible header (dim " + Twine(c.dim) +
                                ", hidden " + Twine(c.hiddenDim) + ", layers " +
                                Twine(c.numLayers) + ", vocab " +
                                Twine(c.vocabSize) +
                                "): not a llama2.c checkpoint?");
  if (c.dim % c.numHeads != 0 || c.numHeads % c.numKvHeads != 0 ||
      c.headSize() % 2 != 0)
    return modelError(path, "heads do not divide the model dimension");
  return Error::success();
}

/// Splits a stacked [L, rows, cols] tensor into per-layer weights.
void addStacked(LlamaWeights &weights, const char *field,
                const std::vector<float> &stacked, int64_t layers,
                std::vector<int64_t> shape) {
  int64_t per = 1;
  for (int64_t d : shape)
    per *= d;
  for (int64_t l = 0; l < layers; ++l) {
    FloatTensor t{shape, std::vector<float>(stacked.begin() + l * per,
                                            stacked.begin() + (l + 1) * per)};
    weights.tensors[formatv("layers.{0}.{1}.weight", l, field).str()] =
        std::move(t);
  }
}

} // namespace

Expected<LlamaWeights> readLlama2cCheckpoint(StringRef path) {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
  if (!buffer)
    return modelError(path, "cannot open: " + buffer.getError().message());
  StringRef data = (*buffer)->getBuffer();
  Reader in(path, data);
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
      return modelError(path, "unsupported llama2.c export version " +
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
  c.vocabSize = std::abs(header[5]);
  c.seqLen = header[6];
  c.sharedClassifier = header[5] > 0;
  if (Error e = checkConfig(path, c))
    return std::move(e);
  const int64_t L = c.numLayers, D = c.dim, H = c.hiddenDim, V = c.vocabSize,
                KVD = c.kvDim();

  if (!int8Export) {
    std::vector<float> emb, rmsAtt, wq, wk, wv, wo, rmsFfn, w1, w2, w3, rmsFinal,
        freq;
    if (Error e = in.floats(emb, V * D, "token embeddings"))
      return std::move(e);
    if (Error e = in.floats(rmsAtt, L * D, "attention norms"))
      return std::move(e);
    if (Error e = in.floats(wq, L * D * D, "wq"))
      return std::move(e);
    if (Error e = in.floats(wk, L * KVD * D, "wk"))
      return std::move(e);
    if (Error e = in.floats(wv, L * KVD * D, "wv"))
      return std::move(e);
    if (Error e = in.floats(wo, L * D * D, "wo"))
      return std::move(e);
    if (Error e = in.floats(rmsFfn, L * D, "ffn norms"))
      return std::move(e);
    if (Error e = in.floats(w1, L * H * D, "w1"))
      return std::move(e);
    if (Error e = in.floats(w2, L * D * H, "w2"))
      return std::move(e);
    if (Error e = in.floats(w3, L * H * D, "w3"))
      return std::move(e);
    if (Error e = in.floats(rmsFinal, D, "the final norm"))
      return std::move(e);
    // Two RoPE tables llama2.c ignores.
    if (Error e = in.floats(freq, c.seqLen * c.headSize(), "the RoPE tables"))
      return std::move(e);
    weights.tensors["tok_embeddings.weight"] = {{V, D}, std::move(emb)};
    addStacked(weights, "attention_norm", rmsAtt, L, {D});
    addStacked(weights, "attention.wq", wq, L, {D, D});
    addStacked(weights, "attention.wk", wk, L, {KVD, D});
    addStacked(weights, "attention.wv", wv, L, {KVD, D});
    addStacked(weights, "attention.wo", wo, L, {D, D});
    addStacked(weights, "ffn_norm", rmsFfn, L, {D});
    addStacked(weights, "feed_forward.w1", w1, L, {H, D});
    addStacked(weights, "feed_forward.w2", w2, L, {D, H});
    addStacked(weights, "feed_forward.w3", w3, L, {H, D});
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
      return modelError(path, "implausible group size " + Twine(groupSize));
    weights.exportGroupSize = groupSize;
    in.offset = 256; // the header is padded to 256 bytes
    std::vector<float> rmsAtt, rmsFfn, rmsFinal;
    if (Error e = in.floats(rmsAtt, L * D, "attention norms"))
      return std::move(e);
    if (Error e = in.floats(rmsFfn, L * D, "ffn norms"))
      return std::move(e);
    if (Error e = in.floats(rmsFinal, D, "the final norm"))
      return std::move(e);
    addStacked(weights, "attention_norm", rmsAtt, L, {D});
    addStacked(weights, "ffn_norm", rmsFfn, L, {D});
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
        return modelError(path, "'" + item.name + "' has " + Twine(count) +
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
  if (in.offset != data.size())
    return modelError(path, "has " + Twine(data.size() - in.offset) +
                                " bytes after the last tensor: the header "
                                "does not describe this file");
  return std::move(weights);
}

std::string llamaForwardMlir(const LlamaConfig &c, StringRef weightDtype) {
  const int64_t D = c.dim, H = c.hiddenDim, V = c.vocabSize, S = c.seqLen,
                L = c.numLayers, NKV = c.numKvHeads, HS = c.headSize(),
                KVD = c.kvDim(), G = c.numHeads / c.numKvHeads;
  std::string out;
  raw_string_ostream os(out);
  const std::string W = weightDtype.str();

  auto hexFloat = [](float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return formatv("0x{0:X-8}", bits).str();
  };  // Constants llama2.c computes in float: RoPE frequencies and sqrt(hs).
  auto freqs = [&](int64_t n) {
    std::string s = "dense<[";
    for (int64_t i = 0; i < n; i += 2) {
      int64_t headDim = i % HS;
      float freq = 1.0f / powf(c.ropeTheta, float(headDim) / float(HS));
      s += (i ? ", " : "") + hexFloat(freq);
    }
    return s + "]>";
  };


  // Helpers.
  os << subst(R"(func.func private @rmsnorm_${0}(%x: tensor<${0}xf32>, %w: tensor<${0}xf32>) -> tensor<${0}xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<f32>
  %acc0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %ss = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]} ins(%x : tensor<${0}xf32>) outs(%acc0 : tensor<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %ssv = tensor.extract %ss[] : tensor<f32>
  %n = arith.constant ${1} : f32
  %mean = arith.divf %ssv, %n : f32
  %eps = arith.constant ${2} : f32
  %me = arith.addf %mean, %eps : f32
  %root = math.sqrt %me : f32
  %one = arith.constant 1.0 : f32
  %inv = arith.divf %one, %root : f32
  %e1 = tensor.empty() : tensor<${0}xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%x, %w : tensor<${0}xf32>, tensor<${0}xf32>) outs(%e1 : tensor<${0}xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.mulf %inv, %a : f32
    %r = arith.mulf %b, %t : f32
    linalg.yield %r : f32
  } -> tensor<${0}xf32>
  return %y : tensor<${0}xf32>
}

func.func private @add_${0}(%a: tensor<${0}xf32>, %b: tensor<${0}xf32>) -> tensor<${0}xf32> {
  %e = tensor.empty() : tensor<${0}xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%a, %b : tensor<${0}xf32>, tensor<${0}xf32>) outs(%e : tensor<${0}xf32>) {
  ^bb0(%u: f32, %v: f32, %o: f32):
    %s = arith.addf %u, %v : f32
    linalg.yield %s : f32
  } -> tensor<${0}xf32>
  return %y : tensor<${0}xf32>
}

)", {D, hexFloat(float(D)), hexFloat(c.normEps)});

  std::vector<int64_t> ropeSizes = {D};
  if (KVD != D)
    ropeSizes.push_back(KVD);
  for (int64_t n : ropeSizes)
    os << subst(R"(func.func private @rope_${0}(%v: tensor<${0}xf32>, %pos: index, %freq: tensor<${1}xf32>) -> tensor<${0}xf32> {
  %p = arith.index_cast %pos : index to i64
  %pf = arith.sitofp %p : i64 to f32
  %pairs = tensor.expand_shape %v [[0, 1]] output_shape [${1}, 2] : tensor<${0}xf32> into tensor<${1}x2xf32>
  %e = tensor.empty() : tensor<${1}x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%freq : tensor<${1}xf32>) outs(%e : tensor<${1}x2xf32>) {
  ^bb0(%f: f32, %o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %v0 = tensor.extract %pairs[%i, %c0] : tensor<${1}x2xf32>
    %v1 = tensor.extract %pairs[%i, %c1] : tensor<${1}x2xf32>
    %val = arith.mulf %pf, %f : f32
    %fcr = math.cos %val : f32
    %fci = math.sin %val : f32
    %a = arith.mulf %v0, %fcr : f32
    %b = arith.mulf %v1, %fci : f32
    %re = arith.subf %a, %b : f32
    %c = arith.mulf %v0, %fci : f32
    %d = arith.mulf %v1, %fcr : f32
    %im = arith.addf %c, %d : f32
    %isre = arith.cmpi eq, %j, %c0 : index
    %res = arith.select %isre, %re, %im : f32
    linalg.yield %res : f32
  } -> tensor<${1}x2xf32>
  %y = tensor.collapse_shape %r [[0, 1]] : tensor<${1}x2xf32> into tensor<${0}xf32>
  return %y : tensor<${0}xf32>
}

)", {n, n / 2});

  // Attention over positions [0, len) of one layer's caches.
  os << subst(R"(func.func private @attention(%q: tensor<${0}xf32>, %kl: tensor<${1}x${2}xf32>, %vl: tensor<${1}x${2}xf32>, %len: index) -> tensor<${0}xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %root = arith.constant ${6} : f32
  %k = tensor.extract_slice %kl[0, 0] [%len, ${2}] [1, 1] : tensor<${1}x${2}xf32> to tensor<?x${2}xf32>
  %v = tensor.extract_slice %vl[0, 0] [%len, ${2}] [1, 1] : tensor<${1}x${2}xf32> to tensor<?x${2}xf32>
  %k3 = tensor.expand_shape %k [[0], [1, 2]] output_shape [%len, ${3}, ${5}] : tensor<?x${2}xf32> into tensor<?x${3}x${5}xf32>
  %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [%len, ${3}, ${5}] : tensor<?x${2}xf32> into tensor<?x${3}x${5}xf32>
  %q3 = tensor.expand_shape %q [[0, 1, 2]] output_shape [${3}, ${4}, ${5}] : tensor<${0}xf32> into tensor<${3}x${4}x${5}xf32>
  %es = tensor.empty(%len) : tensor<${3}x${4}x?xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%es : tensor<${3}x${4}x?xf32>) -> tensor<${3}x${4}x?xf32>
  %dots = linalg.generic {indexing_maps = [affine_map<(a, g, t, i) -> (a, g, i)>, affine_map<(a, g, t, i) -> (t, a, i)>, affine_map<(a, g, t, i) -> (a, g, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q3, %k3 : tensor<${3}x${4}x${5}xf32>, tensor<?x${3}x${5}xf32>) outs(%s0 : tensor<${3}x${4}x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<${3}x${4}x?xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(a, g, t) -> (a, g, t)>, affine_map<(a, g, t) -> (a, g, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%dots : tensor<${3}x${4}x?xf32>) outs(%es : tensor<${3}x${4}x?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %d = arith.divf %x, %root : f32
    linalg.yield %d : f32
  } -> tensor<${3}x${4}x?xf32>
  %em = tensor.empty() : tensor<${3}x${4}xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%em : tensor<${3}x${4}xf32>) -> tensor<${3}x${4}xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(a, g, t) -> (a, g, t)>, affine_map<(a, g, t) -> (a, g)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%scores : tensor<${3}x${4}x?xf32>) outs(%m0 : tensor<${3}x${4}xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %gt = arith.cmpf ogt, %x, %acc : f32
    %r = arith.select %gt, %x, %acc : f32
    linalg.yield %r : f32
  } -> tensor<${3}x${4}xf32>
  %exps = linalg.generic {indexing_maps = [affine_map<(a, g, t) -> (a, g, t)>, affine_map<(a, g, t) -> (a, g)>, affine_map<(a, g, t) -> (a, g, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores, %max : tensor<${3}x${4}x?xf32>, tensor<${3}x${4}xf32>) outs(%es : tensor<${3}x${4}x?xf32>) {
  ^bb0(%x: f32, %mx: f32, %o: f32):
    %d = arith.subf %x, %mx : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<${3}x${4}x?xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%em : tensor<${3}x${4}xf32>) -> tensor<${3}x${4}xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(a, g, t) -> (a, g, t)>, affine_map<(a, g, t) -> (a, g)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%exps : tensor<${3}x${4}x?xf32>) outs(%z0 : tensor<${3}x${4}xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %acc, %x : f32
    linalg.yield %s : f32
  } -> tensor<${3}x${4}xf32>
  %att = linalg.generic {indexing_maps = [affine_map<(a, g, t) -> (a, g, t)>, affine_map<(a, g, t) -> (a, g)>, affine_map<(a, g, t) -> (a, g, t)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exps, %sum : tensor<${3}x${4}x?xf32>, tensor<${3}x${4}xf32>) outs(%es : tensor<${3}x${4}x?xf32>) {
  ^bb0(%x: f32, %sm: f32, %o: f32):
    %d = arith.divf %x, %sm : f32
    linalg.yield %d : f32
  } -> tensor<${3}x${4}x?xf32>
  %eo = tensor.empty() : tensor<${3}x${4}x${5}xf32>
  %o0 = linalg.fill ins(%zero : f32) outs(%eo : tensor<${3}x${4}x${5}xf32>) -> tensor<${3}x${4}x${5}xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(a, g, i, t) -> (a, g, t)>, affine_map<(a, g, i, t) -> (t, a, i)>, affine_map<(a, g, i, t) -> (a, g, i)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%att, %v3 : tensor<${3}x${4}x?xf32>, tensor<?x${3}x${5}xf32>) outs(%o0 : tensor<${3}x${4}x${5}xf32>) {
  ^bb0(%p: f32, %y: f32, %acc: f32):
    %m = arith.mulf %p, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<${3}x${4}x${5}xf32>
  %r = tensor.collapse_shape %o [[0, 1, 2]] : tensor<${3}x${4}x${5}xf32> into tensor<${0}xf32>
  return %r : tensor<${0}xf32>
}

func.func private @swiglu(%h1: tensor<${7}xf32>, %h3: tensor<${7}xf32>) -> tensor<${7}xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<${7}xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%h1, %h3 : tensor<${7}xf32>, tensor<${7}xf32>) outs(%e : tensor<${7}xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %na = arith.negf %a : f32
    %ex = math.exp %na : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %t = arith.mulf %a, %sig : f32
    %r = arith.mulf %t, %b : f32
    linalg.yield %r : f32
  } -> tensor<${7}xf32>
  return %y : tensor<${7}xf32>
}

)", {D, S, KVD, NKV, G, HS, hexFloat(sqrtf(float(HS))), H});

  // The forward pass.
  const std::string cacheType = formatv("tensor<{0}x{1}x{2}xf32>", L, S, KVD);
  const std::string cacheMemref = subst("memref<${0}x${1}x${2}xf32>", {L, S, KVD});
  os << subst(R"(func.func @forward(%tok: index, %pos: index, %kcm: ${8}, %vcm: ${8}, %outm: memref<${1}xf32>) attributes {llvm.emit_c_interface} {
  %kc0 = bufferization.to_tensor %kcm restrict writable : ${8} to ${0}
  %vc0 = bufferization.to_tensor %vcm restrict writable : ${8} to ${0}
  %zero = arith.constant 0.0 : f32
  %c1 = arith.constant 1 : index
  %len = arith.addi %pos, %c1 : index
  %freqD = arith.constant ${2} : tensor<${3}xf32>
  %freqKV = arith.constant ${4} : tensor<${5}xf32>
  %emb = arith.constant dense_resource<unbound_tok_embeddings_weight> : tensor<${1}x${6}x${7}> loc("tok_embeddings.weight")
  %row = tensor.extract_slice %emb[%tok, 0] [1, ${6}] [1, 1] : tensor<${1}x${6}x${7}> to tensor<${6}x${7}>
)", {cacheType, V, freqs(D), D / 2, freqs(KVD), KVD / 2, D, W, cacheMemref});
  if (W == "f32") {
    os << "  %x_0 = tensor.cast %row : tensor<" << D << "xf32> to tensor<" << D
       << "xf32>\n";
  } else {
    os << subst(R"(  %xe = tensor.empty() : tensor<${0}xf32>
  %x_0 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%row : tensor<${0}x${1}>) outs(%xe : tensor<${0}xf32>) {
  ^bb0(%a: ${1}, %o: f32):
    %f = arith.extf %a : ${1} to f32
    linalg.yield %f : f32
  } -> tensor<${0}xf32>
)", {D, W});
  }
  auto matvec = [&](const std::string &result, const std::string &weightName,
                    int64_t rows, int64_t cols, const std::string &input,
                    bool skip = false) {
    std::string res = resourceName(weightName);
    os << subst(R"(  %${0}_w = arith.constant dense_resource<${1}> : tensor<${2}x${3}x${4}> loc("${5}")
  %${0}_e = tensor.empty() : tensor<${2}xf32>
  %${0}_z = linalg.fill ins(%zero : f32) outs(%${0}_e : tensor<${2}xf32>) -> tensor<${2}xf32>
  %${0} = linalg.matvec ${7}ins(%${0}_w, %${6} : tensor<${2}x${3}x${4}>, tensor<${3}xf32>) outs(%${0}_z : tensor<${2}xf32>) -> tensor<${2}xf32>
)", {result, res, rows, cols, W, weightName, input,
                  skip ? "{wq.skip} " : ""});
  };
  auto norm = [&](const std::string &result, const std::string &weightName,
                  const std::string &input) {
    os << subst(R"(  %${0}_w = arith.constant dense_resource<${1}> : tensor<${2}xf32> loc("${3}")
  %${0} = call @rmsnorm_${2}(%${4}, %${0}_w) : (tensor<${2}xf32>, tensor<${2}xf32>) -> tensor<${2}xf32>
)", {result, resourceName(weightName), D, weightName, input});
  };
  for (int64_t l = 0; l < L; ++l) {
    std::string x = formatv("x_{0}", l), p = formatv("l{0}_", l);
    auto name = [&](const char *w) {
      return formatv("layers.{0}.{1}.weight", l, w).str();
    };
    norm(p + "xn", name("attention_norm"), x);
    matvec(p + "q", name("attention.wq"), D, D, p + "xn");
    matvec(p + "k", name("attention.wk"), KVD, D, p + "xn");
    matvec(p + "v", name("attention.wv"), KVD, D, p + "xn");
    std::string kcPrev = l == 0 ? "kc0" : formatv("l{0}_kc", l - 1).str();
    std::string vcPrev = l == 0 ? "vc0" : formatv("l{0}_vc", l - 1).str();
    os << subst(R"(  %${0}qr = call @rope_${1}(%${0}q, %pos, %freqD) : (tensor<${1}xf32>, index, tensor<${2}xf32>) -> tensor<${1}xf32>
  %${0}kr = call @rope_${3}(%${0}k, %pos, %freqKV) : (tensor<${3}xf32>, index, tensor<${4}xf32>) -> tensor<${3}xf32>
  %${0}kc = tensor.insert_slice %${0}kr into %${5}[${6}, %pos, 0] [1, 1, ${3}] [1, 1, 1] : tensor<${3}xf32> into ${7}
  %${0}vc = tensor.insert_slice %${0}v into %${8}[${6}, %pos, 0] [1, 1, ${3}] [1, 1, 1] : tensor<${3}xf32> into ${7}
  %${0}kl = tensor.extract_slice %${0}kc[${6}, 0, 0] [1, ${9}, ${3}] [1, 1, 1] : ${7} to tensor<${9}x${3}xf32>
  %${0}vl = tensor.extract_slice %${0}vc[${6}, 0, 0] [1, ${9}, ${3}] [1, 1, 1] : ${7} to tensor<${9}x${3}xf32>
  %${0}att = call @attention(%${0}qr, %${0}kl, %${0}vl, %len) : (tensor<${1}xf32>, tensor<${9}x${3}xf32>, tensor<${9}x${3}xf32>, index) -> tensor<${1}xf32>
)", {p, D, D / 2, KVD, KVD / 2, kcPrev, l, cacheType, vcPrev, S});
    matvec(p + "o", name("attention.wo"), D, D, p + "att");
    os << formatv("  %{0}x2 = call @add_{1}(%{2}, %{0}o) : (tensor<{1}xf32>, "
                  "tensor<{1}xf32>) -> tensor<{1}xf32>\n",
                  p, D, x);
    norm(p + "xn2", name("ffn_norm"), p + "x2");
    matvec(p + "h1", name("feed_forward.w1"), H, D, p + "xn2");
    matvec(p + "h3", name("feed_forward.w3"), H, D, p + "xn2");
    os << formatv("  %{0}g = call @swiglu(%{0}h1, %{0}h3) : (tensor<{1}xf32>, "
                  "tensor<{1}xf32>) -> tensor<{1}xf32>\n",
                  p, H);
    matvec(p + "f", name("feed_forward.w2"), D, H, p + "g");
    os << formatv("  %x_{0} = call @add_{1}(%{2}x2, %{2}f) : (tensor<{1}xf32>, "
                  "tensor<{1}xf32>) -> tensor<{1}xf32>\n",
                  l + 1, D, p);
  }
  norm("fin", "norm.weight", formatv("x_{0}", L).str());
  // The classifier (the token embedding when shared) is marked wq.skip here;
  // the compiler removes the mark when asked to quantize it.
  os << subst(R"(  %cls_e = tensor.empty() : tensor<${0}xf32>
  %cls_z = linalg.fill ins(%zero : f32) outs(%cls_e : tensor<${0}xf32>) -> tensor<${0}xf32>
)", {V});
  if (c.sharedClassifier) {
    os << formatv("  %logits = linalg.matvec {{wq.skip, wq.classifier} ins(%emb, "
                  "%fin : tensor<{0}x{1}x{2}>, tensor<{1}xf32>) outs(%cls_z : "
                  "tensor<{0}xf32>) -> tensor<{0}xf32>\n",
                  V, D, W);
  } else {
    os << subst(R"(  %cls_w = arith.constant dense_resource<unbound_output_weight> : tensor<${0}x${1}x${2}> loc("output.weight")
  %logits = linalg.matvec {wq.skip, wq.classifier} ins(%cls_w, %fin : tensor<${0}x${1}x${2}>, tensor<${1}xf32>) outs(%cls_z : tensor<${0}xf32>) -> tensor<${0}xf32>
)", {V, D, W});
  }
  os << subst(R"(  bufferization.materialize_in_destination %logits in restrict writable %outm : (tensor<${0}xf32>, memref<${0}xf32>) -> ()
  bufferization.materialize_in_destination %l${1}_kc in restrict writable %kcm : (${2}, ${3}) -> ()
  bufferization.materialize_in_destination %l${1}_vc in restrict writable %vcm : (${2}, ${3}) -> ()
  return
}
)", {V, L - 1, cacheType, cacheMemref});
  return out;
}

} // namespace wq_model
