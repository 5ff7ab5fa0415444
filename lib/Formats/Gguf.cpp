//===- Gguf.cpp - Reading llama.cpp's GGUF files --------------------------===//
//
// Parsing: every read goes through Cursor, which checks the bytes left before
// touching them; every count read from the file is checked against the bytes
// left (times the smallest encoding of one item) before anything is reserved.
//
// Dequantization: the block structs of ggml-common.h read field by field
// (little-endian, no alignment assumed) and the arithmetic of ggml-quants.c's
// dequantize_row_* written the same way, in f32, in the same order. This file
// is compiled with -ffp-contract=off (lib/Formats/CMakeLists.txt) so that
// `d * q - m` stays a multiply and a subtract on targets with FMA.
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Gguf.h"
#include "wq/Numerics/Numerics.h"

#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <cstring>
#include <limits>

using namespace llvm;

namespace wq_formats {

namespace {

Error fileError(StringRef path, const Twine &message) {
  return createStringError(inconvertibleErrorCode(), path + ": " + message);
}

struct TypeInfo {
  uint32_t type;
  const char *name;
  int64_t blockElements;
  int64_t blockBytes;
  bool dequantizable;
};

// Sizes from ggml-common.h's block structs (QK_K = 256).
const TypeInfo kTypes[] = {
    {0, "F32", 1, 4, true},          {1, "F16", 1, 2, true},
    {2, "Q4_0", 32, 18, true},       {3, "Q4_1", 32, 20, true},
    {6, "Q5_0", 32, 22, true},       {7, "Q5_1", 32, 24, true},
    {8, "Q8_0", 32, 34, true},       {9, "Q8_1", 32, 36, false},
    {10, "Q2_K", 256, 84, false},    {11, "Q3_K", 256, 110, false},
    {12, "Q4_K", 256, 144, true},    {13, "Q5_K", 256, 176, true},
    {14, "Q6_K", 256, 210, true},    {15, "Q8_K", 256, 292, false},
    {16, "IQ2_XXS", 256, 66, false}, {17, "IQ2_XS", 256, 74, false},
    {18, "IQ3_XXS", 256, 98, false}, {19, "IQ1_S", 256, 50, false},
    {20, "IQ4_NL", 32, 18, false},   {21, "IQ3_S", 256, 110, false},
    {22, "IQ2_S", 256, 82, false},   {23, "IQ4_XS", 256, 136, false},
    {24, "I8", 1, 1, false},         {25, "I16", 1, 2, false},
    {26, "I32", 1, 4, false},        {27, "I64", 1, 8, false},
    {28, "F64", 1, 8, false},        {29, "IQ1_M", 256, 56, false},
    {30, "BF16", 1, 2, true},        {34, "TQ1_0", 256, 54, false},
    {35, "TQ2_0", 256, 66, false},   {39, "MXFP4", 32, 17, false},
};

const TypeInfo *findType(uint32_t type) {
  for (const TypeInfo &info : kTypes)
    if (info.type == type)
      return &info;
  return nullptr;
}

/// Bytes of one value of a scalar type; 0 for string/array/unknown.
uint64_t scalarBytes(GgufValueType type) {
  switch (type) {
  case GgufValueType::U8:
  case GgufValueType::I8:
  case GgufValueType::Bool:
    return 1;
  case GgufValueType::U16:
  case GgufValueType::I16:
    return 2;
  case GgufValueType::U32:
  case GgufValueType::I32:
  case GgufValueType::F32:
    return 4;
  case GgufValueType::U64:
  case GgufValueType::I64:
  case GgufValueType::F64:
    return 8;
  default:
    return 0;
  }
}

bool knownValueType(uint32_t type) { return type <= 12; }

/// The fewest bytes one value of `type` occupies in the file.
uint64_t minEncodedBytes(GgufValueType type) {
  if (type == GgufValueType::String)
    return 8; // length
  if (type == GgufValueType::Array)
    return 12; // element type + length
  return scalarBytes(type);
}

uint16_t le16(const uint8_t *p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t *p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
         (uint32_t(p[3]) << 24);
}
uint64_t le64(const uint8_t *p) {
  return uint64_t(le32(p)) | (uint64_t(le32(p + 4)) << 32);
}
float f16(const uint8_t *p) { return wq_numerics::halfBitsToFloat(le16(p)); }

/// Bounds-checked little-endian reads over the mapped file.
class Cursor {
public:
  Cursor(StringRef path, const uint8_t *base, uint64_t size)
      : path_(path), base_(base), size_(size) {}

  uint64_t pos() const { return pos_; }
  uint64_t left() const { return size_ - pos_; }
  const uint8_t *here() const { return base_ + pos_; }

  /// Fails unless `n` more bytes are in the file.
  Error need(uint64_t n, const Twine &what) const {
    if (n <= left())
      return Error::success();
    return fileError(path_, "truncated: " + what + " at byte " + Twine(pos_) +
                                " needs " + Twine(n) + " bytes, the file has " +
                                Twine(left()) + " left (" + Twine(size_) +
                                " bytes in all)");
  }
  Error u32(uint32_t &value, const Twine &what) {
    if (Error e = need(4, what))
      return e;
    value = le32(here());
    pos_ += 4;
    return Error::success();
  }
  Error u64(uint64_t &value, const Twine &what) {
    if (Error e = need(8, what))
      return e;
    value = le64(here());
    pos_ += 8;
    return Error::success();
  }
  /// A gguf_string: u64 length, then the bytes (checked before copying).
  Error string(std::string &value, const Twine &what) {
    uint64_t length = 0;
    if (Error e = u64(length, what + " (string length)"))
      return e;
    if (length > left())
      return fileError(path_, what + ": string of " + Twine(length) +
                                  " bytes at byte " + Twine(pos_) +
                                  " exceeds the file (" + Twine(left()) +
                                  " bytes left): truncated or corrupt");
    value.assign(reinterpret_cast<const char *>(here()), size_t(length));
    pos_ += length;
    return Error::success();
  }
  void skip(uint64_t n) { pos_ += n; }

private:
  StringRef path_;
  const uint8_t *base_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

class MetadataParser {
public:
  MetadataParser(StringRef path, Cursor &cursor)
      : path_(path), cursor_(cursor) {}

  /// Reads one value of `type` (the type field already read). `depth` is the
  /// number of arrays enclosing it.
  Error value(GgufValueType type, int depth, const std::string &key,
              GgufValue &out) {
    out.type = type;
    uint64_t bytes = scalarBytes(type);
    if (bytes) {
      if (Error e = cursor_.need(bytes, "value of metadata key '" + key + "'"))
        return e;
      const uint8_t *p = cursor_.here();
      cursor_.skip(bytes);
      switch (type) {
      case GgufValueType::U8:
        out.unsignedValue = p[0];
        break;
      case GgufValueType::I8:
        out.signedValue = int8_t(p[0]);
        break;
      case GgufValueType::U16:
        out.unsignedValue = le16(p);
        break;
      case GgufValueType::I16:
        out.signedValue = int16_t(le16(p));
        break;
      case GgufValueType::U32:
        out.unsignedValue = le32(p);
        break;
      case GgufValueType::I32:
        out.signedValue = int32_t(le32(p));
        break;
      case GgufValueType::U64:
        out.unsignedValue = le64(p);
        break;
      case GgufValueType::I64:
        out.signedValue = int64_t(le64(p));
        break;
      case GgufValueType::F32: {
        uint32_t bits = le32(p);
        float f;
        std::memcpy(&f, &bits, 4);
        out.floatValue = f;
        break;
      }
      case GgufValueType::F64: {
        uint64_t bits = le64(p);
        std::memcpy(&out.floatValue, &bits, 8);
        break;
      }
      case GgufValueType::Bool:
        if (p[0] > 1)
          return fileError(path_,
                           "metadata key '" + key + "' has a bool of value " +
                               Twine(unsigned(p[0])) + " (0 or 1 expected)");
        out.unsignedValue = p[0];
        break;
      default:
        break;
      }
      return Error::success();
    }
    if (type == GgufValueType::String)
      return cursor_.string(out.stringValue,
                            "value of metadata key '" + key + "'");
    if (type != GgufValueType::Array)
      return fileError(path_, "metadata key '" + key + "' has value type " +
                                  Twine(uint32_t(type)) + " (unknown)");

    // An array: element type, count, elements.
    if (depth + 1 > kGgufMaxArrayDepth)
      return fileError(path_, "metadata key '" + key +
                                  "' nests arrays deeper than " +
                                  Twine(kGgufMaxArrayDepth) + " levels");
    uint32_t elementType = 0;
    if (Error e = cursor_.u32(elementType, "array element type of metadata "
                                           "key '" +
                                               key + "'"))
      return e;
    if (!knownValueType(elementType))
      return fileError(path_, "metadata key '" + key +
                                  "' is an array of value type " +
                                  Twine(elementType) + " (unknown)");
    out.elementType = GgufValueType(elementType);
    uint64_t count = 0;
    if (Error e =
            cursor_.u64(count, "array length of metadata key '" + key + "'"))
      return e;
    uint64_t minBytes = minEncodedBytes(out.elementType);
    if (count > cursor_.left() / minBytes)
      return fileError(
          path_, "metadata key '" + key + "' claims an array of " +
                     Twine(count) + " " + ggufValueTypeName(out.elementType) +
                     " elements (at least " + Twine(minBytes) +
                     " bytes each) but only " + Twine(cursor_.left()) +
                     " bytes of the file are left: truncated or corrupt");
    if (count > kGgufMaxMetadataElements - elements_)
      return fileError(path_, "metadata key '" + key +
                                  "' brings the metadata past " +
                                  Twine(kGgufMaxMetadataElements) +
                                  " array elements in all");
    elements_ += count;
    out.elements.resize(size_t(count));
    for (GgufValue &element : out.elements)
      if (Error e = value(out.elementType, depth + 1, key, element))
        return e;
    return Error::success();
  }

private:
  StringRef path_;
  Cursor &cursor_;
  uint64_t elements_ = 0;
};

std::string hexOrText(StringRef magic) {
  std::string out;
  for (char c : magic) {
    if (c >= 0x20 && c < 0x7f)
      out.push_back(c);
    else
      out += "\\x" + utohexstr(uint8_t(c), /*LowerCase=*/true, /*Width=*/2);
  }
  return out;
}

//===- Dequantization kernels (ggml-quants.c's dequantize_row_*) ----------===//

constexpr int QK_K = 256;

void dequantizeQ4_0(const uint8_t *x, float *y, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i, x += 18, y += 32) {
    const float d = f16(x);
    const uint8_t *qs = x + 2;
    for (int j = 0; j < 16; ++j) {
      const int x0 = (qs[j] & 0x0F) - 8;
      const int x1 = (qs[j] >> 4) - 8;
      y[j] = x0 * d;
      y[j + 16] = x1 * d;
    }
  }
}

void dequantizeQ4_1(const uint8_t *x, float *y, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i, x += 20, y += 32) {
    const float d = f16(x);
    const float m = f16(x + 2);
    const uint8_t *qs = x + 4;
    for (int j = 0; j < 16; ++j) {
      const int x0 = qs[j] & 0x0F;
      const int x1 = qs[j] >> 4;
      y[j] = x0 * d + m;
      y[j + 16] = x1 * d + m;
    }
  }
}

void dequantizeQ5_0(const uint8_t *x, float *y, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i, x += 22, y += 32) {
    const float d = f16(x);
    const uint32_t qh = le32(x + 2);
    const uint8_t *qs = x + 6;
    for (int j = 0; j < 16; ++j) {
      const uint8_t xh0 = ((qh >> (j + 0)) << 4) & 0x10;
      const uint8_t xh1 = ((qh >> (j + 12))) & 0x10;
      const int32_t x0 = ((qs[j] & 0x0F) | xh0) - 16;
      const int32_t x1 = ((qs[j] >> 4) | xh1) - 16;
      y[j] = x0 * d;
      y[j + 16] = x1 * d;
    }
  }
}

void dequantizeQ5_1(const uint8_t *x, float *y, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i, x += 24, y += 32) {
    const float d = f16(x);
    const float m = f16(x + 2);
    const uint32_t qh = le32(x + 4);
    const uint8_t *qs = x + 8;
    for (int j = 0; j < 16; ++j) {
      const uint8_t xh0 = ((qh >> (j + 0)) << 4) & 0x10;
      const uint8_t xh1 = ((qh >> (j + 12))) & 0x10;
      const int x0 = (qs[j] & 0x0F) | xh0;
      const int x1 = (qs[j] >> 4) | xh1;
      y[j] = x0 * d + m;
      y[j + 16] = x1 * d + m;
    }
  }
}

void dequantizeQ8_0(const uint8_t *x, float *y, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i, x += 34, y += 32) {
    const float d = f16(x);
    for (int j = 0; j < 32; ++j)
      y[j] = int8_t(x[2 + j]) * d;
  }
}

// ggml-quants.c's get_scale_min_k4: 6-bit scale and min j of 8.
void scaleMinK4(int j, const uint8_t *q, uint8_t &d, uint8_t &m) {
  if (j < 4) {
    d = q[j] & 63;
    m = q[j + 4] & 63;
  } else {
    d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    m = (q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4);
  }
}

// block_q4_K: f16 d, f16 dmin, scales[12], qs[128].
void dequantizeQ4_K(const uint8_t *x, float *y, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i, x += 144) {
    const float d = f16(x);
    const float min = f16(x + 2);
    const uint8_t *scales = x + 4;
    const uint8_t *q = x + 16;
    int is = 0;
    uint8_t sc, m;
    for (int j = 0; j < QK_K; j += 64) {
      scaleMinK4(is + 0, scales, sc, m);
      const float d1 = d * sc;
      const float m1 = min * m;
      scaleMinK4(is + 1, scales, sc, m);
      const float d2 = d * sc;
      const float m2 = min * m;
      for (int l = 0; l < 32; ++l)
        *y++ = d1 * (q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l)
        *y++ = d2 * (q[l] >> 4) - m2;
      q += 32;
      is += 2;
    }
  }
}

// block_q5_K: f16 d, f16 dmin, scales[12], qh[32], qs[128].
void dequantizeQ5_K(const uint8_t *x, float *y, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i, x += 176) {
    const float d = f16(x);
    const float min = f16(x + 2);
    const uint8_t *scales = x + 4;
    const uint8_t *qh = x + 16;
    const uint8_t *ql = x + 48;
    int is = 0;
    uint8_t sc, m;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0; j < QK_K; j += 64) {
      scaleMinK4(is + 0, scales, sc, m);
      const float d1 = d * sc;
      const float m1 = min * m;
      scaleMinK4(is + 1, scales, sc, m);
      const float d2 = d * sc;
      const float m2 = min * m;
      for (int l = 0; l < 32; ++l)
        *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l)
        *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
      ql += 32;
      is += 2;
      u1 <<= 2;
      u2 <<= 2;
    }
  }
}

// block_q6_K: ql[128], qh[64], int8 scales[16], f16 d.
void dequantizeQ6_K(const uint8_t *x, float *y, int64_t blocks) {
  for (int64_t i = 0; i < blocks; ++i, x += 210) {
    const float d = f16(x + 208);
    const uint8_t *ql = x;
    const uint8_t *qh = x + 128;
    const int8_t *sc = reinterpret_cast<const int8_t *>(x + 192);
    for (int n = 0; n < QK_K; n += 128) {
      for (int l = 0; l < 32; ++l) {
        int is = l / 16;
        const int8_t q1 =
            (int8_t)((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int8_t q2 =
            (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int8_t q3 =
            (int8_t)((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int8_t q4 =
            (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l + 0] = d * sc[is + 0] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}

} // namespace

//===----------------------------------------------------------------------===//

std::string ggmlTypeName(uint32_t type) {
  if (const TypeInfo *info = findType(type))
    return info->name;
  return "type " + std::to_string(type);
}

bool ggmlBlockInfo(uint32_t type, int64_t &blockElements, int64_t &blockBytes) {
  const TypeInfo *info = findType(type);
  if (!info || !info->dequantizable)
    return false;
  blockElements = info->blockElements;
  blockBytes = info->blockBytes;
  return true;
}

bool ggmlTypeLayout(uint32_t type, int64_t &blockElements,
                    int64_t &blockBytes) {
  const TypeInfo *info = findType(type);
  if (!info)
    return false;
  blockElements = info->blockElements;
  blockBytes = info->blockBytes;
  return true;
}

const char *ggufValueTypeName(GgufValueType type) {
  static const char *const names[] = {"u8",  "i8",  "u16",  "i16",    "u32",
                                      "i32", "f32", "bool", "string", "array",
                                      "u64", "i64", "f64"};
  uint32_t index = uint32_t(type);
  return index < 13 ? names[index] : "unknown type";
}

bool GgufValue::isInteger() const {
  switch (type) {
  case GgufValueType::U8:
  case GgufValueType::I8:
  case GgufValueType::U16:
  case GgufValueType::I16:
  case GgufValueType::U32:
  case GgufValueType::I32:
  case GgufValueType::U64:
  case GgufValueType::I64:
    return true;
  default:
    return false;
  }
}

static bool isSignedType(GgufValueType type) {
  return type == GgufValueType::I8 || type == GgufValueType::I16 ||
         type == GgufValueType::I32 || type == GgufValueType::I64;
}

std::optional<int64_t> GgufValue::asInteger() const {
  if (!isInteger())
    return std::nullopt;
  if (isSignedType(type))
    return signedValue;
  if (unsignedValue > uint64_t(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return int64_t(unsignedValue);
}

std::optional<double> GgufValue::asNumber() const {
  if (isFloat())
    return floatValue;
  if (!isInteger())
    return std::nullopt;
  return isSignedType(type) ? double(signedValue) : double(unsignedValue);
}

int64_t GgufTensorInfo::numElements() const {
  int64_t count = 1;
  for (int64_t d : dims)
    count *= d;
  return count;
}

std::vector<int64_t> GgufTensorInfo::shape() const {
  return std::vector<int64_t>(dims.rbegin(), dims.rend());
}

uint64_t GgufFile::fileSize() const {
  return buffer_ ? buffer_->getBufferSize() : 0;
}

Expected<GgufFile> GgufFile::open(StringRef path) {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false,
                                      /*IsVolatile=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  GgufFile file;
  file.path_ = path.str();
  file.buffer_ = std::move(*buffer);
  const uint8_t *base =
      reinterpret_cast<const uint8_t *>(file.buffer_->getBufferStart());
  const uint64_t size = file.buffer_->getBufferSize();
  Cursor cursor(path, base, size);

  // Header: magic, version, tensor count, metadata count.
  if (size < 4)
    return fileError(path, "truncated: " + Twine(size) +
                               " bytes, not even the 4-byte magic 'GGUF'");
  StringRef magic(reinterpret_cast<const char *>(base), 4);
  if (magic != "GGUF")
    return fileError(path, "not a GGUF file: magic is '" + hexOrText(magic) +
                               "', expected 'GGUF'");
  cursor.skip(4);
  uint32_t version = 0;
  if (Error e = cursor.u32(version, "the version"))
    return std::move(e);
  if (version == 1)
    return fileError(path, "GGUF version 1 is not supported (only versions 2 "
                           "and 3; re-convert the model with a current "
                           "llama.cpp)");
  if (version != 2 && version != 3) {
    bool swapped = (version & 0xFFFF) == 0 && (version >> 16) != 0;
    return fileError(path, "GGUF version " + Twine(version) +
                               " is not supported (only versions 2 and 3)" +
                               (swapped ? "; the file looks big-endian, only "
                                          "little-endian files are read"
                                        : ""));
  }
  file.version_ = version;
  uint64_t tensorCount = 0, kvCount = 0;
  if (Error e = cursor.u64(tensorCount, "the tensor count"))
    return std::move(e);
  if (Error e = cursor.u64(kvCount, "the metadata count"))
    return std::move(e);
  // Each metadata entry takes >= 13 bytes (key length, type, a u8), each
  // tensor entry >= 32 (name length, n_dims, one dim, type, offset).
  if (kvCount > cursor.left() / 13)
    return fileError(path, "the header claims " + Twine(kvCount) +
                               " metadata entries but the file (" +
                               Twine(size) + " bytes) has room for at most " +
                               Twine(cursor.left() / 13) +
                               ": truncated or corrupt");
  if (tensorCount > cursor.left() / 32)
    return fileError(path, "the header claims " + Twine(tensorCount) +
                               " tensors but the file (" + Twine(size) +
                               " bytes) has room for at most " +
                               Twine(cursor.left() / 32) +
                               ": truncated or corrupt");

  // Metadata.
  MetadataParser parser(path, cursor);
  file.metadata_.reserve(size_t(kvCount));
  for (uint64_t i = 0; i < kvCount; ++i) {
    std::string key;
    if (Error e = cursor.string(key, "the key of metadata entry " + Twine(i)))
      return std::move(e);
    uint32_t type = 0;
    if (Error e =
            cursor.u32(type, "the value type of metadata key '" + key + "'"))
      return std::move(e);
    if (!knownValueType(type))
      return fileError(path, "metadata key '" + key + "' has value type " +
                                 Twine(type) + " (unknown)");
    GgufValue value;
    if (Error e = parser.value(GgufValueType(type), 0, key, value))
      return std::move(e);
    if (!file.metadataIndex_.emplace(key, file.metadata_.size()).second)
      return fileError(path, "duplicate metadata key '" + key + "'");
    file.metadata_.emplace_back(std::move(key), std::move(value));
  }

  if (const GgufValue *alignment = file.find("general.alignment")) {
    std::optional<int64_t> a = alignment->asInteger();
    if (!a)
      return fileError(path, "metadata key 'general.alignment' is a " +
                                 Twine(ggufValueTypeName(alignment->type)) +
                                 ", not an integer");
    if (*a <= 0 || (*a & (*a - 1)) != 0)
      return fileError(path, "metadata key 'general.alignment' is " +
                                 Twine(*a) +
                                 ": it must be a non-zero power of two");
    file.alignment_ = uint64_t(*a);
  }

  // Tensor table.
  if (tensorCount > cursor.left() / 32)
    return fileError(path, "the header claims " + Twine(tensorCount) +
                               " tensors but only " + Twine(cursor.left()) +
                               " bytes are left after the metadata: "
                               "truncated or corrupt");
  file.tensors_.reserve(size_t(tensorCount));
  for (uint64_t i = 0; i < tensorCount; ++i) {
    GgufTensorInfo tensor;
    if (Error e = cursor.string(tensor.name, "the name of tensor " + Twine(i)))
      return std::move(e);
    const std::string &name = tensor.name;
    uint32_t nDims = 0;
    if (Error e =
            cursor.u32(nDims, "the dimension count of tensor '" + name + "'"))
      return std::move(e);
    if (nDims < 1 || nDims > 4)
      return fileError(path, "tensor '" + name + "' has " + Twine(nDims) +
                                 " dimensions (1 to 4 allowed)");
    uint64_t elements = 1;
    for (uint32_t d = 0; d < nDims; ++d) {
      uint64_t dim = 0;
      if (Error e = cursor.u64(dim, "dimension " + Twine(d) + " of tensor '" +
                                        name + "'"))
        return std::move(e);
      if (dim == 0 || dim > uint64_t(std::numeric_limits<int64_t>::max()))
        return fileError(path, "tensor '" + name + "' has dimension " +
                                   Twine(d) + " = " + Twine(dim) +
                                   " (must be > 0)");
      if (elements > (uint64_t(1) << 62) / dim)
        return fileError(path,
                         "tensor '" + name + "' has more than 2^62 elements");
      elements *= dim;
      tensor.dims.push_back(int64_t(dim));
    }
    if (Error e = cursor.u32(tensor.type, "the type of tensor '" + name + "'"))
      return std::move(e);
    if (Error e =
            cursor.u64(tensor.offset, "the offset of tensor '" + name + "'"))
      return std::move(e);
    const TypeInfo *info = findType(tensor.type);
    if (!info)
      return fileError(path, "tensor '" + name + "' has ggml type " +
                                 Twine(tensor.type) + " (unknown)");
    if (tensor.dims[0] % info->blockElements != 0)
      return fileError(
          path, "tensor '" + name + "' has " + Twine(tensor.dims[0]) +
                    " elements per row (dims[0]), not a multiple "
                    "of the " +
                    info->name + " block size " + Twine(info->blockElements));
    uint64_t blocks = elements / uint64_t(info->blockElements);
    if (blocks >
        std::numeric_limits<uint64_t>::max() / uint64_t(info->blockBytes))
      return fileError(path, "tensor '" + name + "' is impossibly large");
    tensor.bytes = blocks * uint64_t(info->blockBytes);
    if (tensor.offset % file.alignment_ != 0)
      return fileError(path, "tensor '" + name + "' has offset " +
                                 Twine(tensor.offset) +
                                 ", not a multiple of the alignment " +
                                 Twine(file.alignment_));
    if (!file.tensorIndex_.emplace(name, file.tensors_.size()).second)
      return fileError(path, "duplicate tensor name '" + name + "'");
    file.tensors_.push_back(std::move(tensor));
  }

  // Data section: the end of the tensor table rounded up to the alignment.
  uint64_t tableEnd = cursor.pos();
  uint64_t padding =
      (file.alignment_ - tableEnd % file.alignment_) % file.alignment_;
  uint64_t dataOffset =
      padding > std::numeric_limits<uint64_t>::max() - tableEnd
          ? std::numeric_limits<uint64_t>::max()
          : tableEnd + padding;
  file.dataOffset_ = dataOffset;
  uint64_t dataSize = dataOffset <= size ? size - dataOffset : 0;
  std::vector<size_t> order;
  order.reserve(file.tensors_.size());
  for (size_t i = 0; i < file.tensors_.size(); ++i) {
    GgufTensorInfo &tensor = file.tensors_[i];
    if (tensor.offset > dataSize || tensor.bytes > dataSize - tensor.offset)
      return fileError(path,
                       "tensor '" + tensor.name + "' (" + Twine(tensor.bytes) +
                           " bytes of " + ggmlTypeName(tensor.type) +
                           " at data offset " + Twine(tensor.offset) +
                           ") extends past the end of the data section (" +
                           Twine(dataSize) + " bytes from file byte " +
                           Twine(dataOffset) +
                           "): the file is truncated or the "
                           "offset is wrong");
    tensor.data = ArrayRef<uint8_t>(base + dataOffset + tensor.offset,
                                    size_t(tensor.bytes));
    order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return file.tensors_[a].offset < file.tensors_[b].offset;
  });
  for (size_t i = 1; i < order.size(); ++i) {
    const GgufTensorInfo &prev = file.tensors_[order[i - 1]];
    const GgufTensorInfo &next = file.tensors_[order[i]];
    if (next.offset < prev.offset + prev.bytes)
      return fileError(path, "tensors '" + prev.name + "' (data bytes " +
                                 Twine(prev.offset) + ".." +
                                 Twine(prev.offset + prev.bytes) + ") and '" +
                                 next.name + "' (from " + Twine(next.offset) +
                                 ") overlap");
  }
  return std::move(file);
}

const GgufValue *GgufFile::find(StringRef key) const {
  auto it = metadataIndex_.find(key);
  return it == metadataIndex_.end() ? nullptr : &metadata_[it->second].second;
}

namespace {
Error missingKey(StringRef path, StringRef key) {
  return fileError(path, "metadata key '" + key + "' is missing");
}
Error wrongType(StringRef path, StringRef key, const GgufValue &value,
                const Twine &expected) {
  std::string actual = ggufValueTypeName(value.type);
  if (value.type == GgufValueType::Array)
    actual += std::string(" of ") + ggufValueTypeName(value.elementType);
  return fileError(path, "metadata key '" + key + "' is " + actual + ", not " +
                             expected);
}
} // namespace

Expected<std::string> GgufFile::getString(StringRef key) const {
  const GgufValue *value = find(key);
  if (!value)
    return missingKey(path_, key);
  if (value->type != GgufValueType::String)
    return wrongType(path_, key, *value, "string");
  return value->stringValue;
}

Expected<int64_t> GgufFile::getInteger(StringRef key) const {
  const GgufValue *value = find(key);
  if (!value)
    return missingKey(path_, key);
  if (!value->isInteger())
    return wrongType(path_, key, *value, "an integer");
  std::optional<int64_t> result = value->asInteger();
  if (!result)
    return fileError(path_, "metadata key '" + key + "' is " +
                                Twine(value->unsignedValue) +
                                ", too large for int64");
  return *result;
}

Expected<double> GgufFile::getNumber(StringRef key) const {
  const GgufValue *value = find(key);
  if (!value)
    return missingKey(path_, key);
  std::optional<double> result = value->asNumber();
  if (!result)
    return wrongType(path_, key, *value, "a number");
  return *result;
}

Expected<bool> GgufFile::getBool(StringRef key) const {
  const GgufValue *value = find(key);
  if (!value)
    return missingKey(path_, key);
  if (value->type != GgufValueType::Bool)
    return wrongType(path_, key, *value, "bool");
  return value->unsignedValue != 0;
}

Expected<std::vector<std::string>>
GgufFile::getStringArray(StringRef key) const {
  const GgufValue *value = find(key);
  if (!value)
    return missingKey(path_, key);
  if (value->type != GgufValueType::Array ||
      value->elementType != GgufValueType::String)
    return wrongType(path_, key, *value, "an array of strings");
  std::vector<std::string> result;
  result.reserve(value->elements.size());
  for (const GgufValue &element : value->elements)
    result.push_back(element.stringValue);
  return result;
}

Expected<std::vector<int64_t>> GgufFile::getIntegerArray(StringRef key) const {
  const GgufValue *value = find(key);
  if (!value)
    return missingKey(path_, key);
  GgufValue probe;
  probe.type = value->elementType;
  if (value->type != GgufValueType::Array || !probe.isInteger())
    return wrongType(path_, key, *value, "an array of integers");
  std::vector<int64_t> result;
  result.reserve(value->elements.size());
  for (size_t i = 0; i < value->elements.size(); ++i) {
    std::optional<int64_t> element = value->elements[i].asInteger();
    if (!element)
      return fileError(path_, "metadata key '" + key + "' element " + Twine(i) +
                                  " is " +
                                  Twine(value->elements[i].unsignedValue) +
                                  ", too large for int64");
    result.push_back(*element);
  }
  return result;
}

Expected<std::vector<double>> GgufFile::getNumberArray(StringRef key) const {
  const GgufValue *value = find(key);
  if (!value)
    return missingKey(path_, key);
  GgufValue probe;
  probe.type = value->elementType;
  if (value->type != GgufValueType::Array ||
      (!probe.isInteger() && !probe.isFloat()))
    return wrongType(path_, key, *value, "an array of numbers");
  std::vector<double> result;
  result.reserve(value->elements.size());
  for (const GgufValue &element : value->elements)
    result.push_back(*element.asNumber());
  return result;
}

const GgufTensorInfo *GgufFile::findTensor(StringRef name) const {
  auto it = tensorIndex_.find(name);
  return it == tensorIndex_.end() ? nullptr : &tensors_[it->second];
}

Expected<std::vector<float>>
GgufFile::dequantize(const GgufTensorInfo &tensor) const {
  int64_t blockElements = 0, blockBytes = 0;
  if (!ggmlBlockInfo(tensor.type, blockElements, blockBytes))
    return fileError(path_, "tensor '" + tensor.name + "' is of ggml type " +
                                ggmlTypeName(tensor.type) +
                                ", which wq cannot dequantize (supported: "
                                "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, "
                                "Q5_1, Q4_K, Q5_K, Q6_K)");
  int64_t count = tensor.numElements();
  if (uint64_t(count / blockElements * blockBytes) != tensor.data.size())
    return fileError(path_, "tensor '" + tensor.name +
                                "' does not belong to this file");
  std::vector<float> values(static_cast<size_t>(count));
  if (std::optional<std::string> error =
          dequantizeGgml(tensor.type, tensor.data.data(), count, values.data()))
    return fileError(path_, "tensor '" + tensor.name + "': " + *error);
  return values;
}

std::optional<std::string> dequantizeGgml(uint32_t type, const uint8_t *data,
                                          int64_t count, float *out) {
  int64_t blockElements = 0, blockBytes = 0;
  if (!ggmlBlockInfo(type, blockElements, blockBytes))
    return "cannot dequantize ggml type " + ggmlTypeName(type);
  if (count < 0 || count % blockElements != 0)
    return std::to_string(count) + " elements are not a whole number of " +
           ggmlTypeName(type) + " blocks of " + std::to_string(blockElements);
  int64_t blocks = count / blockElements;
  switch (GgmlType(type)) {
  case GgmlType::F32:
    if (count)
      std::memcpy(out, data, size_t(count) * 4);
    break;
  case GgmlType::F16:
    for (int64_t i = 0; i < count; ++i)
      out[i] = f16(data + 2 * i);
    break;
  case GgmlType::BF16:
    for (int64_t i = 0; i < count; ++i)
      out[i] = wq_numerics::bfloat16BitsToFloat(le16(data + 2 * i));
    break;
  case GgmlType::Q4_0:
    dequantizeQ4_0(data, out, blocks);
    break;
  case GgmlType::Q4_1:
    dequantizeQ4_1(data, out, blocks);
    break;
  case GgmlType::Q5_0:
    dequantizeQ5_0(data, out, blocks);
    break;
  case GgmlType::Q5_1:
    dequantizeQ5_1(data, out, blocks);
    break;
  case GgmlType::Q8_0:
    dequantizeQ8_0(data, out, blocks);
    break;
  case GgmlType::Q4_K:
    dequantizeQ4_K(data, out, blocks);
    break;
  case GgmlType::Q5_K:
    dequantizeQ5_K(data, out, blocks);
    break;
  case GgmlType::Q6_K:
    dequantizeQ6_K(data, out, blocks);
    break;
  default:
    return "cannot dequantize ggml type " + ggmlTypeName(type);
  }
  return std::nullopt;
}

void decodeQ4_0Block(const uint8_t *block, float &d, uint8_t q[32],
                     uint16_t *dBits) {
  uint16_t bits = le16(block);
  if (dBits)
    *dBits = bits;
  d = wq_numerics::halfBitsToFloat(bits);
  for (int j = 0; j < 16; ++j) {
    q[j] = block[2 + j] & 0x0F;
    q[j + 16] = block[2 + j] >> 4;
  }
}

void decodeQ4_1Block(const uint8_t *block, float &d, float &m, uint8_t q[32],
                     uint16_t *dBits, uint16_t *mBits) {
  uint16_t db = le16(block), mb = le16(block + 2);
  if (dBits)
    *dBits = db;
  if (mBits)
    *mBits = mb;
  d = wq_numerics::halfBitsToFloat(db);
  m = wq_numerics::halfBitsToFloat(mb);
  for (int j = 0; j < 16; ++j) {
    q[j] = block[4 + j] & 0x0F;
    q[j + 16] = block[4 + j] >> 4;
  }
}

void decodeQ8_0Block(const uint8_t *block, float &d, int8_t q[32],
                     uint16_t *dBits) {
  uint16_t bits = le16(block);
  if (dBits)
    *dBits = bits;
  d = wq_numerics::halfBitsToFloat(bits);
  for (int j = 0; j < 32; ++j)
    q[j] = int8_t(block[2 + j]);
}

} // namespace wq_formats
