//===- Tokenizer.cpp - llama2.c BPE tokenizer and sampler -----------------===//

#include "wq/Model/Tokenizer.h"

#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

using namespace llvm;

namespace wq_model {

namespace {
Error tokenizerError(const std::string &path, const Twine &message) {
  return createStringError(inconvertibleErrorCode(), path + ": " + message);
}

constexpr int64_t kMinVocabulary = 3 + 256;

/// Reads (score, piece) entries; stops at `limit` or the end of the file.
Error readEntries(const std::string &path, StringRef data, int64_t limit,
                  std::vector<std::string> &vocab, std::vector<float> &scores) {
  if (data.size() < 4)
    return tokenizerError(path, "truncated: no max token length");
  size_t offset = 4;
  while (offset < data.size() && (limit < 0 || int64_t(vocab.size()) < limit)) {
    float score;
    int32_t length;
    if (offset + 8 > data.size())
      return tokenizerError(path, "truncated in entry " + Twine(vocab.size()));
    std::memcpy(&score, data.data() + offset, 4);
    std::memcpy(&length, data.data() + offset + 4, 4);
    offset += 8;
    if (length < 0 || offset + size_t(length) > data.size())
      return tokenizerError(path, "entry " + Twine(vocab.size()) +
                                      " has a bad length " + Twine(length));
    vocab.emplace_back(data.data() + offset, size_t(length));
    scores.push_back(score);
    offset += size_t(length);
  }
  if (limit >= 0 && int64_t(vocab.size()) < limit)
    return tokenizerError(path, "has " + Twine(vocab.size()) +
                                    " tokens, the model needs " + Twine(limit));
  return Error::success();
}
} // namespace

Expected<int64_t> tokenizerVocabSize(const std::string &path) {
  auto buffer = MemoryBuffer::getFile(path, false, false);
  if (!buffer)
    return tokenizerError(path, "cannot open: " + buffer.getError().message());
  std::vector<std::string> vocab;
  std::vector<float> scores;
  if (Error e = readEntries(path, (*buffer)->getBuffer(), -1, vocab, scores))
    return std::move(e);
  return int64_t(vocab.size());
}

Expected<Tokenizer> Tokenizer::load(const std::string &path, int64_t vocabSize) {
  auto buffer = MemoryBuffer::getFile(path, false, false);
  if (!buffer)
    return tokenizerError(path, "cannot open: " + buffer.getError().message());
  // llama2.c's encoding falls back to byte tokens 3..258 (after <unk>, <s>
  // and </s>): a smaller vocabulary would have them index past its end.
  if (vocabSize < kMinVocabulary)
    return tokenizerError(path, "a llama2.c tokenizer needs at least " +
                                    Twine(kMinVocabulary) +
                                    " tokens (<unk>, <s>, </s> and 256 byte "
                                    "tokens), the model has " +
                                    Twine(vocabSize));
  Tokenizer t;
  if (Error e = readEntries(path, (*buffer)->getBuffer(), vocabSize, t.vocab_,
                            t.scores_))
    return std::move(e);
  for (size_t i = 0; i < t.vocab_.size(); ++i)
    t.index_.emplace(t.vocab_[i], int(i)); // the first id wins, as bsearch
  return std::move(t);
}

int Tokenizer::lookup(const std::string &piece) const {
  auto it = index_.find(piece);
  return it == index_.end() ? -1 : it->second;
}

std::vector<int> Tokenizer::encode(const std::string &text, bool bos,
                                   bool eos) const {
  std::vector<int> tokens;
  if (bos)
    tokens.push_back(1);
  if (!text.empty()) {
    int space = lookup(" ");
    if (space >= 0)
      tokens.push_back(space);
  }
  // Code points (UTF-8 sequences of up to 4 bytes) to tokens, else bytes.
  std::string buffer;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80)
      buffer.clear();
    buffer.push_back(char(c));
    bool continuation = i + 1 < text.size() &&
                        (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80;
    if (continuation && buffer.size() < 4)
      continue;
    int id = lookup(buffer);
    if (id >= 0) {
      tokens.push_back(id);
    } else {
      for (unsigned char b : buffer)
        tokens.push_back(int(b) + 3);
    }
    buffer.clear();
  }
  // Merge the best-scoring adjacent pair until none merges.
  while (true) {
    float bestScore = -1e10f;
    int bestId = -1;
    size_t bestIndex = 0;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      int id = lookup(vocab_[tokens[i]] + vocab_[tokens[i + 1]]);
      if (id >= 0 && scores_[id] > bestScore) {
        bestScore = scores_[id];
        bestId = id;
        bestIndex = i;
      }
    }
    if (bestId < 0)
      break;
    tokens[bestIndex] = bestId;
    tokens.erase(tokens.begin() + bestIndex + 1);
  }
  if (eos)
    tokens.push_back(2);
  return tokens;
}

std::string Tokenizer::decode(int previous, int token) const {
  if (token < 0 || token >= int(vocab_.size()))
    return "";
  std::string piece = vocab_[token];
  if (previous == 1 && !piece.empty() && piece[0] == ' ')
    piece.erase(0, 1);
  unsigned value;
  if (piece.size() == 6 && piece.compare(0, 3, "<0x") == 0 && piece[5] == '>' &&
      std::sscanf(piece.c_str(), "<0x%02X>", &value) == 1)
    return std::string(1, char(value));
  return piece;
}

void appendSafePiece(std::string &out, const std::string &piece) {
  if (piece.empty())
    return;
  if (piece.size() == 1) {
    unsigned char b = static_cast<unsigned char>(piece[0]);
    if (!(std::isprint(b) || std::isspace(b)))
      return;
  }
  out += piece;
}

int argmax(const float *values, int64_t n) {
  // Greedy decoding calls this once per token over the whole vocabulary
  // (49152 logits for SmolLM2): the obvious loop, one compare-and-branch on
  // a reloaded best value per element, cost 0.2 ms a token. Instead: the
  // largest value first, 16 independent running maxima that the compiler
  // keeps in vector registers, then its first index (a second, usually
  // short, scan). NaN compares false, as in the obvious loop, so it is never
  // the maximum (except at index 0 when nothing is larger, the loop's
  // answer too).
  constexpr int64_t kLanes = 16;
  float lanes[kLanes];
  for (float &lane : lanes)
    lane = -INFINITY;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int64_t j = 0; j < kLanes; ++j)
      lanes[j] = values[i + j] > lanes[j] ? values[i + j] : lanes[j];
  float largest = -INFINITY;
  for (float lane : lanes)
    largest = lane > largest ? lane : largest;
  for (; i < n; ++i)
    largest = values[i] > largest ? values[i] : largest;
  if (n > 0 && !(largest > values[0]))
    return 0;
  for (i = 1; i < n; ++i)
    if (values[i] == largest)
      return int(i);
  return 0;
}

void softmax(float *values, int64_t n) {
  float maxValue = values[0];
  for (int64_t i = 1; i < n; ++i)
    maxValue = std::max(maxValue, values[i]);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    values[i] = expf(values[i] - maxValue);
    sum += values[i];
  }
  for (int64_t i = 0; i < n; ++i)
    values[i] /= sum;
}

uint32_t Sampler::randomU32() {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return uint32_t((state_ * 0x2545F4914F6CDD1Dull) >> 32);
}

float Sampler::randomF32() { return float(randomU32() >> 8) / 16777216.0f; }

int Sampler::sampleCandidates(float coin, float topp) {
  // llama2.c's top-p over candidates sorted by probability: the smallest
  // prefix whose mass exceeds topp (all of them when topp >= 1), sampled in
  // proportion to the probabilities.
  float cumulative = 0.0f;
  size_t last = candidates_.size() - 1;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    cumulative += candidates_[i].first;
    if (cumulative > topp) {
      last = i;
      break;
    }
  }
  float r = coin * cumulative;
  float cdf = 0.0f;
  for (size_t i = 0; i <= last; ++i) {
    cdf += candidates_[i].first;
    if (r < cdf)
      return candidates_[i].second;
  }
  return candidates_[last].second;
}

int Sampler::sample(float *logits) {
  if (temperature_ == 0.0f)
    return argmax(logits, vocabSize_);
  for (int64_t i = 0; i < vocabSize_; ++i)
    logits[i] /= temperature_;
  softmax(logits, vocabSize_);
  float coin = randomF32();
  const bool useTopP = topp_ > 0 && topp_ < 1;
  auto byProbability = [](const auto &a, const auto &b) {
    return a.first > b.first;
  };
  candidates_.clear();
  if (topK_ > 0 && topK_ < vocabSize_) {
    // Top-k: the k most probable tokens, renormalized, then top-p.
    for (int64_t i = 0; i < vocabSize_; ++i)
      candidates_.push_back({logits[i], int(i)});
    std::partial_sort(candidates_.begin(), candidates_.begin() + topK_,
                      candidates_.end(), byProbability);
    candidates_.resize(size_t(topK_));
    float total = 0.0f;
    for (const auto &c : candidates_)
      total += c.first;
    if (!(total > 0.0f)) // Non-finite logits.
      return candidates_[0].second;
    for (auto &c : candidates_)
      c.first /= total;
    return sampleCandidates(coin, useTopP ? topp_ : 1.0f);
  }
  if (!useTopP) {
    float cdf = 0.0f;
    for (int64_t i = 0; i < vocabSize_; ++i) {
      cdf += logits[i];
      if (coin < cdf)
        return int(i);
    }
    return int(vocabSize_ - 1);
  }
  // Top-p: candidates above a cutoff, sorted by probability (descending).
  const float cutoff = (1.0f - topp_) / float(vocabSize_ - 1);
  for (int64_t i = 0; i < vocabSize_; ++i)
    if (logits[i] >= cutoff)
      candidates_.push_back({logits[i], int(i)});
  if (candidates_.empty()) // Non-finite logits: nothing qualifies.
    return argmax(logits, vocabSize_);
  std::sort(candidates_.begin(), candidates_.end(), byProbability);
  return sampleCandidates(coin, topp_);
}

} // namespace wq_model
