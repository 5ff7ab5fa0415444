//===- CudaDriver.h - The CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The subset of the CUDA driver API that the runtime uses, declared here (the
// driver ABI is stable) so that the runtime builds without CUDA headers and
// loads libcuda with dlopen.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_KERNELS_RUNTIME_CUDADRIVER_H
#define WQ_KERNELS_RUNTIME_CUDADRIVER_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace wqrt {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
using CUgraph = struct CUgraph_st *;
using CUgraphExec = struct CUgraphExec_st *;

constexpr CUresult CUDA_SUCCESS = 0;
/// The driver is shutting down (at process exit): every context, module and
/// allocation is already released.
constexpr CUresult CUDA_ERROR_DEINITIALIZED = 4;
/// What a driver answers a launch attribute it does not support with.
constexpr CUresult kCudaErrorInvalidValue = 1;
constexpr CUresult kCudaErrorNotSupported = 801;
/// CU_STREAM_CAPTURE_MODE_RELAXED: other threads' unsafe calls are allowed.
constexpr int kCaptureModeRelaxed = 2;
/// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: a kernel's dynamic
/// shared memory may exceed kDefaultDynamicSharedBytes only up to this,
/// which is kDefaultDynamicSharedBytes until raised per kernel.
constexpr int kFuncAttributeMaxDynamicSharedBytes = 8;
constexpr unsigned kDefaultDynamicSharedBytes = 48 * 1024;

/// cuLaunchKernelEx's configuration (cuda.h's CUlaunchConfig and
/// CUlaunchAttribute, same layout): one attribute is all wq uses.
struct CUlaunchAttribute {
  int id;
  char pad[8 - sizeof(int)];
  union {
    char bytes[64];
    int programmaticStreamSerializationAllowed;
  } value;
};
struct CUlaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream hStream;
  CUlaunchAttribute *attrs;
  unsigned numAttrs;
};
static_assert(sizeof(CUlaunchAttribute) == 72 &&
                  sizeof(CUlaunchConfig) == 56,
              "cuda.h's launch configuration layout");
/// CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION: the kernel may
/// start before the previous kernel in the stream (or graph) has finished;
/// its griddepcontrol.wait then waits for it.
constexpr int kLaunchAttributeProgrammaticStreamSerialization = 6;

/// cuTensorMapEncodeTiled's opaque result (cuda.h's CUtensorMap) and the
/// enum values wq passes: 16-bit elements, no interleave, no L2 promotion,
/// zero fill; swizzles CU_TENSOR_MAP_SWIZZLE_{NONE,32B,64B,128B} = 0..3.
constexpr size_t kTensorMapBytes = 128;
constexpr int kTensorMapDataTypeUint16 = 1;
constexpr int kTensorMapInterleaveNone = 0;
constexpr int kTensorMapL2PromotionNone = 0;
constexpr int kTensorMapFloatOobFillNone = 0;

/// Entry points, resolved by name from the driver library.
#define WQRT_CUDA_DRIVER_FUNCTIONS(X)                                          \
  X(cuInit, CUresult, (unsigned))                                              \
  X(cuGetErrorName, CUresult, (CUresult, const char **))                       \
  X(cuGetErrorString, CUresult, (CUresult, const char **))                     \
  X(cuDeviceGetCount, CUresult, (int *))                                       \
  X(cuDeviceGet, CUresult, (CUdevice *, int))                                  \
  X(cuDevicePrimaryCtxRetain, CUresult, (CUcontext *, CUdevice))               \
  X(cuCtxSetCurrent, CUresult, (CUcontext))                                    \
  X(cuCtxSynchronize, CUresult, ())                                            \
  X(cuModuleLoadData, CUresult, (CUmodule *, const void *))                    \
  X(cuModuleUnload, CUresult, (CUmodule))                                      \
  X(cuModuleGetFunction, CUresult, (CUfunction *, CUmodule, const char *))     \
  X(cuModuleGetGlobal_v2, CUresult,                                            \
    (CUdeviceptr *, size_t *, CUmodule, const char *))                         \
  X(cuFuncSetAttribute, CUresult, (CUfunction, int, int))                      \
  X(cuLaunchKernel, CUresult,                                                  \
    (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,   \
     unsigned, CUstream, void **, void **))                                    \
  X(cuLaunchKernelEx, CUresult,                                                \
    (const CUlaunchConfig *, CUfunction, void **, void **))                    \
  X(cuTensorMapEncodeTiled, CUresult,                                          \
    (void *, int, unsigned, void *, const uint64_t *, const uint64_t *,        \
     const unsigned *, const unsigned *, int, int, int, int))                  \
  X(cuMemAlloc_v2, CUresult, (CUdeviceptr *, size_t))                          \
  X(cuMemAllocManaged, CUresult, (CUdeviceptr *, size_t, unsigned))            \
  X(cuMemFree_v2, CUresult, (CUdeviceptr))                                     \
  X(cuMemcpyHtoD_v2, CUresult, (CUdeviceptr, const void *, size_t))            \
  X(cuMemcpyDtoH_v2, CUresult, (void *, CUdeviceptr, size_t))                  \
  X(cuMemcpyDtoD_v2, CUresult, (CUdeviceptr, CUdeviceptr, size_t))             \
  X(cuMemcpyAsync, CUresult, (CUdeviceptr, CUdeviceptr, size_t, CUstream))     \
  X(cuMemsetD32Async, CUresult, (CUdeviceptr, unsigned, size_t, CUstream))     \
  X(cuMemsetD16Async, CUresult,                                                \
    (CUdeviceptr, unsigned short, size_t, CUstream))                           \
  X(cuMemHostRegister_v2, CUresult, (void *, size_t, unsigned))                \
  X(cuMemHostUnregister, CUresult, (void *))                                   \
  X(cuStreamCreate, CUresult, (CUstream *, unsigned))                          \
  X(cuStreamDestroy_v2, CUresult, (CUstream))                                  \
  X(cuStreamSynchronize, CUresult, (CUstream))                                 \
  X(cuStreamWaitEvent, CUresult, (CUstream, CUevent, unsigned))                \
  X(cuEventCreate, CUresult, (CUevent *, unsigned))                            \
  X(cuEventDestroy_v2, CUresult, (CUevent))                                    \
  X(cuEventRecord, CUresult, (CUevent, CUstream))                              \
  X(cuEventSynchronize, CUresult, (CUevent))                                   \
  X(cuEventElapsedTime, CUresult, (float *, CUevent, CUevent))               \
  X(cuStreamBeginCapture_v2, CUresult, (CUstream, int))                        \
  X(cuStreamEndCapture, CUresult, (CUstream, CUgraph *))                       \
  X(cuGraphInstantiateWithFlags, CUresult,                                     \
    (CUgraphExec *, CUgraph, unsigned long long))                              \
  X(cuGraphLaunch, CUresult, (CUgraphExec, CUstream))                          \
  X(cuGraphExecDestroy, CUresult, (CUgraphExec))                               \
  X(cuGraphDestroy, CUresult, (CUgraph))

struct CudaDriver {
#define WQRT_DECLARE_POINTER(name, ret, args) ret(*name) args = nullptr;
  WQRT_CUDA_DRIVER_FUNCTIONS(WQRT_DECLARE_POINTER)
#undef WQRT_DECLARE_POINTER
};

/// Loads the driver once per process (thread-safe). Returns null and sets
/// `error` when the library or an entry point is missing.
const CudaDriver *loadCudaDriver(std::string &error);

/// "CUDA_ERROR_X (description)" for a driver result.
std::string describeCudaError(const CudaDriver &driver, CUresult result);

} // namespace wqrt

#endif // WQ_KERNELS_RUNTIME_CUDADRIVER_H
