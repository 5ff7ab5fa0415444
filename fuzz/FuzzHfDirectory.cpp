//===- FuzzHfDirectory.cpp - Hugging Face, GPTQ and AWQ model folders -----===//
//
// A model folder as wq-compile reads it (readCheckpoint: config.json, the
// safetensors weights, GPTQ/AWQ/wq quantized layouts detected from the
// tensor names, then validateWeights). The input is
//   [u16 little-endian length L][L bytes of config.json][model.safetensors]
// written to a per-process folder.
//
//===----------------------------------------------------------------------===//

#include "FuzzInput.h"

#include "wq/Model/Llama.h"

#include "llvm/Support/Error.h"

#include <sys/stat.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  size_t configSize = std::min<size_t>(size - 2, data[0] | (data[1] << 8));
  std::string dir = wq_fuzz::inputPath("-hf");
  mkdir(dir.c_str(), 0700);
  wq_fuzz::writeFile(dir + "/config.json", data + 2, configSize);
  wq_fuzz::writeFile(dir + "/model.safetensors", data + 2 + configSize,
                     size - 2 - configSize);
  llvm::Expected<wq_model::LlamaWeights> weights =
      wq_model::readCheckpoint(dir);
  if (!weights)
    llvm::consumeError(weights.takeError());
  return 0;
}
