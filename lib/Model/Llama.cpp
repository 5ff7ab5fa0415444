//===- Llama.cpp - Llama-family checkpoints and forward-pass MLIR ---------===//

#include "wq/Model/Llama.h"
#include "wq/Formats/Json.h"

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
      return modelFileError(path, "truncated while reading " + what + ": needs " +
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
  if (Error e = c.validate())
    return modelFileError(path, "implausible header (dim " + Twine(c.dim) +
                                    ", hidden " + Twine(c.hiddenDim) +
                                    ", layers " + Twine(c.numLayers) +
                                    ", vocab " + Twine(c.vocabSize) + "): " +
                                    toString(std::move(e)) +
                                    "; not a llama2.c checkpoint?");
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
    return modelFileError(path, "cannot open: " + buffer.getError().message());
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
      return modelFileError(path, "implausible group size " + Twine(groupSize));
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
  if (in.offset != data.size())
    return modelFileError(path, "has " + Twine(data.size() - in.offset) +
                                " bytes after the last tensor: the header "
                                "does not describe this file");
  return std::move(weights);
}

std::string llamaForwardMlir(const LlamaConfig &c, StringRef weightDtype) {
  const int64_t D = c.dim, H = c.hiddenDim, V = c.vocabSize, L = c.numLayers,
                NKV = c.numKvHeads, HS = c.headSize(), QD = c.queryDim(),
                KVD = c.kvDim(), G = c.numHeads / c.numKvHeads;
  std::string out;
  raw_string_ostream os(out);
  const std::string W = weightDtype.str();

  auto hexFloat = [](float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return formatv("0x{0:X-8}", bits).str();
  };
  // Constants llama2.c computes in float: RoPE frequencies and sqrt(hs).
  auto freqs = [&](int64_t n) {
    std::string s = "dense<[";
    for (int64_t i = 0; i < n; i += 2) {
      int64_t headDim = i % HS;
      float freq = 1.0f / powf(c.ropeTheta, float(headDim) / float(HS));
      s += (i ? ", " : "") + hexFloat(freq);
    }
    return s + "]>";
  };
  // Every helper takes M rows (the tokens of one call) as a dynamic leading
  // dimension: decode is M = 1, a prompt is one call with M = its length.
  const char *rowMaps2 =
      "indexing_maps = [affine_map<(r, i) -> (r, i)>, affine_map<(r, i) -> "
      "(r, i)>, affine_map<(r, i) -> (r, i)>], iterator_types = "
      "[\"parallel\", \"parallel\"]";

  os << subst(R"(func.func private @rmsnorm(%x: tensor<?x${0}xf32>, %w: tensor<${0}xf32>) -> tensor<?x${0}xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x${0}xf32>
  %zero = arith.constant 0.0 : f32
  %n = arith.constant ${1} : f32
  %eps = arith.constant ${2} : f32
  %one = arith.constant 1.0 : f32
  %e0 = tensor.empty(%m) : tensor<?xf32>
  %acc0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<?xf32>) -> tensor<?xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(r, i) -> (r, i)>, affine_map<(r, i) -> (r)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<?x${0}xf32>) outs(%acc0 : tensor<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a fastmath<reassoc,contract> : f32
    %s = arith.addf %acc, %sq fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %inv = linalg.generic {indexing_maps = [affine_map<(r) -> (r)>, affine_map<(r) -> (r)>], iterator_types = ["parallel"]} ins(%ss : tensor<?xf32>) outs(%e0 : tensor<?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %mean = arith.divf %v, %n : f32
    %me = arith.addf %mean, %eps : f32
    %root = math.sqrt %me : f32
    %r = arith.divf %one, %root : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  %e1 = tensor.empty(%m) : tensor<?x${0}xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(r, i) -> (r, i)>, affine_map<(r, i) -> (r)>, affine_map<(r, i) -> (i)>, affine_map<(r, i) -> (r, i)>], iterator_types = ["parallel", "parallel"]} ins(%x, %inv, %w : tensor<?x${0}xf32>, tensor<?xf32>, tensor<${0}xf32>) outs(%e1 : tensor<?x${0}xf32>) {
  ^bb0(%a: f32, %s: f32, %b: f32, %o: f32):
    %t = arith.mulf %s, %a : f32
    %r = arith.mulf %b, %t : f32
    linalg.yield %r : f32
  } -> tensor<?x${0}xf32>
  return %y : tensor<?x${0}xf32>
}

func.func private @add(%a: tensor<?x${0}xf32>, %b: tensor<?x${0}xf32>) -> tensor<?x${0}xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x${0}xf32>
  %e = tensor.empty(%m) : tensor<?x${0}xf32>
  %y = linalg.generic {${3}} ins(%a, %b : tensor<?x${0}xf32>, tensor<?x${0}xf32>) outs(%e : tensor<?x${0}xf32>) {
  ^bb0(%u: f32, %v: f32, %o: f32):
    %s = arith.addf %u, %v : f32
    linalg.yield %s : f32
  } -> tensor<?x${0}xf32>
  return %y : tensor<?x${0}xf32>
}

)", {D, hexFloat(float(D)), hexFloat(c.normEps), rowMaps2});

  // RoPE on adjacent pairs; row r of the call is at position pos + r.
  std::vector<int64_t> ropeSizes = {QD};
  if (KVD != QD)
    ropeSizes.push_back(KVD);
  for (int64_t n : ropeSizes)
    os << subst(R"(func.func private @rope_${0}(%v: tensor<?x${0}xf32>, %pos: index, %freq: tensor<${1}xf32>) -> tensor<?x${0}xf32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %v, %c0 : tensor<?x${0}xf32>
  %pairs = tensor.expand_shape %v [[0], [1, 2]] output_shape [%m, ${1}, 2] : tensor<?x${0}xf32> into tensor<?x${1}x2xf32>
  %e = tensor.empty(%m) : tensor<?x${1}x2xf32>
  %rot = linalg.generic {indexing_maps = [affine_map<(r, i, j) -> (i)>, affine_map<(r, i, j) -> (r, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%freq : tensor<${1}xf32>) outs(%e : tensor<?x${1}x2xf32>) {
  ^bb0(%f: f32, %o: f32):
    %row = linalg.index 0 : index
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %k0 = arith.constant 0 : index
    %k1 = arith.constant 1 : index
    %p = arith.addi %pos, %row : index
    %pi = arith.index_cast %p : index to i64
    %pf = arith.sitofp %pi : i64 to f32
    %v0 = tensor.extract %pairs[%row, %i, %k0] : tensor<?x${1}x2xf32>
    %v1 = tensor.extract %pairs[%row, %i, %k1] : tensor<?x${1}x2xf32>
    %val = arith.mulf %pf, %f : f32
    %fcr = math.cos %val : f32
    %fci = math.sin %val : f32
    %a = arith.mulf %v0, %fcr : f32
    %b = arith.mulf %v1, %fci : f32
    %re = arith.subf %a, %b : f32
    %c = arith.mulf %v0, %fci : f32
    %d = arith.mulf %v1, %fcr : f32
    %im = arith.addf %c, %d : f32
    %isre = arith.cmpi eq, %j, %k0 : index
    %res = arith.select %isre, %re, %im : f32
    linalg.yield %res : f32
  } -> tensor<?x${1}x2xf32>
  %y = tensor.collapse_shape %rot [[0], [1, 2]] : tensor<?x${1}x2xf32> into tensor<?x${0}xf32>
  return %y : tensor<?x${0}xf32>
}

)", {n, n / 2});

  // The KV caches [layers, context, kvDim] and rows of one layer's cache.
  const std::string cacheMemref = formatv("memref<{0}x?x{1}xf32>", L, KVD);
  const std::string layerCache =
      formatv("memref<?x{0}xf32, strided<[{0}, 1], offset: ?>>", KVD);
  // Causal grouped-query attention of M query rows (positions pos .. pos+M-1)
  // over the T = pos + M cached keys and values of one layer: row r sees
  // positions t <= pos + r. Query heads are independent: one scf.forall
  // iteration per head (KV head a, query g of its group), on threads like
  // the matmul kernels. Within a head the loops follow each generic's
  // dimension order: dot products reduce along the contiguous head dimension
  // (reassociation allowed, so they vectorize) and the weighted sum of
  // values walks the positions outside the head dimension, so its inner loop
  // is contiguous.
  os << subst(R"(func.func private @attention(%q: tensor<?x${0}xf32>, %kcm: ${8}, %vcm: ${8}, %layer: index, %pos: index) -> tensor<?x${0}xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %root = arith.constant ${5} : f32
  %m = tensor.dim %q, %c0 : tensor<?x${0}xf32>
  %t = arith.addi %pos, %m : index
  %ksrc = memref.subview %kcm[%layer, 0, 0] [1, %t, ${1}] [1, 1, 1] : ${8} to ${9}
  %vsrc = memref.subview %vcm[%layer, 0, 0] [1, %t, ${1}] [1, 1, 1] : ${8} to ${9}
  %k = bufferization.to_tensor %ksrc restrict : ${9} to tensor<?x${1}xf32>
  %v = bufferization.to_tensor %vsrc restrict : ${9} to tensor<?x${1}xf32>
  %q4 = tensor.expand_shape %q [[0], [1, 2, 3]] output_shape [%m, ${2}, ${3}, ${4}] : tensor<?x${0}xf32> into tensor<?x${2}x${3}x${4}xf32>
  %k3 = tensor.expand_shape %k [[0], [1, 2]] output_shape [%t, ${2}, ${4}] : tensor<?x${1}xf32> into tensor<?x${2}x${4}xf32>
  %v3 = tensor.expand_shape %v [[0], [1, 2]] output_shape [%t, ${2}, ${4}] : tensor<?x${1}xf32> into tensor<?x${2}x${4}xf32>
  %eo = tensor.empty(%m) : tensor<?x${2}x${3}x${4}xf32>
  %o = scf.forall (%a, %g) in (${2}, ${3}) shared_outs(%out = %eo) -> (tensor<?x${2}x${3}x${4}xf32>) {
    %qh = tensor.extract_slice %q4[0, %a, %g, 0] [%m, 1, 1, ${4}] [1, 1, 1, 1] : tensor<?x${2}x${3}x${4}xf32> to tensor<?x${4}xf32>
    %kh = tensor.extract_slice %k3[0, %a, 0] [%t, 1, ${4}] [1, 1, 1] : tensor<?x${2}x${4}xf32> to tensor<?x${4}xf32>
    %vh = tensor.extract_slice %v3[0, %a, 0] [%t, 1, ${4}] [1, 1, 1] : tensor<?x${2}x${4}xf32> to tensor<?x${4}xf32>
    %es = tensor.empty(%m, %t) : tensor<?x?xf32>
    %s0 = linalg.fill ins(%zero : f32) outs(%es : tensor<?x?xf32>) -> tensor<?x?xf32>
    %dots = linalg.generic {indexing_maps = [affine_map<(r, s, i) -> (r, i)>, affine_map<(r, s, i) -> (s, i)>, affine_map<(r, s, i) -> (r, s)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%qh, %kh : tensor<?x${4}xf32>, tensor<?x${4}xf32>) outs(%s0 : tensor<?x?xf32>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y fastmath<reassoc,contract> : f32
      %s = arith.addf %acc, %p fastmath<reassoc,contract> : f32
      linalg.yield %s : f32
    } -> tensor<?x?xf32>
    %scores = linalg.generic {indexing_maps = [affine_map<(r, s) -> (r, s)>, affine_map<(r, s) -> (r, s)>], iterator_types = ["parallel", "parallel"]} ins(%dots : tensor<?x?xf32>) outs(%es : tensor<?x?xf32>) {
    ^bb0(%x: f32, %o: f32):
      %row = linalg.index 0 : index
      %col = linalg.index 1 : index
      %limit = arith.addi %pos, %row : index
      %visible = arith.cmpi ule, %col, %limit : index
      %d = arith.divf %x, %root : f32
      %r = arith.select %visible, %d, %ninf : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    %em = tensor.empty(%m) : tensor<?xf32>
    %m0 = linalg.fill ins(%ninf : f32) outs(%em : tensor<?xf32>) -> tensor<?xf32>
    %max = linalg.generic {indexing_maps = [affine_map<(r, s) -> (r, s)>, affine_map<(r, s) -> (r)>], iterator_types = ["parallel", "reduction"]} ins(%scores : tensor<?x?xf32>) outs(%m0 : tensor<?xf32>) {
    ^bb0(%x: f32, %acc: f32):
      %gt = arith.cmpf ogt, %x, %acc : f32
      %r = arith.select %gt, %x, %acc : f32
      linalg.yield %r : f32
    } -> tensor<?xf32>
    %exps = linalg.generic {indexing_maps = [affine_map<(r, s) -> (r, s)>, affine_map<(r, s) -> (r)>, affine_map<(r, s) -> (r, s)>], iterator_types = ["parallel", "parallel"]} ins(%scores, %max : tensor<?x?xf32>, tensor<?xf32>) outs(%es : tensor<?x?xf32>) {
    ^bb0(%x: f32, %mx: f32, %o: f32):
      %d = arith.subf %x, %mx : f32
      %e = math.exp %d : f32
      linalg.yield %e : f32
    } -> tensor<?x?xf32>
    %z0 = linalg.fill ins(%zero : f32) outs(%em : tensor<?xf32>) -> tensor<?xf32>
    %sum = linalg.generic {indexing_maps = [affine_map<(r, s) -> (r, s)>, affine_map<(r, s) -> (r)>], iterator_types = ["parallel", "reduction"]} ins(%exps : tensor<?x?xf32>) outs(%z0 : tensor<?xf32>) {
    ^bb0(%x: f32, %acc: f32):
      %s = arith.addf %acc, %x fastmath<reassoc> : f32
      linalg.yield %s : f32
    } -> tensor<?xf32>
    %att = linalg.generic {indexing_maps = [affine_map<(r, s) -> (r, s)>, affine_map<(r, s) -> (r)>, affine_map<(r, s) -> (r, s)>], iterator_types = ["parallel", "parallel"]} ins(%exps, %sum : tensor<?x?xf32>, tensor<?xf32>) outs(%es : tensor<?x?xf32>) {
    ^bb0(%x: f32, %sm: f32, %o: f32):
      %d = arith.divf %x, %sm : f32
      linalg.yield %d : f32
    } -> tensor<?x?xf32>
    %eh = tensor.empty(%m) : tensor<?x${4}xf32>
    %o0 = linalg.fill ins(%zero : f32) outs(%eh : tensor<?x${4}xf32>) -> tensor<?x${4}xf32>
    %oh = linalg.generic {indexing_maps = [affine_map<(r, s, i) -> (r, s)>, affine_map<(r, s, i) -> (s, i)>, affine_map<(r, s, i) -> (r, i)>], iterator_types = ["parallel", "reduction", "parallel"]} ins(%att, %vh : tensor<?x?xf32>, tensor<?x${4}xf32>) outs(%o0 : tensor<?x${4}xf32>) {
    ^bb0(%p: f32, %y: f32, %acc: f32):
      %pr = arith.mulf %p, %y : f32
      %s = arith.addf %acc, %pr : f32
      linalg.yield %s : f32
    } -> tensor<?x${4}xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %oh into %out[0, %a, %g, 0] [%m, 1, 1, ${4}] [1, 1, 1, 1] : tensor<?x${4}xf32> into tensor<?x${2}x${3}x${4}xf32>
    }
  }
  %res = tensor.collapse_shape %o [[0], [1, 2, 3]] : tensor<?x${2}x${3}x${4}xf32> into tensor<?x${0}xf32>
  return %res : tensor<?x${0}xf32>
}

func.func private @swiglu(%h1: tensor<?x${6}xf32>, %h3: tensor<?x${6}xf32>) -> tensor<?x${6}xf32> {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1.0 : f32
  %m = tensor.dim %h1, %c0 : tensor<?x${6}xf32>
  %e = tensor.empty(%m) : tensor<?x${6}xf32>
  %y = linalg.generic {${7}} ins(%h1, %h3 : tensor<?x${6}xf32>, tensor<?x${6}xf32>) outs(%e : tensor<?x${6}xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %na = arith.negf %a : f32
    %ex = math.exp %na : f32
    %den = arith.addf %one, %ex : f32
    %sig = arith.divf %one, %den : f32
    %t = arith.mulf %a, %sig : f32
    %r = arith.mulf %t, %b : f32
    linalg.yield %r : f32
  } -> tensor<?x${6}xf32>
  return %y : tensor<?x${6}xf32>
}

)", {QD, KVD, NKV, G, HS, hexFloat(sqrtf(float(HS))), H, rowMaps2,
                   cacheMemref, layerCache});

  // The forward pass over M tokens at positions pos .. pos+M-1.
  const std::string tableType = formatv("tensor<{0}x{1}x{2}>", V, D, W);

  os << subst(R"(func.func @forward(%tokm: memref<?xi32>, %pos: index, %kcm: ${0}, %vcm: ${0}, %first: index, %outm: memref<?x${1}xf32>) attributes {llvm.emit_c_interface} {
  %toks = bufferization.to_tensor %tokm restrict : memref<?xi32> to tensor<?xi32>
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %toks, %c0 : tensor<?xi32>
  %freqQ = arith.constant ${2} : tensor<${3}xf32>
  %freqKV = arith.constant ${4} : tensor<${5}xf32>
  %emb = arith.constant dense_resource<unbound_tok_embeddings_weight> : ${6} loc("tok_embeddings.weight")
  %xe = tensor.empty(%m) : tensor<?x${7}xf32>
  %x_0 = scf.for %i = %c0 to %m step %c1 iter_args(%acc = %xe) -> (tensor<?x${7}xf32>) {
    %t32 = tensor.extract %toks[%i] : tensor<?xi32>
    %t = arith.index_cast %t32 : i32 to index
    %row = tensor.extract_slice %emb[%t, 0] [1, ${7}] [1, 1] : ${6} to tensor<${7}x${8}>
)", {cacheMemref, V, freqs(QD), QD / 2, freqs(KVD), KVD / 2,
                   tableType, D, W});
  if (W == "f32") {
    os << "    %rowf = tensor.cast %row : tensor<" << D << "xf32> to tensor<"
       << D << "xf32>\n";
  } else {
    os << subst(R"(    %rowe = tensor.empty() : tensor<${0}xf32>
    %rowf = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%row : tensor<${0}x${1}>) outs(%rowe : tensor<${0}xf32>) {
    ^bb0(%a: ${1}, %o: f32):
      %f = arith.extf %a : ${1} to f32
      linalg.yield %f : f32
    } -> tensor<${0}xf32>
)", {D, W});
  }
  os << subst(R"(    %next = tensor.insert_slice %rowf into %acc[%i, 0] [1, ${0}] [1, 1] : tensor<${0}xf32> into tensor<?x${0}xf32>
    scf.yield %next : tensor<?x${0}xf32>
  }
)", {D});

  // y [M, rows] = x [M, cols] W^T with W [rows, cols] (nn.Linear layout).
  const char *linearMaps =
      "indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, "
      "k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]";
  auto linear = [&](const std::string &result, const std::string &weightName,
                    int64_t rows, int64_t cols, const std::string &input) {
    os << subst(R"(  %${0}_w = arith.constant dense_resource<${1}> : tensor<${2}x${3}x${4}> loc("${5}")
  %${0}_e = tensor.empty(%m) : tensor<?x${2}xf32>
  %${0}_z = linalg.fill ins(%zero : f32) outs(%${0}_e : tensor<?x${2}xf32>) -> tensor<?x${2}xf32>
  %${0} = linalg.matmul ${7} ins(%${6}, %${0}_w : tensor<?x${3}xf32>, tensor<${2}x${3}x${4}>) outs(%${0}_z : tensor<?x${2}xf32>) -> tensor<?x${2}xf32>
)", {result, resourceName(weightName), rows, cols, W, weightName, input,
                  linearMaps});
  };
  auto norm = [&](const std::string &result, const std::string &weightName,
                  const std::string &input) {
    os << subst(R"(  %${0}_w = arith.constant dense_resource<${1}> : tensor<${2}xf32> loc("${3}")
  %${0} = call @rmsnorm(%${4}, %${0}_w) : (tensor<?x${2}xf32>, tensor<${2}xf32>) -> tensor<?x${2}xf32>
)", {result, resourceName(weightName), D, weightName, input});
  };
  for (int64_t l = 0; l < L; ++l) {
    std::string x = formatv("x_{0}", l), p = formatv("l{0}_", l);
    auto name = [&](const char *w) {
      return formatv("layers.{0}.{1}.weight", l, w).str();
    };
    norm(p + "xn", name("attention_norm"), x);
    linear(p + "q", name("attention.wq"), QD, D, p + "xn");
    linear(p + "k", name("attention.wk"), KVD, D, p + "xn");
    linear(p + "v", name("attention.wv"), KVD, D, p + "xn");
    // The layer's new keys and values are written into the caches in place
    // (memref level: a tensor-level cache threaded through the layers would
    // make bufferization copy each layer's cache before the next layer's
    // write); attention reads the layer's first pos + M positions from the
    // caches itself (a tensor argument would be copied at the call).
    os << subst(R"(  %${0}qr = call @rope_${1}(%${0}q, %pos, %freqQ) : (tensor<?x${1}xf32>, index, tensor<${2}xf32>) -> tensor<?x${1}xf32>
  %${0}kr = call @rope_${3}(%${0}k, %pos, %freqKV) : (tensor<?x${3}xf32>, index, tensor<${4}xf32>) -> tensor<?x${3}xf32>
  %${0}idx = arith.constant ${5} : index
  %${0}kdst = memref.subview %kcm[%${0}idx, %pos, 0] [1, %m, ${3}] [1, 1, 1] : ${6} to ${7}
  %${0}vdst = memref.subview %vcm[%${0}idx, %pos, 0] [1, %m, ${3}] [1, 1, 1] : ${6} to ${7}
  bufferization.materialize_in_destination %${0}kr in restrict writable %${0}kdst : (tensor<?x${3}xf32>, ${7}) -> ()
  bufferization.materialize_in_destination %${0}v in restrict writable %${0}vdst : (tensor<?x${3}xf32>, ${7}) -> ()
  %${0}att = call @attention(%${0}qr, %kcm, %vcm, %${0}idx, %pos) : (tensor<?x${1}xf32>, ${6}, ${6}, index, index) -> tensor<?x${1}xf32>
)", {p, QD, QD / 2, KVD, KVD / 2, l, cacheMemref, layerCache});
    linear(p + "o", name("attention.wo"), D, QD, p + "att");
    os << formatv("  %{0}x2 = call @add(%{2}, %{0}o) : (tensor<?x{1}xf32>, "
                  "tensor<?x{1}xf32>) -> tensor<?x{1}xf32>\n",
                  p, D, x);
    norm(p + "xn2", name("ffn_norm"), p + "x2");
    linear(p + "h1", name("feed_forward.w1"), H, D, p + "xn2");
    linear(p + "h3", name("feed_forward.w3"), H, D, p + "xn2");
    os << formatv("  %{0}g = call @swiglu(%{0}h1, %{0}h3) : (tensor<?x{1}xf32>, "
                  "tensor<?x{1}xf32>) -> tensor<?x{1}xf32>\n",
                  p, H);
    linear(p + "f", name("feed_forward.w2"), D, H, p + "g");
    os << formatv("  %x_{0} = call @add(%{2}x2, %{2}f) : (tensor<?x{1}xf32>, "
                  "tensor<?x{1}xf32>) -> tensor<?x{1}xf32>\n",
                  l + 1, D, p);
  }
  norm("fin", "norm.weight", formatv("x_{0}", L).str());
  // Logits of rows first .. M-1 only (decode and a prompt's last token need
  // one row, perplexity all). The classifier (the token embedding when
  // shared) is marked wq.skip; the importer removes the mark when it is to be
  // quantized.
  os << subst(R"(  %nl = arith.subi %m, %first : index
  %fsel = tensor.extract_slice %fin[%first, 0] [%nl, ${1}] [1, 1] : tensor<?x${1}xf32> to tensor<?x${1}xf32>
  %cls_e = tensor.empty(%nl) : tensor<?x${0}xf32>
  %cls_z = linalg.fill ins(%zero : f32) outs(%cls_e : tensor<?x${0}xf32>) -> tensor<?x${0}xf32>
)", {V, D});
  std::string classifier = "%emb";
  if (!c.sharedClassifier) {
    os << subst(R"(  %cls_w = arith.constant dense_resource<unbound_output_weight> : ${0} loc("output.weight")
)", {tableType});
    classifier = "%cls_w";
  }
  os << subst(R"(  %logits = linalg.matmul ${4} {wq.skip, wq.classifier} ins(%fsel, ${3} : tensor<?x${1}xf32>, ${2}) outs(%cls_z : tensor<?x${0}xf32>) -> tensor<?x${0}xf32>
)", {V, D, tableType, classifier, linearMaps});
  os << subst(R"(  bufferization.materialize_in_destination %logits in restrict writable %outm : (tensor<?x${0}xf32>, memref<?x${0}xf32>) -> ()
  return
}
)", {V});
  return out;
}

} // namespace wq_model
