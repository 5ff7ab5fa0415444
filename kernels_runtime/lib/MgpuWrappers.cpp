//===- MgpuWrappers.cpp - The mgpu* ABI of MLIR's GPU host lowering -------===//
//
// MLIR lowers gpu.launch_func, gpu.alloc, gpu.memcpy, ... on the host to calls
// of these functions (the ABI of upstream's CudaRuntimeWrappers.cpp, as MLIR
// 22 emits it). Debian ships no libmlir_cuda_runtime.so; this library provides
// the same entry points over the wq runtime, so host code from upstream's
// lowering links and runs unchanged. The ABI has no error channel: a failure
// prints the runtime's message (naming the CUDA error and kernel) and exits.
//
//===----------------------------------------------------------------------===//

#include "Runtime.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

using namespace wqrt;

namespace {

[[noreturn]] void die(const char *entry) {
  std::fprintf(stderr, "%s: %s\n", entry, wqrtGetLastErrorMessage());
  std::fflush(stderr);
  // No exit handlers: the failure can happen inside a library's constructor
  // (MLIR loads kernels there), and its destructors would then unload a
  // module that never loaded, after thread-local state is gone.
  std::_Exit(1);
}

void require(wqrtStatus status, const char *entry) {
  if (status != WQRT_SUCCESS)
    die(entry);
}

const CudaDriver &driverFor(const char *entry) {
  require(ensureInitialized(), entry);
  wqrtStatus status;
  const CudaDriver *driver = activeDriver(status);
  if (!driver)
    die(entry);
  return *driver;
}

void checkDriver(const CudaDriver &driver, CUresult result, const char *entry) {
  if (result != CUDA_SUCCESS) {
    fail(WQRT_ERROR_CUDA, describeCudaError(driver, result));
    die(entry);
  }
}

/// Device copies of host bytes, uploaded on first use and kept until
/// released: the module constants and the tensor maps.
template <typename Key> struct DeviceCopies {
  std::mutex mutex;
  std::map<Key, void *> copies;

  /// Frees every copy; the caller holds `mutex`.
  wqrtStatus releaseAll() {
    wqrtStatus result = WQRT_SUCCESS;
    for (auto &[key, device] : copies)
      if (wqrtStatus status = wqrtFree(device); status != WQRT_SUCCESS)
        result = status;
    copies.clear();
    return result;
  }

  /// The copy of `bytes` bytes at `host` under `key`, uploaded (synchronously,
  /// so later work may read it at once) if there is none; the caller holds
  /// `mutex`. A first upload inside a graph capture exits naming `entry`
  /// (`what` says what was first used there): its buffer would be freed with
  /// the graph.
  void *get(const Key &key, const void *host, uint64_t bytes,
            const char *entry, const char *what) {
    if (auto found = copies.find(key); found != copies.end())
      return found->second;
    if (captureStream()) {
      fail(WQRT_ERROR_INVALID_ARGUMENT,
           std::string(what) +
               " for the first time inside a graph capture; call the "
               "compiled function once before wqrtCaptureBegin");
      die(entry);
    }
    void *device = nullptr;
    require(wqrtMalloc(bytes, &device), entry);
    if (wqrtStatus status = wqrtMemcpyHostToDevice(device, host, bytes);
        status != WQRT_SUCCESS) {
      wqrtFree(device);
      die(entry);
    }
    copies.emplace(key, device);
    return device;
  }
};

/// Module constants by (host address, bytes).
DeviceCopies<std::pair<const void *, uint64_t>> &deviceConstants() {
  static auto *constants =
      new DeviceCopies<std::pair<const void *, uint64_t>>();
  return *constants;
}

/// An encoded tensor map (cuda.h's CUtensorMap).
using TensorMapBytes = std::array<unsigned char, kTensorMapBytes>;
/// Tensor maps by wqrtTensorMapEncodeTiled2D's arguments (base address,
/// rows, columns, box rows, box columns, swizzle bytes), which determine the
/// map: a repeated request (every launch of a prompt's kernels) skips the
/// encoding.
using TensorMapRequest = std::array<int64_t, 6>;
DeviceCopies<TensorMapRequest> &deviceTensorMaps() {
  static auto *maps = new DeviceCopies<TensorMapRequest>();
  return *maps;
}
/// Beyond this many maps (a long-running process seeing ever new buffers or
/// prompt lengths) the cache is emptied, after the device has finished
/// every launch that may read one.
constexpr size_t kMaxDeviceTensorMaps = 4096;

/// The descriptor MLIR passes for mgpuMemHostRegisterMemRef, of any rank:
/// upstream's rank-erased view (as in its CudaRuntimeWrappers), sizes read
/// through a pointer since the rank is a run-time value.
using MemRefDescriptor = StridedMemRefType<char, 1>;

} // namespace

extern "C" {

void *mgpuModuleLoad(void *data, size_t gpuBlobSize) {
  require(ensureInitialized(), "mgpuModuleLoad");
  wqrtModule module;
  require(wqrtModuleLoad(data, gpuBlobSize, &module), "mgpuModuleLoad");
  return module;
}

void *mgpuModuleLoadJIT(void *data, int /*optLevel*/) {
  // PTX: the driver JIT-compiles it at its default optimization level.
  require(ensureInitialized(), "mgpuModuleLoadJIT");
  wqrtModule module;
  require(wqrtModuleLoad(data, 0, &module), "mgpuModuleLoadJIT");
  return module;
}

void mgpuModuleUnload(void *module) {
  if (!module)
    return; // its load failed (and was reported)
  require(wqrtModuleUnload(static_cast<wqrtModule>(module)),
          "mgpuModuleUnload");
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  wqrtKernel kernel;
  require(wqrtModuleGetKernel(static_cast<wqrtModule>(module), name, &kernel),
          "mgpuModuleGetFunction");
  return kernel;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void ** /*extra*/,
                      size_t /*paramsCount*/) {
  const uint32_t grid[3] = {uint32_t(gridX), uint32_t(gridY), uint32_t(gridZ)};
  const uint32_t block[3] = {uint32_t(blockX), uint32_t(blockY),
                             uint32_t(blockZ)};
  require(wqrtLaunchKernel(static_cast<wqrtKernel>(function), grid, block,
                           uint32_t(smem), static_cast<wqrtStream>(stream),
                           params),
          "mgpuLaunchKernel");
}

// While a graph is captured (wqrtCaptureBegin), the host code's streams are
// the capturing stream, which it must neither synchronize nor destroy.
void *mgpuStreamCreate() {
  if (wqrtStream stream = captureStream())
    return stream;
  require(ensureInitialized(), "mgpuStreamCreate");
  wqrtStream stream;
  require(wqrtStreamCreate(&stream), "mgpuStreamCreate");
  return stream;
}

void mgpuStreamDestroy(void *stream) {
  if (stream && stream == captureStream())
    return;
  require(wqrtStreamDestroy(static_cast<wqrtStream>(stream)),
          "mgpuStreamDestroy");
}

void mgpuStreamSynchronize(void *stream) {
  if (stream && stream == captureStream())
    return;
  require(wqrtStreamSynchronize(static_cast<wqrtStream>(stream)),
          "mgpuStreamSynchronize");
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  const CudaDriver &driver = driverFor("mgpuStreamWaitEvent");
  checkDriver(driver,
              driver.cuStreamWaitEvent(static_cast<CUstream>(stream),
                                       static_cast<CUevent>(event), 0),
              "mgpuStreamWaitEvent");
}

void *mgpuEventCreate() {
  require(ensureInitialized(), "mgpuEventCreate");
  wqrtEvent event;
  require(wqrtEventCreate(&event), "mgpuEventCreate");
  return event;
}

void mgpuEventDestroy(void *event) {
  require(wqrtEventDestroy(static_cast<wqrtEvent>(event)), "mgpuEventDestroy");
}

void mgpuEventSynchronize(void *event) {
  require(wqrtEventSynchronize(static_cast<wqrtEvent>(event)),
          "mgpuEventSynchronize");
}

void mgpuEventRecord(void *event, void *stream) {
  require(wqrtEventRecord(static_cast<wqrtEvent>(event),
                          static_cast<wqrtStream>(stream)),
          "mgpuEventRecord");
}

void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/, bool isHostShared) {
  const CudaDriver &driver = driverFor("mgpuMemAlloc");
  if (sizeBytes == 0)
    return nullptr;
  CUdeviceptr ptr = 0;
  constexpr unsigned kAttachGlobal = 1; // CU_MEM_ATTACH_GLOBAL
  checkDriver(driver,
              isHostShared
                  ? driver.cuMemAllocManaged(&ptr, sizeBytes, kAttachGlobal)
                  : driver.cuMemAlloc_v2(&ptr, sizeBytes),
              "mgpuMemAlloc");
  return reinterpret_cast<void *>(static_cast<uintptr_t>(ptr));
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (captureStream()) {
    keepForGraph(ptr); // the graph's replays use it
    return;
  }
  require(wqrtFree(ptr), "mgpuMemFree");
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream) {
  const CudaDriver &driver = driverFor("mgpuMemcpy");
  checkDriver(driver,
              driver.cuMemcpyAsync(reinterpret_cast<uintptr_t>(dst),
                                   reinterpret_cast<uintptr_t>(src), sizeBytes,
                                   static_cast<CUstream>(stream)),
              "mgpuMemcpy");
}

void mgpuMemset32(void *dst, unsigned int value, size_t count, void *stream) {
  const CudaDriver &driver = driverFor("mgpuMemset32");
  checkDriver(driver,
              driver.cuMemsetD32Async(reinterpret_cast<uintptr_t>(dst), value,
                                      count, static_cast<CUstream>(stream)),
              "mgpuMemset32");
}

void mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream) {
  const CudaDriver &driver = driverFor("mgpuMemset16");
  checkDriver(driver,
              driver.cuMemsetD16Async(reinterpret_cast<uintptr_t>(dst), value,
                                      count, static_cast<CUstream>(stream)),
              "mgpuMemset16");
}

void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  const CudaDriver &driver = driverFor("mgpuMemHostRegister");
  checkDriver(driver, driver.cuMemHostRegister_v2(ptr, sizeBytes, 0),
              "mgpuMemHostRegister");
}

void mgpuMemHostUnregister(void *ptr) {
  const CudaDriver &driver = driverFor("mgpuMemHostUnregister");
  checkDriver(driver, driver.cuMemHostUnregister(ptr), "mgpuMemHostUnregister");
}

/// Registers the memory of a strided memref (rank `rank`) with the driver.
void mgpuMemHostRegisterMemRef(int64_t rank, MemRefDescriptor *descriptor,
                               int64_t elementSizeBytes) {
  int64_t count = 1;
  const int64_t *sizes = descriptor->sizes;
  for (int64_t i = 0; i < rank; ++i)
    count *= sizes[i];
  char *ptr = descriptor->data + descriptor->offset * elementSizeBytes;
  mgpuMemHostRegister(ptr, uint64_t(count * elementSizeBytes));
}

void mgpuMemHostUnregisterMemRef(int64_t rank, MemRefDescriptor *descriptor,
                                 int64_t elementSizeBytes) {
  (void)rank;
  mgpuMemHostUnregister(descriptor->data +
                        descriptor->offset * elementSizeBytes);
}

void mgpuSetDefaultDevice(int32_t device) { setDefaultDevice(device); }

/// A constant of a compiled module (its address and size identify it) on the
/// device: uploaded on first use, then the same copy for every call.
void *wqrtDeviceConstant(const void *host, uint64_t bytes, void *stream) {
  (void)stream; // the upload is synchronous: later work may read it at once
  driverFor("wqrtDeviceConstant"); // initializes, as every mgpu entry does
  auto &constants = deviceConstants();
  std::lock_guard<std::mutex> lock(constants.mutex);
  return constants.get({host, bytes}, host, bytes, "wqrtDeviceConstant",
                       "a module constant is used");
}

void *wqrtTensorMapEncodeTiled2D(const void *base, int64_t rows,
                                 int64_t columns, int64_t boxRows,
                                 int64_t boxColumns, int64_t swizzleBytes) {
  const char *entry = "wqrtTensorMapEncodeTiled2D";
  const CudaDriver &driver = driverFor(entry);
  if (rows == 0)
    return nullptr; // no block reads an empty tensor
  int swizzle;
  switch (swizzleBytes) {
  case 0: swizzle = 0; break;
  case 32: swizzle = 1; break;
  case 64: swizzle = 2; break;
  case 128: swizzle = 3; break;
  default: swizzle = -1;
  }
  auto describe = [&] {
    char address[32];
    std::snprintf(address, sizeof(address), "%p", base);
    return "tensor map of the " + std::to_string(rows) + "x" +
           std::to_string(columns) + " matrix at " + address +
           " in boxes of " + std::to_string(boxRows) + "x" +
           std::to_string(boxColumns) + " with a " +
           std::to_string(swizzleBytes) + "-byte swizzle";
  };
  if (rows < 0 || columns <= 0 || swizzle < 0 || boxRows <= 0 ||
      boxColumns <= 0) {
    fail(WQRT_ERROR_INVALID_ARGUMENT, describe() + ": not a valid shape");
    die(entry);
  }
  const TensorMapRequest request = {
      int64_t(reinterpret_cast<intptr_t>(base)), rows, columns, boxRows,
      boxColumns, swizzleBytes};
  auto &maps = deviceTensorMaps();
  std::lock_guard<std::mutex> lock(maps.mutex);
  if (auto found = maps.copies.find(request); found != maps.copies.end())
    return found->second;
  // cuda.h's order: the innermost (contiguous) dimension first; strides of
  // the outer dimensions in bytes.
  const uint64_t dims[2] = {uint64_t(columns), uint64_t(rows)};
  const uint64_t strides[1] = {uint64_t(columns) * 2};
  const unsigned box[2] = {unsigned(boxColumns), unsigned(boxRows)};
  const unsigned elementStrides[2] = {1, 1};
  alignas(64) TensorMapBytes map{};
  if (CUresult result = driver.cuTensorMapEncodeTiled(
          map.data(), kTensorMapDataTypeUint16, 2, const_cast<void *>(base),
          dims, strides, box, elementStrides, kTensorMapInterleaveNone,
          swizzle, kTensorMapL2PromotionNone, kTensorMapFloatOobFillNone);
      result != CUDA_SUCCESS) {
    fail(WQRT_ERROR_CUDA, "encoding the " + describe() +
                              " (cuTensorMapEncodeTiled): " +
                              describeCudaError(driver, result));
    die(entry);
  }
  if (maps.copies.size() >= kMaxDeviceTensorMaps && !captureStream()) {
    checkDriver(driver, driver.cuCtxSynchronize(), entry);
    require(maps.releaseAll(), entry);
  }
  return maps.get(request, map.data(), kTensorMapBytes, entry,
                  "a tensor map is made");
}

wqrtStatus wqrtReleaseTensorMaps(void) {
  auto &maps = deviceTensorMaps();
  std::lock_guard<std::mutex> lock(maps.mutex);
  return maps.releaseAll();
}

wqrtStatus wqrtReleaseDeviceConstants(void) {
  auto &constants = deviceConstants();
  std::lock_guard<std::mutex> lock(constants.mutex);
  return constants.releaseAll();
}

} // extern "C"
