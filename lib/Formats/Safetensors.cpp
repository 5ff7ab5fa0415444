//===- Safetensors.cpp - Reading and writing .safetensors files -----------===//

#include "wq/Formats/Safetensors.h"
#include "wq/Formats/Json.h"
#include "wq/Numerics/Numerics.h"

#include "llvm/Support/JSON.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

using namespace llvm;

namespace wq_formats {

namespace {
struct DTypeInfo {
  DType dtype;
  const char *name;
  int64_t bytes;
};
const DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8}, {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
    {DType::I16, "I16", 2}, {DType::I8, "I8", 1}, {DType::U8, "U8", 1},
    {DType::BOOL, "BOOL", 1}};

Error fileError(StringRef path, const Twine &message) {
  return createStringError(inconvertibleErrorCode(),
                           path + ": " + message);
}
} // namespace

const char *dtypeName(DType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.name;
  return "?";
}

bool parseDType(StringRef name, DType &dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (name == info.name) {
      dtype = info.dtype;
      return true;
    }
  return false;
}

int64_t dtypeBytes(DType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info.bytes;
  return 0;
}

int64_t TensorView::numElements() const {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  return count;
}

Expected<SafetensorsFile> SafetensorsFile::open(StringRef path) {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  SafetensorsFile file;
  file.path_ = path.str();
  file.buffer_ = std::move(*buffer);
  StringRef bytes = file.buffer_->getBuffer();
  if (bytes.size() < 8)
    return fileError(path, "truncated: no 8-byte header length");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | static_cast<uint8_t>(bytes[i]);
  if (headerSize > bytes.size() - 8)
    return fileError(path, "header length " + Twine(headerSize) +
                               " exceeds the file (" + Twine(bytes.size()) +
                               " bytes): truncated or not safetensors");
  StringRef header = bytes.substr(8, headerSize);
  StringRef data = bytes.substr(8 + headerSize);
  Expected<json::Value> parsed = parseJson(header);
  if (!parsed)
    return fileError(path, "header is not JSON: " +
                               toString(parsed.takeError()));
  json::Object *root = parsed->getAsObject();
  if (!root)
    return fileError(path, "header is not a JSON object");

  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto &entry : *root) {
    std::string name = entry.first.str();
    if (name == "__metadata__") {
      json::Object *meta = entry.second.getAsObject();
      if (!meta)
        return fileError(path, "__metadata__ is not an object");
      for (auto &kv : *meta) {
        std::optional<StringRef> value = kv.second.getAsString();
        if (!value)
          return fileError(path, "__metadata__ value of '" + kv.first.str() +
                                     "' is not a string");
        file.metadata_[kv.first.str()] = value->str();
      }
      continue;
    }
    json::Object *info = entry.second.getAsObject();
    if (!info)
      return fileError(path, "entry '" + name + "' is not an object");
    TensorView view;
    view.name = name;
    std::optional<StringRef> dtype = info->getString("dtype");
    if (!dtype || !parseDType(*dtype, view.dtype))
      return fileError(path, "tensor '" + name + "' has an unknown dtype");
    json::Array *shape = info->getArray("shape");
    json::Array *offsets = info->getArray("data_offsets");
    if (!shape || !offsets || offsets->size() != 2)
      return fileError(path, "tensor '" + name +
                                 "' lacks a shape or data_offsets [begin, end]");
    uint64_t elements = 1;
    for (const json::Value &dim : *shape) {
      std::optional<int64_t> d = dim.getAsInteger();
      if (!d || *d < 0)
        return fileError(path, "tensor '" + name + "' has a bad dimension");
      view.shape.push_back(*d);
      if (*d != 0 && elements > (uint64_t(1) << 62) / uint64_t(*d))
        return fileError(path, "tensor '" + name + "' is impossibly large");
      elements *= static_cast<uint64_t>(*d);
    }
    std::optional<int64_t> begin = (*offsets)[0].getAsInteger();
    std::optional<int64_t> end = (*offsets)[1].getAsInteger();
    if (!begin || !end || *begin < 0 || *end < *begin)
      return fileError(path, "tensor '" + name + "' has bad data_offsets");
    uint64_t expected = elements * dtypeBytes(view.dtype);
    if (uint64_t(*end - *begin) != expected)
      return fileError(path, "tensor '" + name + "' claims " +
                                 Twine(*end - *begin) + " bytes but its " +
                                 dtypeName(view.dtype) + " shape needs " +
                                 Twine(expected));
    if (uint64_t(*end) > data.size())
      return fileError(path, "tensor '" + name + "' ends at byte " +
                                 Twine(*end) + " past the data (" +
                                 Twine(data.size()) +
                                 " bytes): the file is truncated");
    view.data = ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(data.data()) + *begin, *end - *begin);
    ranges.push_back({uint64_t(*begin), uint64_t(*end)});
    file.tensors_.push_back(std::move(view));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second)
      return fileError(path, "tensors overlap in the data section");
  std::sort(file.tensors_.begin(), file.tensors_.end(),
            [](const TensorView &a, const TensorView &b) {
              return a.data.data() < b.data.data();
            });
  return std::move(file);
}

const TensorView *SafetensorsFile::find(StringRef name) const {
  for (const TensorView &t : tensors_)
    if (t.name == name)
      return &t;
  return nullptr;
}

void SafetensorsFile::releasePages(const TensorView &t) const {
  // Only a mapping can drop pages (on a heap copy MADV_DONTNEED would zero
  // them); whole pages inside the tensor's bytes only.
  if (buffer_->getBufferKind() != MemoryBuffer::MemoryBuffer_MMap)
    return;
  const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(t.data.data());
  const uintptr_t first = (begin + page - 1) & ~(page - 1);
  const uintptr_t last = (begin + t.data.size()) & ~(page - 1);
  if (last > first)
    madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}

Expected<std::vector<float>>
SafetensorsFile::readFloats(const TensorView &t) const {
  std::vector<float> values(static_cast<size_t>(t.numElements()));
  const uint8_t *p = t.data.data();
  for (size_t i = 0; i < values.size(); ++i) {
    switch (t.dtype) {
    case DType::F32:
      std::memcpy(&values[i], p + 4 * i, 4);
      break;
    case DType::F64: {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      values[i] = static_cast<float>(d);
      break;
    }
    case DType::F16:
    case DType::BF16: {
      uint16_t bits;
      std::memcpy(&bits, p + 2 * i, 2);
      values[i] = t.dtype == DType::F16
                      ? wq_numerics::halfBitsToFloat(bits)
                      : wq_numerics::bfloat16BitsToFloat(bits);
      break;
    }
    default:
      return fileError(path_, "tensor '" + t.name + "' is " +
                                  dtypeName(t.dtype) + ", not a float type");
    }
  }
  return values;
}

void SafetensorsWriter::add(std::string name, DType dtype,
                            std::vector<int64_t> shape,
                            std::vector<uint8_t> bytes) {
  entries_.push_back({std::move(name), dtype, std::move(shape),
                      std::move(bytes), std::nullopt});
}

void SafetensorsWriter::addView(std::string name, DType dtype,
                                std::vector<int64_t> shape,
                                ArrayRef<uint8_t> bytes) {
  entries_.push_back({std::move(name), dtype, std::move(shape), {}, bytes});
}

void SafetensorsWriter::addFloats(std::string name, std::vector<int64_t> shape,
                                  const std::vector<float> &values) {
  std::vector<uint8_t> bytes(values.size() * 4);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  add(std::move(name), DType::F32, std::move(shape), std::move(bytes));
}

void SafetensorsWriter::addInt32(std::string name, std::vector<int64_t> shape,
                                 const std::vector<int32_t> &values) {
  std::vector<uint8_t> bytes(values.size() * 4);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  add(std::move(name), DType::I32, std::move(shape), std::move(bytes));
}

void SafetensorsWriter::setMetadata(std::string key, std::string value) {
  metadata_[std::move(key)] = std::move(value);
}

Error SafetensorsWriter::write(StringRef path) const {
  json::Object header;
  uint64_t offset = 0;
  for (const Entry &e : entries_) {
    json::Array shape;
    for (int64_t d : e.shape)
      shape.push_back(d);
    header[e.name] = json::Object{
        {"dtype", dtypeName(e.dtype)},
        {"shape", std::move(shape)},
        {"data_offsets", json::Array{int64_t(offset),
                                     int64_t(offset + e.bytes().size())}}};
    offset += e.bytes().size();
  }
  if (!metadata_.empty()) {
    json::Object meta;
    for (const auto &kv : metadata_)
      meta[kv.first] = kv.second;
    header["__metadata__"] = std::move(meta);
  }
  std::string text;
  raw_string_ostream os(text);
  os << json::Value(std::move(header));
  os.flush();
  while ((8 + text.size()) % 8 != 0) // align the data section
    text.push_back(' ');
  return writeFileAtomically(path, [&](raw_ostream &file) {
    const uint64_t headerSize = text.size();
    char size[8];
    for (int i = 0; i < 8; ++i)
      size[i] = char(uint8_t(headerSize >> (8 * i)));
    file.write(size, 8);
    file << text;
    for (const Entry &e : entries_) {
      ArrayRef<uint8_t> bytes = e.bytes();
      file.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    }
  });
}

Error writeFileAtomically(StringRef path,
                          function_ref<void(raw_ostream &)> write) {
  // A temporary file beside `path`, renamed over it once complete; the bytes
  // are streamed (no buffer of the whole file in memory).
  SmallString<256> temp;
  int fd;
  if (std::error_code ec =
          sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, temp))
    return fileError(path, "cannot create: " + ec.message());
  {
    raw_fd_ostream file(fd, /*shouldClose=*/true);
    write(file);
    file.close();
    if (file.has_error()) {
      std::string message = file.error().message();
      file.clear_error();
      sys::fs::remove(temp);
      return fileError(path, "cannot write: " + message);
    }
  }
  if (std::error_code ec = sys::fs::rename(temp, path)) {
    sys::fs::remove(temp);
    return fileError(path, "cannot write: " + ec.message());
  }
  return Error::success();
}

Error writeFileAtomically(StringRef path, StringRef text) {
  return writeFileAtomically(path,
                             [&](raw_ostream &file) { file << text; });
}

} // namespace wq_formats
