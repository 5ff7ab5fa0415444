//===- FuzzLlama2c.cpp - llama2.c checkpoints and tokenizers --------------===//
//
// The same bytes as a checkpoint (legacy fp32 header or the int8 "ak42"
// export) and as a tokenizer.bin of the vocabulary its first bytes claim.
//
//===----------------------------------------------------------------------===//

#include "FuzzInput.h"

#include "wq/Model/Llama.h"
#include "wq/Model/Tokenizer.h"

#include "llvm/Support/Error.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = wq_fuzz::writeInput(data, size, ".bin");
  llvm::Expected<wq_model::LlamaWeights> weights =
      wq_model::readLlama2cCheckpoint(path);
  if (weights) {
    if (llvm::Error e = wq_model::validateWeights(*weights, path))
      llvm::consumeError(std::move(e));
  } else {
    llvm::consumeError(weights.takeError());
  }
  int32_t vocab = 512;
  if (size >= 4)
    std::memcpy(&vocab, data, 4);
  llvm::Expected<wq_model::Tokenizer> tokenizer =
      wq_model::Tokenizer::load(path, vocab);
  if (tokenizer) {
    std::vector<int> ids = tokenizer->encode("Once upon a time \xff\x01", true,
                                             false);
    for (size_t i = 1; i < ids.size(); ++i)
      (void)tokenizer->decode(ids[i - 1], ids[i]);
  } else {
    llvm::consumeError(tokenizer.takeError());
  }
  return 0;
}
