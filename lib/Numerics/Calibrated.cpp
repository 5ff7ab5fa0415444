//===- Calibrated.cpp - GPTQ, AWQ, MSE ranges, outlier channels -----------===//

#include "wq/Numerics/Calibrated.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace wq_numerics {

static std::optional<std::string> checkFinite(const float *values,
                                              int64_t count, const char *what) {
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i])) {
      std::ostringstream os;
      os << what << " element " << i << " is not finite (" << values[i] << ")";
      return os.str();
    }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// CalibrationStats
//===----------------------------------------------------------------------===//

CalibrationStats::CalibrationStats(int64_t k)
    : k_(k), hessian_(static_cast<size_t>(k * k), 0.0f),
      absSum_(static_cast<size_t>(k), 0.0) {}

std::optional<std::string> CalibrationStats::add(const float *x, int64_t tokens,
                                                 int64_t samples) {
  if (tokens <= 0 || samples <= 0)
    return std::string("calibration batch must have tokens and samples");
  if (auto error = checkFinite(x, tokens * k_, "calibration activation"))
    return error;
  // The reference's running average, in its order.
  float keep = static_cast<float>(samples_) /
               static_cast<float>(samples_ + samples);
  samples_ += samples;
  tokens_ += tokens;
  float alpha = 2.0f / static_cast<float>(samples_);
  // H = keep * H + alpha * X^T X (upper triangle), then mirrored.
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(k_),
              static_cast<int>(tokens), alpha, x, static_cast<int>(k_), keep,
              hessian_.data(), static_cast<int>(k_));
  for (int64_t i = 0; i < k_; ++i)
    for (int64_t j = 0; j < i; ++j)
      hessian_[i * k_ + j] = hessian_[j * k_ + i];
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t c = 0; c < k_; ++c)
      absSum_[c] += std::fabs(x[t * k_ + c]);
  return std::nullopt;
}

std::vector<float> CalibrationStats::channelMeanAbs() const {
  std::vector<float> mean(static_cast<size_t>(k_), 0.0f);
  if (tokens_ > 0)
    for (int64_t c = 0; c < k_; ++c)
      mean[c] = static_cast<float>(absSum_[c] / static_cast<double>(tokens_));
  return mean;
}

//===----------------------------------------------------------------------===//
// MSE-optimal range.
//===----------------------------------------------------------------------===//

std::optional<std::string> computeMseParams(const float *weights, int64_t count,
                                            const QuantScheme &scheme,
                                            const MseOptions &options,
                                            GroupParams &params) {
  double bestError = INFINITY;
  int steps = static_cast<int>(options.maxShrink * options.grid);
  for (int i = 0; i < std::max(steps, 1); ++i) {
    float shrink = 1.0f - static_cast<float>(i) / options.grid;
    GroupParams candidate;
    if (auto error =
            computeShrunkParams(weights, count, scheme, shrink, candidate))
      return error;
    double error = 0;
    for (int64_t j = 0; j < count; ++j) {
      int32_t q = quantizeValue(weights[j], candidate, scheme);
      double deq = static_cast<double>(candidate.scale) * (q - candidate.zero);
      error += std::pow(std::fabs(deq - weights[j]), options.norm);
    }
    if (error < bestError) {
      bestError = error;
      params = candidate;
    }
  }
  return std::nullopt;
}

std::optional<std::string> quantizeWithRule(const float *weights, int64_t rows,
                                            int64_t cols,
                                            const QuantScheme &scheme,
                                            RangeRule rule,
                                            QuantizedMatrix &result) {
  MseOptions mse;
  return quantizeGroups(
      weights, rows, cols, scheme,
      [&](const float *w, int64_t count, GroupParams &params) {
        return rule == RangeRule::Mse
                   ? computeMseParams(w, count, scheme, mse, params)
                   : computeRtnParams(w, count, scheme, params);
      },
      result);
}

//===----------------------------------------------------------------------===//
// GPTQ.
//===----------------------------------------------------------------------===//

/// U with H^-1 = U^T U (upper, row-major) via chol(chol_inverse(chol(H))),
/// as the reference computes it. Returns false if H is not positive definite.
static bool inverseHessianFactor(std::vector<double> &h, int64_t k) {
  int n = static_cast<int>(k);
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', n, h.data(), n) != 0)
    return false;
  if (LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', n, h.data(), n) != 0)
    return false;
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = i + 1; j < k; ++j)
      h[i * k + j] = h[j * k + i];
  if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', n, h.data(), n) != 0)
    return false;
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < i; ++j)
      h[i * k + j] = 0.0;
  return true;
}

std::optional<std::string> gptqQuantize(const float *weights, int64_t n,
                                        int64_t k, const float *hessian,
                                        const QuantScheme &scheme,
                                        const GptqOptions &options,
                                        GptqResult &result,
                                        const ProgressFn &progress) {
  if (auto error = scheme.validate())
    return error;
  if (scheme.offsets)
    return std::string(kNoOffsetsMessage);
  if (n <= 0 || k <= 0)
    return std::string("matrix dimensions must be positive");
  if (!(options.blockSize > 0 && std::isfinite(options.dampPercent) &&
        options.dampPercent >= 0))
    return std::string("invalid GPTQ options (block size, damping)");
  if (auto error = checkFinite(weights, n * k, "weight"))
    return error;
  if (auto error = checkFinite(hessian, k * k, "Hessian"))
    return error;

  std::vector<float> w(weights, weights + n * k);
  std::vector<double> h(hessian, hessian + k * k);
  const bool perChannel = scheme.groupSize == 0 || scheme.groupSize >= k;
  const int64_t groupSize = perChannel ? k : scheme.groupSize;
  const int64_t numGroups = (k + groupSize - 1) / groupSize;

  // Step 2 (per channel only): row parameters from the original weights.
  std::vector<GroupParams> rowParams(perChannel ? n : 0);
  for (int64_t r = 0; r < static_cast<int64_t>(rowParams.size()); ++r)
    if (auto error = computeRtnParams(&w[r * k], k, scheme, rowParams[r]))
      return error;

  // Step 3: dead input channels.
  for (int64_t i = 0; i < k; ++i)
    if (h[i * k + i] == 0.0) {
      h[i * k + i] = 1.0;
      for (int64_t r = 0; r < n; ++r)
        w[r * k + i] = 0.0f;
    }

  // Step 4: static group parameters from the (unpermuted) weights.
  std::vector<GroupParams> staticParams;
  if (options.staticGroups && !perChannel) {
    staticParams.resize(static_cast<size_t>(numGroups * n));
    for (int64_t g = 0; g < numGroups; ++g) {
      int64_t begin = g * groupSize, count = std::min(groupSize, k - begin);
      for (int64_t r = 0; r < n; ++r)
        if (auto error = computeRtnParams(&w[r * k + begin], count, scheme,
                                          staticParams[g * n + r]))
          return error;
    }
  }

  // Step 5: act-order permutation by descending diag(H) (stable on ties).
  std::vector<int32_t> perm(static_cast<size_t>(k));
  std::iota(perm.begin(), perm.end(), 0);
  if (options.actOrder) {
    std::stable_sort(perm.begin(), perm.end(), [&](int32_t a, int32_t b) {
      return h[a * k + a] > h[b * k + b];
    });
    std::vector<float> pw(w.size());
    std::vector<double> ph(h.size());
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < k; ++j)
        pw[r * k + j] = w[r * k + perm[j]];
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j)
        ph[i * k + j] = h[perm[i] * k + perm[j]];
    w.swap(pw);
    h.swap(ph);
  }

  // Steps 6-7: damping and the inverse-Hessian factor, retrying with more
  // damping while the factorization fails.
  double meanDiag = 0;
  for (int64_t i = 0; i < k; ++i)
    meanDiag += h[i * k + i];
  meanDiag /= static_cast<double>(k);
  std::vector<double> u;
  double dampPercent = options.dampPercent;
  for (int attempt = 0;; ++attempt) {
    u = h;
    double damp = dampPercent * meanDiag;
    for (int64_t i = 0; i < k; ++i)
      u[i * k + i] += damp;
    if (inverseHessianFactor(u, k))
      break;
    if (attempt >= options.maxDampRetries) {
      std::ostringstream os;
      os << "the Hessian is not positive definite even with damping "
         << dampPercent * 100 << "% of its mean diagonal (" << meanDiag
         << "); give more or more varied calibration data";
      return os.str();
    }
    dampPercent = dampPercent > 0 ? dampPercent * 10 : 0.01;
  }
  result.dampPercentUsed = dampPercent;
  std::vector<float> uf(u.begin(), u.end());
  if (auto error =
          checkFinite(uf.data(), k * k, "inverse Hessian factor (in f32)"))
    return *error + ": the Hessian is too close to singular at this scale";

  // Step 8: the lazy-batch column sweep.
  std::vector<int32_t> q(static_cast<size_t>(n * k));
  std::vector<GroupParams> processedParams(
      static_cast<size_t>(perChannel ? 0 : numGroups * n));
  std::vector<GroupParams> current(static_cast<size_t>(n));
  if (perChannel)
    current = rowParams;
  double loss = 0;
  const int64_t block = options.blockSize;
  std::vector<float> w1, err1;
  for (int64_t i1 = 0; i1 < k; i1 += block) {
    const int64_t i2 = std::min(i1 + block, k), count = i2 - i1;
    w1.assign(static_cast<size_t>(n * count), 0.0f);
    err1.assign(static_cast<size_t>(n * count), 0.0f);
    for (int64_t r = 0; r < n; ++r)
      std::copy(&w[r * k + i1], &w[r * k + i2], &w1[r * count]);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t col = i1 + i;
      if (!perChannel) {
        if (!staticParams.empty()) {
          int64_t group = perm[col] / groupSize;
          for (int64_t r = 0; r < n; ++r)
            current[r] = staticParams[group * n + r];
        } else if (col % groupSize == 0) {
          // Group statistics from the outer W, as the reference does.
          int64_t len = std::min(groupSize, k - col);
          for (int64_t r = 0; r < n; ++r)
            if (auto error =
                    computeRtnParams(&w[r * k + col], len, scheme, current[r]))
              return error;
          for (int64_t r = 0; r < n; ++r)
            processedParams[(col / groupSize) * n + r] = current[r];
        }
      }
      const float d = uf[col * k + col];
      for (int64_t r = 0; r < n; ++r) {
        float value = w1[r * count + i];
        if (!std::isfinite(value)) {
          // Found by fuzz/FuzzQuantize: weights near FLT_MAX or a huge
          // inverse Hessian overflow the error feedback.
          std::ostringstream os;
          os << "GPTQ's error feedback overflowed f32 at weight [" << r
             << ", " << perm[col] << "]: the weights or the Hessian are too "
             << "large";
          return os.str();
        }
        int32_t qi = quantizeValue(value, current[r], scheme);
        float deq = current[r].scale * static_cast<float>(qi - current[r].zero);
        q[r * k + col] = qi;
        float diff = value - deq;
        loss += static_cast<double>(diff) * diff / (static_cast<double>(d) * d) /
                2.0;
        err1[r * count + i] = diff / d;
      }
      if (i + 1 < count)
        cblas_sger(CblasRowMajor, static_cast<int>(n),
                   static_cast<int>(count - i - 1), -1.0f, &err1[i],
                   static_cast<int>(count), &uf[col * k + col + 1], 1,
                   &w1[i + 1], static_cast<int>(count));
    }
    if (i2 < k)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                  static_cast<int>(n), static_cast<int>(k - i2),
                  static_cast<int>(count), -1.0f, err1.data(),
                  static_cast<int>(count), &uf[i1 * k + i2],
                  static_cast<int>(k), 1.0f, &w[i2], static_cast<int>(k));
    if (progress)
      progress(i2, k);
  }
  result.loss = loss;

  // Step 9: storage. Dynamic groups under act-order stay permuted (groups
  // contiguous in the stored order); otherwise columns go back in place.
  const bool permutedStorage = options.actOrder && staticParams.empty() &&
                               !perChannel;
  std::vector<int32_t> position(static_cast<size_t>(k)); // of original column
  for (int64_t j = 0; j < k; ++j)
    position[perm[j]] = static_cast<int32_t>(j);
  QuantScheme storedScheme = scheme;
  storedScheme.groupSize = perChannel ? 0 : groupSize;
  initQuantizedMatrix(n, k, storedScheme, result.matrix);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t g = 0; g < numGroups; ++g) {
      const GroupParams &params =
          perChannel ? rowParams[r]
          : !staticParams.empty() ? staticParams[g * n + r]
                                  : processedParams[g * n + r];
      result.matrix.scales[r * numGroups + g] = params.scale;
      if (scheme.zeroPoints)
        result.matrix.zeros[r * numGroups + g] = params.zero;
    }
    for (int64_t c = 0; c < k; ++c) {
      // Permuted storage keeps the processing order.
      int64_t processedColumn = permutedStorage ? c : position[c];
      storeElement(result.matrix, storedScheme, r, c,
                   q[r * k + processedColumn]);
    }
  }
  result.perm.clear();
  if (permutedStorage)
    result.perm = perm;
  result.groupIndex.assign(static_cast<size_t>(k), 0);
  for (int64_t c = 0; c < k; ++c)
    result.groupIndex[c] =
        perChannel ? 0
        : permutedStorage ? static_cast<int32_t>(position[c] / groupSize)
                          : static_cast<int32_t>(c / groupSize);
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// AWQ.
//===----------------------------------------------------------------------===//

/// Y = X W^T for x [t, k] and w [n, k].
static void matmulTransposed(const float *x, const float *w, int64_t t,
                             int64_t n, int64_t k, float *y) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(t),
              static_cast<int>(n), static_cast<int>(k), 1.0f, x,
              static_cast<int>(k), w, static_cast<int>(k), 0.0f, y,
              static_cast<int>(n));
}

/// Fake-quantizes a [n, k] matrix with RTN (returns the dequantized values).
static std::optional<std::string> fakeQuantize(const std::vector<float> &w,
                                               int64_t n, int64_t k,
                                               const QuantScheme &scheme,
                                               std::vector<float> &out) {
  QuantizedMatrix qm;
  if (auto error = quantizeRtn(w.data(), n, k, scheme, qm))
    return error;
  out.resize(w.size());
  dequantize(qm, scheme, out.data());
  return std::nullopt;
}

/// sum over the listed rows of d_r H d_r^T for D = a - b ([rows, k] each).
static double quadraticError(const std::vector<float> &a,
                             const std::vector<float> &b, int64_t rows,
                             int64_t k, const float *hessian) {
  std::vector<float> d(a.size()), dh(a.size());
  for (size_t i = 0; i < a.size(); ++i)
    d[i] = a[i] - b[i];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows),
              static_cast<int>(k), static_cast<int>(k), 1.0f, d.data(),
              static_cast<int>(k), hessian, static_cast<int>(k), 0.0f,
              dh.data(), static_cast<int>(k));
  double sum = 0;
  for (size_t i = 0; i < d.size(); ++i)
    sum += static_cast<double>(d[i]) * dh[i];
  return sum;
}

std::optional<std::string> awqQuantize(const float *weights, int64_t n,
                                       int64_t k, const float *hessian,
                                       const std::vector<float> &channelMeanAbs,
                                       const QuantScheme &scheme,
                                       const AwqOptions &options,
                                       AwqResult &result,
                                       const ProgressFn &progress) {
  if (auto error = scheme.validate())
    return error;
  if (scheme.offsets)
    return std::string(kNoOffsetsMessage);
  if (n <= 0 || k <= 0)
    return std::string("AWQ needs a non-empty weight");
  if (static_cast<int64_t>(channelMeanAbs.size()) != k)
    return std::string("AWQ channel statistics have the wrong length");
  if (auto error = checkFinite(weights, n * k, "weight"))
    return error;
  if (auto error = checkFinite(hessian, k * k, "Hessian"))
    return error;
  if (auto error = checkFinite(channelMeanAbs.data(), k, "channel magnitude"))
    return error;

  // Evenly strided rows score the alpha search.
  const int64_t searchRows = std::min(n, options.maxSearchRows);
  std::vector<float> subset(static_cast<size_t>(searchRows * k));
  for (int64_t i = 0; i < searchRows; ++i) {
    int64_t row = i * n / searchRows;
    std::copy(&weights[row * k], &weights[row * k + k], &subset[i * k]);
  }
  const double searchNorm = quadraticError(
      subset, std::vector<float>(subset.size(), 0.0f), searchRows, k, hessian);

  std::vector<float> scales(static_cast<size_t>(k)), best;
  std::vector<float> scaled(subset.size()), fq;
  double bestLoss = INFINITY;
  for (int i = 0; i < options.grid; ++i) {
    double alpha = static_cast<double>(i) / options.grid;
    float lo = INFINITY, hi = 0;
    for (int64_t c = 0; c < k; ++c) {
      scales[c] = std::max(
          static_cast<float>(
              std::pow(static_cast<double>(channelMeanAbs[c]), alpha)),
          1e-4f);
      lo = std::min(lo, scales[c]);
      hi = std::max(hi, scales[c]);
    }
    float norm = std::sqrt(lo * hi);
    bool finite = std::isfinite(norm) && norm > 0;
    for (int64_t c = 0; c < k && finite; ++c) {
      scales[c] /= norm;
      finite = std::isfinite(scales[c]) && scales[c] > 0;
    }
    if (!finite)
      continue;
    for (int64_t r = 0; r < searchRows; ++r)
      for (int64_t c = 0; c < k; ++c)
        scaled[r * k + c] = subset[r * k + c] * scales[c];
    if (auto error = fakeQuantize(scaled, searchRows, k, scheme, fq))
      return error;
    for (int64_t r = 0; r < searchRows; ++r)
      for (int64_t c = 0; c < k; ++c)
        fq[r * k + c] /= scales[c];
    double loss = quadraticError(fq, subset, searchRows, k, hessian) /
                  std::max(searchNorm, 1e-30);
    if (i == 0)
      result.baselineLoss = loss;
    if (std::isfinite(loss) && loss < bestLoss) {
      bestLoss = loss;
      best = scales;
      result.alpha = alpha;
    }
    if (progress)
      progress(i + 1, options.grid + (options.clip ? 1 : 0));
  }
  if (best.empty())
    return std::string("AWQ scale search found no finite loss");
  result.inputScales = best;
  result.searchLoss = bestLoss;

  // W * s; clipping is searched on it against inputs x / s, whose Hessian is
  // H_ij / (s_i s_j).
  std::vector<float> full(static_cast<size_t>(n * k));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      full[r * k + c] = weights[r * k + c] * best[c];
  if (options.clip) {
    const int64_t groupSize = scheme.effectiveGroupSize(k);
    const int64_t groups = scheme.numGroups(k);
    const int steps =
        std::max(1, static_cast<int>(options.maxClipShrink * options.clipGrid));
    std::vector<float> clamped, diff, hg, dh;
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t begin = g * groupSize, count = std::min(groupSize, k - begin);
      hg.assign(static_cast<size_t>(count * count), 0.0f);
      for (int64_t i = 0; i < count; ++i)
        for (int64_t j = 0; j < count; ++j)
          hg[i * count + j] = hessian[(begin + i) * k + begin + j] /
                              (best[begin + i] * best[begin + j]);
      std::vector<float> bestMax(static_cast<size_t>(n), 0.0f);
      std::vector<double> bestErr(static_cast<size_t>(n), INFINITY);
      diff.assign(static_cast<size_t>(n * count), 0.0f);
      dh.assign(diff.size(), 0.0f);
      clamped.assign(static_cast<size_t>(count), 0.0f);
      for (int step = 0; step < steps; ++step) {
        const float shrink = 1.0f - static_cast<float>(step) / options.clipGrid;
        std::vector<float> maxVal(static_cast<size_t>(n));
        for (int64_t r = 0; r < n; ++r) {
          const float *row = &full[r * k + begin];
          float orgMax = 0;
          for (int64_t j = 0; j < count; ++j)
            orgMax = std::max(orgMax, std::fabs(row[j]));
          maxVal[r] = orgMax * shrink;
          for (int64_t j = 0; j < count; ++j)
            clamped[j] = std::clamp(row[j], -maxVal[r], maxVal[r]);
          GroupParams params;
          if (auto error =
                  computeRtnParams(clamped.data(), count, scheme, params))
            return error;
          for (int64_t j = 0; j < count; ++j) {
            int32_t qv = quantizeValue(clamped[j], params, scheme);
            diff[r * count + j] =
                params.scale * static_cast<float>(qv - params.zero) - row[j];
          }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                    static_cast<int>(n), static_cast<int>(count),
                    static_cast<int>(count), 1.0f, diff.data(),
                    static_cast<int>(count), hg.data(),
                    static_cast<int>(count), 0.0f, dh.data(),
                    static_cast<int>(count));
        for (int64_t r = 0; r < n; ++r) {
          double err = 0;
          for (int64_t j = 0; j < count; ++j)
            err += static_cast<double>(diff[r * count + j]) * dh[r * count + j];
          if (err < bestErr[r]) {
            bestErr[r] = err;
            bestMax[r] = maxVal[r];
          }
        }
      }
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < count; ++j) {
          float &v = full[r * k + begin + j];
          v = std::clamp(v, -bestMax[r], bestMax[r]);
        }
    }
    if (progress)
      progress(options.grid + 1, options.grid + 1);
  }
  return quantizeRtn(full.data(), n, k, scheme, result.matrix);
}

//===----------------------------------------------------------------------===//
// Outliers and errors.
//===----------------------------------------------------------------------===//

std::vector<int32_t> selectOutlierChannels(const float *weights, int64_t n,
                                           int64_t k,
                                           const std::vector<float> &channelMeanAbs,
                                           double fraction) {
  int64_t count = static_cast<int64_t>(std::llround(fraction * k));
  count = std::clamp<int64_t>(count, 0, k - 1);
  std::vector<double> score(static_cast<size_t>(k), 0.0);
  for (int64_t c = 0; c < k; ++c) {
    float maxAbs = 0;
    for (int64_t r = 0; r < n; ++r)
      maxAbs = std::max(maxAbs, std::fabs(weights[r * k + c]));
    double activation = channelMeanAbs.empty() ? 1.0 : channelMeanAbs[c];
    score[c] = activation * maxAbs;
  }
  std::vector<int32_t> order(static_cast<size_t>(k));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return score[a] > score[b]; });
  order.resize(static_cast<size_t>(count));
  std::sort(order.begin(), order.end());
  return order;
}

double relativeOutputErrorFromHessian(const float *weights,
                                      const float *dequantized, int64_t n,
                                      int64_t k, const float *hessian) {
  std::vector<float> w(weights, weights + n * k), q(dequantized,
                                                     dequantized + n * k);
  double num = quadraticError(q, w, n, k, hessian);
  double den = quadraticError(w, std::vector<float>(w.size(), 0.0f), n, k,
                              hessian);
  num = std::max(num, 0.0);
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

double relativeOutputError(const float *weights, const float *dequantized,
                           int64_t n, int64_t k, const float *x,
                           int64_t tokens) {
  std::vector<float> y(static_cast<size_t>(tokens * n)), yq(y.size());
  matmulTransposed(x, weights, tokens, n, k, y.data());
  matmulTransposed(x, dequantized, tokens, n, k, yq.data());
  double num = 0, den = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    num += static_cast<double>(yq[i] - y[i]) * (yq[i] - y[i]);
    den += static_cast<double>(y[i]) * y[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

std::vector<float> dequantizeLinear(const QuantizedLinear &linear) {
  const int64_t n = linear.n, k = linear.k;
  std::vector<float> stored(static_cast<size_t>(n * k));
  dequantize(linear.matrix, linear.scheme, stored.data());
  std::vector<float> logical(stored.size());
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < k; ++j) {
      int64_t c = linear.perm.empty() ? j : linear.perm[j];
      logical[r * k + c] = stored[r * k + j];
    }
  if (!linear.inputScales.empty())
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < k; ++c)
        logical[r * k + c] /= linear.inputScales[c];
  const int64_t o = static_cast<int64_t>(linear.outlierChannels.size());
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < o; ++i)
      logical[r * k + linear.outlierChannels[i]] += linear.outlierWeights[r * o + i];
  return logical;
}

std::optional<QuantMethod> parseQuantMethod(const std::string &name) {
  if (name == "rtn")
    return QuantMethod::Rtn;
  if (name == "rtn-mse")
    return QuantMethod::RtnMse;
  if (name == "gptq")
    return QuantMethod::Gptq;
  if (name == "awq")
    return QuantMethod::Awq;
  return std::nullopt;
}

const char *quantMethodName(QuantMethod method) {
  switch (method) {
  case QuantMethod::Rtn:
    return "rtn";
  case QuantMethod::RtnMse:
    return "rtn-mse";
  case QuantMethod::Gptq:
    return "gptq";
  case QuantMethod::Awq:
    return "awq";
  }
  return "?";
}

std::optional<std::string> LinearQuantOptions::validate() const {
  if (auto error = scheme.validate())
    return error;
  // Written so that NaN fails: every comparison with NaN is false.
  if (!(std::isfinite(gptq.dampPercent) && gptq.dampPercent >= 0))
    return std::string("the GPTQ damping (--damp) must be a finite number "
                       ">= 0");
  if (!(gptq.blockSize > 0))
    return std::string("the GPTQ block size must be positive");
  if (!(std::isfinite(outlierFraction) && outlierFraction >= 0 &&
        outlierFraction < 1))
    return std::string("the outlier fraction (--outlier-fraction) must be "
                       "in [0, 1)");
  if (!(awq.grid >= 1 && awq.clipGrid >= 1 && awq.maxSearchRows >= 1 &&
        std::isfinite(awq.maxClipShrink) && awq.maxClipShrink >= 0 &&
        awq.maxClipShrink < 1))
    return std::string("invalid AWQ search options (grids and rows >= 1, "
                       "clip shrink in [0, 1))");
  return std::nullopt;
}

std::optional<std::string> buildRecipe(const RecipeSpec &spec,
                                       LinearQuantOptions &recipe) {
  // Options by the names the tools and the pass share (--bits, bits=).
  std::optional<QuantMethod> method = parseQuantMethod(spec.method);
  if (!method)
    return "unknown method '" + spec.method +
           "' (supported: rtn, rtn-mse, gptq, awq)";
  std::optional<ScaleType> scaleType = parseScaleType(spec.scaleType);
  if (!scaleType)
    return "scale-type must be f16, bf16 or f32, got '" + spec.scaleType +
           "'";
  if (spec.bits != 4 && spec.bits != 8)
    return "bits must be 4 or 8, got " + std::to_string(spec.bits);
  if (spec.groupSize < 0)
    return std::string("group-size must be positive, or 0 for per-channel");
  if ((spec.actOrder || spec.staticGroups) && *method != QuantMethod::Gptq)
    return std::string("act-order and static-groups apply to method gptq");
  LinearQuantOptions built;
  built.method = *method;
  built.scheme = QuantScheme{spec.bits, spec.symmetric, !spec.symmetric,
                             spec.groupSize, *scaleType};
  built.gptq.dampPercent = spec.damp;
  built.gptq.actOrder = spec.actOrder;
  built.gptq.staticGroups = spec.staticGroups;
  built.outlierFraction = spec.outlierFraction;
  built.flatGroups = spec.flatGroups;
  if (auto error = built.validate())
    return error;
  recipe = built;
  return std::nullopt;
}

std::optional<std::string>
quantizeLinear(const std::string &name, const float *weights, int64_t n,
               int64_t k, const LinearQuantOptions &options,
               const LinearCalibration *calibration, QuantizedLinear &result,
               std::string *notes, const ProgressFn &progress) {
  if (auto error = options.validate())
    return error;
  result = QuantizedLinear();
  result.name = name;
  result.n = n;
  result.k = k;
  result.scheme = options.scheme;
  if (result.scheme.groupSize > k && !options.flatGroups)
    result.scheme.groupSize = 0; // a group larger than K: one per channel
  if (auto error = result.scheme.validate())
    return error;
  if (result.scheme.offsets)
    return std::string(kNoOffsetsMessage);
  // Before outlier selection: a non-finite weight must not escape the check
  // by being kept in full precision as an outlier.
  if (auto error = findNonFiniteWeight(weights, n, k))
    return error;
  const bool hasHessian =
      calibration && static_cast<int64_t>(calibration->hessian.size()) == k * k;
  const bool hasMagnitudes =
      calibration &&
      static_cast<int64_t>(calibration->channelMeanAbs.size()) == k;
  const char *method = quantMethodName(options.method);
  if ((options.method == QuantMethod::Gptq ||
       options.method == QuantMethod::Awq) &&
      !hasHessian)
    return std::string(method) + " needs calibration statistics (a Hessian)";
  if (options.method == QuantMethod::Awq && !hasMagnitudes)
    return std::string("awq needs per-channel activation magnitudes");

  if (options.flatGroups) {
    if (options.method != QuantMethod::Rtn && options.method != QuantMethod::RtnMse)
      return std::string("flat groups are implemented for rtn and rtn-mse");
    if (options.outlierFraction > 0 || result.scheme.groupSize <= 0 ||
        (n * k) % result.scheme.groupSize != 0 ||
        (result.scheme.groupSize * result.scheme.bits) % 8 != 0)
      return std::string("flat groups need N*K divisible by the group size, "
                         "groups of whole bytes and no outliers");
    result.flatGroups = true;
    return quantizeWithRule(weights, 1, n * k, result.scheme,
                            options.method == QuantMethod::Rtn
                                ? RangeRule::MinMax
                                : RangeRule::Mse,
                            result.matrix);
  }
  std::vector<float> rest(weights, weights + n * k);
  if (options.outlierFraction > 0) {
    result.outlierChannels = selectOutlierChannels(
        weights, n, k,
        hasMagnitudes ? calibration->channelMeanAbs : std::vector<float>(),
        options.outlierFraction);
    const int64_t o = static_cast<int64_t>(result.outlierChannels.size());
    result.outlierWeights.assign(static_cast<size_t>(n * o), 0.0f);
    for (int64_t r = 0; r < n; ++r)
      for (int64_t i = 0; i < o; ++i) {
        int32_t c = result.outlierChannels[i];
        result.outlierWeights[r * o + i] = weights[r * k + c];
        rest[r * k + c] = 0.0f;
      }
  }
  switch (options.method) {
  case QuantMethod::Rtn:
  case QuantMethod::RtnMse:
    return quantizeWithRule(rest.data(), n, k, result.scheme,
                            options.method == QuantMethod::Rtn
                                ? RangeRule::MinMax
                                : RangeRule::Mse,
                            result.matrix);
  case QuantMethod::Gptq: {
    GptqResult gptq;
    if (auto error = gptqQuantize(rest.data(), n, k, calibration->hessian.data(),
                                  result.scheme, options.gptq, gptq, progress))
      return error;
    result.matrix = std::move(gptq.matrix);
    result.perm = std::move(gptq.perm);
    if (notes && gptq.dampPercentUsed != options.gptq.dampPercent)
      *notes += name + ": damping raised to " +
                std::to_string(gptq.dampPercentUsed * 100) +
                "% (Cholesky failed)\n";
    return std::nullopt;
  }
  case QuantMethod::Awq: {
    AwqResult awq;
    if (auto error = awqQuantize(rest.data(), n, k, calibration->hessian.data(),
                                 calibration->channelMeanAbs, result.scheme,
                                 options.awq, awq, progress))
      return error;
    result.matrix = std::move(awq.matrix);
    result.inputScales = std::move(awq.inputScales);
    return std::nullopt;
  }
  }
  return std::string("unknown method");
}

} // namespace wq_numerics
