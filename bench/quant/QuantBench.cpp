//===- QuantBench.cpp - Accuracy and speed of wq's quantization methods ---===//
//
// 1. Accuracy on the outlier scenario: a weight whose 1% of input channels
//    are 100x larger than the rest, with realistic (correlated, heavy-channel)
//    activations. Relative output error ||X (Wq - W)^T|| / ||X W^T|| on
//    held-out activations for each method, and bits per weight.
// 2. Speed: a 4096x4096 layer with 128 x 2048 calibration tokens (Hessian
//    accumulation streamed in chunks), GPTQ and AWQ, seconds.
//
// Usage: quant-bench [--quick]   (prints Markdown tables on stdout)
//
//===----------------------------------------------------------------------===//

#include "wq/Numerics/Calibrated.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

using namespace wq_numerics;

namespace {

double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Activations x = z A (A = I + noise/sqrt(k)) with 1% of channels 10x larger.
struct ActivationModel {
  int64_t k;
  std::vector<float> mix;
  std::vector<int> heavy;
  ActivationModel(int64_t k, unsigned seed) : k(k), mix(k * k), heavy(k, 0) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> dist(0, 1);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j)
        mix[i * k + j] = (i == j ? 1.0f : 0.0f) + dist(gen) / std::sqrt(float(k));
    std::uniform_int_distribution<int64_t> pick(0, k - 1);
    for (int64_t c = 0; c < std::max<int64_t>(1, k / 100); ++c)
      heavy[pick(gen)] = 1;
  }
  std::vector<float> sample(int64_t tokens, unsigned seed) const {
    std::mt19937 gen(seed);
    std::normal_distribution<float> dist(0, 1);
    std::vector<float> z(tokens * k), x(tokens * k, 0.0f);
    for (float &v : z)
      v = dist(gen);
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t i = 0; i < k; ++i) {
        float zi = z[t * k + i];
        const float *row = &mix[i * k];
        float *out = &x[t * k];
        for (int64_t j = 0; j < k; ++j)
          out[j] += zi * row[j];
      }
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t c = 0; c < k; ++c)
        if (heavy[c])
          x[t * k + c] *= 10.0f;
    return x;
  }
};

double bitsPerWeight(const QuantizedLinear &linear) {
  const QuantScheme &s = linear.scheme;
  double bytes = double(linear.matrix.packed.size()) +
                 double(linear.matrix.scales.size()) * scaleTypeBytes(s.scaleType) +
                 double(linear.matrix.zeros.size()) +
                 4.0 * linear.perm.size() + 4.0 * linear.outlierChannels.size() +
                 2.0 * linear.outlierWeights.size() + // f16 side channel
                 4.0 * linear.inputScales.size();
  return 8.0 * bytes / double(linear.n * linear.k);
}

void accuracyTable(int64_t n, int64_t k, int64_t calibTokens, int64_t evalTokens) {
  std::mt19937 gen(1);
  std::normal_distribution<float> dist(0, 0.02f);
  std::vector<float> w(n * k);
  for (float &v : w)
    v = dist(gen);
  std::uniform_int_distribution<int64_t> pick(0, k - 1);
  for (int64_t c = 0; c < k / 100; ++c) { // 1% of input channels, 100x larger
    int64_t column = pick(gen);
    for (int64_t r = 0; r < n; ++r)
      w[r * k + column] *= 100.0f;
  }
  ActivationModel model(k, 2);
  std::vector<float> calib = model.sample(calibTokens, 3);
  std::vector<float> eval = model.sample(evalTokens, 4);
  CalibrationStats stats(k);
  if (auto e = stats.add(calib.data(), calibTokens, calibTokens / 512)) {
    std::fprintf(stderr, "%s\n", e->c_str());
    std::exit(1);
  }
  LinearCalibration calibration{stats.hessian(), stats.channelMeanAbs()};

  std::printf("### Outlier scenario: W [%lld x %lld], 1%% of input channels 100x "
              "larger; %lld calibration tokens, %lld held-out tokens\n\n",
              (long long)n, (long long)k, (long long)calibTokens,
              (long long)evalTokens);
  std::printf("| method | bits | group | relative output error | bits/weight |\n");
  std::printf("|---|---|---|---|---|\n");

  auto row = [&](const char *label, const QuantizedLinear &linear) {
    std::vector<float> back = dequantizeLinear(linear);
    double error =
        relativeOutputError(w.data(), back.data(), n, k, eval.data(), evalTokens);
    std::string group = linear.scheme.groupSize == 0
                            ? "channel"
                            : std::to_string(linear.scheme.groupSize);
    std::printf("| %s | %u | %s | %.4e | %.2f |\n", label, linear.scheme.bits,
                group.c_str(), error, bitsPerWeight(linear));
    std::fflush(stdout);
  };
  auto run = [&](const char *label, QuantMethod method, int64_t group,
                 bool actOrder = false, double outliers = 0, unsigned bits = 4) {
    LinearQuantOptions options;
    options.method = method;
    options.scheme = QuantScheme{bits, false, true, group, ScaleType::F16};
    options.gptq.actOrder = actOrder;
    options.outlierFraction = outliers;
    QuantizedLinear linear;
    if (auto e = quantizeLinear("w", w.data(), n, k, options, &calibration,
                                linear)) {
      std::fprintf(stderr, "%s: %s\n", label, e->c_str());
      std::exit(1);
    }
    row(label, linear);
  };

  { // Per tensor: one scale for the whole matrix (quantized as one row).
    QuantizedLinear linear;
    linear.name = "w";
    linear.n = n;
    linear.k = k;
    linear.scheme = QuantScheme{4, false, true, 0, ScaleType::F16};
    QuantizedMatrix flat;
    quantizeRtn(w.data(), 1, n * k, linear.scheme, flat);
    std::vector<float> back(n * k);
    dequantize(flat, linear.scheme, back.data());
    double error =
        relativeOutputError(w.data(), back.data(), n, k, eval.data(), evalTokens);
    std::printf("| RTN per-tensor | 4 | tensor | %.4e | %.2f |\n", error,
                8.0 * (flat.packed.size() + 3.0) / double(n * k));
  }
  run("RTN per-channel", QuantMethod::Rtn, 0);
  run("RTN", QuantMethod::Rtn, 128);
  run("RTN", QuantMethod::Rtn, 32);
  run("RTN-MSE", QuantMethod::RtnMse, 128);
  run("GPTQ", QuantMethod::Gptq, 128);
  run("GPTQ + act-order", QuantMethod::Gptq, 128, true);
  run("AWQ", QuantMethod::Awq, 128);
  run("RTN + outliers 0.5%", QuantMethod::Rtn, 128, false, 0.005);
  run("RTN + outliers 1%", QuantMethod::Rtn, 128, false, 0.01);
  run("GPTQ + act-order + outliers 1%", QuantMethod::Gptq, 128, true, 0.01);
  run("RTN int8 per-channel", QuantMethod::Rtn, 0, false, 0, 8);
  std::printf("\n");
}

void speedTable(int64_t n, int64_t k, int64_t samples, int64_t seqLen) {
  std::printf("### Quantization speed: W [%lld x %lld], %lld x %lld calibration "
              "tokens, this machine\n\n",
              (long long)n, (long long)k, (long long)samples, (long long)seqLen);
  std::printf("| step | seconds |\n|---|---|\n");
  std::mt19937 gen(5);
  std::normal_distribution<float> dist(0, 1);
  std::vector<float> w(n * k);
  for (float &v : w)
    v = dist(gen) * 0.02f;
  // Stream the activations: one calibration sample (sequence) at a time.
  CalibrationStats stats(k);
  std::vector<float> x(seqLen * k);
  auto start = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < samples; ++s) {
    for (float &v : x)
      v = dist(gen);
    if (auto e = stats.add(x.data(), seqLen, 1)) {
      std::fprintf(stderr, "%s\n", e->c_str());
      std::exit(1);
    }
    if ((s + 1) % 16 == 0)
      std::fprintf(stderr, "\r  Hessian: %lld/%lld samples", (long long)s + 1,
                   (long long)samples);
  }
  std::fprintf(stderr, "\n");
  double tHessian = seconds(start);
  std::printf("| Hessian accumulation (H += 2 X^T X, %lld tokens) | %.2f |\n",
              (long long)(samples * seqLen), tHessian);
  LinearCalibration calibration{stats.hessian(), stats.channelMeanAbs()};
  auto time = [&](const char *label, QuantMethod method, bool actOrder) {
    LinearQuantOptions options;
    options.method = method;
    options.scheme = QuantScheme{4, false, true, 128, ScaleType::F16};
    options.gptq.actOrder = actOrder;
    QuantizedLinear linear;
    auto t0 = std::chrono::steady_clock::now();
    if (auto e = quantizeLinear("w", w.data(), n, k, options, &calibration,
                                linear)) {
      std::fprintf(stderr, "%s: %s\n", label, e->c_str());
      std::exit(1);
    }
    std::printf("| %s | %.2f |\n", label, seconds(t0));
    std::fflush(stdout);
  };
  time("RTN g128", QuantMethod::Rtn, false);
  time("GPTQ g128 (Cholesky, lazy-batch sweep)", QuantMethod::Gptq, false);
  time("GPTQ g128 + act-order", QuantMethod::Gptq, true);
  time("AWQ g128 (scale grid 20 + clipping)", QuantMethod::Awq, false);
  std::printf("\n");
}

} // namespace

int main(int argc, char **argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  if (quick) {
    accuracyTable(256, 512, 2048, 2048);
    speedTable(512, 512, 8, 256);
  } else {
    accuracyTable(1024, 1024, 8192, 4096);
    speedTable(4096, 4096, 128, 2048);
  }
  return 0;
}
