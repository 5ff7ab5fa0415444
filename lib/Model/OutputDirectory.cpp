//===- OutputDirectory.cpp - compiler output folders -----------------------===//

#include "wq/Model/OutputDirectory.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

using namespace llvm;

namespace wq_model {

namespace {

Error outputError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

} // namespace

bool isCompiledModelDirectory(StringRef path) {
  SmallString<256> config(path), library(path);
  sys::path::append(config, "config.json");
  sys::path::append(library, "model.so");
  return sys::fs::is_directory(path) && sys::fs::is_regular_file(config) &&
         sys::fs::is_regular_file(library);
}

OutputDirectory::OutputDirectory(StringRef final, StringRef temp)
    : final(final), temp(temp) {}

OutputDirectory::OutputDirectory(OutputDirectory &&other)
    : final(other.final), temp(other.temp), committed(other.committed) {
  other.committed = true; // the moved-from object owns nothing
}

OutputDirectory::~OutputDirectory() {
  if (!committed)
    sys::fs::remove_directories(temp);
}

Expected<OutputDirectory> OutputDirectory::create(StringRef path,
                                                  bool force) {
  SmallString<256> normalized(path);
  while (normalized.size() > 1 &&
         sys::path::is_separator(normalized.back()))
    normalized.pop_back();
  StringRef name = sys::path::filename(normalized);
  if (normalized.empty() || name == "." || name == ".." ||
      sys::path::is_separator(normalized.back()))
    return outputError("-o " + path +
                       ": the output folder needs a name of its own (not "
                       "'.', '..' or '/')");
  if (sys::fs::exists(normalized) && !isCompiledModelDirectory(normalized) &&
      !force)
    return outputError(
        "-o " + path + ": exists and is not a compiled model folder (" +
        (sys::fs::is_directory(normalized) ? "a folder without config.json "
                                             "and model.so"
                                           : "not a folder") +
        "); choose another path, or pass --force to replace it");
  SmallString<256> temp(normalized);
  temp += formatv(".tmp-{0}", sys::Process::getProcessId()).str();
  sys::fs::remove_directories(temp);
  if (std::error_code ec = sys::fs::create_directories(temp))
    return outputError(temp + ": " + ec.message());
  return OutputDirectory(normalized, temp);
}

Error OutputDirectory::commit() {
  SmallString<256> aside;
  if (sys::fs::exists(final)) {
    aside = final;
    aside += formatv(".old-{0}", sys::Process::getProcessId()).str();
    sys::fs::remove_directories(aside);
    if (std::error_code ec = sys::fs::rename(final, aside))
      return outputError(final + ": cannot move the previous output aside: " +
                         ec.message());
  }
  if (std::error_code ec = sys::fs::rename(temp, final)) {
    if (!aside.empty())
      sys::fs::rename(aside, final); // put the previous output back
    return outputError(final + ": " + ec.message());
  }
  committed = true;
  if (!aside.empty()) {
    // A replaced file, or a folder.
    if (sys::fs::is_directory(aside))
      sys::fs::remove_directories(aside);
    else
      sys::fs::remove(aside);
  }
  return Error::success();
}

} // namespace wq_model
