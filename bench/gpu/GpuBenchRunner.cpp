//===- GpuBenchRunner.cpp - runs the GPU benchmark kernels on a GPU -------===//
//
// Runs on the GPU machine with only libwq_runtime (which loads the CUDA
// driver) and the kernels gpu-kernel-gen wrote; wq's numerics source (f16
// conversions, no BLAS) is compiled in rather than linked, so that nothing
// else has to be carried. For each kernel of
// OUTDIR/manifest.txt: random weights, scales, zero points and activations
// (fixed seeds; f16 or bf16 activations, outputs and scales; weights packed
// row-major and re-tiled into the kernel's layout when it is mma_tiles); the
// output poisoned with NaN; one call, then a float64 reference of 64 output
// channels spread over N (dequantized on the host from the row-major bytes)
// (group offsets, llama.cpp's Q4_1 form, where the manifest says so)
// with a relative error bound on the output norm of 2e-3 for f16 outputs
// (their rounding alone is ~2.4e-4) and 1e-2 for bf16 (~2e-3) (beyond M =
// 16 on 16 rows spread over M); then timing by
// CUDA graph replay with CUDA events: one graph records 32 calls rotating
// through enough weight copies that the working set is at least 256 MB (5x
// the H200's 50 MB L2), replayed until ~0.2 s. Consecutive kernels of the
// same weight (a variant and shape at several M) share the weights, on the
// host and the device. Prints one Markdown row per kernel: microseconds per
// call, weight GB/s, % of the measured device-to-device copy bandwidth, and
// the check.
//
// Usage: gpu-bench-runner DIR [MANIFEST]   (default DIR/manifest.txt; the
// kernel files are in DIR)
//
//===----------------------------------------------------------------------===//

#include "wq/Numerics/GpuLayout.h"
#include "wq/Numerics/Numerics.h"
#include "wq_runtime.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

/// Kernel arguments of any element type: MLIR's descriptor over bytes.
template <int N> using MemRef = StridedMemRefType<char, N>;

template <int N> MemRef<N> deviceMemRef(void *ptr, const int64_t (&sizes)[N]) {
  char *bytes = static_cast<char *>(ptr);
  MemRef<N> d{bytes, bytes, 0, {}, {}};
  int64_t stride = 1;
  for (int i = N - 1; i >= 0; --i) {
    d.sizes[i] = sizes[i];
    d.strides[i] = stride;
    stride *= sizes[i];
  }
  return d;
}

/// _mlir_ciface_kernel(x, packed, scales, zero points or offsets, y): scales
/// and zero points (offsets) are [N, groups] (row_major) or [N / 16, groups,
/// 16] (mma_tiles).
using RowMajorKernelFn = void (*)(MemRef<2> *, MemRef<3> *, MemRef<2> *,
                                  MemRef<2> *, MemRef<2> *);
using TiledKernelFn = void (*)(MemRef<2> *, MemRef<3> *, MemRef<3> *,
                               MemRef<3> *, MemRef<2> *);

bool check(wqrtStatus status, const char *what) {
  if (status == WQRT_SUCCESS)
    return true;
  std::fprintf(stderr, "gpu-bench-runner: %s: %s\n", what,
               wqrtGetLastErrorMessage());
  return false;
}

double copyBandwidthGBs() {
  const size_t bytes = size_t(1) << 30;
  void *a = nullptr, *b = nullptr;
  if (!check(wqrtMalloc(bytes, &a), "malloc") ||
      !check(wqrtMalloc(bytes, &b), "malloc"))
    return 0;
  wqrtEvent start, end;
  wqrtEventCreate(&start);
  wqrtEventCreate(&end);
  wqrtMemcpyDeviceToDevice(b, a, bytes); // warm up
  const int reps = 10;
  wqrtEventRecord(start, nullptr);
  for (int i = 0; i < reps; ++i)
    wqrtMemcpyDeviceToDevice(b, a, bytes);
  wqrtEventRecord(end, nullptr);
  wqrtEventSynchronize(end);
  float ms = 0;
  wqrtEventElapsedMs(start, end, &ms);
  wqrtEventDestroy(start);
  wqrtEventDestroy(end);
  wqrtFree(a);
  wqrtFree(b);
  return 2.0 * double(bytes) * reps / (ms * 1e-3) / 1e9; // read + write
}

/// The random weight of one (variant, shape) on the host (row-major, as the
/// reference reads it) and its device copies in the kernel's layout: enough
/// that the working set is >= 256 MB.
struct Weights {
  std::string key;
  std::vector<uint8_t> packed, zeros;
  std::vector<uint16_t> scales, offsets;
  std::vector<void *> dPacked, dScales, dZeros;
  size_t bytes = 0;

  template <typename ToBits>
  bool create(const std::string &newKey, int64_t n, int64_t k, int64_t groups,
              int bits, bool tiled, bool symmetric, bool withOffsets,
              ToBits toBits, std::mt19937 &gen) {
    release();
    const size_t scaleCount = size_t(n * groups);
    packed.resize(size_t(n * k * bits / 8));
    zeros.resize(scaleCount);
    scales.resize(scaleCount);
    offsets.assign(withOffsets ? scaleCount : 0, 0);
    // Eight random bytes per draw: the largest weights have 235 M bytes.
    std::mt19937_64 bytesGen(gen());
    for (size_t i = 0; i < packed.size(); i += 8) {
      const uint64_t word = bytesGen();
      std::memcpy(&packed[i], &word, std::min<size_t>(8, packed.size() - i));
    }
    std::uniform_int_distribution<int> nibble(0, 15);
    std::uniform_real_distribution<float> scale(0.005f, 0.02f);
    // Q4_1's minimum is about -8 scales.
    std::uniform_real_distribution<float> offset(-0.2f, 0.05f);
    for (size_t i = 0; i < scaleCount; ++i) {
      scales[i] = toBits(scale(gen));
      zeros[i] = uint8_t(nibble(gen));
      if (withOffsets)
        offsets[i] = toBits(offset(gen));
    }
    // What the kernel reads: the row-major bytes, scales and zero points
    // re-tiled if needed.
    std::vector<uint8_t> stored =
        tiled ? wq_numerics::packMmaTiles(packed.data(), n, k, bits) : packed;
    std::vector<uint16_t> storedScales =
        tiled ? wq_numerics::groupsToMmaTiles(scales.data(), n, groups)
              : scales;
    // The fourth argument: the offsets (2 bytes a group), else the zero
    // points (1 byte, unread for symmetric weights).
    std::vector<uint8_t> storedZeros;
    if (withOffsets) {
      std::vector<uint16_t> storedOffsets =
          tiled ? wq_numerics::groupsToMmaTiles(offsets.data(), n, groups)
                : offsets;
      storedZeros.resize(storedOffsets.size() * 2);
      std::memcpy(storedZeros.data(), storedOffsets.data(),
                  storedZeros.size());
    } else {
      storedZeros = tiled ? wq_numerics::groupsToMmaTiles(zeros.data(), n,
                                                          groups)
                          : zeros;
    }
    const size_t storedGroups = storedScales.size();
    bytes = stored.size() + storedGroups * 2 +
            (withOffsets ? storedZeros.size() : symmetric ? 0 : storedGroups);
    const int copies =
        int(std::min<size_t>(16, (size_t(256) << 20) / bytes + 1));
    for (int c = 0; c < copies; ++c) {
      dPacked.push_back(nullptr);
      dScales.push_back(nullptr);
      dZeros.push_back(nullptr);
      if (!check(wqrtMalloc(stored.size(), &dPacked.back()), "malloc") ||
          !check(wqrtMalloc(storedGroups * 2, &dScales.back()), "malloc") ||
          !check(wqrtMalloc(storedZeros.size(), &dZeros.back()), "malloc") ||
          !check(wqrtMemcpyHostToDevice(dPacked.back(), stored.data(),
                                        stored.size()),
                 "copy") ||
          !check(wqrtMemcpyHostToDevice(dScales.back(), storedScales.data(),
                                        storedGroups * 2),
                 "copy") ||
          !check(wqrtMemcpyHostToDevice(dZeros.back(), storedZeros.data(),
                                        storedZeros.size()),
                 "copy")) {
        release();
        return false;
      }
    }
    key = newKey;
    return true;
  }

  void release() {
    for (std::vector<void *> *buffers : {&dPacked, &dScales, &dZeros}) {
      for (void *buffer : *buffers)
        if (buffer)
          wqrtFree(buffer);
      buffers->clear();
    }
    key.clear();
  }
};

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gpu-bench-runner DIR [MANIFEST]\n");
    return 1;
  }
  std::string dir = argv[1];
  std::string manifestPath = argc > 2 ? argv[2] : dir + "/manifest.txt";
  if (!check(wqrtInit(0), "init"))
    return 1;
  double copyGBs = copyBandwidthGBs();
  std::printf("device-to-device copy bandwidth (read + write): %.1f GB/s\n\n",
              copyGBs);
  std::printf("| kernel | N x K | M | us | weight GB/s | %% copy bw | check "
              "(rel. error) |\n|---|---|---|---|---|---|---|\n");
  std::ifstream manifest(manifestPath);
  if (!manifest) {
    std::fprintf(stderr, "gpu-bench-runner: cannot read %s\n",
                 manifestPath.c_str());
    return 1;
  }
  Weights weights;
  std::string line;
  int failures = 0;
  std::mt19937 gen(7);
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string file, activation, layout, form;
    int64_t n, k, m, groupSize;
    int symmetric, bits;
    bool parsed = bool(fields >> file >> n >> k >> m >> groupSize >>
                       symmetric >> bits >> activation >> layout);
    // The form column is optional (older manifests): from `symmetric`.
    if (parsed && !(fields >> form))
      form = symmetric ? "none" : "zero_points";
    if (!parsed || (bits != 4 && bits != 8) ||
        (activation != "f16" && activation != "bf16") ||
        (layout != "row_major" && layout != "mma_tiles") ||
        (form != "none" && form != "zero_points" && form != "offsets") ||
        (form == "none") != bool(symmetric)) {
      std::fprintf(stderr, "gpu-bench-runner: bad manifest line: %s\n",
                   line.c_str());
      ++failures;
      continue;
    }
    void *library = dlopen((dir + "/" + file).c_str(), RTLD_NOW | RTLD_LOCAL);
    void *kernel = library ? dlsym(library, "_mlir_ciface_kernel") : nullptr;
    if (!kernel) {
      std::fprintf(stderr, "gpu-bench-runner: %s: %s\n", file.c_str(),
                   dlerror());
      ++failures;
      continue;
    }
    const bool bf16 = activation == "bf16", tiled = layout == "mma_tiles";
    const bool withOffsets = form == "offsets",
               withZeros = form == "zero_points";
    auto toBits = [&](float v) {
      return bf16 ? wq_numerics::floatToBFloat16Bits(v)
                  : wq_numerics::floatToHalfBits(v);
    };
    auto fromBits = [&](uint16_t b) {
      return bf16 ? wq_numerics::bfloat16BitsToFloat(b)
                  : wq_numerics::halfBitsToFloat(b);
    };
    const int64_t group = groupSize ? groupSize : k;
    const int64_t groups = k / group, groupBytes = group * bits / 8;
    const int64_t groupShape[3] = {(n + 15) / 16, groups, 16};
    const int64_t packedShape[3] = {
        tiled ? (n + 15) / 16 : n,
        tiled ? k / wq_numerics::mmaTileDepth(bits) : groups,
        tiled ? wq_numerics::kMmaTileBytes : groupBytes};
    const std::string weightKey =
        std::to_string(n) + " " + std::to_string(k) + " " +
        std::to_string(groupSize) + " " + std::to_string(symmetric) + " " +
        std::to_string(bits) + " " + activation + " " + layout + " " + form;
    if (weights.key != weightKey && !weights.create(weightKey, n, k, groups,
                                                    bits, tiled, symmetric,
                                                    withOffsets, toBits,
                                                    gen)) {
      ++failures;
      continue;
    }
    const std::vector<uint8_t> &packed = weights.packed, &zeros = weights.zeros;
    const std::vector<uint16_t> &scales = weights.scales,
                                &offsets = weights.offsets;
    const size_t weightBytes = weights.bytes;
    const int copies = int(weights.dPacked.size());
    const std::vector<void *> &dPacked = weights.dPacked,
                              &dScales = weights.dScales,
                              &dZeros = weights.dZeros;
    std::vector<uint16_t> x(size_t(m * k)), y(size_t(m * n));
    std::normal_distribution<float> normal(0, 1);
    for (uint16_t &v : x)
      v = toBits(normal(gen));
    void *dX = nullptr, *dY = nullptr;
    // NaN in both formats' bit patterns.
    std::vector<uint16_t> poison(y.size(), bf16 ? 0x7FC0 : 0x7E00);
    if (!check(wqrtMalloc(x.size() * 2, &dX), "malloc") ||
        !check(wqrtMalloc(y.size() * 2, &dY), "malloc") ||
        !check(wqrtMemcpyHostToDevice(dX, x.data(), x.size() * 2), "copy") ||
        !check(wqrtMemcpyHostToDevice(dY, poison.data(), y.size() * 2),
               "copy")) {
      ++failures;
      continue;
    }
    auto call = [&](int c) {
      MemRef<2> xd = deviceMemRef<2>(dX, {m, k});
      MemRef<3> pd = deviceMemRef<3>(dPacked[c], packedShape);
      MemRef<2> yd = deviceMemRef<2>(dY, {m, n});
      if (tiled) {
        MemRef<3> sd = deviceMemRef<3>(dScales[c], groupShape);
        MemRef<3> zd = deviceMemRef<3>(dZeros[c], groupShape);
        reinterpret_cast<TiledKernelFn>(kernel)(&xd, &pd, &sd, &zd, &yd);
        return;
      }
      MemRef<2> sd = deviceMemRef<2>(dScales[c], {n, groups});
      MemRef<2> zd = deviceMemRef<2>(dZeros[c], {n, groups});
      reinterpret_cast<RowMajorKernelFn>(kernel)(&xd, &pd, &sd, &zd, &yd);
    };
    call(0);
    wqrtStreamSynchronize(nullptr);
    check(wqrtMemcpyDeviceToHost(y.data(), dY, y.size() * 2), "copy back");

    // float64 reference on 64 channels spread over N, of every row up to
    // 16 and of 16 rows spread over M beyond (the first and last included).
    double errorSq = 0, normSq = 0;
    bool finite = true;
    std::vector<int64_t> checkedRows;
    for (int64_t r = 0; r < std::min<int64_t>(m, 16); ++r)
      checkedRows.push_back(m <= 16 ? r : r * (m - 1) / 15);
    for (int64_t sample = 0; sample < 64; ++sample) {
      int64_t channel = (sample * 7919) % n;
      for (int64_t row : checkedRows) {
        double expected = 0;
        for (int64_t kk = 0; kk < k; ++kk) {
          int64_t g = kk / group, within = kk % group;
          int q;
          if (bits == 4) {
            uint8_t b = packed[size_t((channel * groups + g) * groupBytes +
                                      within / 2)];
            q = (within % 2) ? (b >> 4) : (b & 15);
            if (symmetric)
              q = q >= 8 ? q - 16 : q;
          } else {
            uint8_t b = packed[size_t((channel * groups + g) * groupBytes +
                                      within)];
            q = symmetric ? int(int8_t(b)) : int(b);
          }
          if (withZeros)
            q -= zeros[size_t(channel * groups + g)];
          double w = double(fromBits(scales[size_t(channel * groups + g)])) * q;
          if (withOffsets)
            w += double(fromBits(offsets[size_t(channel * groups + g)]));
          expected += w * double(fromBits(x[size_t(row * k + kk)]));
        }
        double got = fromBits(y[size_t(row * n + channel)]);
        finite = finite && std::isfinite(got);
        errorSq += (got - expected) * (got - expected);
        normSq += expected * expected;
      }
    }
    double relative = normSq > 0 ? std::sqrt(errorSq / normSq) : 0;
    bool passed = finite && relative < (bf16 ? 1e-2 : 2e-3);
    failures += !passed;

    // Timing: a graph of 32 calls rotating the weight copies, replayed.
    const int callsPerGraph = 32;
    wqrtGraph graph = nullptr;
    bool ok = check(wqrtCaptureBegin(), "capture");
    for (int i = 0; ok && i < callsPerGraph; ++i)
      call(i % copies);
    ok = ok && check(wqrtCaptureEnd(&graph), "capture");
    wqrtEvent start = nullptr, end = nullptr;
    ok = ok && check(wqrtEventCreate(&start), "event") &&
         check(wqrtEventCreate(&end), "event");
    auto replay = [&](int times) {
      float ms = 0;
      bool fine = check(wqrtEventRecord(start, nullptr), "record");
      for (int i = 0; fine && i < times; ++i)
        fine = check(wqrtGraphLaunch(graph, nullptr), "graph launch");
      fine = fine && check(wqrtEventRecord(end, nullptr), "record") &&
             check(wqrtEventSynchronize(end), "sync") &&
             check(wqrtEventElapsedMs(start, end, &ms), "elapsed");
      return fine ? double(ms) : -1.0;
    };
    double us = -1;
    if (ok && replay(1) >= 0) { // warm-up
      double ms = replay(2);
      int times = ms > 0 ? std::max(2, int(2 * 200.0 / ms)) : 2;
      ms = replay(times);
      if (ms > 0)
        us = ms * 1e3 / (double(times) * callsPerGraph);
    }
    if (us <= 0) {
      ++failures;
      passed = false;
    }
    double gbs = us > 0 ? double(weightBytes) / (us * 1e-6) / 1e9 : 0;
    std::printf("| %s | %lldx%lld | %lld | %.2f | %.0f | %.0f%% | %s (%.1e) |\n",
                file.c_str(), (long long)n, (long long)k, (long long)m, us, gbs,
                copyGBs > 0 ? 100 * gbs / copyGBs : 0.0,
                passed ? "ok" : "FAIL", relative);
    std::fflush(stdout);
    wqrtGraphDestroy(graph);
    wqrtEventDestroy(start);
    wqrtEventDestroy(end);
    wqrtFree(dX);
    wqrtFree(dY);
  }
  weights.release();
  if (failures)
    std::fprintf(stderr, "gpu-bench-runner: %d kernel(s) failed\n", failures);
  return failures ? 1 : 0;
}
