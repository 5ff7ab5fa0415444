//===- CudaDriver.cpp - Loading the CUDA driver with dlopen ---------------===//

#include "CudaDriver.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace wqrt {

const CudaDriver *loadCudaDriver(std::string &error) {
  static CudaDriver driver;
  static std::string loadError;
  static bool loaded = false;
  static std::once_flag once;
  std::call_once(once, [] {
    const char *path = std::getenv("WQRT_CUDA_DRIVER");
    if (!path || !*path)
      path = "libcuda.so.1";
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *reason = dlerror();
      loadError = std::string("cannot load the CUDA driver '") + path +
                  "': " + (reason ? reason : "unknown reason") +
                  " (is an NVIDIA driver installed? WQRT_CUDA_DRIVER may name "
                  "the library)";
      return;
    }
#define WQRT_RESOLVE(name, ret, args)                                          \
  driver.name = reinterpret_cast<ret(*) args>(dlsym(handle, #name));           \
  if (!driver.name) {                                                          \
    loadError = std::string("the CUDA driver '") + path +                      \
                "' lacks the entry point " #name " (driver too old?)";         \
    return;                                                                    \
  }
    WQRT_CUDA_DRIVER_FUNCTIONS(WQRT_RESOLVE)
#undef WQRT_RESOLVE
    loaded = true;
  });
  if (!loaded) {
    error = loadError;
    return nullptr;
  }
  return &driver;
}

std::string describeCudaError(const CudaDriver &driver, CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (driver.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    name = "unknown CUDA error";
  if (driver.cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
    text = "";
  std::string message = std::string(name) + " (" + std::to_string(result);
  if (*text)
    message += ": " + std::string(text);
  return message + ")";
}

} // namespace wqrt
