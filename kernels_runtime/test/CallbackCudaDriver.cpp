//===- CallbackCudaDriver.cpp - A libcuda whose work is done by callbacks -===//
//
// A stand-in for libcuda.so.1 (WQRT_CUDA_DRIVER=this library) that runs
// nothing itself: memory, modules and launches go to functions a host
// program installs with wqsimInstall, such as scripts/gpu_model_sim.py, which
// loads this library with ctypes, installs callbacks over its PTX simulator
// (scripts/ptx_sim.py) and then runs a compiled GPU model's own host code and
// kernels_runtime unchanged. Contexts and events are trivial (the callbacks
// run synchronously). Streams are distinct handles so that graph capture can
// work as CUDA's does: launches, copies and fills enqueued on a capturing
// stream are recorded (a launch with a copy of its parameter values, whose
// sizes the host program gives), not run, and each launch of the
// instantiated graph runs them again in order.
//
//===----------------------------------------------------------------------===//

#include "FakeImage.h"
#include "wq_runtime.h"

#include <cstddef>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <vector>

extern "C" {

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum : CUresult {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  NOT_INITIALIZED = 3,
  NOT_FOUND = 500,
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
  /// The byte size of each of `function`'s parameters (at most `capacity`).
  CUresult (*parameterSizes)(void *function, size_t *sizes, unsigned capacity,
                             unsigned *count);
};

static WqSimCallbacks callbacks;
static bool installed = false;
static int context, event;

/// Work recorded from a capturing stream.
struct Node {
  enum Kind { Launch, Copy, Fill } kind;
  void *function = nullptr;
  unsigned grid[3] = {}, block[3] = {}, shared = 0;
  std::vector<std::vector<char>> parameters;
  CUdeviceptr destination = 0, source = 0;
  size_t bytes = 0; // copies: bytes; fills: elements
  unsigned value = 0, elementBytes = 0;
};
struct Graph {
  std::vector<Node> nodes;
};
static void *capturing = nullptr; // the stream being captured
static std::unique_ptr<Graph> recording;

static CUresult run(const Node &node) {
  switch (node.kind) {
  case Node::Launch: {
    std::vector<void *> parameters;
    for (const std::vector<char> &value : node.parameters)
      parameters.push_back(const_cast<char *>(value.data()));
    return callbacks.launch(node.function, node.grid, node.block, node.shared,
                            parameters.data());
  }
  case Node::Copy:
    return callbacks.copy(node.destination, node.source, node.bytes);
  case Node::Fill:
    return callbacks.fill(node.destination, node.value, node.bytes,
                          node.elementBytes);
  }
  return INVALID_VALUE;
}

/// Runs `node` now, or records it when `stream` is being captured.
static CUresult enqueue(void *stream, Node node) {
  if (!stream || stream != capturing)
    return run(node);
  recording->nodes.push_back(std::move(node));
  return SUCCESS;
}

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
CUresult cuCtxSynchronize() { return SUCCESS; }
CUresult cuTensorMapEncodeTiled(void *tensorMap, int dataType, unsigned rank,
                                void *address, const uint64_t *dims,
                                const uint64_t *strides, const unsigned *box,
                                const unsigned *elementStrides, int interleave,
                                int swizzle, int l2Promotion, int oobFill) {
  return fakeTensorMapEncodeTiled(tensorMap, dataType, rank, address, dims,
                                  strides, box, elementStrides, interleave,
                                  swizzle, l2Promotion, oobFill);
}

/// Modules whose image mentions wq_programmatic_launch (cuModuleGetGlobal
/// finds that name only; the simulator runs launches one after another, so a
/// programmatic launch is an ordinary one here).
static std::set<void *> programmaticModules;

CUresult cuModuleLoadData(void **module, const void *image) {
  if (CUresult result = callbacks.loadModule(module, image))
    return result;
  if (fakeImageMentions(image, WQRT_PROGRAMMATIC_LAUNCH_SYMBOL))
    programmaticModules.insert(*module);
  return SUCCESS;
}
CUresult cuModuleGetGlobal_v2(CUdeviceptr *address, size_t *bytes,
                              void *module, const char *name) {
  static int marker;
  if (std::strcmp(name, WQRT_PROGRAMMATIC_LAUNCH_SYMBOL) != 0 ||
      !programmaticModules.count(module))
    return NOT_FOUND;
  *address = reinterpret_cast<CUdeviceptr>(&marker);
  *bytes = sizeof(marker);
  return SUCCESS;
}
CUresult cuModuleUnload(void *) { return SUCCESS; }
CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  return callbacks.getFunction(function, module, name);
}
/// Dynamic shared memory per kernel beyond the default 48 KB, as raised by
/// cuFuncSetAttribute (a real driver rejects launches over the limit).
static std::map<void *, unsigned> dynamicSharedLimits;
constexpr unsigned kDefaultDynamicShared = 48 * 1024;
constexpr unsigned kMaxDynamicShared = 227 * 1024;

CUresult cuFuncSetAttribute(void *function, int attribute, int value) {
  const int kMaxDynamicSharedSizeBytes = 8;
  if (attribute != kMaxDynamicSharedSizeBytes || value < 0 ||
      unsigned(value) > kMaxDynamicShared)
    return INVALID_VALUE;
  dynamicSharedLimits[function] = unsigned(value);
  return SUCCESS;
}

CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void *stream, void **parameters, void **extra) {
  if (extra)
    return NOT_SUPPORTED;
  if (shared > kDefaultDynamicShared) {
    auto limit = dynamicSharedLimits.find(function);
    if (limit == dynamicSharedLimits.end() || shared > limit->second)
      return INVALID_VALUE;
  }
  Node node{Node::Launch};
  node.function = function;
  const unsigned grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
  std::memcpy(node.grid, grid, sizeof(grid));
  std::memcpy(node.block, block, sizeof(block));
  node.shared = shared;
  if (stream && stream == capturing) {
    // The values now: the caller's parameter storage is gone by the replay.
    size_t sizes[256];
    unsigned count = 0;
    if (CUresult result =
            callbacks.parameterSizes(function, sizes, 256, &count))
      return result;
    for (unsigned i = 0; i < count; ++i) {
      const char *value = static_cast<const char *>(parameters[i]);
      node.parameters.emplace_back(value, value + sizes[i]);
    }
    recording->nodes.push_back(std::move(node));
    return SUCCESS;
  }
  return callbacks.launch(function, grid, block, shared, parameters);
}

/// Programmatic stream serialization is accepted and changes nothing here
/// (launches run in order).
CUresult cuLaunchKernelEx(const wqrt::CUlaunchConfig *config, void *function,
                          void **parameters, void **extra) {
  if (!fakeLaunchIsProgrammatic(config))
    return NOT_SUPPORTED;
  return cuLaunchKernel(function, config->gridDimX, config->gridDimY,
                        config->gridDimZ, config->blockDimX, config->blockDimY,
                        config->blockDimZ, config->sharedMemBytes,
                        config->hStream, parameters, extra);
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
CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                       void *stream) {
  Node node{Node::Copy};
  node.destination = dst;
  node.source = src;
  node.bytes = bytes;
  return enqueue(stream, node);
}
static CUresult fill(CUdeviceptr dst, unsigned value, size_t count,
                     unsigned elementBytes, void *stream) {
  Node node{Node::Fill};
  node.destination = dst;
  node.value = value;
  node.bytes = count;
  node.elementBytes = elementBytes;
  return enqueue(stream, node);
}
CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t count,
                          void *stream) {
  return fill(dst, value, count, 4, stream);
}
CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value, size_t count,
                          void *stream) {
  return fill(dst, value, count, 2, stream);
}
CUresult cuMemHostRegister_v2(void *, size_t, unsigned) { return SUCCESS; }
CUresult cuMemHostUnregister(void *) { return SUCCESS; }

CUresult cuStreamCreate(void **s, unsigned) {
  *s = new int; // a distinct handle
  return SUCCESS;
}
CUresult cuStreamDestroy_v2(void *s) {
  if (s == capturing)
    return INVALID_VALUE;
  delete static_cast<int *>(s);
  return SUCCESS;
}
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

CUresult cuStreamBeginCapture_v2(void *s, int) {
  if (!s || capturing)
    return INVALID_VALUE;
  capturing = s;
  recording = std::make_unique<Graph>();
  return SUCCESS;
}
CUresult cuStreamEndCapture(void *s, void **graph) {
  if (!s || s != capturing)
    return INVALID_VALUE;
  capturing = nullptr;
  *graph = recording.release();
  return SUCCESS;
}
// The executable graph is the recorded one.
CUresult cuGraphInstantiateWithFlags(void **exec, void *graph,
                                     unsigned long long) {
  *exec = graph;
  return graph ? SUCCESS : INVALID_VALUE;
}
CUresult cuGraphLaunch(void *exec, void *) {
  if (!exec)
    return INVALID_VALUE;
  for (const Node &node : static_cast<Graph *>(exec)->nodes)
    if (CUresult result = run(node))
      return result;
  return SUCCESS;
}
CUresult cuGraphExecDestroy(void *) { return SUCCESS; }
CUresult cuGraphDestroy(void *graph) {
  delete static_cast<Graph *>(graph);
  return SUCCESS;
}

} // extern "C"
