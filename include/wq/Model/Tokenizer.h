//===- Tokenizer.h - llama2.c BPE tokenizer and sampler ---------*- C++ -*-===//
//
// The tokenizer format and algorithms of llama2.c (run.c), reproduced so that
// wq-run generates exactly what llama2.c generates: BPE encoding by merge
// scores, byte fallback, decoding with the leading-space rule after BOS, and
// the sampler (xorshift RNG, temperature, top-p).
//
//===----------------------------------------------------------------------===//

#ifndef WQ_MODEL_TOKENIZER_H
#define WQ_MODEL_TOKENIZER_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace wq_model {

class Tokenizer {
public:
  /// Loads `path` (llama2.c tokenizer .bin) with `vocabSize` entries.
  static llvm::Expected<Tokenizer> load(const std::string &path,
                                        int64_t vocabSize);
  /// BOS = 1, EOS = 2 as in llama2.c.
  std::vector<int> encode(const std::string &text, bool bos, bool eos) const;
  /// The text of `token` following `previous` (raw bytes for <0xXX> tokens,
  /// no leading space right after BOS).
  std::string decode(int previous, int token) const;
  int64_t vocabSize() const { return int64_t(vocab_.size()); }

private:
  int lookup(const std::string &piece) const;
  std::vector<std::string> vocab_;
  std::vector<float> scores_;
  std::unordered_map<std::string, int> index_;
};

/// The tokenizer of a compiled model as generation, chat and scoring use it:
/// llama2.c's (tokenizer.bin) or a byte-level BPE read from a GGUF
/// (tokenizer.json).
class ModelTokenizer {
public:
  virtual ~ModelTokenizer() = default;
  /// `addSpecial`: the model's BOS (llama2.c: always; BPE: where the model
  /// says so). `parseSpecial`: control tokens written in the text (e.g.
  /// "<|im_start|>") become those tokens (BPE only).
  virtual std::vector<int32_t> encode(llvm::StringRef text, bool addSpecial,
                                      bool parseSpecial) const = 0;
  /// The bytes to print for `token` following `previous` (nothing for
  /// control tokens).
  virtual std::string piece(int32_t previous, int32_t token) const = 0;
  virtual int64_t vocabSize() const = 0;
  /// Whether generation stops at `token` (llama2.c: BOS; BPE: the model's
  /// end-of-generation tokens).
  virtual bool isEndOfGeneration(int32_t token) const = 0;
  /// The BOS token id when the model adds one (`addSpecial`), else -1.
  virtual int32_t addedBos() const = 0;
  /// The model's chat template (Jinja text), empty if none.
  virtual std::string chatTemplate() const { return ""; }
  /// "llama2.c" or "bpe".
  virtual llvm::StringRef kind() const = 0;
};

/// The tokenizer of a wq-compile output directory: tokenizer.json (BPE) or
/// tokenizer.bin (llama2.c) with `vocabSize` entries.
llvm::Expected<std::unique_ptr<ModelTokenizer>>
loadModelTokenizer(llvm::StringRef modelDir, int64_t vocabSize);

/// Writes the BPE tokenizer in the metadata of GGUF file `ggufPath` as
/// `jsonPath` (the tokenizer.json of a compiled model); its vocabulary must
/// have `vocabSize` tokens.
llvm::Error exportGgufTokenizer(llvm::StringRef ggufPath,
                                llvm::StringRef jsonPath, int64_t vocabSize);

/// Number of entries in a llama2.c tokenizer file (read to its end).
llvm::Expected<int64_t> tokenizerVocabSize(const std::string &path);

/// Writes `piece` as llama2.c's safe_printf does (skips lone unprintable
/// bytes) onto `out`.
void appendSafePiece(std::string &out, const std::string &piece);

class Sampler {
public:
  /// llama2.c's sampler (temperature 0: greedy; top-p with its cutoff),
  /// plus top-k when `topK` > 0: the k most probable tokens, then top-p
  /// among them.
  Sampler(int64_t vocabSize, float temperature, float topp, uint64_t seed,
          int64_t topK = 0)
      : vocabSize_(vocabSize), temperature_(temperature), topp_(topp),
        topK_(topK), state_(seed) {}
  /// Picks the next token; modifies `logits`.
  int sample(float *logits);

private:
  /// Samples from candidates_ (sorted, descending probability) with top-p.
  int sampleCandidates(float coin, float topp);
  uint32_t randomU32();
  float randomF32();
  int64_t vocabSize_;
  float temperature_, topp_;
  int64_t topK_;
  uint64_t state_;
  std::vector<std::pair<float, int>> candidates_;
};

/// Index of the largest value (the first on ties).
int argmax(const float *values, int64_t n);
/// In-place softmax (max-subtracted, as llama2.c).
void softmax(float *values, int64_t n);

} // namespace wq_model

#endif // WQ_MODEL_TOKENIZER_H
