//===- FakeCudaDriver.cpp - A stand-in libcuda for runtime tests ----------===//
//
// Implements the driver entry points the runtime loads, on host memory, with
// failures the tests can provoke: images not starting with "FAKECUBIN" are
// invalid, only "known_kernel" exists, launches without parameters fail, and
// FAKE_CUDA_DEVICE_COUNT sets the device count, FAKE_CUDA_SHUT_DOWN makes it
// behave as after its exit handler, FAKE_CUDA_ANY_IMAGE accepts every image
// (a compiled model's kernels load; launching them is another matter) and
// FAKE_CUDA_MEMORY_LIMIT=N fails allocations larger than N bytes. With
// FAKE_CUDA_ANY_IMAGE every kernel name resolves too, so a compiled model
// runs end to end (its launches do nothing; memory starts zeroed), and
// FAKE_CUDA_TRACE prints each graph capture (with the number of kernel
// launches it recorded, and how many of them were programmatic: launched
// with cuLaunchKernelEx to overlap their predecessor), instantiation, launch
// and destruction to stderr. cuModuleGetGlobal finds the names the last
// image loaded mentions; FAKE_CUDA_NO_PROGRAMMATIC makes cuLaunchKernelEx
// answer CUDA_ERROR_NOT_SUPPORTED.
// Built with WQRT_FAKE_OMIT_LAUNCH it lacks
// cuLaunchKernel (an "old driver").
//
//===----------------------------------------------------------------------===//

#include "FakeImage.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {

typedef int CUresult;
enum : CUresult {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  OUT_OF_MEMORY = 2,
  DEINITIALIZED = 4,
  INVALID_IMAGE = 200,
  NOT_FOUND = 500,
  STREAM_CAPTURE_UNSUPPORTED = 900,
};

static int fakeModule, fakeFunction, fakeContext, fakeStream, fakeEvent;

CUresult cuInit(unsigned) { return SUCCESS; }

CUresult cuGetErrorName(CUresult result, const char **name) {
  switch (result) {
  case SUCCESS:
    *name = "CUDA_SUCCESS";
    return SUCCESS;
  case INVALID_VALUE:
    *name = "CUDA_ERROR_INVALID_VALUE";
    return SUCCESS;
  case OUT_OF_MEMORY:
    *name = "CUDA_ERROR_OUT_OF_MEMORY";
    return SUCCESS;
  case INVALID_IMAGE:
    *name = "CUDA_ERROR_INVALID_IMAGE";
    return SUCCESS;
  case NOT_FOUND:
    *name = "CUDA_ERROR_NOT_FOUND";
    return SUCCESS;
  case STREAM_CAPTURE_UNSUPPORTED:
    *name = "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED";
    return SUCCESS;
  default:
    *name = nullptr;
    return INVALID_VALUE;
  }
}

CUresult cuGetErrorString(CUresult result, const char **text) {
  switch (result) {
  case INVALID_IMAGE:
    *text = "device kernel image is invalid";
    return SUCCESS;
  case NOT_FOUND:
    *text = "named symbol not found";
    return SUCCESS;
  case INVALID_VALUE:
    *text = "invalid argument";
    return SUCCESS;
  default:
    *text = "";
    return SUCCESS;
  }
}

CUresult cuDeviceGetCount(int *count) {
  const char *env = std::getenv("FAKE_CUDA_DEVICE_COUNT");
  *count = env ? std::atoi(env) : 1;
  return SUCCESS;
}

CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(void **context, int) {
  *context = &fakeContext;
  return SUCCESS;
}

// FAKE_CUDA_SHUT_DOWN: the driver's exit handler has run.
static bool shutDown() { return std::getenv("FAKE_CUDA_SHUT_DOWN") != nullptr; }

CUresult cuCtxSetCurrent(void *) {
  return shutDown() ? DEINITIALIZED : SUCCESS;
}

/// FAKE_CUDA_TRACE prints each context synchronization.
CUresult cuCtxSynchronize() {
  if (std::getenv("FAKE_CUDA_TRACE"))
    std::fprintf(stderr, "fake-cuda: cuCtxSynchronize\n");
  return SUCCESS;
}

CUresult cuTensorMapEncodeTiled(void *tensorMap, int dataType, unsigned rank,
                                void *address, const uint64_t *dims,
                                const uint64_t *strides, const unsigned *box,
                                const unsigned *elementStrides, int interleave,
                                int swizzle, int l2Promotion, int oobFill) {
  return fakeTensorMapEncodeTiled(tensorMap, dataType, rank, address, dims,
                                  strides, box, elementStrides, interleave,
                                  swizzle, l2Promotion, oobFill);
}

/// The image of the last cuModuleLoadData (the caller's; a compiled model
/// keeps its images for the process's life).
static const void *lastImage = nullptr;

CUresult cuModuleLoadData(void **module, const void *image) {
  if (!std::getenv("FAKE_CUDA_ANY_IMAGE") &&
      std::strncmp(static_cast<const char *>(image), "FAKECUBIN", 9) != 0)
    return INVALID_IMAGE;
  *module = &fakeModule;
  lastImage = image;
  return SUCCESS;
}

CUresult cuModuleGetGlobal_v2(unsigned long long *address, size_t *bytes,
                              void *, const char *name) {
  static int fakeGlobal;
  if (!lastImage || !fakeImageMentions(lastImage, name))
    return NOT_FOUND;
  *address = reinterpret_cast<unsigned long long>(&fakeGlobal);
  *bytes = sizeof(fakeGlobal);
  return SUCCESS;
}

CUresult cuModuleUnload(void *) {
  return shutDown() ? DEINITIALIZED : SUCCESS;
}

CUresult cuModuleGetFunction(void **function, void *, const char *name) {
  if (std::strcmp(name, "known_kernel") != 0 &&
      !std::getenv("FAKE_CUDA_ANY_IMAGE"))
    return NOT_FOUND;
  *function = &fakeFunction;
  return SUCCESS;
}

/// The dynamic shared memory a launch may ask for, as on a Hopper GPU: 48 KB
/// until cuFuncSetAttribute raises it, at most 227 KB.
static int dynamicSharedLimit = 48 * 1024;
constexpr int kMaxDynamicShared = 227 * 1024;

CUresult cuFuncSetAttribute(void *, int attribute, int value) {
  const int kMaxDynamicSharedSizeBytes = 8;
  if (attribute != kMaxDynamicSharedSizeBytes || value < 0 ||
      value > kMaxDynamicShared)
    return INVALID_VALUE;
  dynamicSharedLimit = value;
  return SUCCESS;
}

// Whether the stream is being captured (cuStreamBeginCapture .. End), and
// the kernel launches recorded meanwhile.
static bool capturing = false;
static int capturedLaunches = 0, capturedProgrammaticLaunches = 0;

#ifndef WQRT_FAKE_OMIT_LAUNCH
CUresult cuLaunchKernel(void *, unsigned, unsigned, unsigned, unsigned,
                        unsigned, unsigned, unsigned shared, void *,
                        void **params, void **) {
  if (int(shared) > dynamicSharedLimit)
    return INVALID_VALUE;
  if (!params)
    return INVALID_VALUE;
  capturedLaunches += capturing;
  return SUCCESS;
}

CUresult cuLaunchKernelEx(const wqrt::CUlaunchConfig *config, void *function,
                          void **params, void **extra) {
  // A driver without programmatic launches (FAKE_CUDA_NO_PROGRAMMATIC).
  if (std::getenv("FAKE_CUDA_NO_PROGRAMMATIC"))
    return wqrt::kCudaErrorNotSupported;
  std::optional<bool> programmatic = fakeLaunchIsProgrammatic(config);
  if (!programmatic)
    return INVALID_VALUE;
  CUresult result = cuLaunchKernel(
      function, config->gridDimX, config->gridDimY, config->gridDimZ,
      config->blockDimX, config->blockDimY, config->blockDimZ,
      config->sharedMemBytes, config->hStream, params, extra);
  if (result == SUCCESS)
    capturedProgrammaticLaunches += capturing && *programmatic;
  return result;
}
#endif

static int liveAllocations = 0;

/// Device buffers allocated and not freed (for tests, through dlsym).
int fakeCudaLiveAllocations() { return liveAllocations; }

CUresult cuMemAlloc_v2(unsigned long long *ptr, size_t bytes) {
  const char *limit = std::getenv("FAKE_CUDA_MEMORY_LIMIT");
  if (limit && bytes > std::strtoull(limit, nullptr, 10))
    return OUT_OF_MEMORY;
  void *memory = std::calloc(bytes ? bytes : 1, 1);
  if (!memory)
    return OUT_OF_MEMORY;
  *ptr = reinterpret_cast<unsigned long long>(memory);
  ++liveAllocations;
  return SUCCESS;
}

CUresult cuMemAllocManaged(unsigned long long *ptr, size_t bytes, unsigned) {
  return cuMemAlloc_v2(ptr, bytes);
}

CUresult cuMemFree_v2(unsigned long long ptr) {
  if (ptr)
    --liveAllocations;
  std::free(reinterpret_cast<void *>(ptr));
  return SUCCESS;
}

CUresult cuMemcpyHtoD_v2(unsigned long long dst, const void *src, size_t n) {
  std::memcpy(reinterpret_cast<void *>(dst), src, n);
  return SUCCESS;
}

CUresult cuMemcpyDtoH_v2(void *dst, unsigned long long src, size_t n) {
  std::memcpy(dst, reinterpret_cast<void *>(src), n);
  return SUCCESS;
}

CUresult cuMemcpyDtoD_v2(unsigned long long dst, unsigned long long src,
                         size_t n) {
  std::memcpy(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src), n);
  return SUCCESS;
}

CUresult cuMemcpyAsync(unsigned long long dst, unsigned long long src, size_t n,
                       void *) {
  return cuMemcpyDtoD_v2(dst, src, n);
}

CUresult cuMemsetD32Async(unsigned long long dst, unsigned value, size_t n,
                          void *) {
  for (size_t i = 0; i < n; ++i)
    reinterpret_cast<unsigned *>(dst)[i] = value;
  return SUCCESS;
}

CUresult cuMemsetD16Async(unsigned long long dst, unsigned short value,
                          size_t n, void *) {
  for (size_t i = 0; i < n; ++i)
    reinterpret_cast<unsigned short *>(dst)[i] = value;
  return SUCCESS;
}

CUresult cuMemHostRegister_v2(void *, size_t, unsigned) { return SUCCESS; }
CUresult cuMemHostUnregister(void *) { return SUCCESS; }

CUresult cuStreamCreate(void **stream, unsigned) {
  *stream = &fakeStream;
  return SUCCESS;
}
CUresult cuStreamDestroy_v2(void *) { return SUCCESS; }
// As the real driver: a capturing stream cannot be synchronized.
CUresult cuStreamSynchronize(void *) {
  return capturing ? STREAM_CAPTURE_UNSUPPORTED : SUCCESS;
}
CUresult cuStreamWaitEvent(void *, void *, unsigned) { return SUCCESS; }

CUresult cuEventCreate(void **event, unsigned) {
  *event = &fakeEvent;
  return SUCCESS;
}
CUresult cuEventDestroy_v2(void *) { return SUCCESS; }
CUresult cuEventRecord(void *, void *) { return SUCCESS; }
CUresult cuEventSynchronize(void *) { return SUCCESS; }
CUresult cuEventElapsedTime(float *ms, void *, void *) {
  *ms = 1.5f;
  return SUCCESS;
}

static int fakeGraph, fakeGraphExec;
static void trace(const char *entry) {
  if (std::getenv("FAKE_CUDA_TRACE"))
    std::fprintf(stderr, "fake-cuda: %s\n", entry);
}
CUresult cuStreamBeginCapture_v2(void *, int) {
  trace("cuStreamBeginCapture");
  if (capturing)
    return INVALID_VALUE;
  capturing = true;
  capturedLaunches = capturedProgrammaticLaunches = 0;
  return SUCCESS;
}
CUresult cuStreamEndCapture(void *, void **graph) {
  if (std::getenv("FAKE_CUDA_TRACE"))
    std::fprintf(stderr,
                 "fake-cuda: cuStreamEndCapture (%d kernel launches, %d "
                 "programmatic)\n",
                 capturedLaunches, capturedProgrammaticLaunches);
  if (!capturing)
    return INVALID_VALUE;
  capturing = false;
  *graph = &fakeGraph;
  return SUCCESS;
}
CUresult cuGraphInstantiateWithFlags(void **exec, void *graph,
                                     unsigned long long) {
  trace("cuGraphInstantiate");
  if (graph != &fakeGraph)
    return INVALID_VALUE;
  *exec = &fakeGraphExec;
  return SUCCESS;
}
CUresult cuGraphLaunch(void *exec, void *) {
  trace("cuGraphLaunch");
  return exec == &fakeGraphExec ? SUCCESS : INVALID_VALUE;
}
CUresult cuGraphExecDestroy(void *) {
  trace("cuGraphExecDestroy");
  return SUCCESS;
}
CUresult cuGraphDestroy(void *) { return SUCCESS; }

} // extern "C"
