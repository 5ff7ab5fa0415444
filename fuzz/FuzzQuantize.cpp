//===- FuzzQuantize.cpp - quantizeLinear on arbitrary floats --------------===//
//
// A structured harness: the first bytes choose the shape (N, K up to 64 x
// 96, K not a multiple of the group), bits, group size, symmetry, scale type
// and method (RTN, RTN-MSE, GPTQ and AWQ with a Hessian built from the
// weights), the rest are the weights' bit patterns (NaN, Inf, denormals,
// constant groups all reachable). Errors are fine; a result must dequantize
// to finite values.
//
//===----------------------------------------------------------------------===//

#include "wq/Numerics/Calibrated.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

using namespace wq_numerics;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 6)
    return 0;
  const int64_t n = 1 + data[0] % 64, k = 1 + data[1] % 96;
  LinearQuantOptions options;
  options.scheme.bits = (data[2] & 1) ? 8 : 4;
  options.scheme.isSigned = data[2] & 2;
  options.scheme.zeroPoints = !(data[2] & 2);
  static const int64_t groups[] = {0, 8, 16, 32, 7, 128};
  options.scheme.groupSize = groups[(data[2] >> 2) % 6];
  options.scheme.scaleType = static_cast<ScaleType>((data[2] >> 5) % 3);
  options.method = static_cast<QuantMethod>(data[3] % 4);
  options.outlierFraction = (data[4] % 4) * 0.05;
  options.gptq.actOrder = data[5] & 1;
  data += 6;
  size -= 6;
  std::vector<float> weights(size_t(n * k));
  for (size_t i = 0; i < weights.size(); ++i) {
    uint32_t bits = 0;
    for (int b = 0; b < 4; ++b)
      bits |= uint32_t(size ? data[(4 * i + b) % size] : 0x3f) << (8 * b);
    std::memcpy(&weights[i], &bits, 4);
  }
  // A Hessian X^T X + I from rows of the weights (positive definite when
  // finite) and channel magnitudes, for GPTQ and AWQ.
  LinearCalibration calibration;
  calibration.hessian.assign(size_t(k * k), 0.f);
  calibration.channelMeanAbs.assign(size_t(k), 1.f);
  for (int64_t r = 0; r < std::min<int64_t>(n, 8); ++r)
    for (int64_t a = 0; a < k; ++a)
      for (int64_t b = 0; b < k; ++b)
        calibration.hessian[size_t(a * k + b)] +=
            weights[size_t(r * k + a)] * weights[size_t(r * k + b)];
  for (int64_t a = 0; a < k; ++a)
    calibration.hessian[size_t(a * k + a)] += 1.f;
  QuantizedLinear result;
  if (quantizeLinear("fuzz", weights.data(), n, k, options, &calibration,
                     result))
    return 0;
  std::vector<float> back = dequantizeLinear(result);
  for (float v : back)
    if (!std::isfinite(v))
      std::abort(); // a quantization that succeeded must be finite
  return 0;
}
