//===- Runtime.h - Internals shared by the C API and the mgpu ABI -*- C++
//-*-===//

#ifndef WQ_KERNELS_RUNTIME_RUNTIME_H
#define WQ_KERNELS_RUNTIME_RUNTIME_H

#include "CudaDriver.h"
#include "wq_runtime.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

struct wqrtKernel_ {
  wqrtKernel_(wqrt::CUfunction function, std::string name,
              bool programmaticLaunch)
      : function(function), name(std::move(name)),
        programmaticLaunch(programmaticLaunch) {}
  wqrt::CUfunction function;
  std::string name;
  /// Launched with programmatic stream serialization (its module's), until
  /// the driver refuses such a launch.
  std::atomic<bool> programmaticLaunch;
  /// The dynamic shared memory the kernel may use (raised on the first
  /// launch that needs more than the default).
  std::atomic<unsigned> dynamicSharedLimit{wqrt::kDefaultDynamicSharedBytes};
};

struct wqrtGraph_ {
  wqrt::CUgraph graph = nullptr;
  wqrt::CUgraphExec exec = nullptr;
  /// Device buffers the captured code allocated and freed: every replay
  /// uses them, so they live as long as the graph.
  std::vector<void *> buffers;
};

struct wqrtModule_ {
  wqrt::CUmodule module;
  /// The module defines wq_programmatic_launch (wq-enable-programmatic-launch:
  /// every kernel starts with griddepcontrol.wait), and
  /// WQRT_PROGRAMMATIC_LAUNCH is not 0.
  bool programmaticLaunch = false;
  std::vector<std::unique_ptr<wqrtKernel_>> kernels;
};

namespace wqrt {

/// Records `message` as this thread's last error and returns `status`.
wqrtStatus fail(wqrtStatus status, std::string message);

/// Makes sure wqrtInit succeeded and the context is current on this thread;
/// returns the driver, or null with the error recorded.
const CudaDriver *activeDriver(wqrtStatus &status);

/// Initializes with the default device (0, or the one set through the mgpu
/// ABI's mgpuSetDefaultDevice) unless already initialized.
wqrtStatus ensureInitialized();
void setDefaultDevice(int device);

/// The stream being captured into a graph (wqrtCaptureBegin), or null.
wqrtStream captureStream();

/// Called instead of freeing `devicePtr` while a capture runs (the host
/// code frees its temporaries after enqueuing their users, which a graph
/// replays later): the buffer then belongs to the graph.
void keepForGraph(void *devicePtr);

} // namespace wqrt

#endif // WQ_KERNELS_RUNTIME_RUNTIME_H
