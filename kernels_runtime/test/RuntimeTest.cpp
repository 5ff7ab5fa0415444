//===- RuntimeTest.cpp - Error paths of the wq runtime --------------------===//
//
// Runs without a GPU: the driver is either missing or the fake driver library
// built next to this test. The runtime loads its driver once per process, so
// each case runs in a child process (EXPECT_EXIT) with its own environment.
//
//===----------------------------------------------------------------------===//

#include "FakeImage.h"
#include "wq_runtime.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <cstring>
#include <string>

extern "C" {
void *mgpuModuleLoad(void *data, size_t size);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t, intptr_t, intptr_t, intptr_t,
                      intptr_t, intptr_t, int32_t, void *, void **, void **,
                      size_t);
void *mgpuMemAlloc(uint64_t, void *, bool);
void *mgpuStreamCreate();
void mgpuStreamSynchronize(void *);
void mgpuStreamDestroy(void *);
void mgpuMemcpy(void *, void *, size_t, void *);
void mgpuMemFree(void *, void *);
}

namespace {

/// Exits with 0 if `condition` holds, else prints the runtime's last error
/// and exits with 1; used inside EXPECT_EXIT children.
void finish(bool condition) {
  if (!condition)
    std::fprintf(stderr, "unexpected: %s\n", wqrtGetLastErrorMessage());
  std::exit(condition ? 0 : 1);
}

bool messageContains(const char *text) {
  return std::strstr(wqrtGetLastErrorMessage(), text) != nullptr;
}

void useFakeDriver() { setenv("WQRT_CUDA_DRIVER", WQRT_FAKE_DRIVER, 1); }

const char kImage[] = "FAKECUBIN payload";

/// The stand-in driver's count of live device allocations.
int liveAllocations() {
  void *driver = dlopen(WQRT_FAKE_DRIVER, RTLD_NOW | RTLD_NOLOAD);
  auto live = reinterpret_cast<int (*)()>(
      driver ? dlsym(driver, "fakeCudaLiveAllocations") : nullptr);
  return live ? live() : -1;
}

TEST(RuntimeTest, ReportsItsApiVersion) {
  EXPECT_EQ(wqrtGetApiVersion(), uint32_t(WQRT_API_VERSION));
  EXPECT_EQ(wqrtGetApiVersion() >> 16, uint32_t(WQRT_API_VERSION_MAJOR));
  EXPECT_STREQ(wqrtGetLastErrorMessage(), "");
}

TEST(RuntimeTest, MissingDriverIsAClearError) {
  auto body = [] {
    setenv("WQRT_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
    wqrtStatus status = wqrtInit(0);
    finish(status == WQRT_ERROR_DRIVER_NOT_FOUND &&
           messageContains("cannot load the CUDA driver "
                           "'/nonexistent/libcuda.so.1'"));
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(RuntimeTest, CallsBeforeInitFail) {
  auto body = [] {
    void *ptr = nullptr;
    finish(wqrtMalloc(16, &ptr) == WQRT_ERROR_NOT_INITIALIZED &&
           messageContains("wqrtInit has not been called"));
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(RuntimeTest, MissingDeviceIsAClearError) {
  auto body = [] {
    useFakeDriver();
    setenv("FAKE_CUDA_DEVICE_COUNT", "0", 1);
    wqrtStatus status = wqrtInit(0);
    finish(status == WQRT_ERROR_NO_DEVICE &&
           messageContains("CUDA device 0 requested but 0 device(s)"));
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(RuntimeTest, BadModuleNamesTheCudaError) {
  auto body = [] {
    useFakeDriver();
    wqrtModule module;
    bool ok = wqrtInit(0) == WQRT_SUCCESS &&
              wqrtModuleLoad("garbage", 8, &module) == WQRT_ERROR_CUDA &&
              messageContains("loading a module of 8 bytes") &&
              messageContains("CUDA_ERROR_INVALID_IMAGE");
    finish(ok);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(RuntimeTest, UnknownKernelIsNamed) {
  auto body = [] {
    useFakeDriver();
    wqrtModule module;
    wqrtKernel kernel;
    bool ok = wqrtInit(0) == WQRT_SUCCESS &&
              wqrtModuleLoad(kImage, sizeof(kImage), &module) == WQRT_SUCCESS &&
              wqrtModuleGetKernel(module, "no_such_kernel", &kernel) ==
                  WQRT_ERROR_CUDA &&
              messageContains("kernel 'no_such_kernel'") &&
              messageContains("CUDA_ERROR_NOT_FOUND");
    finish(ok);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(RuntimeTest, BadLaunchArgumentsAreRejectedWithTheKernelName) {
  auto body = [] {
    useFakeDriver();
    wqrtModule module;
    wqrtKernel kernel;
    bool ok =
        wqrtInit(0) == WQRT_SUCCESS &&
        wqrtModuleLoad(kImage, sizeof(kImage), &module) == WQRT_SUCCESS &&
        wqrtModuleGetKernel(module, "known_kernel", &kernel) == WQRT_SUCCESS;
    const uint32_t grid[3] = {1, 1, 1}, badBlock[3] = {2048, 1, 1},
                   zeroGrid[3] = {0, 1, 1}, block[3] = {128, 1, 1};
    ok = ok &&
         wqrtLaunchKernel(kernel, grid, badBlock, 0, nullptr, nullptr) ==
             WQRT_ERROR_INVALID_ARGUMENT &&
         messageContains("launching kernel 'known_kernel': invalid grid");
    ok = ok && wqrtLaunchKernel(kernel, zeroGrid, block, 0, nullptr, nullptr) ==
                   WQRT_ERROR_INVALID_ARGUMENT;
    // The driver rejects missing parameters; the message names both.
    ok = ok &&
         wqrtLaunchKernel(kernel, grid, block, 0, nullptr, nullptr) ==
             WQRT_ERROR_CUDA &&
         messageContains("launching kernel 'known_kernel' failed") &&
         messageContains("CUDA_ERROR_INVALID_VALUE");
    int value = 7;
    void *args[] = {&value};
    ok = ok && wqrtLaunchKernel(kernel, grid, block, 0, nullptr, args) ==
                   WQRT_SUCCESS;
    finish(ok);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(RuntimeTest, LaunchesOptInToMoreThan48KBOfSharedMemory) {
  auto body = [] {
    useFakeDriver();
    wqrtModule module;
    wqrtKernel kernel;
    bool ok =
        wqrtInit(0) == WQRT_SUCCESS &&
        wqrtModuleLoad(kImage, sizeof(kImage), &module) == WQRT_SUCCESS &&
        wqrtModuleGetKernel(module, "known_kernel", &kernel) == WQRT_SUCCESS;
    const uint32_t grid[3] = {1, 1, 1}, block[3] = {128, 1, 1};
    int value = 7;
    void *args[] = {&value};
    // The fake driver, like a real one, rejects a launch over 48 KB unless
    // the kernel's limit was raised first.
    ok = ok &&
         wqrtLaunchKernel(kernel, grid, block, 84 * 1024, nullptr, args) ==
             WQRT_SUCCESS &&
         wqrtLaunchKernel(kernel, grid, block, 1024, nullptr, args) ==
             WQRT_SUCCESS;
    // More than the device has: the error names the kernel and the size.
    ok = ok &&
         wqrtLaunchKernel(kernel, grid, block, 300 * 1024, nullptr, args) ==
             WQRT_ERROR_CUDA &&
         messageContains("kernel 'known_kernel' needs 307200 bytes of "
                         "dynamic shared memory");
    finish(ok);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(RuntimeTest, CopiesAndTimesThroughTheDriver) {
  auto body = [] {
    useFakeDriver();
    const int input[4] = {1, 2, 3, 4};
    int output[4] = {0, 0, 0, 0};
    void *device = nullptr;
    wqrtEvent start, end;
    float ms = 0;
    bool ok =
        wqrtInit(0) == WQRT_SUCCESS &&
        wqrtMalloc(sizeof(input), &device) == WQRT_SUCCESS &&
        wqrtMemcpyHostToDevice(device, input, sizeof(input)) == WQRT_SUCCESS &&
        wqrtMemcpyDeviceToHost(output, device, sizeof(input)) == WQRT_SUCCESS &&
        std::memcmp(input, output, sizeof(input)) == 0 &&
        wqrtFree(device) == WQRT_SUCCESS &&
        wqrtEventCreate(&start) == WQRT_SUCCESS &&
        wqrtEventCreate(&end) == WQRT_SUCCESS &&
        wqrtEventRecord(start, nullptr) == WQRT_SUCCESS &&
        wqrtEventRecord(end, nullptr) == WQRT_SUCCESS &&
        wqrtEventElapsedMs(start, end, &ms) == WQRT_SUCCESS && ms == 1.5f;
    // Switching devices after initialization is refused.
    ok = ok && wqrtInit(1) == WQRT_ERROR_INVALID_ARGUMENT;
    finish(ok);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(RuntimeTest, OldDriverWithoutAnEntryPointIsAClearError) {
  auto body = [] {
    setenv("WQRT_CUDA_DRIVER", WQRT_OLD_FAKE_DRIVER, 1);
    finish(wqrtInit(0) == WQRT_ERROR_DRIVER_NOT_FOUND &&
           messageContains("lacks the entry point cuLaunchKernel"));
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(MgpuAbiTest, LaunchFailureExitsNamingKernelAndError) {
  auto body = [] {
    useFakeDriver();
    void *module = mgpuModuleLoad(const_cast<char *>(kImage), sizeof(kImage));
    void *function = mgpuModuleGetFunction(module, "known_kernel");
    mgpuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr,
                     0);
    std::exit(0);
  };
  EXPECT_EXIT(
      body(), ::testing::ExitedWithCode(1),
      "mgpuLaunchKernel: wq runtime: launching kernel 'known_kernel' failed: "
      "CUDA_ERROR_INVALID_VALUE");
}

// MLIR's host code unloads modules from a global destructor, which may run
// after the CUDA driver has shut itself down at exit (seen on an H200).
TEST(MgpuAbiTest, UnloadAfterTheDriverShutDownSucceeds) {
  auto body = [] {
    useFakeDriver();
    void *module = mgpuModuleLoad(const_cast<char *>(kImage), sizeof(kImage));
    setenv("FAKE_CUDA_SHUT_DOWN", "1", 1);
    mgpuModuleUnload(module);
    std::exit(0);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(MgpuAbiTest, MissingDriverExitsWithAMessage) {
  auto body = [] {
    setenv("WQRT_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
    mgpuMemAlloc(64, nullptr, false);
    std::exit(0);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(1),
              "mgpuMemAlloc: wq runtime: cannot load the CUDA driver");
}

TEST(MgpuAbiTest, AllocCopyFree) {
  auto body = [] {
    useFakeDriver();
    float host[3] = {1.f, 2.f, 3.f}, back[3] = {0, 0, 0};
    void *device = mgpuMemAlloc(sizeof(host), nullptr, false);
    mgpuMemcpy(device, host, sizeof(host), nullptr);
    mgpuMemcpy(back, device, sizeof(host), nullptr);
    mgpuMemFree(device, nullptr);
    std::exit(std::memcmp(host, back, sizeof(host)) == 0 ? 0 : 1);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(MgpuAbiTest, BuffersFreedDuringACaptureLiveAsLongAsTheGraph) {
  auto body = [] {
    useFakeDriver();
    bool ok = wqrtInit(0) == WQRT_SUCCESS && liveAllocations() == 0 &&
              wqrtCaptureBegin() == WQRT_SUCCESS;
    // A temporary of the captured code: every replay writes and reads it,
    // so its free must wait for the graph.
    void *stream = mgpuStreamCreate();
    void *temporary = mgpuMemAlloc(64, stream, false);
    mgpuMemFree(temporary, stream);
    mgpuStreamDestroy(stream);
    wqrtGraph graph = nullptr;
    ok = ok && liveAllocations() == 1 &&
         wqrtCaptureEnd(&graph) == WQRT_SUCCESS && liveAllocations() == 1 &&
         wqrtGraphLaunch(graph, nullptr) == WQRT_SUCCESS &&
         wqrtGraphDestroy(graph) == WQRT_SUCCESS && liveAllocations() == 0;
    // Outside a capture frees are immediate.
    void *buffer = mgpuMemAlloc(64, nullptr, false);
    ok = ok && liveAllocations() == 1;
    mgpuMemFree(buffer, nullptr);
    finish(ok && liveAllocations() == 0);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(MgpuAbiTest, GraphCaptureRecordsTheHostCodesStreams) {
  auto body = [] {
    useFakeDriver();
    bool ok = wqrtInit(0) == WQRT_SUCCESS &&
              wqrtCaptureBegin() == WQRT_SUCCESS &&
              // One capture at a time.
              wqrtCaptureBegin() == WQRT_ERROR_INVALID_ARGUMENT &&
              messageContains("a capture is already running");
    // What MLIR's host code does around a launch: its stream is the
    // capturing one, and synchronizing it (which the driver refuses while
    // capturing) and destroying it are skipped.
    void *stream = mgpuStreamCreate();
    mgpuStreamSynchronize(stream);
    mgpuStreamDestroy(stream);
    wqrtGraph graph = nullptr;
    ok = ok && stream != nullptr && wqrtCaptureEnd(&graph) == WQRT_SUCCESS &&
         graph != nullptr && wqrtGraphLaunch(graph, nullptr) == WQRT_SUCCESS &&
         wqrtGraphDestroy(graph) == WQRT_SUCCESS;
    // Without a capture the host code's streams are its own again.
    void *own = mgpuStreamCreate();
    mgpuStreamSynchronize(own);
    mgpuStreamDestroy(own);
    finish(ok);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(MgpuAbiTest, DeviceConstantsAreUploadedOnceAndReleased) {
  auto body = [] {
    useFakeDriver();
    static const float weights[4] = {1.f, 2.f, 3.f, 4.f};
    static const float others[2] = {5.f, 6.f};
    // First use uploads; later uses (the compiled function's later calls)
    // get the same copy; another constant gets its own.
    void *first = wqrtDeviceConstant(weights, sizeof(weights), nullptr);
    void *again = wqrtDeviceConstant(weights, sizeof(weights), nullptr);
    void *other = wqrtDeviceConstant(others, sizeof(others), nullptr);
    float back[4] = {0, 0, 0, 0};
    bool ok = first != nullptr && first == again && other != first &&
              wqrtMemcpyDeviceToHost(back, first, sizeof(back)) ==
                  WQRT_SUCCESS &&
              std::memcmp(back, weights, sizeof(back)) == 0;
    ok = ok && wqrtReleaseDeviceConstants() == WQRT_SUCCESS;
    // Released: the next use uploads again.
    void *reloaded = wqrtDeviceConstant(weights, sizeof(weights), nullptr);
    ok = ok && reloaded != nullptr &&
         wqrtMemcpyDeviceToHost(back, reloaded, sizeof(back)) ==
             WQRT_SUCCESS &&
         std::memcmp(back, weights, sizeof(back)) == 0;
    finish(ok);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(MgpuAbiTest, FirstUseOfAConstantInsideACaptureExitsWithAMessage) {
  auto body = [] {
    useFakeDriver();
    static const float weights[2] = {1.f, 2.f};
    if (wqrtInit(0) != WQRT_SUCCESS || wqrtCaptureBegin() != WQRT_SUCCESS)
      std::exit(2);
    wqrtDeviceConstant(weights, sizeof(weights), nullptr);
    std::exit(0);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(1),
              "wqrtDeviceConstant: .*inside a graph capture; call the "
              "compiled function once before wqrtCaptureBegin");
}

TEST(MgpuAbiTest, TensorMapsAreEncodedUploadedOnceAndReleased) {
  auto body = [] {
    useFakeDriver();
    void *matrix = nullptr;
    bool ok = wqrtInit(0) == WQRT_SUCCESS &&
              wqrtMalloc(130 * 192 * 2, &matrix) == WQRT_SUCCESS;
    // A 130x192 f16 matrix in 128-row boxes of one int4 tile's 64
    // positions (128 bytes), swizzled by 128 bytes.
    void *map = wqrtTensorMapEncodeTiled2D(matrix, 130, 192, 128, 64, 128);
    FakeTensorMap encoded{};
    ok = ok && map &&
         wqrtMemcpyDeviceToHost(&encoded, map, sizeof(encoded)) ==
             WQRT_SUCCESS &&
         encoded.magic == FakeTensorMap::kMagic && encoded.rank == 2 &&
         encoded.address == reinterpret_cast<uintptr_t>(matrix) &&
         encoded.dims[0] == 192 && encoded.dims[1] == 130 &&
         encoded.strides[0] == 384 && encoded.box[0] == 64 &&
         encoded.box[1] == 128 && encoded.elementBytes == 2 &&
         encoded.swizzle == 3 && encoded.oobFill == 0;
    // The same request (a later call of the compiled function) gets the
    // same copy; another shape its own; no rows, none.
    void *again = wqrtTensorMapEncodeTiled2D(matrix, 130, 192, 128, 64, 128);
    void *other = wqrtTensorMapEncodeTiled2D(matrix, 129, 192, 128, 64, 128);
    ok = ok && again == map && other && other != map &&
         wqrtTensorMapEncodeTiled2D(matrix, 0, 192, 128, 64, 128) == nullptr &&
         liveAllocations() == 3;
    ok = ok && wqrtReleaseTensorMaps() == WQRT_SUCCESS &&
         liveAllocations() == 1;
    finish(ok);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(MgpuAbiTest, TensorMapCacheIsEmptiedAfterASynchronization) {
  auto body = [] {
    useFakeDriver();
    setenv("FAKE_CUDA_TRACE", "1", 1);
    void *matrix = nullptr;
    bool ok = wqrtInit(0) == WQRT_SUCCESS &&
              wqrtMalloc(4200 * 64 * 2, &matrix) == WQRT_SUCCESS;
    // 4096 maps are kept; the next one synchronizes and starts over.
    for (int rows = 1; rows <= 4096; ++rows)
      ok = ok && wqrtTensorMapEncodeTiled2D(matrix, rows, 64, 64, 64, 128);
    ok = ok && liveAllocations() == 4097;
    ok = ok && wqrtTensorMapEncodeTiled2D(matrix, 4097, 64, 64, 64, 128) &&
         liveAllocations() == 2;
    finish(ok);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0),
              "fake-cuda: cuCtxSynchronize");
}

TEST(MgpuAbiTest, AnInvalidTensorMapExitsWithTheCudaError) {
  // A base address off the 16-byte alignment TMA needs.
  auto misaligned = [] {
    useFakeDriver();
    void *matrix = nullptr;
    if (wqrtInit(0) != WQRT_SUCCESS ||
        wqrtMalloc(256 * 64 * 2, &matrix) != WQRT_SUCCESS)
      std::exit(2);
    wqrtTensorMapEncodeTiled2D(static_cast<char *>(matrix) + 2, 256, 64, 64,
                               64, 128);
    std::exit(0);
  };
  EXPECT_EXIT(misaligned(), ::testing::ExitedWithCode(1),
              "wqrtTensorMapEncodeTiled2D: .*encoding the tensor map of the "
              "256x64 matrix at 0x[0-9a-f]+ in boxes of 64x64 with a "
              "128-byte swizzle \\(cuTensorMapEncodeTiled\\): "
              "CUDA_ERROR_INVALID_VALUE");
  // Rows of 128 bytes under a 64-byte swizzle.
  auto overSpan = [] {
    useFakeDriver();
    void *matrix = nullptr;
    if (wqrtInit(0) != WQRT_SUCCESS ||
        wqrtMalloc(256 * 64 * 2, &matrix) != WQRT_SUCCESS)
      std::exit(2);
    wqrtTensorMapEncodeTiled2D(matrix, 256, 64, 64, 64, 64);
    std::exit(0);
  };
  EXPECT_EXIT(overSpan(), ::testing::ExitedWithCode(1),
              "wqrtTensorMapEncodeTiled2D: .*CUDA_ERROR_INVALID_VALUE");
  auto badSwizzle = [] {
    useFakeDriver();
    wqrtTensorMapEncodeTiled2D(nullptr, 256, 64, 64, 64, 48);
    std::exit(0);
  };
  EXPECT_EXIT(badSwizzle(), ::testing::ExitedWithCode(1),
              "wqrtTensorMapEncodeTiled2D: .*48-byte swizzle: not a valid "
              "shape");
}

TEST(MgpuAbiTest, FirstTensorMapInsideACaptureExitsWithAMessage) {
  auto body = [] {
    useFakeDriver();
    void *matrix = nullptr;
    if (wqrtInit(0) != WQRT_SUCCESS ||
        wqrtMalloc(256 * 64 * 2, &matrix) != WQRT_SUCCESS)
      std::exit(2);
    // Made before the capture: reused inside it.
    if (!wqrtTensorMapEncodeTiled2D(matrix, 256, 64, 64, 64, 128) ||
        wqrtCaptureBegin() != WQRT_SUCCESS ||
        !wqrtTensorMapEncodeTiled2D(matrix, 256, 64, 64, 64, 128))
      std::exit(2);
    wqrtTensorMapEncodeTiled2D(matrix, 255, 64, 64, 64, 128);
    std::exit(0);
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(1),
              "wqrtTensorMapEncodeTiled2D: .*first time inside a graph "
              "capture");
}

TEST(RuntimeTest, GraphCallsOutOfOrderAreRejected) {
  auto body = [] {
    useFakeDriver();
    wqrtGraph graph = nullptr;
    finish(wqrtInit(0) == WQRT_SUCCESS &&
           wqrtCaptureEnd(&graph) == WQRT_ERROR_INVALID_ARGUMENT &&
           messageContains("no capture is running") &&
           wqrtCaptureEnd(nullptr) == WQRT_ERROR_INVALID_ARGUMENT &&
           wqrtGraphLaunch(nullptr, nullptr) == WQRT_ERROR_INVALID_ARGUMENT &&
           messageContains("null graph"));
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

TEST(RuntimeTest, SynchronizingACapturingStreamNamesTheCudaError) {
  auto body = [] {
    useFakeDriver();
    finish(wqrtInit(0) == WQRT_SUCCESS && wqrtCaptureBegin() == WQRT_SUCCESS &&
           wqrtStreamSynchronize(reinterpret_cast<wqrtStream>(
               mgpuStreamCreate())) == WQRT_ERROR_CUDA &&
           messageContains("CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"));
  };
  EXPECT_EXIT(body(), ::testing::ExitedWithCode(0), "");
}

} // namespace
