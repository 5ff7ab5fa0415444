//===- FakeImage.h - What the stand-in drivers read of a module image -----===//
//
// The stand-in drivers (FakeCudaDriver.cpp, CallbackCudaDriver.cpp) answer
// cuModuleGetGlobal for the names a module image holds: a PTX image is text
// up to its NUL, an ELF image (a cubin) ends with its section header table;
// anything else holds no names. They read cuLaunchKernelEx's configuration
// as the runtime writes it (CudaDriver.h), and encode tensor maps in a format
// of their own (FakeTensorMap), which scripts/ptx_sim.py reads.
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

/// What the stand-ins' cuTensorMapEncodeTiled writes into a CUtensorMap:
/// its parameters as given (a real driver's encoding is its own). Keep the
/// layout in step with TENSOR_MAP in scripts/ptx_sim.py.
struct FakeTensorMap {
  static constexpr uint32_t kMagic = 0x70616D54;
  uint32_t magic, rank;
  uint64_t address;
  uint64_t dims[5];    // innermost first
  uint64_t strides[4]; // bytes, of dims 1 ..
  uint32_t box[5];
  uint32_t elementBytes, swizzle, oobFill;
};
static_assert(sizeof(FakeTensorMap) == 120 &&
                  sizeof(FakeTensorMap) <= wqrt::kTensorMapBytes,
              "ptx_sim.py's TENSOR_MAP layout");

/// cuTensorMapEncodeTiled with the checks of CUDA's documentation: 0 or
/// CUDA_ERROR_INVALID_VALUE (1).
inline int fakeTensorMapEncodeTiled(void *tensorMap, int dataType,
                                    unsigned rank, void *address,
                                    const uint64_t *dims,
                                    const uint64_t *strides,
                                    const unsigned *box,
                                    const unsigned *elementStrides,
                                    int interleave, int swizzle, int,
                                    int oobFill) {
  constexpr int kInvalidValue = 1;
  static const uint32_t elementBytesOf[] = {1, 2, 4, 4, 8, 8, 2, 4, 8, 2};
  if (!tensorMap || reinterpret_cast<uintptr_t>(tensorMap) % 64 ||
      dataType < 0 || dataType > 9 || rank < 1 || rank > 5 ||
      reinterpret_cast<uintptr_t>(address) % 16 || interleave != 0 ||
      swizzle < 0 || swizzle > 3 || oobFill < 0 || oobFill > 1)
    return kInvalidValue;
  FakeTensorMap map{};
  map.magic = FakeTensorMap::kMagic;
  map.rank = rank;
  map.address = reinterpret_cast<uintptr_t>(address);
  map.elementBytes = elementBytesOf[dataType];
  map.swizzle = uint32_t(swizzle);
  map.oobFill = uint32_t(oobFill);
  for (unsigned i = 0; i < rank; ++i) {
    if (dims[i] == 0 || dims[i] > (uint64_t(1) << 32) || box[i] == 0 ||
        box[i] > 256 || elementStrides[i] != 1)
      return kInvalidValue;
    map.dims[i] = dims[i];
    map.box[i] = box[i];
    if (i + 1 < rank) {
      if (strides[i] % 16 || strides[i] >= (uint64_t(1) << 40))
        return kInvalidValue;
      map.strides[i] = strides[i];
    }
  }
  const uint64_t innerBoxBytes = uint64_t(box[0]) * map.elementBytes;
  if (innerBoxBytes % 16 || (swizzle && innerBoxBytes > (16u << swizzle)))
    return kInvalidValue;
  std::memset(tensorMap, 0, wqrt::kTensorMapBytes);
  std::memcpy(tensorMap, &map, sizeof(map));
  return 0;
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
