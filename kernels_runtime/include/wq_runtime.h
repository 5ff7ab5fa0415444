/*===- wq_runtime.h - wq kernels runtime: stable C API --------------------===*
 *
 * The runtime that wq-compiled GPU code and wq's tools link against. It talks
 * to the NVIDIA driver through the CUDA driver API, which it loads at run time
 * (dlopen of libcuda.so.1, or the file named by the environment variable
 * WQRT_CUDA_DRIVER), so programs start on machines without CUDA and fail with
 * a clear message only when they need a GPU.
 *
 * Versioning: WQRT_API_VERSION is (major << 16) | minor. Minor versions only
 * add functions and enum values; a major version change may remove or change
 * them. Compare wqrtGetApiVersion() >> 16 with WQRT_API_VERSION_MAJOR to
 * detect a mismatched library at run time.
 *
 * Errors: every function returns a wqrtStatus. On failure,
 * wqrtGetLastErrorMessage() (per thread, never NULL) says what failed, naming
 * the CUDA error (e.g. CUDA_ERROR_INVALID_IMAGE) and, for launches, the kernel.
 *
 * Threads: calls may come from any thread; each makes the runtime's context
 * current on its thread. Handles are not reference counted.
 *
 *===----------------------------------------------------------------------===*/

#ifndef WQ_RUNTIME_H
#define WQ_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WQRT_API_VERSION_MAJOR 1
#define WQRT_API_VERSION_MINOR 5 /* 1: graph capture; 2: device constants;
                                    3: graphs own their capture's buffers;
                                    4: programmatic launch of marked modules;
                                    5: tensor maps */
#define WQRT_API_VERSION ((WQRT_API_VERSION_MAJOR << 16) | WQRT_API_VERSION_MINOR)

/* A kernel module that defines a global of this name (wq's sm_90 kernels,
   wq-enable-programmatic-launch: each kernel starts with griddepcontrol.wait)
   has its kernels launched with programmatic stream serialization: each may
   start while the previous kernel in the stream or graph runs. The
   environment variable WQRT_PROGRAMMATIC_LAUNCH=0 launches them plainly. */
#define WQRT_PROGRAMMATIC_LAUNCH_SYMBOL "wq_programmatic_launch"

typedef enum wqrtStatus {
  WQRT_SUCCESS = 0,
  /** libcuda could not be loaded or lacks a required entry point. */
  WQRT_ERROR_DRIVER_NOT_FOUND = 1,
  /** The driver loaded but the requested device does not exist. */
  WQRT_ERROR_NO_DEVICE = 2,
  /** An argument was rejected before reaching the driver. */
  WQRT_ERROR_INVALID_ARGUMENT = 3,
  /** The driver returned an error (named in the message). */
  WQRT_ERROR_CUDA = 4,
  /** wqrtInit has not succeeded yet. */
  WQRT_ERROR_NOT_INITIALIZED = 5
} wqrtStatus;

typedef struct wqrtModule_ *wqrtModule;
typedef struct wqrtKernel_ *wqrtKernel;
typedef struct wqrtStream_ *wqrtStream; /* NULL is the default stream. */
typedef struct wqrtEvent_ *wqrtEvent;
typedef struct wqrtGraph_ *wqrtGraph;

/** WQRT_API_VERSION of the library actually loaded. */
uint32_t wqrtGetApiVersion(void);

/** Message of the last failure on this thread ("" if none). */
const char *wqrtGetLastErrorMessage(void);

/** Loads the driver and makes `device`'s primary context current. Idempotent
 *  for the same device. */
wqrtStatus wqrtInit(int device);

/** Number of CUDA devices (loads the driver if needed). */
wqrtStatus wqrtGetDeviceCount(int *count);

/** Loads a cubin, fatbin or NUL-terminated PTX image. `size` is the image's
 *  size in bytes (informational for PTX). */
wqrtStatus wqrtModuleLoad(const void *image, size_t size, wqrtModule *module);
wqrtStatus wqrtModuleUnload(wqrtModule module);
wqrtStatus wqrtModuleGetKernel(wqrtModule module, const char *name,
                               wqrtKernel *kernel);

wqrtStatus wqrtMalloc(size_t bytes, void **devicePtr);
wqrtStatus wqrtFree(void *devicePtr);
wqrtStatus wqrtMemcpyHostToDevice(void *dst, const void *src, size_t bytes);
wqrtStatus wqrtMemcpyDeviceToHost(void *dst, const void *src, size_t bytes);
wqrtStatus wqrtMemcpyDeviceToDevice(void *dst, const void *src, size_t bytes);

wqrtStatus wqrtStreamCreate(wqrtStream *stream);
wqrtStatus wqrtStreamDestroy(wqrtStream stream);
wqrtStatus wqrtStreamSynchronize(wqrtStream stream);

/** Launches `kernel` on a grid of grid[0..2] blocks of block[0..2] threads.
 *  `args` points to one pointer per kernel parameter (as cuLaunchKernel). */
wqrtStatus wqrtLaunchKernel(wqrtKernel kernel, const uint32_t grid[3],
                            const uint32_t block[3], uint32_t sharedBytes,
                            wqrtStream stream, void **args);

wqrtStatus wqrtEventCreate(wqrtEvent *event);
wqrtStatus wqrtEventDestroy(wqrtEvent event);
wqrtStatus wqrtEventRecord(wqrtEvent event, wqrtStream stream);
wqrtStatus wqrtEventSynchronize(wqrtEvent event);
/** Milliseconds between two recorded events. */
wqrtStatus wqrtEventElapsedMs(wqrtEvent start, wqrtEvent end, float *ms);

/** Starts recording a CUDA graph (for timing compiled code by graph replay):
 *  until wqrtCaptureEnd, the streams that MLIR's host code creates through
 *  the mgpu* ABI are one capturing stream (their synchronizations and
 *  destroys do nothing), so what the code enqueues is recorded, not run.
 *  Device buffers it allocates and frees meanwhile (its temporaries) are
 *  kept for the graph's replays and freed by wqrtGraphDestroy.
 *  One capture at a time per process; call from one thread. */
wqrtStatus wqrtCaptureBegin(void);
/** Ends the capture and instantiates what was recorded. */
wqrtStatus wqrtCaptureEnd(wqrtGraph *graph);
/** Enqueues one replay of `graph` on `stream`. */
wqrtStatus wqrtGraphLaunch(wqrtGraph graph, wqrtStream stream);
wqrtStatus wqrtGraphDestroy(wqrtGraph graph);

/** Device copies of a compiled module's constants (its quantized weights):
 *  the host code wq-gpu-pipeline emits calls
 *  `void *wqrtDeviceConstant(const void *host, uint64_t bytes, void *stream)`
 *  (an entry of the mgpu-style ABI: it exits with the runtime's message on
 *  failure), which uploads a constant on its first use and returns the same
 *  device copy on every later call, so weights cross PCIe once, not per call.
 *  The first use must not be inside a graph capture (call the function once
 *  before capturing). This frees every such copy; later calls upload again. */
wqrtStatus wqrtReleaseDeviceConstants(void);
void *wqrtDeviceConstant(const void *host, uint64_t bytes, void *stream);

/** Tensor maps for Hopper's TMA copies (cp.async.bulk.tensor): the host code
 *  of wq's sm_90 prefill kernels calls
 *  `void *wqrtTensorMapEncodeTiled2D(base, rows, columns, boxRows,
 *  boxColumns, swizzleBytes)` (mgpu-style: it exits with the runtime's
 *  message on failure) for the row-major [rows, columns] matrix of 16-bit
 *  elements at device address `base`, read in boxes of boxRows x boxColumns
 *  swizzled by 0, 32, 64 or 128 bytes, zero past its bounds. It returns the
 *  device address of the map (cuTensorMapEncodeTiled's bytes), uploaded on
 *  the first such request and reused after; NULL for 0 rows. The
 *  first request for a map must not be inside a graph capture. More than
 *  4096 maps empty the cache after a context synchronization. This frees
 *  every map. */
void *wqrtTensorMapEncodeTiled2D(const void *base, int64_t rows,
                                 int64_t columns, int64_t boxRows,
                                 int64_t boxColumns, int64_t swizzleBytes);
wqrtStatus wqrtReleaseTensorMaps(void);

#ifdef __cplusplus
}
#endif

#endif /* WQ_RUNTIME_H */
