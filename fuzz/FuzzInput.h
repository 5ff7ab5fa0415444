//===- FuzzInput.h - helpers shared by the libFuzzer harnesses ------------===//
//
// The readers open files by path (memory-mapped, as the tools do), so the
// harnesses write each input to a per-process file first.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_FUZZ_FUZZINPUT_H
#define WQ_FUZZ_FUZZINPUT_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace wq_fuzz {

/// $TMPDIR (default /tmp)/wq-fuzz-<pid><suffix>: a path of this process.
inline std::string inputPath(const char *suffix) {
  const char *dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/wq-fuzz-" +
         std::to_string(getpid()) + suffix;
}

inline void writeFile(const std::string &path, const uint8_t *data,
                      size_t size) {
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    std::abort();
  if (size && std::fwrite(data, 1, size, file) != size)
    std::abort();
  std::fclose(file);
}

/// Writes the input to inputPath(suffix) and returns the path.
inline std::string writeInput(const uint8_t *data, size_t size,
                              const char *suffix) {
  std::string path = inputPath(suffix);
  writeFile(path, data, size);
  return path;
}

} // namespace wq_fuzz

#endif // WQ_FUZZ_FUZZINPUT_H
