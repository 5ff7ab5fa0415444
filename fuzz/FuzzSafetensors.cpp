//===- FuzzSafetensors.cpp - safetensors files ----------------------------===//
//
// The header (JSON, offsets, dtypes, shapes, overlaps) and every tensor read
// as floats, as wq-quantize and the Hugging Face import read them.
//
//===----------------------------------------------------------------------===//

#include "FuzzInput.h"

#include "wq/Formats/Safetensors.h"

#include "llvm/Support/Error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = wq_fuzz::writeInput(data, size, ".safetensors");
  llvm::Expected<wq_formats::SafetensorsFile> file =
      wq_formats::SafetensorsFile::open(path);
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  for (const wq_formats::TensorView &tensor : file->tensors()) {
    llvm::Expected<std::vector<float>> values = file->readFloats(tensor);
    if (!values)
      llvm::consumeError(values.takeError());
  }
  return 0;
}
