//===- CallbackCudaDriver.cpp - A libcuda whose work is done by callbacks -===//
//
// A stand-in for libcuda.so.1 (WQRT_CUDA_DRIVER=this library) that runs
// nothing itself: memory, modules and launches go to functions a host
// program installs with wqsimInstall, such as scripts/gpu_model_sim.py, which
// loads this library with ctypes, installs callbacks over its PTX simulator
// (scripts/ptx_sim.py) and then runs a compiled GPU model's own host code and
// kernels_runtime unchanged. Contexts, streams and events are trivial (the
// callbacks run synchronously); graph capture is reported as unsupported.
//
//===----------------------------------------------------------------------===//

#include <cstddef>

extern "C" {

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum : CUresult {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  NOT_INITIALIZED = 3,
  NOT_SUPPORTED = 801,
};

/// What the host program provides; every callback returns a CUresult.
/// `copy` moves bytes between any two addresses, host or device (the
/// callbacks know which addresses are theirs).
struct WqSimCallbacks {
  CUresult (*alloc)(CUdeviceptr *address, size_t bytes);
  CUresult (*release)(CUdeviceptr address);
  CUresult (*copy)(CUdeviceptr destination, CUdeviceptr source, size_t bytes);
  CUresult (*fill)(CUdeviceptr destination, unsigned value, size_t count,
                   unsigned elementBytes);
  CUresult (*loadModule)(void **module, const void *image);
  CUresult (*getFunction)(void **function, void *module, const char *name);
  CUresult (*launch)(void *function, const unsigned *grid,
                     const unsigned *block, unsigned sharedBytes,
                     void **parameters);
};

static WqSimCallbacks callbacks;
static bool installed = false;
static int context, stream, event;

void wqsimInstall(const WqSimCallbacks *table) {
  callbacks = *table;
  installed = true;
}

CUresult cuInit(unsigned) { return installed ? SUCCESS : NOT_INITIALIZED; }

CUresult cuGetErrorName(CUresult result, const char **name) {
  switch (result) {
  case SUCCESS:
    *name = "CUDA_SUCCESS";
    return SUCCESS;
  case INVALID_VALUE:
    *name = "CUDA_ERROR_INVALID_VALUE";
    return SUCCESS;
  case NOT_INITIALIZED:
    *name = "CUDA_ERROR_NOT_INITIALIZED";
    return SUCCESS;
  case NOT_SUPPORTED:
    *name = "CUDA_ERROR_NOT_SUPPORTED";
    return SUCCESS;
  default:
    *name = "CUDA_ERROR_UNKNOWN (from a simulator callback)";
    return SUCCESS;
  }
}

CUresult cuGetErrorString(CUresult, const char **text) {
  *text = "";
  return SUCCESS;
}

CUresult cuDeviceGetCount(int *count) {
  *count = installed ? 1 : 0;
  return SUCCESS;
}
CUresult cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return ordinal == 0 ? SUCCESS : INVALID_VALUE;
}
CUresult cuDevicePrimaryCtxRetain(void **ctx, int) {
  *ctx = &context;
  return SUCCESS;
}
CUresult cuCtxSetCurrent(void *) { return SUCCESS; }

CUresult cuModuleLoadData(void **module, const void *image) {
  return callbacks.loadModule(module, image);
}
CUresult cuModuleUnload(void *) { return SUCCESS; }
CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  return callbacks.getFunction(function, module, name);
}
CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void *, void **parameters, void **extra) {
  if (extra)
    return NOT_SUPPORTED;
  const unsigned grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
  return callbacks.launch(function, grid, block, shared, parameters);
}

CUresult cuMemAlloc_v2(CUdeviceptr *address, size_t bytes) {
  return callbacks.alloc(address, bytes);
}
CUresult cuMemAllocManaged(CUdeviceptr *, size_t, unsigned) {
  return NOT_SUPPORTED;
}
CUresult cuMemFree_v2(CUdeviceptr address) {
  return callbacks.release(address);
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes) {
  return callbacks.copy(dst, reinterpret_cast<CUdeviceptr>(src), bytes);
}
CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t bytes) {
  return callbacks.copy(reinterpret_cast<CUdeviceptr>(dst), src, bytes);
}
CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
  return callbacks.copy(dst, src, bytes);
}
CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, void *) {
  return callbacks.copy(dst, src, bytes);
}
CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t count,
                          void *) {
  return callbacks.fill(dst, value, count, 4);
}
CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value, size_t count,
                          void *) {
  return callbacks.fill(dst, value, count, 2);
}
CUresult cuMemHostRegister_v2(void *, size_t, unsigned) { return SUCCESS; }
CUresult cuMemHostUnregister(void *) { return SUCCESS; }

CUresult cuStreamCreate(void **s, unsigned) {
  *s = &stream;
  return SUCCESS;
}
CUresult cuStreamDestroy_v2(void *) { return SUCCESS; }
CUresult cuStreamSynchronize(void *) { return SUCCESS; }
CUresult cuStreamWaitEvent(void *, void *, unsigned) { return SUCCESS; }
CUresult cuEventCreate(void **e, unsigned) {
  *e = &event;
  return SUCCESS;
}
CUresult cuEventDestroy_v2(void *) { return SUCCESS; }
CUresult cuEventRecord(void *, void *) { return SUCCESS; }
CUresult cuEventSynchronize(void *) { return SUCCESS; }
CUresult cuEventElapsedTime(float *ms, void *, void *) {
  *ms = 0;
  return SUCCESS;
}

CUresult cuStreamBeginCapture_v2(void *, int) { return NOT_SUPPORTED; }
CUresult cuStreamEndCapture(void *, void **) { return NOT_SUPPORTED; }
CUresult cuGraphInstantiateWithFlags(void **, void *, unsigned long long) {
  return NOT_SUPPORTED;
}
CUresult cuGraphLaunch(void *, void *) { return NOT_SUPPORTED; }
CUresult cuGraphExecDestroy(void *) { return NOT_SUPPORTED; }
CUresult cuGraphDestroy(void *) { return NOT_SUPPORTED; }

} // extern "C"
