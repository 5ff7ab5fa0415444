//===- GgufTest.cpp - The GGUF reader on files built byte by byte ---------===//
//
// A tiny GGUF writer (below) builds valid and broken files; the tests check
// every metadata type, versions 2/3, alignments, hand-computed block layouts
// and every rejection (each error names the file and the key or tensor).
// Bit-exactness against llama.cpp's own code is checked by the lit test
// test/Formats/gguf-reference.test (the `gguf` Python package).
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Gguf.h"
#include "wq/Numerics/Numerics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <unistd.h>

using namespace wq_formats;

namespace {

//===- A tiny GGUF writer
//--------------------------------------------------===//

struct Bytes {
  std::string data;
  Bytes &u8(uint8_t v) {
    data.push_back(char(v));
    return *this;
  }
  Bytes &u16(uint16_t v) { return u8(uint8_t(v)).u8(uint8_t(v >> 8)); }
  Bytes &u32(uint32_t v) { return u16(uint16_t(v)).u16(uint16_t(v >> 16)); }
  Bytes &u64(uint64_t v) { return u32(uint32_t(v)).u32(uint32_t(v >> 32)); }
  Bytes &f32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return u32(bits);
  }
  Bytes &f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    return u64(bits);
  }
  Bytes &str(const std::string &s) {
    u64(s.size());
    data += s;
    return *this;
  }
  Bytes &raw(const std::string &s) {
    data += s;
    return *this;
  }
};

enum VT : uint32_t {
  U8 = 0,
  I8,
  U16,
  I16,
  U32,
  I32,
  F32,
  BOOL,
  STRING,
  ARRAY,
  U64,
  I64,
  F64
};

struct Tensor {
  std::string name;
  std::vector<uint64_t> dims;
  uint32_t type;
  std::string data;
  int64_t offset = -1; // -1: the next aligned offset
};

struct GgufBuilder {
  uint32_t version = 3;
  uint64_t alignment = 32; // for placing data; the key is added separately
  Bytes kv;
  uint64_t kvCount = 0;
  std::vector<Tensor> tensors;
  std::optional<uint64_t> tensorCountOverride, kvCountOverride;

  /// Starts a key: the caller appends the value bytes to `kv`.
  Bytes &key(const std::string &name, uint32_t type) {
    ++kvCount;
    return kv.str(name).u32(type);
  }
  void addTensor(std::string name, std::vector<uint64_t> dims, uint32_t type,
                 std::string data, int64_t offset = -1) {
    tensors.push_back(
        {std::move(name), std::move(dims), type, std::move(data), offset});
  }

  std::string build() const {
    Bytes out;
    out.raw("GGUF").u32(version);
    out.u64(tensorCountOverride ? *tensorCountOverride : tensors.size());
    out.u64(kvCountOverride ? *kvCountOverride : kvCount);
    out.raw(kv.data);
    std::vector<uint64_t> offsets;
    uint64_t next = 0;
    for (const Tensor &t : tensors) {
      uint64_t offset = t.offset >= 0 ? uint64_t(t.offset) : next;
      offsets.push_back(offset);
      next = std::max(next, offset + t.data.size());
      next = (next + alignment - 1) / alignment * alignment;
      out.str(t.name).u32(uint32_t(t.dims.size()));
      for (uint64_t d : t.dims)
        out.u64(d);
      out.u32(t.type).u64(offset);
    }
    while (out.data.size() % alignment)
      out.u8(0);
    size_t dataStart = out.data.size();
    for (size_t i = 0; i < tensors.size(); ++i) {
      size_t end = dataStart + offsets[i] + tensors[i].data.size();
      if (out.data.size() < end)
        out.data.resize(end, '\0');
      std::memcpy(&out.data[dataStart + offsets[i]], tensors[i].data.data(),
                  tensors[i].data.size());
    }
    while (out.data.size() % alignment)
      out.u8(0);
    return out.data;
  }
};

std::string tempPath(const std::string &name) {
  llvm::SmallString<128> path;
  llvm::sys::path::system_temp_directory(true, path);
  llvm::sys::path::append(path, "wq-gguf-test-" + name + "-" +
                                    std::to_string(::getpid()) + ".gguf");
  return std::string(path);
}

std::string writeTemp(const std::string &name, const std::string &bytes) {
  std::string path = tempPath(name);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  EXPECT_FALSE(ec) << ec.message();
  os << bytes;
  return path;
}

/// Opens `bytes` written to a temporary file (removed again; the mapping
/// stays valid).
llvm::Expected<GgufFile> openBytes(const std::string &name,
                                   const std::string &bytes) {
  std::string path = writeTemp(name, bytes);
  llvm::Expected<GgufFile> file = GgufFile::open(path);
  llvm::sys::fs::remove(path);
  return file;
}

/// The error of opening `bytes`; fails the test if it opens.
std::string openError(const std::string &name, const std::string &bytes) {
  llvm::Expected<GgufFile> file = openBytes(name, bytes);
  if (file) {
    ADD_FAILURE() << name << ": opened, expected an error";
    return "";
  }
  std::string message = llvm::toString(file.takeError());
  EXPECT_NE(message.find("wq-gguf-test-" + name), std::string::npos)
      << "the error does not name the file: " << message;
  return message;
}

#define EXPECT_CONTAINS(haystack, needle)                                      \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)             \
      << "'" << (haystack) << "' lacks '" << (needle) << "'"

std::string floats(const std::vector<float> &values) {
  Bytes b;
  for (float v : values)
    b.f32(v);
  return b.data;
}

uint16_t halfBits(float v) {
  // Exact for the test values (all representable in f16).
  for (uint32_t h = 0; h < 0x10000; ++h)
    if (wq_numerics::halfBitsToFloat(uint16_t(h)) == v &&
        !(v == 0 && std::signbit(v) != bool(h & 0x8000)))
      return uint16_t(h);
  ADD_FAILURE() << v << " is not an f16 value";
  return 0;
}

uint32_t bitsOf(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

/// A small valid file: one F32 [2, 32] tensor and one Q8_0 [3, 32] tensor.
GgufBuilder smallFile(uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-2, 2);
  GgufBuilder b;
  b.key("general.architecture", STRING).str("llama");
  b.key("llama.block_count", U32).u32(2);
  std::vector<float> values(64);
  for (float &v : values)
    v = uniform(rng);
  b.addTensor("blk.0.attn_norm.weight", {32, 2}, 0, floats(values));
  Bytes q8;
  for (int block = 0; block < 3; ++block) {
    q8.u16(halfBits(0.25f * (block + 1)));
    for (int j = 0; j < 32; ++j)
      q8.u8(uint8_t(rng()));
  }
  b.addTensor("blk.0.attn_q.weight", {32, 3}, 8, q8.data);
  return b;
}

//===- Metadata -----------------------------------------------------------===//

TEST(Gguf, EveryMetadataType) {
  GgufBuilder b;
  b.key("k.u8", U8).u8(200);
  b.key("k.i8", I8).u8(uint8_t(-100));
  b.key("k.u16", U16).u16(65000);
  b.key("k.i16", I16).u16(uint16_t(-32000));
  b.key("k.u32", U32).u32(4000000000u);
  b.key("k.i32", I32).u32(uint32_t(-2000000000));
  b.key("k.f32", F32).f32(0.1f);
  b.key("k.bool", BOOL).u8(1);
  b.key("k.string", STRING).str("h\xc3\xa9llo");
  b.key("k.empty", STRING).str("");
  b.key("k.u64", U64).u64(~uint64_t(0) - 4);
  b.key("k.i64", I64).u64(uint64_t(INT64_MIN + 7));
  b.key("k.f64", F64).f64(-1.5e300);
  b.key("k.array.i32", ARRAY).u32(I32).u64(3).u32(7).u32(uint32_t(-8)).u32(9);
  b.key("k.array.f32", ARRAY).u32(F32).u64(2).f32(0.5f).f32(-3.25f);
  b.key("k.array.string", ARRAY).u32(STRING).u64(3).str("a").str("").str("xyz");
  b.key("k.array.bool", ARRAY).u32(BOOL).u64(2).u8(0).u8(1);
  b.key("k.array.u64", ARRAY).u32(U64).u64(2).u64(5).u64(~uint64_t(0));
  b.key("k.array.empty", ARRAY).u32(U8).u64(0);
  // [[1, 2], [], [3]] of u16, and [[["p"], ["q", "r"]]].
  b.key("k.nested2", ARRAY).u32(ARRAY).u64(3);
  b.kv.u32(U16).u64(2).u16(1).u16(2);
  b.kv.u32(U16).u64(0);
  b.kv.u32(U16).u64(1).u16(3);
  b.key("k.nested3", ARRAY).u32(ARRAY).u64(1).u32(ARRAY).u64(2);
  b.kv.u32(STRING).u64(1).str("p");
  b.kv.u32(STRING).u64(2).str("q").str("r");
  b.addTensor("t", {32}, 0, floats(std::vector<float>(32, 1.0f)));

  llvm::Expected<GgufFile> file = openBytes("types", b.build());
  ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(file->metadata().size(), 21u);
  EXPECT_EQ(file->metadata()[0].first, "k.u8");
  EXPECT_EQ(file->metadata()[20].first, "k.nested3");

  EXPECT_EQ(*file->getInteger("k.u8"), 200);
  EXPECT_EQ(*file->getInteger("k.i8"), -100);
  EXPECT_EQ(*file->getInteger("k.u16"), 65000);
  EXPECT_EQ(*file->getInteger("k.i16"), -32000);
  EXPECT_EQ(*file->getInteger("k.u32"), 4000000000ll);
  EXPECT_EQ(*file->getInteger("k.i32"), -2000000000);
  EXPECT_EQ(*file->getInteger("k.i64"), INT64_MIN + 7);
  EXPECT_EQ(file->find("k.u64")->unsignedValue, ~uint64_t(0) - 4);
  EXPECT_EQ(file->find("k.u64")->type, GgufValueType::U64);
  EXPECT_EQ(*file->getNumber("k.f32"), double(0.1f));
  EXPECT_EQ(*file->getNumber("k.f64"), -1.5e300);
  EXPECT_EQ(*file->getNumber("k.i16"), -32000.0);
  EXPECT_TRUE(*file->getBool("k.bool"));
  EXPECT_EQ(*file->getString("k.string"), "h\xc3\xa9llo");
  EXPECT_EQ(*file->getString("k.empty"), "");
  EXPECT_EQ(*file->getIntegerArray("k.array.i32"),
            (std::vector<int64_t>{7, -8, 9}));
  EXPECT_EQ(*file->getNumberArray("k.array.f32"),
            (std::vector<double>{0.5, -3.25}));
  EXPECT_EQ(*file->getNumberArray("k.array.i32"),
            (std::vector<double>{7, -8, 9}));
  EXPECT_EQ(*file->getStringArray("k.array.string"),
            (std::vector<std::string>{"a", "", "xyz"}));
  const GgufValue *boolArray = file->find("k.array.bool");
  ASSERT_TRUE(boolArray);
  EXPECT_EQ(boolArray->elementType, GgufValueType::Bool);
  ASSERT_EQ(boolArray->elements.size(), 2u);
  EXPECT_EQ(boolArray->elements[1].unsignedValue, 1u);
  EXPECT_TRUE(file->getIntegerArray("k.array.empty")->empty());

  const GgufValue *nested = file->find("k.nested2");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->elementType, GgufValueType::Array);
  ASSERT_EQ(nested->elements.size(), 3u);
  EXPECT_EQ(nested->elements[0].elementType, GgufValueType::U16);
  EXPECT_EQ(nested->elements[0].elements.size(), 2u);
  EXPECT_EQ(nested->elements[0].elements[1].unsignedValue, 2u);
  EXPECT_TRUE(nested->elements[1].elements.empty());
  EXPECT_EQ(nested->elements[2].elements[0].unsignedValue, 3u);
  const GgufValue *nested3 = file->find("k.nested3");
  ASSERT_TRUE(nested3);
  EXPECT_EQ(nested3->elements[0].elements[1].elements[1].stringValue, "r");

  // Typed look-ups name the key and what is wrong.
  EXPECT_CONTAINS(llvm::toString(file->getString("k.u8").takeError()),
                  "metadata key 'k.u8' is u8, not string");
  EXPECT_CONTAINS(llvm::toString(file->getInteger("nope").takeError()),
                  "metadata key 'nope' is missing");
  EXPECT_CONTAINS(llvm::toString(file->getInteger("k.u64").takeError()),
                  "'k.u64'");
  EXPECT_CONTAINS(llvm::toString(file->getInteger("k.f32").takeError()),
                  "metadata key 'k.f32' is f32, not an integer");
  EXPECT_CONTAINS(llvm::toString(file->getBool("k.u8").takeError()), "'k.u8'");
  EXPECT_CONTAINS(
      llvm::toString(file->getStringArray("k.array.i32").takeError()),
      "metadata key 'k.array.i32' is array of i32, not an array of strings");
  EXPECT_CONTAINS(
      llvm::toString(file->getIntegerArray("k.array.u64").takeError()),
      "'k.array.u64' element 1");
  EXPECT_CONTAINS(
      llvm::toString(file->getNumberArray("k.array.string").takeError()),
      "'k.array.string'");
  EXPECT_CONTAINS(llvm::toString(file->getNumber("k.string").takeError()),
                  "'k.string'");
}

TEST(Gguf, Version2And3) {
  for (uint32_t version : {2u, 3u}) {
    GgufBuilder b = smallFile();
    b.version = version;
    llvm::Expected<GgufFile> file =
        openBytes("v" + std::to_string(version), b.build());
    ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
    EXPECT_EQ(file->version(), version);
    EXPECT_EQ(*file->getString("general.architecture"), "llama");
    EXPECT_EQ(file->tensors().size(), 2u);
  }
}

TEST(Gguf, TensorTableAndAlignment) {
  for (uint64_t alignment : {1u, 8u, 32u, 64u, 256u}) {
    GgufBuilder b = smallFile(uint32_t(alignment));
    b.alignment = alignment;
    if (alignment != 32)
      b.key("general.alignment", U32).u32(uint32_t(alignment));
    std::string bytes = b.build();
    std::string name = "align" + std::to_string(alignment);
    llvm::Expected<GgufFile> file = openBytes(name, bytes);
    ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
    EXPECT_EQ(file->alignment(), alignment);
    EXPECT_EQ(file->dataOffset() % alignment, 0u);
    EXPECT_EQ(file->fileSize(), bytes.size());
    const GgufTensorInfo *norm = file->findTensor("blk.0.attn_norm.weight");
    const GgufTensorInfo *q = file->findTensor("blk.0.attn_q.weight");
    ASSERT_TRUE(norm && q);
    EXPECT_EQ(file->findTensor("missing"), nullptr);
    EXPECT_EQ(&file->tensors()[1], q);
    EXPECT_EQ(norm->dims, (std::vector<int64_t>{32, 2}));
    EXPECT_EQ(norm->shape(), (std::vector<int64_t>{2, 32}));
    EXPECT_EQ(norm->numElements(), 64);
    EXPECT_EQ(norm->rowElements(), 32);
    EXPECT_EQ(norm->bytes, 256u);
    EXPECT_EQ(q->bytes, 3u * 34u);
    EXPECT_EQ(q->offset % alignment, 0u);
    EXPECT_EQ(std::memcmp(q->data.data(),
                          bytes.data() + file->dataOffset() + q->offset,
                          q->bytes),
              0);
    // The F32 values come back as written (the data section really starts
    // at dataOffset()).
    llvm::Expected<std::vector<float>> values = file->dequantize(*norm);
    ASSERT_TRUE(bool(values));
    GgufBuilder again = smallFile(uint32_t(alignment));
    std::vector<float> expected(64);
    std::memcpy(expected.data(), again.tensors[0].data.data(), 256);
    EXPECT_EQ(*values, expected);
    // The Q8_0 tensor: d = 0.25 * (block + 1), qs from the file.
    llvm::Expected<std::vector<float>> q8 = file->dequantize(*q);
    ASSERT_TRUE(bool(q8));
    const std::string &raw = again.tensors[1].data;
    for (int block = 0; block < 3; ++block)
      for (int j = 0; j < 32; ++j)
        EXPECT_EQ((*q8)[block * 32 + j],
                  float(int8_t(raw[block * 34 + 2 + j])) *
                      (0.25f * (block + 1)));
  }
}

//===- Dequantization: hand-computed layouts
//-------------------------------===//

GgufFile openOneTensor(const std::string &name, uint32_t type,
                       std::vector<uint64_t> dims, const std::string &data) {
  GgufBuilder b;
  b.addTensor("w", std::move(dims), type, data);
  llvm::Expected<GgufFile> file = openBytes(name, b.build());
  EXPECT_TRUE(bool(file)) << llvm::toString(file.takeError());
  return std::move(*file);
}

std::vector<float> dequantizeOne(const std::string &name, uint32_t type,
                                 std::vector<uint64_t> dims,
                                 const std::string &data) {
  GgufFile file = openOneTensor(name, type, std::move(dims), data);
  llvm::Expected<std::vector<float>> values =
      file.dequantize(file.tensors()[0]);
  EXPECT_TRUE(bool(values)) << llvm::toString(values.takeError());
  return values ? *values : std::vector<float>();
}

TEST(Gguf, FloatTypes) {
  Bytes f16, bf16;
  for (float v : {1.0f, -2.5f, 65504.0f, 0.0f})
    f16.u16(halfBits(v));
  f16.u16(0x0001); // smallest subnormal
  for (uint16_t bits : {0x3F80, 0xC020, 0x7F80, 0x0001})
    bf16.u16(bits);
  std::vector<float> h = dequantizeOne("f16", 1, {5}, f16.data);
  EXPECT_EQ(h, (std::vector<float>{1.0f, -2.5f, 65504.0f, 0.0f,
                                   std::ldexp(1.0f, -24)}));
  std::vector<float> b = dequantizeOne("bf16", 30, {2, 2}, bf16.data);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0], 1.0f);
  EXPECT_EQ(b[1], -2.5f);
  EXPECT_TRUE(std::isinf(b[2]));
  EXPECT_EQ(bitsOf(b[3]), 0x00010000u);
}

TEST(Gguf, Q4AndQ5Blocks) {
  // One block each; byte j holds element j (low nibble) and j + 16 (high).
  Bytes q40, q41, q50, q51;
  q40.u16(halfBits(0.5f));
  q41.u16(halfBits(0.25f)).u16(halfBits(-1.0f));
  q50.u16(halfBits(2.0f)).u32(0xA5C3F00Fu);
  q51.u16(halfBits(0.125f)).u16(halfBits(3.0f)).u32(0x0F0F3CC3u);
  for (int j = 0; j < 16; ++j) {
    uint8_t byte = uint8_t(j | ((15 - j) << 4));
    q40.u8(byte);
    q41.u8(byte);
    q50.u8(byte);
    q51.u8(byte);
  }
  auto nibble = [](int e) { return e < 16 ? e : 15 - (e - 16); };
  std::vector<float> a = dequantizeOne("q4_0", 2, {32}, q40.data);
  std::vector<float> b = dequantizeOne("q4_1", 3, {32}, q41.data);
  std::vector<float> c = dequantizeOne("q5_0", 6, {32}, q50.data);
  std::vector<float> d = dequantizeOne("q5_1", 7, {32}, q51.data);
  ASSERT_EQ(a.size(), 32u);
  for (int e = 0; e < 32; ++e) {
    EXPECT_EQ(a[e], (nibble(e) - 8) * 0.5f) << e;
    EXPECT_EQ(b[e], nibble(e) * 0.25f - 1.0f) << e;
    int high50 = (0xA5C3F00Fu >> e) & 1, high51 = (0x0F0F3CC3u >> e) & 1;
    EXPECT_EQ(c[e], ((nibble(e) | (high50 << 4)) - 16) * 2.0f) << e;
    EXPECT_EQ(d[e], (nibble(e) | (high51 << 4)) * 0.125f + 3.0f) << e;
  }
}

/// The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block, as
/// documented in ggml-common.h: 8 scales and 8 mins in 12 bytes.
void kScaleMin(const uint8_t *s, int j, int &scale, int &min) {
  if (j < 4) {
    scale = s[j] & 63;
    min = s[j + 4] & 63;
  } else {
    scale = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
    min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

std::string randomBytes(std::mt19937 &rng, size_t n) {
  std::string s(n, '\0');
  for (char &c : s)
    c = char(rng());
  return s;
}

TEST(Gguf, KQuantBlocks) {
  std::mt19937 rng(42);
  // Q4_K: 2 blocks. Element e of a block: sub-block e / 32, 32 bytes of qs
  // per 64 elements, low nibbles first.
  std::string q4k;
  for (int block = 0; block < 2; ++block) {
    std::string b = randomBytes(rng, 144);
    uint16_t d = halfBits(0.5f + block), dmin = halfBits(0.125f);
    std::memcpy(&b[0], &d, 2);
    std::memcpy(&b[2], &dmin, 2);
    q4k += b;
  }
  std::vector<float> v4 = dequantizeOne("q4_k", 12, {256, 2}, q4k);
  ASSERT_EQ(v4.size(), 512u);
  for (int block = 0; block < 2; ++block) {
    const uint8_t *x = reinterpret_cast<const uint8_t *>(&q4k[block * 144]);
    for (int e = 0; e < 256; ++e) {
      int sub = e / 32, scale, min;
      kScaleMin(x + 4, sub, scale, min);
      int byte = (e / 64) * 32 + e % 32;
      int q = (sub % 2 == 0) ? (x[16 + byte] & 15) : (x[16 + byte] >> 4);
      float expected =
          (0.5f + block) * float(scale) * float(q) - 0.125f * float(min);
      EXPECT_EQ(bitsOf(v4[block * 256 + e]), bitsOf(expected)) << e;
    }
  }
  // Q5_K: the fifth bit of element e is bit (e / 32) of qh[e % 32].
  std::string q5k = randomBytes(rng, 176);
  uint16_t d = halfBits(0.0625f), dmin = halfBits(-0.75f);
  std::memcpy(&q5k[0], &d, 2);
  std::memcpy(&q5k[2], &dmin, 2);
  std::vector<float> v5 = dequantizeOne("q5_k", 13, {256}, q5k);
  const uint8_t *x = reinterpret_cast<const uint8_t *>(q5k.data());
  for (int e = 0; e < 256; ++e) {
    int sub = e / 32, scale, min;
    kScaleMin(x + 4, sub, scale, min);
    int byte = (e / 64) * 32 + e % 32;
    int q = (sub % 2 == 0) ? (x[48 + byte] & 15) : (x[48 + byte] >> 4);
    q |= ((x[16 + e % 32] >> sub) & 1) << 4;
    float expected = 0.0625f * float(scale) * float(q) - -0.75f * float(min);
    EXPECT_EQ(bitsOf(v5[e]), bitsOf(expected)) << e;
  }
  // Q6_K: per 128 elements, 64 bytes of ql and 32 of qh; element
  // n*128 + k*32 + l takes nibble (k / 2) of ql[n*64 + (k % 2)*32 + l] and
  // bits 2k..2k+1 of qh[n*32 + l]; scale (int8) of 16 elements.
  std::string q6k = randomBytes(rng, 210);
  uint16_t d6 = halfBits(0.01171875f);
  std::memcpy(&q6k[208], &d6, 2);
  std::vector<float> v6 = dequantizeOne("q6_k", 14, {256}, q6k);
  x = reinterpret_cast<const uint8_t *>(q6k.data());
  for (int e = 0; e < 256; ++e) {
    int n = e / 128, k = (e % 128) / 32, l = e % 32;
    uint8_t lo = x[n * 64 + (k % 2) * 32 + l];
    int q = (k < 2 ? lo & 15 : lo >> 4) |
            (((x[128 + n * 32 + l] >> (2 * k)) & 3) << 4);
    float expected =
        0.01171875f * float(int8_t(x[192 + e / 16])) * float(q - 32);
    EXPECT_EQ(bitsOf(v6[e]), bitsOf(expected)) << e;
  }
}

TEST(Gguf, BlockDecodersKeepTheIntegers) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::string q40 = randomBytes(rng, 18), q41 = randomBytes(rng, 20),
                q80 = randomBytes(rng, 34);
    // Finite f16 scales (exponent field not all ones).
    q40[1] &= 0x7B;
    q41[1] &= 0x7B;
    q41[3] &= 0xFB;
    q80[1] &= 0xBB;
    auto p = [](const std::string &s) {
      return reinterpret_cast<const uint8_t *>(s.data());
    };
    float ref40[32], ref41[32], ref80[32];
    ASSERT_FALSE(dequantizeGgml(2, p(q40), 32, ref40));
    ASSERT_FALSE(dequantizeGgml(3, p(q41), 32, ref41));
    ASSERT_FALSE(dequantizeGgml(8, p(q80), 32, ref80));
    float d, m;
    uint8_t q[32];
    int8_t s[32];
    uint16_t dBits = 0, mBits = 0;
    decodeQ4_0Block(p(q40), d, q, &dBits);
    EXPECT_EQ(dBits, uint16_t(uint8_t(q40[0]) | (uint8_t(q40[1]) << 8)));
    for (int j = 0; j < 32; ++j) {
      EXPECT_LE(q[j], 15);
      EXPECT_EQ(bitsOf(ref40[j]), bitsOf((int(q[j]) - 8) * d));
    }
    decodeQ4_1Block(p(q41), d, m, q, &dBits, &mBits);
    EXPECT_EQ(mBits, uint16_t(uint8_t(q41[2]) | (uint8_t(q41[3]) << 8)));
    EXPECT_EQ(d, wq_numerics::halfBitsToFloat(dBits));
    EXPECT_EQ(m, wq_numerics::halfBitsToFloat(mBits));
    for (int j = 0; j < 32; ++j)
      EXPECT_EQ(bitsOf(ref41[j]), bitsOf(q[j] * d + m));
    decodeQ8_0Block(p(q80), d, s);
    for (int j = 0; j < 32; ++j)
      EXPECT_EQ(bitsOf(ref80[j]), bitsOf(s[j] * d));
  }
  // Element order: element j is the low nibble of byte j, j + 16 the high.
  Bytes block;
  block.u16(halfBits(1.0f)).u16(0);
  for (int j = 0; j < 16; ++j)
    block.u8(uint8_t((j % 16) | (((j + 3) % 16) << 4)));
  float d, m;
  uint8_t q[32];
  decodeQ4_1Block(reinterpret_cast<const uint8_t *>(block.data.data()), d, m,
                  q);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(q[j], j);
    EXPECT_EQ(q[j + 16], (j + 3) % 16);
  }
}

TEST(Gguf, TypeTable) {
  int64_t e = 0, b = 0;
  EXPECT_TRUE(ggmlBlockInfo(12, e, b));
  EXPECT_EQ(e, 256);
  EXPECT_EQ(b, 144);
  EXPECT_FALSE(ggmlBlockInfo(10, e, b)); // Q2_K: known, not dequantized
  EXPECT_TRUE(ggmlTypeLayout(10, e, b));
  EXPECT_EQ(b, 84);
  EXPECT_FALSE(ggmlTypeLayout(42, e, b));
  EXPECT_EQ(ggmlTypeName(14), "Q6_K");
  EXPECT_EQ(ggmlTypeName(30), "BF16");
  EXPECT_EQ(ggmlTypeName(42), "type 42");
  float out[32];
  uint8_t zeros[64] = {};
  EXPECT_TRUE(dequantizeGgml(2, zeros, 31, out)); // not a whole block
  EXPECT_TRUE(dequantizeGgml(10, zeros, 256, out));
  EXPECT_FALSE(dequantizeGgml(2, zeros, 32, out));
}

//===- Rejections
//----------------------------------------------------------===//

TEST(Gguf, BadMagicAndVersions) {
  std::string good = smallFile().build();
  std::string bad = good;
  bad[0] = 'X';
  EXPECT_CONTAINS(openError("magic", bad),
                  "not a GGUF file: magic is 'XGUF', expected 'GGUF'");
  GgufBuilder v1 = smallFile();
  v1.version = 1;
  EXPECT_CONTAINS(openError("v1", v1.build()),
                  "GGUF version 1 is not supported");
  GgufBuilder v4 = smallFile();
  v4.version = 4;
  EXPECT_CONTAINS(openError("v4", v4.build()),
                  "GGUF version 4 is not supported");
  GgufBuilder big = smallFile();
  big.version = 0x03000000;
  EXPECT_CONTAINS(openError("bigendian", big.build()), "big-endian");
  EXPECT_CONTAINS(openError("empty", ""), "truncated");
}

TEST(Gguf, EveryTruncationIsAnError) {
  GgufBuilder b = smallFile();
  b.key("k.array", ARRAY).u32(STRING).u64(2).str("abc").str("de");
  std::string good = b.build();
  llvm::Expected<GgufFile> file = openBytes("whole", good);
  ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
  uint64_t dataOffset = file->dataOffset();
  uint64_t lastEnd = 0;
  for (const GgufTensorInfo &t : file->tensors())
    lastEnd = std::max(lastEnd, dataOffset + t.offset + t.bytes);
  for (size_t size = 0; size < lastEnd; ++size) {
    std::string message = openError("cut", good.substr(0, size));
    EXPECT_CONTAINS(message, "truncated");
    if (size >= dataOffset) { // in the data section: names the tensor
      EXPECT_CONTAINS(message, "extends past the end of the data section");
    }
  }
  // Truncated in the middle of the data: the error names the tensor.
  EXPECT_CONTAINS(openError("cutdata", good.substr(0, lastEnd - 1)),
                  "tensor 'blk.0.attn_q.weight' (102 bytes of Q8_0 at data "
                  "offset 256) extends past the end of the data section");
  EXPECT_CONTAINS(openError("cutheader", good.substr(0, 12)),
                  "truncated: the tensor count at byte 8");
}

TEST(Gguf, LyingOffsets) {
  std::string f32 = floats(std::vector<float>(32, 1.5f));
  {
    GgufBuilder b;
    b.addTensor("a", {32}, 0, f32);
    b.addTensor("blk.1.ffn_up.weight", {32}, 0, f32, 1 << 20);
    // The builder pads the file only to where the data it has ends: put the
    // lying tensor past it by hand.
    std::string bytes = b.build();
    bytes.resize(bytes.size() - (1 << 20)); // drop the zeros the builder put
    EXPECT_CONTAINS(openError("pastend", bytes),
                    "tensor 'blk.1.ffn_up.weight' (128 bytes of F32 at data "
                    "offset 1048576) extends past the end");
  }
  {
    GgufBuilder b;
    b.addTensor("a", {32}, 0, f32);
    b.addTensor("blk.1.misaligned", {32}, 0, f32, 136);
    EXPECT_CONTAINS(openError("misaligned", b.build()),
                    "tensor 'blk.1.misaligned' has offset 136, not a multiple "
                    "of the alignment 32");
  }
  {
    GgufBuilder b;
    b.addTensor("first", {64}, 0, floats(std::vector<float>(64, 2.0f)));
    b.addTensor("second", {32}, 0, f32, 128);
    EXPECT_CONTAINS(openError("overlap", b.build()),
                    "tensors 'first' (data bytes 0..256) and 'second' (from "
                    "128) overlap");
  }
  {
    // An offset near 2^64: offset + bytes must not wrap around.
    GgufBuilder c;
    c.addTensor("wrap", {32}, 0, f32);
    std::string base = c.build();
    // Patch the offset field (last 8 bytes of the tensor table) to 2^64-64.
    llvm::Expected<GgufFile> ok = openBytes("wrapbase", base);
    ASSERT_TRUE(bool(ok));
    size_t field = 24 + 8 + 4 + 4 + 8 + 4; // header, name, n_dims, dim, type
    uint64_t huge = ~uint64_t(0) - 63;
    std::memcpy(&base[field], &huge, 8);
    EXPECT_CONTAINS(openError("wrap", base), "tensor 'wrap'");
  }
}

TEST(Gguf, TensorShapesAndTypes) {
  auto one = [](const std::string &name, std::vector<uint64_t> dims,
                uint32_t type, size_t bytes) {
    GgufBuilder b;
    b.addTensor(name, std::move(dims), type, std::string(bytes, '\x11'));
    return b.build();
  };
  EXPECT_CONTAINS(
      openError("unknown", one("blk.0.attn_q.weight", {32}, 42, 64)),
      "tensor 'blk.0.attn_q.weight' has ggml type 42 (unknown)");
  EXPECT_CONTAINS(openError("q40dims", one("blk.3.w", {48, 2}, 2, 64)),
                  "tensor 'blk.3.w' has 48 elements per row (dims[0]), not a "
                  "multiple of the Q4_0 block size 32");
  EXPECT_CONTAINS(openError("q4kdims", one("kq", {128}, 12, 144)),
                  "not a multiple of the Q4_K block size 256");
  EXPECT_CONTAINS(openError("ndims0", one("scalar", {}, 0, 4)),
                  "tensor 'scalar' has 0 dimensions (1 to 4 allowed)");
  EXPECT_CONTAINS(openError("ndims5", one("five", {1, 1, 1, 1, 1}, 0, 4)),
                  "tensor 'five' has 5 dimensions");
  EXPECT_CONTAINS(openError("dim0", one("empty", {32, 0}, 0, 4)),
                  "tensor 'empty' has dimension 1 = 0");
  EXPECT_CONTAINS(
      openError("overflow",
                one("huge", {1ull << 31, 1ull << 31, 1ull << 31}, 0, 4)),
      "tensor 'huge' has more than 2^62 elements");
  {
    GgufBuilder b;
    b.addTensor("same", {32}, 0, std::string(128, '\0'));
    b.addTensor("same", {32}, 0, std::string(128, '\0'));
    EXPECT_CONTAINS(openError("dupname", b.build()),
                    "duplicate tensor name 'same'");
  }
  // Known ggml types wq does not dequantize open, and name themselves when
  // dequantized.
  GgufBuilder b;
  b.addTensor("blk.0.ffn_gate.weight", {256, 2}, 10, std::string(168, '\x22'));
  b.addTensor("iq", {256}, 16, std::string(66, '\x22'));
  llvm::Expected<GgufFile> file = openBytes("q2k", b.build());
  ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
  EXPECT_EQ(file->tensors()[0].bytes, 168u);
  EXPECT_CONTAINS(
      llvm::toString(file->dequantize(file->tensors()[0]).takeError()),
      "tensor 'blk.0.ffn_gate.weight' is of ggml type Q2_K, which wq cannot "
      "dequantize");
  EXPECT_CONTAINS(
      llvm::toString(file->dequantize(file->tensors()[1]).takeError()),
      "tensor 'iq' is of ggml type IQ2_XXS");
}

/// `seconds` since `start`.
double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

TEST(Gguf, AbsurdCountsFailFast) {
  auto start = std::chrono::steady_clock::now();
  {
    GgufBuilder b = smallFile();
    b.tensorCountOverride = 1000000000000ull;
    EXPECT_CONTAINS(openError("tensors", b.build()),
                    "the header claims 1000000000000 tensors");
  }
  {
    GgufBuilder b = smallFile();
    b.kvCountOverride = 1000000000000ull;
    EXPECT_CONTAINS(openError("kvs", b.build()),
                    "the header claims 1000000000000 metadata entries");
  }
  {
    GgufBuilder b = smallFile();
    b.key("tokenizer.ggml.model", STRING).u64(1ull << 62).raw("gpt2");
    EXPECT_CONTAINS(openError("string", b.build()),
                    "value of metadata key 'tokenizer.ggml.model': string of "
                    "4611686018427387904 bytes");
  }
  {
    GgufBuilder b = smallFile();
    b.kv.u64(1ull << 60).raw("abc"); // a key whose length lies
    ++b.kvCount;
    EXPECT_CONTAINS(openError("key", b.build()),
                    "the key of metadata entry 2: string of "
                    "1152921504606846976 bytes");
  }
  {
    GgufBuilder b = smallFile();
    b.key("tokenizer.ggml.tokens", ARRAY).u32(STRING).u64(1ull << 40);
    EXPECT_CONTAINS(openError("array", b.build()),
                    "metadata key 'tokenizer.ggml.tokens' claims an array of "
                    "1099511627776 string elements");
  }
  {
    GgufBuilder b = smallFile();
    b.key("k.bytes", ARRAY).u32(U8).u64(1ull << 40).u8(1);
    EXPECT_CONTAINS(openError("array8", b.build()),
                    "'k.bytes' claims an array");
  }
  {
    // Nested: an inner array's count is checked too.
    GgufBuilder b = smallFile();
    b.key("k.nested", ARRAY).u32(ARRAY).u64(1).u32(F64).u64(1ull << 40);
    EXPECT_CONTAINS(openError("inner", b.build()),
                    "'k.nested' claims an array of 1099511627776 f64");
  }
  {
    // The tensor name's length.
    std::string bytes = Bytes()
                            .raw("GGUF")
                            .u32(3)
                            .u64(1)
                            .u64(0)
                            .u64(1ull << 62)
                            .raw(std::string(40, 'n'))
                            .data;
    EXPECT_CONTAINS(openError("name", bytes),
                    "the name of tensor 0: string of 4611686018427387904");
  }
  EXPECT_LT(since(start), 5.0);
}

TEST(Gguf, MetadataRejections) {
  {
    // 8 levels of arrays are accepted, 9 are not.
    for (int depth : {8, 9}) {
      GgufBuilder b = smallFile();
      b.key("k.deep", ARRAY);
      for (int level = 1; level < depth; ++level)
        b.kv.u32(ARRAY).u64(1);
      b.kv.u32(U8).u64(1).u8(5);
      std::string bytes = b.build();
      if (depth == 8) {
        llvm::Expected<GgufFile> file = openBytes("depth8", bytes);
        ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
        const GgufValue *v = file->find("k.deep");
        for (int level = 1; level < 8; ++level)
          v = &v->elements.at(0);
        EXPECT_EQ(v->elements.at(0).unsignedValue, 5u);
      } else {
        EXPECT_CONTAINS(openError("depth9", bytes),
                        "metadata key 'k.deep' nests arrays deeper than 8 "
                        "levels");
      }
    }
  }
  {
    GgufBuilder b = smallFile();
    b.key("llama.block_count", U32).u32(3);
    EXPECT_CONTAINS(openError("dupkey", b.build()),
                    "duplicate metadata key 'llama.block_count'");
  }
  {
    GgufBuilder b = smallFile();
    b.key("k.weird", 13).u32(0);
    EXPECT_CONTAINS(openError("vtype", b.build()),
                    "metadata key 'k.weird' has value type 13 (unknown)");
  }
  {
    GgufBuilder b = smallFile();
    b.key("k.weirdarray", ARRAY).u32(99).u64(0);
    EXPECT_CONTAINS(openError("atype", b.build()),
                    "metadata key 'k.weirdarray' is an array of value type 99 "
                    "(unknown)");
  }
  {
    GgufBuilder b = smallFile();
    b.key("k.bool", BOOL).u8(2);
    EXPECT_CONTAINS(openError("bool", b.build()),
                    "metadata key 'k.bool' has a bool of value 2");
  }
  for (uint32_t alignment : {0u, 48u}) {
    GgufBuilder b = smallFile();
    b.key("general.alignment", U32).u32(alignment);
    EXPECT_CONTAINS(openError("align", b.build()),
                    "metadata key 'general.alignment' is " +
                        std::to_string(alignment) +
                        ": it must be a non-zero power of two");
  }
  {
    GgufBuilder b = smallFile();
    b.key("general.alignment", STRING).str("32");
    EXPECT_CONTAINS(openError("alignstr", b.build()),
                    "metadata key 'general.alignment' is a string, not an "
                    "integer");
  }
}

TEST(Gguf, CorruptedBytesNeverCrash) {
  // Flip random bytes of a valid file (fixed seed): open() either fails
  // cleanly or yields a file whose tensors all dequantize.
  GgufBuilder b = smallFile(3);
  b.key("k.array", ARRAY).u32(STRING).u64(2).str("abc").str("de");
  b.key("k.nested", ARRAY).u32(ARRAY).u64(1).u32(I16).u64(2).u16(1).u16(2);
  std::string good = b.build();
  std::mt19937 rng(99);
  int opened = 0, rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = good;
    int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f)
      bytes[rng() % bytes.size()] = char(rng());
    if (rng() % 4 == 0)
      bytes.resize(rng() % bytes.size());
    llvm::Expected<GgufFile> file = openBytes("fuzz", bytes);
    if (!file) {
      llvm::consumeError(file.takeError());
      ++rejected;
      continue;
    }
    ++opened;
    for (const GgufTensorInfo &t : file->tensors()) {
      llvm::Expected<std::vector<float>> values = file->dequantize(t);
      if (values)
        EXPECT_EQ(values->size(), size_t(t.numElements()));
      else
        llvm::consumeError(values.takeError());
    }
  }
  EXPECT_GT(opened, 0);
  EXPECT_GT(rejected, 0);
}

} // namespace
