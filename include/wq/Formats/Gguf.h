//===- Gguf.h - Reading llama.cpp's GGUF files ------------------*- C++ -*-===//
//
// GGUF (versions 2 and 3): a header (magic "GGUF", version, tensor count,
// metadata count), typed key/value metadata (every GGUF value type,
// including nested arrays), a tensor table (name, dimensions with ne[0] the
// fastest-varying, ggml type, offset into the data section), padding to
// `general.alignment` (default 32) and the tensor data. Files are
// memory-mapped; the whole header and every tensor's offset, size, type and
// shape are validated against the file before anything is used, and counts
// are checked against the file size before anything is allocated.
//
// Dequantization follows ggml's block layouts exactly (ggml-common.h,
// ggml-quants.c): F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K,
// Q6_K, with ggml's f32 arithmetic in ggml's order (results are bit-identical
// to ggml's dequantize_row_* built without FMA contraction). Tensors of other
// known ggml types (Q2_K, Q3_K, Q8_K, IQ*, TQ*, MXFP4, I8..I64, F64, ...) are
// accepted by open() (their sizes are known) and dequantize() fails on them;
// an unknown type number is an error at open().
//
// Limits (each an error naming the file and the key or tensor): 1..4
// dimensions, every dimension > 0, at most 2^62 elements per tensor, arrays
// nested at most kGgufMaxArrayDepth deep, at most kGgufMaxMetadataElements
// array elements in all the metadata.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_FORMATS_GGUF_H
#define WQ_FORMATS_GGUF_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wq_formats {

/// ggml tensor types (the numbering of ggml.h's enum ggml_type).
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

/// "F32", "Q4_K", ...; "type N" for numbers this reader does not know.
std::string ggmlTypeName(uint32_t type);
/// Elements per block and bytes per block of a type wq can dequantize;
/// false for any other type.
bool ggmlBlockInfo(uint32_t type, int64_t &blockElements, int64_t &blockBytes);
/// Elements per block and bytes per block of any ggml type this reader knows
/// the layout of (a superset of ggmlBlockInfo's); false for unknown numbers.
bool ggmlTypeLayout(uint32_t type, int64_t &blockElements, int64_t &blockBytes);

/// Deepest nesting of metadata arrays accepted (an array of arrays is 2).
constexpr int kGgufMaxArrayDepth = 8;
/// Most array elements (all arrays of all keys together) accepted: each is a
/// GgufValue in memory, so this bounds the metadata's memory.
constexpr uint64_t kGgufMaxMetadataElements = uint64_t(1) << 24;

/// GGUF metadata value types (gguf.h's enum gguf_type).
enum class GgufValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};

/// "u8", "i32", "f32", "bool", "string", "array", ... (the names of
/// gguf.h's gguf_type_name); "unknown type" for other numbers.
const char *ggufValueTypeName(GgufValueType type);

/// One metadata value. Scalars are widened (integers to int64/uint64, floats
/// to double); arrays keep their element type and may nest.
struct GgufValue {
  GgufValueType type = GgufValueType::U8;
  uint64_t unsignedValue = 0; // U8..U64, Bool
  int64_t signedValue = 0;    // I8..I64
  double floatValue = 0;      // F32, F64
  std::string stringValue;    // String
  GgufValueType elementType = GgufValueType::U8; // Array
  std::vector<GgufValue> elements;               // Array

  bool isInteger() const;
  bool isFloat() const {
    return type == GgufValueType::F32 || type == GgufValueType::F64;
  }
  /// The value as int64 if it is an integer type that fits.
  std::optional<int64_t> asInteger() const;
  /// The value as double if it is an integer or float type.
  std::optional<double> asNumber() const;
};

struct GgufTensorInfo {
  std::string name;
  /// ggml order: dims[0] varies fastest (a [rows, cols] matrix has
  /// dims = {cols, rows}).
  std::vector<int64_t> dims;
  uint32_t type = 0;
  /// Offset from the start of the data section and size in bytes.
  uint64_t offset = 0, bytes = 0;
  /// The tensor's bytes in the mapped file.
  llvm::ArrayRef<uint8_t> data;

  int64_t numElements() const;
  /// Elements along dims[0], the length of one row in memory.
  int64_t rowElements() const { return dims.empty() ? 0 : dims[0]; }
  /// Row-major shape (dims reversed): {rows, cols} for a matrix.
  std::vector<int64_t> shape() const;
};

class GgufFile {
public:
  /// Maps and validates `path`. Errors name the file and the key or tensor
  /// that is wrong.
  static llvm::Expected<GgufFile> open(llvm::StringRef path);

  llvm::StringRef path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  /// Bytes of the file (header + data).
  uint64_t fileSize() const;
  /// Where the data section starts in the file (the end of the tensor table
  /// rounded up to the alignment); tensor offsets are relative to it.
  uint64_t dataOffset() const { return dataOffset_; }

  /// Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>> &metadata() const {
    return metadata_;
  }
  const GgufValue *find(llvm::StringRef key) const;

  /// Typed look-ups; the error names the file and the key (missing, or of
  /// another type).
  llvm::Expected<std::string> getString(llvm::StringRef key) const;
  llvm::Expected<int64_t> getInteger(llvm::StringRef key) const;
  llvm::Expected<double> getNumber(llvm::StringRef key) const;
  llvm::Expected<bool> getBool(llvm::StringRef key) const;
  llvm::Expected<std::vector<std::string>>
  getStringArray(llvm::StringRef key) const;
  llvm::Expected<std::vector<int64_t>>
  getIntegerArray(llvm::StringRef key) const;
  llvm::Expected<std::vector<double>> getNumberArray(llvm::StringRef key) const;

  /// Tensors in the order of the tensor table.
  const std::vector<GgufTensorInfo> &tensors() const { return tensors_; }
  const GgufTensorInfo *findTensor(llvm::StringRef name) const;

  /// The tensor's values as f32, row-major (numElements() floats). Fails
  /// (naming the tensor) for types wq cannot dequantize.
  llvm::Expected<std::vector<float>>
  dequantize(const GgufTensorInfo &tensor) const;

private:
  std::string path_;
  std::unique_ptr<llvm::MemoryBuffer> buffer_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t dataOffset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::map<std::string, size_t, std::less<>> metadataIndex_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensorIndex_;
};

/// Dequantizes `count` elements (a multiple of the type's block size) of
/// type `type` from `data` (count / blockElements * blockBytes bytes) into
/// `out`. Returns an error message for unsupported types or a count that is
/// not a whole number of blocks.
std::optional<std::string> dequantizeGgml(uint32_t type, const uint8_t *data,
                                          int64_t count, float *out);

//===----------------------------------------------------------------------===//
// Raw fields of the 32-element blocks, for importers that keep the integers
// (no round trip through floats). `block` points at one block of the given
// type (kGgmlQ4_0BlockBytes ... bytes, no alignment needed). q[] is returned
// in ELEMENT order: q[j] belongs to element j of the block (ggml stores
// element j in the low nibble of byte j and element j + 16 in the high
// nibble of byte j for Q4_0/Q4_1). The scale fields are returned both as
// their f16 bits (little-endian in the file) and as the f32 ggml computes
// with. Values, exactly as dequantizeGgml computes them (f32):
//   Q4_0  w[j] = (q[j] - 8) * d        q in 0..15
//   Q4_1  w[j] = q[j] * d + m          q in 0..15
//   Q8_0  w[j] = q[j] * d              q in -128..127
//===----------------------------------------------------------------------===//

constexpr int64_t kGgmlBlock32 = 32;
constexpr int64_t kGgmlQ4_0BlockBytes = 18; // f16 d, 16 bytes of nibbles
constexpr int64_t kGgmlQ4_1BlockBytes = 20; // f16 d, f16 m, 16 bytes
constexpr int64_t kGgmlQ8_0BlockBytes = 34; // f16 d, 32 int8

void decodeQ4_0Block(const uint8_t *block, float &d, uint8_t q[32],
                     uint16_t *dBits = nullptr);
void decodeQ4_1Block(const uint8_t *block, float &d, float &m, uint8_t q[32],
                     uint16_t *dBits = nullptr, uint16_t *mBits = nullptr);
void decodeQ8_0Block(const uint8_t *block, float &d, int8_t q[32],
                     uint16_t *dBits = nullptr);

} // namespace wq_formats

#endif // WQ_FORMATS_GGUF_H
