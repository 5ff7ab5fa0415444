//===- Runtime.cpp - The wq runtime C API ---------------------------------===//

#include "Runtime.h"

#include <atomic>
#include <cstdlib>
#include <mutex>

using namespace wqrt;

namespace {

/// The stream of the running capture (one per process, see wqrtCaptureBegin).
std::atomic<wqrtStream> capturing{nullptr};
/// The buffers the running capture's code freed (see keepForGraph).
std::mutex capturedMutex;
std::vector<void *> capturedBuffers;

/// Frees the buffers a capture kept (a failed capture, a destroyed graph).
wqrtStatus freeBuffers(std::vector<void *> &buffers) {
  wqrtStatus result = WQRT_SUCCESS;
  for (void *buffer : buffers)
    if (wqrtStatus status = wqrtFree(buffer); status != WQRT_SUCCESS)
      result = status;
  buffers.clear();
  return result;
}

struct RuntimeState {
  std::mutex mutex;
  const CudaDriver *driver = nullptr;
  CUcontext context = nullptr;
  int device = -1;
  int defaultDevice = 0;
};

RuntimeState &state() {
  static RuntimeState instance;
  return instance;
}

thread_local std::string lastError;

/// Checks a driver result, recording "<what>: <CUDA error>" on failure.
wqrtStatus check(const CudaDriver &driver, CUresult result,
                 const std::string &what) {
  if (result == CUDA_SUCCESS)
    return WQRT_SUCCESS;
  return fail(WQRT_ERROR_CUDA,
              what + " failed: " + describeCudaError(driver, result));
}

CUdeviceptr toDevice(const void *ptr) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(ptr));
}

/// Calls the active driver (initialized and made current on first use) and
/// turns its result into a status. `describe()` names the call in the error
/// message and only runs on failure, so launches build no string.
template <typename Call, typename Describe>
wqrtStatus callDriver(Call call, Describe describe) {
  wqrtStatus status;
  const CudaDriver *driver = wqrt::activeDriver(status);
  if (!driver)
    return status;
  CUresult result = call(*driver);
  if (result == CUDA_SUCCESS)
    return WQRT_SUCCESS;
  return check(*driver, result, describe());
}

template <typename Call> wqrtStatus callDriver(Call call, const char *what) {
  return callDriver(call, [what] { return std::string(what); });
}

} // namespace

wqrtStatus wqrt::fail(wqrtStatus status, std::string message) {
  lastError = "wq runtime: " + std::move(message);
  return status;
}

void wqrt::setDefaultDevice(int device) {
  std::lock_guard<std::mutex> lock(state().mutex);
  state().defaultDevice = device;
}

wqrtStatus wqrt::ensureInitialized() {
  int device;
  {
    std::lock_guard<std::mutex> lock(state().mutex);
    if (state().driver)
      return WQRT_SUCCESS;
    device = state().defaultDevice;
  }
  return wqrtInit(device);
}

const CudaDriver *wqrt::activeDriver(wqrtStatus &status) {
  RuntimeState &s = state();
  const CudaDriver *driver;
  CUcontext context;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    driver = s.driver;
    context = s.context;
  }
  if (!driver) {
    status = fail(WQRT_ERROR_NOT_INITIALIZED,
                  "wqrtInit has not been called (or failed)");
    return nullptr;
  }
  status = check(*driver, driver->cuCtxSetCurrent(context), "cuCtxSetCurrent");
  return status == WQRT_SUCCESS ? driver : nullptr;
}

extern "C" {

uint32_t wqrtGetApiVersion(void) { return WQRT_API_VERSION; }

const char *wqrtGetLastErrorMessage(void) { return lastError.c_str(); }

wqrtStatus wqrtGetDeviceCount(int *count) {
  if (!count)
    return fail(WQRT_ERROR_INVALID_ARGUMENT, "wqrtGetDeviceCount: null count");
  std::string error;
  const CudaDriver *driver = loadCudaDriver(error);
  if (!driver)
    return fail(WQRT_ERROR_DRIVER_NOT_FOUND, error);
  if (wqrtStatus status = check(*driver, driver->cuInit(0), "cuInit"))
    return status;
  return check(*driver, driver->cuDeviceGetCount(count), "cuDeviceGetCount");
}

wqrtStatus wqrtInit(int device) {
  RuntimeState &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.driver) {
    if (s.device == device)
      return WQRT_SUCCESS;
    return fail(WQRT_ERROR_INVALID_ARGUMENT,
                "already initialized on device " + std::to_string(s.device) +
                    ", cannot switch to device " + std::to_string(device));
  }
  std::string error;
  const CudaDriver *driver = loadCudaDriver(error);
  if (!driver)
    return fail(WQRT_ERROR_DRIVER_NOT_FOUND, error);
  if (wqrtStatus status = check(*driver, driver->cuInit(0), "cuInit"))
    return status;
  int count = 0;
  if (wqrtStatus status =
          check(*driver, driver->cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return status;
  if (device < 0 || device >= count)
    return fail(WQRT_ERROR_NO_DEVICE,
                "CUDA device " + std::to_string(device) + " requested but " +
                    std::to_string(count) + " device(s) present");
  CUdevice handle;
  if (wqrtStatus status =
          check(*driver, driver->cuDeviceGet(&handle, device), "cuDeviceGet"))
    return status;
  CUcontext context;
  if (wqrtStatus status =
          check(*driver, driver->cuDevicePrimaryCtxRetain(&context, handle),
                "cuDevicePrimaryCtxRetain"))
    return status;
  if (wqrtStatus status =
          check(*driver, driver->cuCtxSetCurrent(context), "cuCtxSetCurrent"))
    return status;
  s.driver = driver;
  s.context = context;
  s.device = device;
  return WQRT_SUCCESS;
}

wqrtStatus wqrtModuleLoad(const void *image, size_t size, wqrtModule *module) {
  if (!image || !module)
    return fail(WQRT_ERROR_INVALID_ARGUMENT, "wqrtModuleLoad: null argument");
  // Kernels compiled to wait for their predecessors themselves may start
  // while the previous kernel runs (their launch latency hidden behind it):
  // the compiler marks such modules with a global of this name.
  const char *setting = std::getenv("WQRT_PROGRAMMATIC_LAUNCH");
  const bool programmaticAllowed = !setting || std::string(setting) != "0";
  CUmodule handle;
  bool programmatic = false;
  if (wqrtStatus status = callDriver(
          [&](const CudaDriver &d) {
            CUresult result = d.cuModuleLoadData(&handle, image);
            CUdeviceptr marker = 0;
            size_t markerBytes = 0;
            programmatic = result == CUDA_SUCCESS && programmaticAllowed &&
                           d.cuModuleGetGlobal_v2(
                               &marker, &markerBytes, handle,
                               WQRT_PROGRAMMATIC_LAUNCH_SYMBOL) == CUDA_SUCCESS;
            return result;
          },
          [&] {
            return "loading a module of " + std::to_string(size) +
                   " bytes (cuModuleLoadData)";
          }))
    return status;
  *module = new wqrtModule_{handle, programmatic, {}};
  return WQRT_SUCCESS;
}

wqrtStatus wqrtModuleUnload(wqrtModule module) {
  if (!module)
    return fail(WQRT_ERROR_INVALID_ARGUMENT, "wqrtModuleUnload: null module");
  // MLIR's host code unloads its modules from a global destructor, which can
  // run after the driver's own exit handler has shut it down and released
  // every module: that unload has nothing left to do.
  const CudaDriver *driver;
  CUcontext context;
  {
    std::lock_guard<std::mutex> lock(state().mutex);
    driver = state().driver;
    context = state().context;
  }
  if (!driver)
    return fail(WQRT_ERROR_NOT_INITIALIZED,
                "wqrtInit has not been called (or failed)");
  CUresult result = driver->cuCtxSetCurrent(context);
  if (result == CUDA_SUCCESS)
    result = driver->cuModuleUnload(module->module);
  delete module;
  if (result == CUDA_ERROR_DEINITIALIZED)
    return WQRT_SUCCESS;
  return check(*driver, result, "cuModuleUnload");
}

wqrtStatus wqrtModuleGetKernel(wqrtModule module, const char *name,
                               wqrtKernel *kernel) {
  if (!module || !name || !kernel)
    return fail(WQRT_ERROR_INVALID_ARGUMENT,
                "wqrtModuleGetKernel: null argument");
  CUfunction function;
  if (wqrtStatus status = callDriver(
          [&](const CudaDriver &d) {
            return d.cuModuleGetFunction(&function, module->module, name);
          },
          [&] { return std::string("looking up kernel '") + name + "'"; }))
    return status;
  module->kernels.push_back(std::make_unique<wqrtKernel_>(
      function, name, module->programmaticLaunch));
  *kernel = module->kernels.back().get();
  return WQRT_SUCCESS;
}

wqrtStatus wqrtMalloc(size_t bytes, void **devicePtr) {
  if (!devicePtr)
    return fail(WQRT_ERROR_INVALID_ARGUMENT, "wqrtMalloc: null result pointer");
  CUdeviceptr ptr = 0;
  if (wqrtStatus status = callDriver(
          [&](const CudaDriver &d) { return d.cuMemAlloc_v2(&ptr, bytes); },
          [&] {
            return "allocating " + std::to_string(bytes) +
                   " bytes (cuMemAlloc)";
          }))
    return status;
  *devicePtr = reinterpret_cast<void *>(static_cast<uintptr_t>(ptr));
  return WQRT_SUCCESS;
}

wqrtStatus wqrtFree(void *devicePtr) {
  return callDriver(
      [&](const CudaDriver &d) { return d.cuMemFree_v2(toDevice(devicePtr)); },
      "cuMemFree");
}

wqrtStatus wqrtMemcpyHostToDevice(void *dst, const void *src, size_t bytes) {
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuMemcpyHtoD_v2(toDevice(dst), src, bytes);
      },
      "cuMemcpyHtoD");
}

wqrtStatus wqrtMemcpyDeviceToHost(void *dst, const void *src, size_t bytes) {
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuMemcpyDtoH_v2(dst, toDevice(src), bytes);
      },
      "cuMemcpyDtoH");
}

wqrtStatus wqrtMemcpyDeviceToDevice(void *dst, const void *src, size_t bytes) {
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuMemcpyDtoD_v2(toDevice(dst), toDevice(src), bytes);
      },
      "cuMemcpyDtoD");
}

wqrtStatus wqrtStreamCreate(wqrtStream *stream) {
  if (!stream)
    return fail(WQRT_ERROR_INVALID_ARGUMENT, "wqrtStreamCreate: null result");
  CUstream handle;
  if (wqrtStatus status = callDriver(
          [&](const CudaDriver &d) { return d.cuStreamCreate(&handle, 0); },
          "cuStreamCreate"))
    return status;
  *stream = reinterpret_cast<wqrtStream>(handle);
  return WQRT_SUCCESS;
}

wqrtStatus wqrtStreamDestroy(wqrtStream stream) {
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuStreamDestroy_v2(reinterpret_cast<CUstream>(stream));
      },
      "cuStreamDestroy");
}

wqrtStatus wqrtStreamSynchronize(wqrtStream stream) {
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuStreamSynchronize(reinterpret_cast<CUstream>(stream));
      },
      "cuStreamSynchronize");
}

wqrtStatus wqrtLaunchKernel(wqrtKernel kernel, const uint32_t grid[3],
                            const uint32_t block[3], uint32_t sharedBytes,
                            wqrtStream stream, void **args) {
  if (!kernel || !grid || !block)
    return fail(WQRT_ERROR_INVALID_ARGUMENT,
                "wqrtLaunchKernel: null kernel, grid or block");
  uint64_t threads = uint64_t(block[0]) * block[1] * block[2];
  if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0 || threads == 0 ||
      threads > 1024)
    return fail(WQRT_ERROR_INVALID_ARGUMENT,
                "launching kernel '" + kernel->name + "': invalid grid (" +
                    std::to_string(grid[0]) + ", " + std::to_string(grid[1]) +
                    ", " + std::to_string(grid[2]) + ") or block (" +
                    std::to_string(block[0]) + ", " + std::to_string(block[1]) +
                    ", " + std::to_string(block[2]) +
                    "): every dimension must be positive and a block at most "
                    "1024 threads");
  // Kernels that stage more than 48 KB in shared memory (the prefill GEMM's
  // wgmma schedule) opt in per function; once is enough.
  if (sharedBytes > kernel->dynamicSharedLimit.load()) {
    if (wqrtStatus status = callDriver(
            [&](const CudaDriver &d) {
              return d.cuFuncSetAttribute(kernel->function,
                                          kFuncAttributeMaxDynamicSharedBytes,
                                          int(sharedBytes));
            },
            [&] {
              return "kernel '" + kernel->name + "' needs " +
                     std::to_string(sharedBytes) +
                     " bytes of dynamic shared memory (more than the device "
                     "allows?)";
            }))
      return status;
    kernel->dynamicSharedLimit.store(sharedBytes);
  }
  return callDriver(
      [&](const CudaDriver &d) {
        if (kernel->programmaticLaunch.load()) {
          CUlaunchAttribute attribute = {};
          attribute.id = kLaunchAttributeProgrammaticStreamSerialization;
          attribute.value.programmaticStreamSerializationAllowed = 1;
          CUlaunchConfig config = {grid[0],  grid[1],  grid[2],
                                   block[0], block[1], block[2],
                                   sharedBytes,
                                   reinterpret_cast<CUstream>(stream),
                                   &attribute, 1};
          CUresult result =
              d.cuLaunchKernelEx(&config, kernel->function, args, nullptr);
          // A driver that does not take the attribute (too old, or not in
          // this context) gets plain launches of this kernel from now on:
          // its griddepcontrol.wait then has nothing to wait for.
          if (result != kCudaErrorNotSupported &&
              result != kCudaErrorInvalidValue)
            return result;
          kernel->programmaticLaunch.store(false);
        }
        return d.cuLaunchKernel(kernel->function, grid[0], grid[1], grid[2],
                                block[0], block[1], block[2], sharedBytes,
                                reinterpret_cast<CUstream>(stream), args,
                                nullptr);
      },
      [&] { return "launching kernel '" + kernel->name + "'"; });
}

wqrtStatus wqrtEventCreate(wqrtEvent *event) {
  if (!event)
    return fail(WQRT_ERROR_INVALID_ARGUMENT, "wqrtEventCreate: null result");
  CUevent handle;
  if (wqrtStatus status = callDriver(
          [&](const CudaDriver &d) { return d.cuEventCreate(&handle, 0); },
          "cuEventCreate"))
    return status;
  *event = reinterpret_cast<wqrtEvent>(handle);
  return WQRT_SUCCESS;
}

wqrtStatus wqrtEventDestroy(wqrtEvent event) {
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuEventDestroy_v2(reinterpret_cast<CUevent>(event));
      },
      "cuEventDestroy");
}

wqrtStatus wqrtEventRecord(wqrtEvent event, wqrtStream stream) {
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuEventRecord(reinterpret_cast<CUevent>(event),
                               reinterpret_cast<CUstream>(stream));
      },
      "cuEventRecord");
}

wqrtStatus wqrtEventSynchronize(wqrtEvent event) {
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuEventSynchronize(reinterpret_cast<CUevent>(event));
      },
      "cuEventSynchronize");
}

wqrtStatus wqrtEventElapsedMs(wqrtEvent start, wqrtEvent end, float *ms) {
  if (!ms)
    return fail(WQRT_ERROR_INVALID_ARGUMENT, "wqrtEventElapsedMs: null result");
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuEventElapsedTime(ms, reinterpret_cast<CUevent>(start),
                                    reinterpret_cast<CUevent>(end));
      },
      "cuEventElapsedTime");
}

wqrtStatus wqrtCaptureBegin(void) {
  if (capturing)
    return fail(WQRT_ERROR_INVALID_ARGUMENT,
                "wqrtCaptureBegin: a capture is already running");
  wqrtStream stream;
  if (wqrtStatus status = wqrtStreamCreate(&stream))
    return status;
  if (wqrtStatus status = callDriver(
          [&](const CudaDriver &d) {
            return d.cuStreamBeginCapture_v2(
                reinterpret_cast<CUstream>(stream), kCaptureModeRelaxed);
          },
          "cuStreamBeginCapture")) {
    wqrtStreamDestroy(stream);
    return status;
  }
  capturing = stream;
  return WQRT_SUCCESS;
}

wqrtStatus wqrtCaptureEnd(wqrtGraph *graph) {
  if (!graph)
    return fail(WQRT_ERROR_INVALID_ARGUMENT, "wqrtCaptureEnd: null result");
  if (!capturing)
    return fail(WQRT_ERROR_INVALID_ARGUMENT,
                "wqrtCaptureEnd: no capture is running");
  wqrtStream stream = capturing;
  capturing = nullptr;
  auto result = std::make_unique<wqrtGraph_>();
  {
    std::lock_guard<std::mutex> lock(capturedMutex);
    result->buffers.swap(capturedBuffers);
  }
  wqrtStatus status = callDriver(
      [&](const CudaDriver &d) {
        return d.cuStreamEndCapture(reinterpret_cast<CUstream>(stream),
                                    &result->graph);
      },
      "cuStreamEndCapture");
  wqrtStreamDestroy(stream);
  if (status) {
    freeBuffers(result->buffers);
    return status;
  }
  if (wqrtStatus status = callDriver(
          [&](const CudaDriver &d) {
            return d.cuGraphInstantiateWithFlags(&result->exec, result->graph,
                                                 0);
          },
          "cuGraphInstantiateWithFlags")) {
    callDriver([&](const CudaDriver &d) { return d.cuGraphDestroy(result->graph); },
               "cuGraphDestroy");
    freeBuffers(result->buffers);
    return status;
  }
  *graph = result.release();
  return WQRT_SUCCESS;
}

wqrtStatus wqrtGraphLaunch(wqrtGraph graph, wqrtStream stream) {
  if (!graph)
    return fail(WQRT_ERROR_INVALID_ARGUMENT, "wqrtGraphLaunch: null graph");
  return callDriver(
      [&](const CudaDriver &d) {
        return d.cuGraphLaunch(graph->exec, reinterpret_cast<CUstream>(stream));
      },
      "cuGraphLaunch");
}

wqrtStatus wqrtGraphDestroy(wqrtGraph graph) {
  if (!graph)
    return WQRT_SUCCESS;
  std::unique_ptr<wqrtGraph_> owned(graph);
  wqrtStatus status = callDriver(
      [&](const CudaDriver &d) { return d.cuGraphExecDestroy(graph->exec); },
      "cuGraphExecDestroy");
  if (wqrtStatus destroyed = callDriver(
          [&](const CudaDriver &d) { return d.cuGraphDestroy(graph->graph); },
          "cuGraphDestroy");
      status == WQRT_SUCCESS)
    status = destroyed;
  // After the graph: no replay can use its buffers any more.
  if (wqrtStatus freed = freeBuffers(graph->buffers); status == WQRT_SUCCESS)
    status = freed;
  return status;
}

} // extern "C"

wqrtStream wqrt::captureStream() { return capturing; }

void wqrt::keepForGraph(void *devicePtr) {
  std::lock_guard<std::mutex> lock(capturedMutex);
  capturedBuffers.push_back(devicePtr);
}
