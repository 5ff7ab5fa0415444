//===- FuzzBpeEncode.cpp - the BPE tokenizer on arbitrary text ------------===//
//
// SmolLM2's vocabulary (read once from $WQ_FUZZ_GGUF, default
// ../shared/models/SmolLM2-135M-Instruct.Q4_1.gguf): encode arbitrary bytes
// with every flag combination, decode, and check the round trip
// decode(encode(text)) == text that the tokenizer promises for valid UTF-8
// (less the bytes that have no token in the vocabulary: encode drops them,
// as llama.cpp does).
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Gguf.h"
#include "wq/Model/BpeTokenizer.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <memory>

namespace {

const wq_model::BpeTokenizer &tokenizer() {
  static std::unique_ptr<wq_model::BpeTokenizer> instance = [] {
    const char *path = std::getenv("WQ_FUZZ_GGUF");
    llvm::Expected<wq_formats::GgufFile> file = wq_formats::GgufFile::open(
        path ? path : "../shared/models/SmolLM2-135M-Instruct.Q4_1.gguf");
    if (!file) {
      llvm::errs() << llvm::toString(file.takeError()) << "\n";
      std::abort();
    }
    llvm::Expected<wq_model::BpeVocabulary> vocab =
        wq_model::BpeVocabulary::fromGguf(*file);
    if (!vocab) {
      llvm::errs() << llvm::toString(vocab.takeError()) << "\n";
      std::abort();
    }
    llvm::Expected<wq_model::BpeTokenizer> created =
        wq_model::BpeTokenizer::create(std::move(*vocab));
    if (!created) {
      llvm::errs() << llvm::toString(created.takeError()) << "\n";
      std::abort();
    }
    return std::make_unique<wq_model::BpeTokenizer>(std::move(*created));
  }();
  return *instance;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  const wq_model::BpeTokenizer &bpe = tokenizer();
  for (bool addSpecial : {false, true})
    for (bool parseSpecial : {false, true}) {
      std::vector<int> ids = bpe.encode(text, addSpecial, parseSpecial);
      for (int id : ids)
        if (id < 0 || id >= bpe.vocabSize())
          std::abort(); // an id outside the vocabulary
      (void)bpe.decode(ids, true);
    }
  const llvm::UTF8 *cursor = data;
  if (!llvm::isLegalUTF8String(&cursor, data + size))
    return 0;
  std::string encodable;
  for (char byte : text)
    if (bpe.tokenId(wq_model::bpeByteToUnicode(uint8_t(byte))) >= 0)
      encodable += byte;
  if (bpe.decode(bpe.encode(text, false, false)) != encodable)
    std::abort(); // the round trip the tokenizer promises
  return 0;
}
