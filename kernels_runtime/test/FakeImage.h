//===- FakeImage.h - What the stand-in drivers read of a module image -----===//
//
// The stand-in drivers (FakeCudaDriver.cpp, CallbackCudaDriver.cpp) answer
// cuModuleGetGlobal for the names a module image holds: a PTX image is text
// up to its NUL, an ELF image (a cubin) ends with its section header table;
// anything else holds no names. They read cuLaunchKernelEx's configuration
// as the runtime writes it (CudaDriver.h).
//
//===----------------------------------------------------------------------===//

#ifndef WQ_KERNELS_RUNTIME_TEST_FAKEIMAGE_H
#define WQ_KERNELS_RUNTIME_TEST_FAKEIMAGE_H

#include "../lib/CudaDriver.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

/// Whether a launch configuration asks for programmatic stream
/// serialization; none for a configuration the stand-ins do not take (null,
/// or an attribute other than that one).
inline std::optional<bool>
fakeLaunchIsProgrammatic(const wqrt::CUlaunchConfig *config) {
  if (!config || (config->numAttrs && !config->attrs))
    return std::nullopt;
  bool programmatic = false;
  for (unsigned i = 0; i < config->numAttrs; ++i) {
    if (config->attrs[i].id !=
        wqrt::kLaunchAttributeProgrammaticStreamSerialization)
      return std::nullopt;
    programmatic =
        config->attrs[i].value.programmaticStreamSerializationAllowed != 0;
  }
  return programmatic;
}

inline bool fakeImageMentions(const void *image, std::string_view name) {
  const char *bytes = static_cast<const char *>(image);
  size_t size;
  if (std::memcmp(bytes, "\x7f" "ELF\x02", 5) == 0) {
    uint64_t sectionHeaders;
    uint16_t entrySize, entries;
    std::memcpy(&sectionHeaders, bytes + 0x28, sizeof(sectionHeaders));
    std::memcpy(&entrySize, bytes + 0x3A, sizeof(entrySize));
    std::memcpy(&entries, bytes + 0x3C, sizeof(entries));
    size = sectionHeaders + uint64_t(entrySize) * entries;
  } else {
    size = std::strlen(bytes);
  }
  return std::string_view(bytes, size).find(name) != std::string_view::npos;
}

#endif // WQ_KERNELS_RUNTIME_TEST_FAKEIMAGE_H
