//===- ModelTokenizer.cpp - The tokenizer of a compiled model -------------===//

#include "wq/Model/Tokenizer.h"
#include "wq/Formats/Gguf.h"
#include "wq/Formats/Safetensors.h"
#include "wq/Model/BpeTokenizer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace wq_model {

namespace {
/// llama2.c's tokenizer: BOS (1) first, generation stops at BOS.
class Llama2cModelTokenizer : public ModelTokenizer {
public:
  explicit Llama2cModelTokenizer(Tokenizer tokenizer)
      : tokenizer_(std::move(tokenizer)) {}
  std::vector<int32_t> encode(StringRef text, bool addSpecial,
                              bool) const override {
    return tokenizer_.encode(text.str(), addSpecial, false);
  }
  std::string piece(int32_t previous, int32_t token) const override {
    if (token == 1)
      return ""; // BOS
    std::string text;
    appendSafePiece(text, tokenizer_.decode(previous, token));
    return text;
  }
  int64_t vocabSize() const override { return tokenizer_.vocabSize(); }
  bool isEndOfGeneration(int32_t token) const override { return token == 1; }
  int32_t addedBos() const override { return 1; }
  StringRef kind() const override { return "llama2.c"; }

private:
  Tokenizer tokenizer_;
};
} // namespace

namespace {
/// A byte-level BPE tokenizer (from a GGUF): llama.cpp's encoding and
/// end-of-generation rules.
class BpeModelTokenizer : public ModelTokenizer {
public:
  explicit BpeModelTokenizer(BpeTokenizer tokenizer)
      : tokenizer_(std::move(tokenizer)) {}
  std::vector<int32_t> encode(StringRef text, bool addSpecial,
                              bool parseSpecial) const override {
    return tokenizer_.encode(text, addSpecial, parseSpecial);
  }
  std::string piece(int32_t, int32_t token) const override {
    return tokenizer_.tokenToPiece(token, /*renderSpecial=*/false);
  }
  int64_t vocabSize() const override { return tokenizer_.vocabSize(); }
  bool isEndOfGeneration(int32_t token) const override {
    return tokenizer_.isEog(token);
  }
  int32_t addedBos() const override {
    return tokenizer_.addBos() ? tokenizer_.bosId() : -1;
  }
  std::string chatTemplate() const override {
    return tokenizer_.chatTemplate();
  }
  StringRef kind() const override { return "bpe"; }

private:
  BpeTokenizer tokenizer_;
};

Expected<std::unique_ptr<ModelTokenizer>>
loadBpeModelTokenizer(StringRef jsonPath, int64_t vocabSize) {
  auto text = MemoryBuffer::getFile(jsonPath);
  if (!text)
    return createStringError(inconvertibleErrorCode(),
                             jsonPath + ": " + text.getError().message());
  Expected<BpeVocabulary> vocabulary =
      BpeVocabulary::fromJson((*text)->getBuffer());
  if (!vocabulary)
    return createStringError(inconvertibleErrorCode(),
                             jsonPath + ": " + toString(vocabulary.takeError()));
  if (int64_t(vocabulary->tokens.size()) != vocabSize)
    return createStringError(
        inconvertibleErrorCode(),
        jsonPath + ": " + Twine(vocabulary->tokens.size()) +
            " tokens but the model's vocabulary is " + Twine(vocabSize));
  Expected<BpeTokenizer> tokenizer = BpeTokenizer::create(std::move(*vocabulary));
  if (!tokenizer)
    return createStringError(inconvertibleErrorCode(),
                             jsonPath + ": " + toString(tokenizer.takeError()));
  return std::make_unique<BpeModelTokenizer>(std::move(*tokenizer));
}
} // namespace

Error exportGgufTokenizer(StringRef ggufPath, StringRef jsonPath,
                          int64_t vocabSize) {
  Expected<wq_formats::GgufFile> file = wq_formats::GgufFile::open(ggufPath);
  if (!file)
    return file.takeError();
  Expected<BpeVocabulary> vocabulary = BpeVocabulary::fromGguf(*file);
  if (!vocabulary)
    return vocabulary.takeError();
  if (int64_t(vocabulary->tokens.size()) != vocabSize)
    return createStringError(inconvertibleErrorCode(),
                             ggufPath + ": " + Twine(vocabulary->tokens.size()) +
                                 " tokens but the model's vocabulary is " +
                                 Twine(vocabSize));
  // Validated before it is written: a compiled model's tokenizer loads.
  if (Expected<BpeTokenizer> check = BpeTokenizer::create(*vocabulary); !check)
    return createStringError(inconvertibleErrorCode(),
                             ggufPath + ": " + toString(check.takeError()));
  return wq_formats::writeFileAtomically(jsonPath, vocabulary->toJson());
}

Expected<std::unique_ptr<ModelTokenizer>>
loadModelTokenizer(StringRef modelDir, int64_t vocabSize) {
  SmallString<256> json(modelDir), bin(modelDir);
  sys::path::append(json, "tokenizer.json");
  sys::path::append(bin, "tokenizer.bin");
  if (sys::fs::exists(json))
    return loadBpeModelTokenizer(json, vocabSize);
  Expected<Tokenizer> tokenizer = Tokenizer::load(bin.str().str(), vocabSize);
  if (!tokenizer)
    return tokenizer.takeError();
  return std::make_unique<Llama2cModelTokenizer>(std::move(*tokenizer));
}

} // namespace wq_model
