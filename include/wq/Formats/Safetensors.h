//===- Safetensors.h - Reading and writing .safetensors files ---*- C++ -*-===//
//
// The safetensors format: an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {string: string}}, then the tensor bytes. Files are memory-mapped for
// reading and validated completely (sizes, offsets, overlaps) before use;
// writes are atomic (temporary file + rename).
//
//===----------------------------------------------------------------------===//

#ifndef WQ_FORMATS_SAFETENSORS_H
#define WQ_FORMATS_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wq_formats {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL };

/// "F32", "BF16", ...; parse returns false for unknown names.
const char *dtypeName(DType dtype);
bool parseDType(llvm::StringRef name, DType &dtype);
int64_t dtypeBytes(DType dtype);

struct TensorView {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  llvm::ArrayRef<uint8_t> data; // Points into the mapped file.
  int64_t numElements() const;
};

class SafetensorsFile {
public:
  /// Maps and validates `path`. Errors name the file and what is wrong.
  static llvm::Expected<SafetensorsFile> open(llvm::StringRef path);

  llvm::StringRef path() const { return path_; }
  /// Tensors in file order of their data.
  const std::vector<TensorView> &tensors() const { return tensors_; }
  const TensorView *find(llvm::StringRef name) const;
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }

  /// Reads a float tensor (F32, F16, BF16, F64) as f32.
  llvm::Expected<std::vector<float>> readFloats(const TensorView &t) const;
  /// Drops the mapped pages of `t`'s bytes from the process (they are read
  /// again from the file if touched): a reader going through a large file
  /// tensor by tensor keeps its resident memory to what it holds.
  void releasePages(const TensorView &t) const;

private:
  std::string path_;
  std::unique_ptr<llvm::MemoryBuffer> buffer_;
  std::vector<TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

class SafetensorsWriter {
public:
  void add(std::string name, DType dtype, std::vector<int64_t> shape,
           std::vector<uint8_t> bytes);
  /// Like add, without a copy: `bytes` must stay alive until write.
  void addView(std::string name, DType dtype, std::vector<int64_t> shape,
               llvm::ArrayRef<uint8_t> bytes);
  void addFloats(std::string name, std::vector<int64_t> shape,
                 const std::vector<float> &values);
  void addInt32(std::string name, std::vector<int64_t> shape,
                const std::vector<int32_t> &values);
  void setMetadata(std::string key, std::string value);
  /// Writes atomically (writeFileAtomically): nothing appears at `path`
  /// unless all of it does.
  llvm::Error write(llvm::StringRef path) const;

private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> owned;
    std::optional<llvm::ArrayRef<uint8_t>> view; // the caller's (addView)
    llvm::ArrayRef<uint8_t> bytes() const {
      return view ? *view : llvm::ArrayRef<uint8_t>(owned);
    }
  };
  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

/// Writes `text` to `path` atomically.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef text);
/// Writes what `write` streams to `path` atomically: a temporary file beside
/// it, renamed over it once complete (no buffer of the whole file).
llvm::Error
writeFileAtomically(llvm::StringRef path,
                    llvm::function_ref<void(llvm::raw_ostream &)> write);

} // namespace wq_formats

#endif // WQ_FORMATS_SAFETENSORS_H
