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

/// Number of entries in a llama2.c tokenizer file (read to its end).
llvm::Expected<int64_t> tokenizerVocabSize(const std::string &path);

/// Writes `piece` as llama2.c's safe_printf does (skips lone unprintable
/// bytes) onto `out`.
void appendSafePiece(std::string &out, const std::string &piece);

class Sampler {
public:
  Sampler(int64_t vocabSize, float temperature, float topp, uint64_t seed)
      : vocabSize_(vocabSize), temperature_(temperature), topp_(topp),
        state_(seed) {}
  /// Picks the next token; modifies `logits`.
  int sample(float *logits);

private:
  uint32_t randomU32();
  float randomF32();
  int64_t vocabSize_;
  float temperature_, topp_;
  uint64_t state_;
  std::vector<std::pair<float, int>> candidates_;
};

/// Index of the largest value (the first on ties).
int argmax(const float *values, int64_t n);
/// In-place softmax (max-subtracted, as llama2.c).
void softmax(float *values, int64_t n);

} // namespace wq_model

#endif // WQ_MODEL_TOKENIZER_H
