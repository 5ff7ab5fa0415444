//===- FuzzGguf.cpp - the GGUF reader and the GGUF model import -----------===//
//
// Header, metadata (every value type, nested arrays), tensor table and the
// dequantization of every tensor, then the llama model import on the same
// bytes (what wq-compile does with a .gguf).
//
//===----------------------------------------------------------------------===//

#include "FuzzInput.h"

#include "wq/Formats/Gguf.h"
#include "wq/Model/Llama.h"

#include "llvm/Support/Error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = wq_fuzz::writeInput(data, size, ".gguf");
  llvm::Expected<wq_formats::GgufFile> file = wq_formats::GgufFile::open(path);
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  for (const wq_formats::GgufTensorInfo &tensor : file->tensors()) {
    llvm::Expected<std::vector<float>> values = file->dequantize(tensor);
    if (!values)
      llvm::consumeError(values.takeError());
  }
  llvm::Expected<wq_model::LlamaWeights> weights =
      wq_model::readGgufCheckpoint(path);
  if (!weights)
    llvm::consumeError(weights.takeError());
  return 0;
}
