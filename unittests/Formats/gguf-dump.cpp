//===- gguf-dump.cpp - Test driver: what wq's GGUF reader sees ------------===//
//
// Test-only tool (not installed) that the lit tests run next to the `gguf`
// Python package to compare wq's reader against it:
//
//   wq-gguf-dump FILE [--out DIR] [--tensor NAME]...
//       opens FILE with GgufFile::open and prints, as JSON on stdout, the
//       version, alignment, data offset, every metadata value (typed:
//       {"t": "u32", "v": 7}, arrays {"t": "array", "et": "i32", "v": [...]},
//       strings that are not UTF-8 as {"t": "string", "hex": "..."}, non-finite
//       floats as "nan"/"inf"/"-inf") and the tensor table. With --out, writes
//       the dequantized values of every tensor wq can dequantize (or only the
//       --tensor ones) to DIR/<index>.f32 as raw little-endian f32 and names
//       the file in the tensor's "f32" field; the others get "error".
//   wq-gguf-dump --types
//       prints the ggml type table (number, name, block elements and bytes,
//       whether wq dequantizes it) as JSON.
//
// Errors go to stderr with exit code 1.
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Gguf.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <set>

using namespace llvm;
using namespace wq_formats;

namespace {

void writeNumber(json::OStream &out, double value) {
  if (std::isnan(value))
    out.value("nan");
  else if (std::isinf(value))
    out.value(value > 0 ? "inf" : "-inf");
  else {
    // Exact (17 significant digits) and always a JSON float: "-0.0", "1e+05",
    // "100000.0" rather than the integers "-0" and "100000".
    char buffer[40];
    snprintf(buffer, sizeof(buffer), "%.17g", value);
    std::string text = buffer;
    if (text.find_first_of(".e") == std::string::npos)
      text += ".0";
    out.rawValue(text);
  }
}

void writeValue(json::OStream &out, const GgufValue &value) {
  out.object([&] {
    out.attribute("t", ggufValueTypeName(value.type));
    switch (value.type) {
    case GgufValueType::U8:
    case GgufValueType::U16:
    case GgufValueType::U32:
    case GgufValueType::U64:
      out.attribute("v", value.unsignedValue);
      break;
    case GgufValueType::I8:
    case GgufValueType::I16:
    case GgufValueType::I32:
    case GgufValueType::I64:
      out.attribute("v", value.signedValue);
      break;
    case GgufValueType::Bool:
      out.attribute("v", value.unsignedValue != 0);
      break;
    case GgufValueType::F32:
    case GgufValueType::F64:
      out.attributeBegin("v");
      writeNumber(out, value.floatValue);
      out.attributeEnd();
      break;
    case GgufValueType::String:
      if (json::isUTF8(value.stringValue))
        out.attribute("v", value.stringValue);
      else
        out.attribute("hex", toHex(value.stringValue, /*LowerCase=*/true));
      break;
    case GgufValueType::Array:
      out.attribute("et", ggufValueTypeName(value.elementType));
      out.attributeArray("v", [&] {
        for (const GgufValue &element : value.elements)
          writeValue(out, element);
      });
      break;
    }
  });
}

int dumpTypes() {
  json::OStream out(outs());
  out.array([&] {
    for (uint32_t type = 0; type < 64; ++type) {
      int64_t elements = 0, bytes = 0;
      if (!ggmlTypeLayout(type, elements, bytes))
        continue;
      int64_t e2 = 0, b2 = 0;
      bool dequantizable = ggmlBlockInfo(type, e2, b2);
      out.object([&] {
        out.attribute("type", int64_t(type));
        out.attribute("name", ggmlTypeName(type));
        out.attribute("block_elements", elements);
        out.attribute("block_bytes", bytes);
        out.attribute("dequantizable", dequantizable);
      });
    }
  });
  outs() << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string path, outDir;
  std::set<std::string> selected;
  for (int i = 1; i < argc; ++i) {
    StringRef arg = argv[i];
    if (arg == "--types")
      return dumpTypes();
    if ((arg == "--out" || arg == "--tensor") && i + 1 < argc) {
      if (arg == "--out")
        outDir = argv[++i];
      else
        selected.insert(argv[++i]);
      continue;
    }
    if (arg.starts_with("-") || !path.empty()) {
      errs() << "usage: wq-gguf-dump FILE [--out DIR] [--tensor NAME]... | "
                "--types\n";
      return 2;
    }
    path = arg.str();
  }
  if (path.empty()) {
    errs() << "usage: wq-gguf-dump FILE [--out DIR] [--tensor NAME]...\n";
    return 2;
  }
  Expected<GgufFile> file = GgufFile::open(path);
  if (!file) {
    errs() << toString(file.takeError()) << "\n";
    return 1;
  }
  for (const std::string &name : selected)
    if (!file->findTensor(name)) {
      errs() << path << ": no tensor '" << name << "'\n";
      return 1;
    }
  if (!outDir.empty())
    if (std::error_code ec = sys::fs::create_directories(outDir)) {
      errs() << outDir << ": " << ec.message() << "\n";
      return 1;
    }

  json::OStream out(outs());
  int status = 0;
  out.object([&] {
    out.attribute("version", int64_t(file->version()));
    out.attribute("alignment", int64_t(file->alignment()));
    out.attribute("data_offset", int64_t(file->dataOffset()));
    out.attribute("file_size", int64_t(file->fileSize()));
    out.attributeArray("metadata", [&] {
      for (const auto &[key, value] : file->metadata())
        out.array([&] {
          out.value(key);
          writeValue(out, value);
        });
    });
    out.attributeArray("tensors", [&] {
      const std::vector<GgufTensorInfo> &tensors = file->tensors();
      for (size_t index = 0; index < tensors.size(); ++index) {
        const GgufTensorInfo &tensor = tensors[index];
        out.object([&] {
          out.attribute("name", tensor.name);
          out.attribute("type", int64_t(tensor.type));
          out.attribute("type_name", ggmlTypeName(tensor.type));
          out.attributeArray("dims", [&] {
            for (int64_t d : tensor.dims)
              out.value(d);
          });
          out.attributeArray("shape", [&] {
            for (int64_t d : tensor.shape())
              out.value(d);
          });
          out.attribute("offset", int64_t(tensor.offset));
          out.attribute("bytes", int64_t(tensor.bytes));
          if (outDir.empty() ||
              (!selected.empty() && !selected.count(tensor.name)))
            return;
          Expected<std::vector<float>> values = file->dequantize(tensor);
          if (!values) {
            out.attribute("error", toString(values.takeError()));
            return;
          }
          SmallString<256> f32Path(outDir);
          sys::path::append(f32Path, std::to_string(index) + ".f32");
          std::error_code ec;
          raw_fd_ostream f32(f32Path, ec, sys::fs::OF_None);
          if (!ec) {
            f32.write(reinterpret_cast<const char *>(values->data()),
                      values->size() * sizeof(float));
            f32.close();
            ec = f32.error();
          }
          if (ec) {
            errs() << f32Path << ": " << ec.message() << "\n";
            status = 1;
          }
          out.attribute("f32", f32Path.str());
        });
      }
    });
  });
  outs() << "\n";
  return status;
}
