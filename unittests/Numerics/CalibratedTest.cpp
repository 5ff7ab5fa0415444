//===- CalibratedTest.cpp - GPTQ, AWQ, MSE and outlier tests --------------===//
//
// Cases whose answer is known (weights on the grid, diagonal Hessians),
// comparisons against RTN across seeds, bookkeeping of act-order and static
// groups, and bad inputs (singular, indefinite, NaN). The agreement of GPTQ
// with an independent implementation of the reference algorithm is checked
// end to end in test/Tools (scripts/gptq_reference.py).
//
//===----------------------------------------------------------------------===//

#include "wq/Numerics/Calibrated.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>

using namespace wq_numerics;

namespace {

std::vector<float> gaussian(int64_t count, unsigned seed, float sigma = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(static_cast<size_t>(count));
  for (float &x : v)
    x = dist(gen);
  return v;
}

/// Correlated activations [tokens, k]: x = z A with a random mixing matrix,
/// plus a few channels with much larger magnitude (as in real LLMs).
std::vector<float> activations(int64_t tokens, int64_t k, unsigned seed) {
  std::vector<float> z = gaussian(tokens * k, seed);
  std::vector<float> a = gaussian(k * k, seed + 1, 1.0f / std::sqrt(float(k)));
  for (int64_t i = 0; i < k; ++i)
    a[i * k + i] += 1.0f;
  std::vector<float> x(static_cast<size_t>(tokens * k), 0.0f);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < k; ++i) {
      float zi = z[t * k + i];
      for (int64_t j = 0; j < k; ++j)
        x[t * k + j] += zi * a[i * k + j];
    }
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t c = 0; c < k; c += 17)
      x[t * k + c] *= 20.0f;
  return x;
}

std::vector<float> dequantized(const QuantizedMatrix &m, const QuantScheme &s) {
  std::vector<float> out(static_cast<size_t>(m.rows * m.cols));
  dequantize(m, s, out.data());
  return out;
}

/// Undo a stored permutation: logical[:, perm[j]] = stored[:, j].
std::vector<float> unpermute(const std::vector<float> &stored, int64_t n,
                             int64_t k, const std::vector<int32_t> &perm) {
  if (perm.empty())
    return stored;
  std::vector<float> logical(stored.size());
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < k; ++j)
      logical[r * k + perm[j]] = stored[r * k + j];
  return logical;
}

CalibrationStats statsFor(const std::vector<float> &x, int64_t tokens,
                          int64_t k) {
  CalibrationStats stats(k);
  // Feed in 4 batches as 4 samples, like sequences of a calibration set.
  int64_t per = tokens / 4;
  for (int64_t b = 0; b < 4; ++b)
    EXPECT_FALSE(stats.add(&x[b * per * k], per, 1));
  return stats;
}

TEST(CalibrationStatsTest, RunningAverageMatchesTwoXtXOverSamples) {
  const int64_t k = 5, tokens = 12;
  std::vector<float> x = gaussian(tokens * k, 3);
  CalibrationStats stats(k);
  ASSERT_FALSE(stats.add(x.data(), 4, 1));
  ASSERT_FALSE(stats.add(x.data() + 4 * k, 8, 2));
  EXPECT_EQ(stats.numSamples(), 3);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) {
      double expected = 0;
      for (int64_t t = 0; t < tokens; ++t)
        expected += double(x[t * k + i]) * x[t * k + j];
      expected *= 2.0 / 3.0;
      EXPECT_NEAR(stats.hessian()[i * k + j], expected,
                  1e-4 * std::max(1.0, std::fabs(expected)));
    }
  std::vector<float> mean = stats.channelMeanAbs();
  double m0 = 0;
  for (int64_t t = 0; t < tokens; ++t)
    m0 += std::fabs(x[t * k]);
  EXPECT_NEAR(mean[0], m0 / tokens, 1e-5);
}

TEST(CalibrationStatsTest, RejectsNaNActivations) {
  CalibrationStats stats(2);
  float x[4] = {1, 2, NAN, 4};
  auto error = stats.add(x, 2, 1);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("calibration activation element 2 is not finite"),
            std::string::npos);
}

TEST(GptqTest, WeightsOnTheGridComeBackUnchanged) {
  QuantScheme s{4, false, true, 8, ScaleType::F32};
  const int64_t n = 6, k = 32;
  std::mt19937 gen(1);
  std::uniform_int_distribution<int> qd(0, 15), zd(0, 15);
  std::vector<float> w(n * k);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t g = 0; g < k / 8; ++g) {
      int zero = zd(gen);
      for (int64_t j = 0; j < 8; ++j) {
        // Each group holds q = 0 and q = 15 so RTN finds scale 0.25 again.
        int q = j == 0 ? 0 : j == 1 ? 15 : qd(gen);
        w[r * k + g * 8 + j] = 0.25f * float(q - zero);
      }
    }
  std::vector<float> x = activations(64, k, 2);
  CalibrationStats stats = statsFor(x, 64, k);
  for (bool actOrder : {false, true}) {
    // Under act-order the grid is the original groups' (static groups).
    GptqOptions options;
    options.actOrder = actOrder;
    options.staticGroups = actOrder;
    GptqResult result;
    ASSERT_FALSE(gptqQuantize(w.data(), n, k, stats.hessian().data(), s,
                              options, result));
    std::vector<float> back =
        unpermute(dequantized(result.matrix, s), n, k, result.perm);
    for (int64_t i = 0; i < n * k; ++i)
      EXPECT_EQ(back[i], w[i]) << "actOrder " << actOrder << " index " << i;
    EXPECT_NEAR(result.loss, 0.0, 1e-12);
  }
}

TEST(GptqTest, DiagonalHessianReducesToRtn) {
  for (bool symmetric : {false, true}) {
    QuantScheme s{4, symmetric, !symmetric, 16, ScaleType::F16};
    const int64_t n = 9, k = 70; // ragged last group
    std::vector<float> w = gaussian(n * k, 4);
    std::vector<float> h(k * k, 0.0f);
    for (int64_t i = 0; i < k; ++i)
      h[i * k + i] = 1.0f + float(i % 7);
    GptqResult result;
    ASSERT_FALSE(gptqQuantize(w.data(), n, k, h.data(), s, GptqOptions(),
                              result));
    QuantizedMatrix rtn;
    ASSERT_FALSE(quantizeRtn(w.data(), n, k, s, rtn));
    EXPECT_EQ(result.matrix.packed, rtn.packed);
    EXPECT_EQ(result.matrix.scales, rtn.scales);
    EXPECT_EQ(result.matrix.zeros, rtn.zeros);
  }
}

TEST(GptqTest, OutputErrorBelowRtnAcrossSeeds) {
  const int64_t n = 48, k = 96, tokens = 512;
  for (unsigned seed : {10u, 20u, 30u}) {
    for (int64_t group : {int64_t(0), int64_t(32)}) {
      QuantScheme s{4, false, true, group, ScaleType::F16};
      std::vector<float> w = gaussian(n * k, seed);
      std::vector<float> x = activations(tokens, k, seed + 5);
      CalibrationStats stats = statsFor(x, tokens, k);
      QuantizedMatrix rtn;
      ASSERT_FALSE(quantizeRtn(w.data(), n, k, s, rtn));
      double rtnError = relativeOutputError(
          w.data(), dequantized(rtn, s).data(), n, k, x.data(), tokens);
      for (bool actOrder : {false, true}) {
        GptqOptions options;
        options.actOrder = actOrder;
        GptqResult result;
        ASSERT_FALSE(gptqQuantize(w.data(), n, k, stats.hessian().data(), s,
                                  options, result));
        std::vector<float> back =
            unpermute(dequantized(result.matrix, s), n, k, result.perm);
        double gptqError =
            relativeOutputError(w.data(), back.data(), n, k, x.data(), tokens);
        EXPECT_LT(gptqError, rtnError)
            << "seed " << seed << " group " << group << " actOrder "
            << actOrder;
      }
    }
  }
}

TEST(GptqTest, ActOrderBookkeeping) {
  QuantScheme s{4, false, true, 16, ScaleType::F16};
  const int64_t n = 8, k = 64, tokens = 256;
  std::vector<float> w = gaussian(n * k, 7);
  std::vector<float> x = activations(tokens, k, 8);
  CalibrationStats stats = statsFor(x, tokens, k);
  const std::vector<float> &h = stats.hessian();

  GptqOptions dynamic;
  dynamic.actOrder = true;
  GptqResult result;
  ASSERT_FALSE(gptqQuantize(w.data(), n, k, h.data(), s, dynamic, result));
  // The permutation sorts input channels by descending diag(H).
  ASSERT_EQ(result.perm.size(), size_t(k));
  std::vector<int32_t> sorted = result.perm;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < k; ++i)
    EXPECT_EQ(sorted[i], i);
  for (int64_t j = 0; j + 1 < k; ++j)
    EXPECT_GE(h[result.perm[j] * k + result.perm[j]],
              h[result.perm[j + 1] * k + result.perm[j + 1]]);
  // Groups are contiguous in the stored order: g_idx of the channel stored
  // at j is j / group.
  for (int64_t j = 0; j < k; ++j)
    EXPECT_EQ(result.groupIndex[result.perm[j]], j / 16);

  GptqOptions staticGroups = dynamic;
  staticGroups.staticGroups = true;
  GptqResult st;
  ASSERT_FALSE(gptqQuantize(w.data(), n, k, h.data(), s, staticGroups, st));
  EXPECT_TRUE(st.perm.empty()); // stored in the original order
  for (int64_t c = 0; c < k; ++c)
    EXPECT_EQ(st.groupIndex[c], c / 16);
  // Static group scales are the RTN scales of the original weights.
  QuantizedMatrix rtn;
  ASSERT_FALSE(quantizeRtn(w.data(), n, k, s, rtn));
  EXPECT_EQ(st.matrix.scales, rtn.scales);
}

TEST(GptqTest, DeadChannelsAreZeroed) {
  QuantScheme s{8, true, false, 0, ScaleType::F32};
  const int64_t n = 4, k = 16, tokens = 64;
  std::vector<float> w = gaussian(n * k, 9);
  std::vector<float> x = gaussian(tokens * k, 10);
  for (int64_t t = 0; t < tokens; ++t)
    x[t * k + 5] = 0.0f; // channel 5 never excited
  CalibrationStats stats = statsFor(x, tokens, k);
  GptqResult result;
  ASSERT_FALSE(gptqQuantize(w.data(), n, k, stats.hessian().data(), s,
                            GptqOptions(), result));
  std::vector<float> back = dequantized(result.matrix, s);
  for (int64_t r = 0; r < n; ++r)
    EXPECT_EQ(back[r * k + 5], 0.0f);
}

TEST(GptqTest, SingularHessianRetriesWithMoreDamping) {
  QuantScheme s{4, false, true, 8, ScaleType::F16};
  const int64_t n = 4, k = 32;
  std::vector<float> w = gaussian(n * k, 11);
  // Rank 4 < K: positive semi-definite, singular without damping.
  std::vector<float> x = gaussian(4 * k, 12);
  CalibrationStats stats = statsFor(x, 4, k);
  GptqOptions options;
  options.dampPercent = 0.0;
  GptqResult result;
  ASSERT_FALSE(gptqQuantize(w.data(), n, k, stats.hessian().data(), s, options,
                            result));
  EXPECT_GT(result.dampPercentUsed, 0.0);
  for (float v : dequantized(result.matrix, s))
    EXPECT_TRUE(std::isfinite(v));
}

TEST(GptqTest, IndefiniteHessianIsAClearError) {
  QuantScheme s{4, false, true, 8, ScaleType::F16};
  const int64_t n = 2, k = 8;
  std::vector<float> w = gaussian(n * k, 13);
  std::vector<float> h(k * k, 0.0f);
  for (int64_t i = 0; i < k; ++i)
    h[i * k + i] = i == 3 ? -1e6f : 1.0f; // no damping can fix this
  GptqResult result;
  auto error =
      gptqQuantize(w.data(), n, k, h.data(), s, GptqOptions(), result);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("not positive definite"), std::string::npos);
  h[0] = NAN;
  error = gptqQuantize(w.data(), n, k, h.data(), s, GptqOptions(), result);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("Hessian element 0 is not finite"), std::string::npos);
}

// Found by fuzz/FuzzQuantize: finite weights near FLT_MAX and a Hessian
// whose inverse couples the columns strongly (H01 / H11 = 500) overflow the
// error feedback; the NaN reached a float-to-int conversion (UB).
TEST(GptqTest, ErrorFeedbackOverflowIsAClearError) {
  QuantScheme s{8, true, false, 0, ScaleType::F32};
  const float top = 2e38f, scale = top / 127;
  std::vector<float> w = {0.5f * scale, top}; // column 0 rounds to 0
  std::vector<float> h = {1e6f, 1e3f, 1e3f, 2.0f};
  GptqOptions options;
  options.dampPercent = 0;
  GptqResult result;
  std::optional<std::string> error =
      gptqQuantize(w.data(), 1, 2, h.data(), s, options, result);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("GPTQ's error feedback overflowed f32 at weight [0, 1]"),
            std::string::npos)
      << *error;
}

TEST(MseTest, NeverWorseThanRtnInItsOwnNorm) {
  QuantScheme s{4, false, true, 32, ScaleType::F32};
  std::vector<float> w = gaussian(32 * 4, 14);
  w[3] = 9.0f; // an outlier stretches the RTN range
  MseOptions options;
  for (int64_t g = 0; g < 4; ++g) {
    GroupParams rtn, mse;
    ASSERT_FALSE(computeRtnParams(&w[g * 32], 32, s, rtn));
    ASSERT_FALSE(computeMseParams(&w[g * 32], 32, s, options, mse));
    auto error = [&](const GroupParams &p) {
      double e = 0;
      for (int64_t j = 0; j < 32; ++j) {
        int32_t q = quantizeValue(w[g * 32 + j], p, s);
        e += std::pow(std::fabs(p.scale * (q - p.zero) - w[g * 32 + j]), 2.4);
      }
      return e;
    };
    EXPECT_LE(error(mse), error(rtn));
  }
}

TEST(AwqTest, ScalesReduceOutputErrorOnSalientChannels) {
  QuantScheme s{4, false, true, 32, ScaleType::F16};
  const int64_t n = 32, k = 128, tokens = 256;
  std::vector<float> w = gaussian(n * k, 15);
  std::vector<float> x = activations(tokens, k, 16);
  CalibrationStats stats = statsFor(x, tokens, k);
  AwqResult result;
  ASSERT_FALSE(awqQuantize(w.data(), n, k, stats.hessian().data(),
                           stats.channelMeanAbs(), s, AwqOptions(), result));
  EXPECT_LE(result.searchLoss, result.baselineLoss);
  EXPECT_GT(result.alpha, 0.0);
  // The layer computes Q(W s) (x / s).
  std::vector<float> back = dequantized(result.matrix, s);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      back[r * k + c] /= result.inputScales[c];
  QuantizedMatrix rtn;
  ASSERT_FALSE(quantizeRtn(w.data(), n, k, s, rtn));
  double awqError =
      relativeOutputError(w.data(), back.data(), n, k, x.data(), tokens);
  double rtnError = relativeOutputError(
      w.data(), dequantized(rtn, s).data(), n, k, x.data(), tokens);
  EXPECT_LT(awqError, rtnError);
  // The Hessian form of the output error agrees with the direct one.
  EXPECT_NEAR(relativeOutputErrorFromHessian(w.data(), back.data(), n, k,
                                             stats.hessian().data()),
              awqError, 1e-3 * awqError);
}

TEST(OutlierTest, PicksChannelsWithLargeActivationTimesWeight) {
  const int64_t n = 4, k = 100;
  std::vector<float> w = gaussian(n * k, 17, 0.1f);
  std::vector<float> meanAbs(k, 1.0f);
  meanAbs[7] = 100.0f;
  meanAbs[42] = 50.0f;
  std::vector<int32_t> picked = selectOutlierChannels(w.data(), n, k, meanAbs,
                                                      0.02);
  ASSERT_EQ(picked.size(), 2u);
  EXPECT_EQ(picked[0], 7);
  EXPECT_EQ(picked[1], 42);
}

// Found by fuzz/FuzzQuantize: a NaN in the channel picked as an outlier was
// kept in full precision and quantizeLinear succeeded.
TEST(OutlierTest, NonFiniteWeightsAreRejectedBeforeOutlierSelection) {
  const int64_t n = 2, k = 18;
  std::vector<float> w = gaussian(n * k, 21, 1e-3f);
  w[4] = 5.0f; // channel 4 is the outlier
  w[k + 4] = NAN;
  LinearQuantOptions options;
  options.scheme = QuantScheme{8, false, true, 7, ScaleType::F16};
  options.outlierFraction = 0.05;
  for (QuantMethod method : {QuantMethod::Rtn, QuantMethod::RtnMse}) {
    options.method = method;
    QuantizedLinear linear;
    std::optional<std::string> error =
        quantizeLinear("w", w.data(), n, k, options, nullptr, linear);
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("weight [1, 4] is not finite"), std::string::npos)
        << *error;
  }
}

TEST(OffsetsTest, CalibratedMethodsRejectOffsets) {
  const int64_t n = 8, k = 64, tokens = 64;
  QuantScheme s{4, false, false, 32, ScaleType::F16};
  s.offsets = true;
  std::vector<float> w = gaussian(n * k, 3);
  std::vector<float> x = activations(tokens, k, 4);
  CalibrationStats stats = statsFor(x, tokens, k);
  QuantizedMatrix m;
  EXPECT_TRUE(quantizeWithRule(w.data(), n, k, s, RangeRule::Mse, m));
  GroupParams params;
  EXPECT_TRUE(computeMseParams(w.data(), 32, s, MseOptions(), params));
  GptqResult gptq;
  std::optional<std::string> error = gptqQuantize(
      w.data(), n, k, stats.hessian().data(), s, GptqOptions(), gptq);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("offsets"), std::string::npos) << *error;
  AwqResult awq;
  EXPECT_TRUE(awqQuantize(w.data(), n, k, stats.hessian().data(),
                          stats.channelMeanAbs(), s, AwqOptions(), awq));
  LinearQuantOptions options;
  options.scheme = s;
  QuantizedLinear linear;
  for (QuantMethod method : {QuantMethod::Rtn, QuantMethod::RtnMse}) {
    options.method = method;
    EXPECT_TRUE(quantizeLinear("w", w.data(), n, k, options, nullptr, linear));
  }
}

TEST(OffsetsTest, DequantizeLinearAppliesOffsetsBeforeSideInputs) {
  // The offset belongs to the stored element: the logical weight
  // un-permutes, divides by the input scales and adds outliers after it.
  QuantizedLinear linear;
  linear.n = 2;
  linear.k = 4;
  linear.scheme = QuantScheme{4, false, true, 2, ScaleType::F32};
  linear.scheme.offsets = true;
  initQuantizedMatrix(2, 4, linear.scheme, linear.matrix);
  const int32_t q[2][4] = {{1, 2, 3, 4}, {15, 0, 7, 8}};
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 4; ++c)
      storeElement(linear.matrix, linear.scheme, r, c, q[r][c]);
  linear.matrix.scales = {1.0f, 0.5f, 2.0f, 0.25f};
  linear.matrix.zeros = {1, 0, 8, 8};
  linear.matrix.offsets = {0.5f, -1.0f, 0.125f, 3.0f};
  linear.perm = {2, 0, 3, 1};
  linear.inputScales = {1.0f, 2.0f, 4.0f, 0.5f};
  linear.outlierChannels = {1};
  linear.outlierWeights = {10.0f, -10.0f};
  std::vector<float> w = dequantizeLinear(linear);
  double stored[2][4];
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t c = 0; c < 4; ++c) {
      int64_t g = r * 2 + c / 2;
      stored[r][c] = double(linear.matrix.scales[g]) *
                         (q[r][c] - linear.matrix.zeros[g]) +
                     linear.matrix.offsets[g];
    }
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t j = 0; j < 4; ++j) {
      int32_t c = linear.perm[j];
      double expected = stored[r][j] / linear.inputScales[c] +
                        (c == 1 ? linear.outlierWeights[r] : 0.0);
      EXPECT_DOUBLE_EQ(w[r * 4 + c], expected) << r << ", " << c;
    }
}

} // namespace
