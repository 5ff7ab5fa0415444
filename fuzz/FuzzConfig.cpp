//===- FuzzConfig.cpp - JSON documents wq reads -----------------------------===//
//
// A model folder's config.json (LlamaConfig::fromJson, validated) and a BPE
// vocabulary document (tokenizer.json), from the same text.
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Json.h"
#include "wq/Model/BpeTokenizer.h"
#include "wq/Model/Llama.h"

#include "llvm/Support/Error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<llvm::json::Value> json = wq_formats::parseJson(text);
  if (!json)
    llvm::consumeError(json.takeError());
  llvm::Expected<wq_model::LlamaConfig> config =
      wq_model::LlamaConfig::fromJson(text);
  if (!config)
    llvm::consumeError(config.takeError());
  llvm::Expected<wq_model::BpeVocabulary> vocab =
      wq_model::BpeVocabulary::fromJson(text);
  if (!vocab) {
    llvm::consumeError(vocab.takeError());
    return 0;
  }
  llvm::Expected<wq_model::BpeTokenizer> tokenizer =
      wq_model::BpeTokenizer::create(std::move(*vocab));
  if (!tokenizer) {
    llvm::consumeError(tokenizer.takeError());
    return 0;
  }
  std::vector<int> ids = tokenizer->encode("Hello, world! 123 \xe4\xbd\xa0", true,
                                           true);
  (void)tokenizer->decode(ids, true);
  return 0;
}
