//===- Calibrated.h - Calibrated quantization (GPTQ, AWQ, MSE) --*- C++ -*-===//
//
// Quantization algorithms that use calibration data, on top of the RTN rules
// in Numerics.h. Plain C++ with BLAS/LAPACK (OpenBLAS, LAPACKE); no MLIR.
// Matrices are row-major; a weight is [N, K] (nn.Linear layout), activations
// are [tokens, K].
//
//===----------------------------------------------------------------------===//

#ifndef WQ_NUMERICS_CALIBRATED_H
#define WQ_NUMERICS_CALIBRATED_H

#include "wq/Numerics/Numerics.h"

#include <functional>

namespace wq_numerics {

/// Called with (done, total) as long operations advance.
using ProgressFn = std::function<void(int64_t done, int64_t total)>;

//===----------------------------------------------------------------------===//
// Calibration statistics.
//===----------------------------------------------------------------------===//

/// GPTQ's Hessian H = 2 X^T X, kept as a running average over calibration
/// samples exactly as the reference does (H *= n / (n + m); n += m;
/// H += (2 / n) X_m^T X_m), plus AWQ's per-channel mean |x|.
class CalibrationStats {
public:
  explicit CalibrationStats(int64_t k);
  /// Adds `tokens` rows of activations [tokens, K] that belong to `samples`
  /// calibration samples (sequences). Fails on non-finite activations.
  std::optional<std::string> add(const float *x, int64_t tokens,
                                 int64_t samples = 1);
  int64_t k() const { return k_; }
  int64_t numSamples() const { return samples_; }
  int64_t numTokens() const { return tokens_; }
  /// [K, K] row-major (symmetric).
  const std::vector<float> &hessian() const { return hessian_; }
  /// mean over tokens of |x[:, c]|.
  std::vector<float> channelMeanAbs() const;

private:
  int64_t k_;
  int64_t samples_ = 0;
  int64_t tokens_ = 0;
  std::vector<float> hessian_;
  std::vector<double> absSum_;
};

//===----------------------------------------------------------------------===//
// RTN with an MSE-optimal range (GPTQ quantizer's mse option).
//===----------------------------------------------------------------------===//

struct MseOptions {
  int grid = 100;         // Shrink step 1/grid.
  double maxShrink = 0.8; // Try p = 1, 1 - 1/grid, ... while i < maxShrink*grid.
  double norm = 2.4;      // Error = sum |fq(w) - w|^norm.
};

/// Like computeRtnParams, but shrinks the group's range by p and keeps the p
/// with the smallest error.
std::optional<std::string> computeMseParams(const float *weights, int64_t count,
                                            const QuantScheme &scheme,
                                            const MseOptions &options,
                                            GroupParams &params);

//===----------------------------------------------------------------------===//
// Generic quantization given per-group parameters.
//===----------------------------------------------------------------------===//

/// How a group's parameters are chosen from its weights.
enum class RangeRule { MinMax, Mse };

/// Quantizes a row-major [rows, cols] matrix, group parameters chosen by
/// `rule` (MinMax = RTN). Fails on non-finite weights.
std::optional<std::string> quantizeWithRule(const float *weights, int64_t rows,
                                            int64_t cols,
                                            const QuantScheme &scheme,
                                            RangeRule rule,
                                            QuantizedMatrix &result);

//===----------------------------------------------------------------------===//
// GPTQ.
//===----------------------------------------------------------------------===//

struct GptqOptions {
  double dampPercent = 0.01; // Of mean(diag H), added to the diagonal.
  int64_t blockSize = 128;   // Lazy batch width.
  bool actOrder = false;     // Columns by descending diag(H).
  bool staticGroups = false; // Group params from the original weights.
  int maxDampRetries = 6;    // Damping x10 per retry when Cholesky fails.
};

struct GptqResult {
  /// The quantized weight in stored order: with act-order and dynamic groups
  /// the columns are permuted (stored column j = input channel perm[j]) so
  /// that groups are contiguous; otherwise in the original order.
  QuantizedMatrix matrix;
  std::vector<int32_t> perm; // Empty unless the storage is permuted.
  /// Group of each original input column (GPTQ's g_idx).
  std::vector<int32_t> groupIndex;
  double loss = 0;            // GPTQ's sum of Losses (reference definition).
  double dampPercentUsed = 0; // After retries.
};

/// GPTQ as the reference implementation (IST-DASLab/gptq) defines it, with
/// wq's quantizer rules (RTN contract). `hessian` is [K, K]; it may be
/// singular (dead columns, damping retries) but must be finite.
std::optional<std::string> gptqQuantize(const float *weights, int64_t n,
                                        int64_t k, const float *hessian,
                                        const QuantScheme &scheme,
                                        const GptqOptions &options,
                                        GptqResult &result,
                                        const ProgressFn &progress = nullptr);

//===----------------------------------------------------------------------===//
// AWQ.
//===----------------------------------------------------------------------===//

struct AwqOptions {
  int grid = 20;             // alpha = i / grid, i = 0 .. grid-1.
  bool clip = true;          // Search a per-group clipping range too.
  int clipGrid = 20;         // Shrink step for clipping.
  double maxClipShrink = 0.5;
  /// Output channels (evenly strided) whose error scores the alpha search;
  /// rows are independent, so a subset estimates the loss at lower cost.
  int64_t maxSearchRows = 512;
};

struct AwqResult {
  /// Quantized W * diag(scales) (after clipping).
  QuantizedMatrix matrix;
  /// Per-input-channel scales s: the layer computes Q(W s) (x / s).
  std::vector<float> inputScales;
  double alpha = 0;       // Chosen exponent.
  double searchLoss = 0;  // Output MSE at the chosen alpha.
  double baselineLoss = 0; // Output MSE of plain RTN (alpha = 0, no clip).
};

/// AWQ (llm-awq): s = s_x^alpha normalized by sqrt(max(s) min(s)), alpha on a
/// grid, minimizing the layer's output error on the calibration data; then
/// optional per-(row, group) clipping. `channelMeanAbs` is s_x (mean |x|).
/// The output error of a weight change D over calibration tokens X is
/// sum_r d_r X^T X d_r^T, so it is computed from the Hessian H = 2 X^T X / m
/// (the same statistics GPTQ uses) rather than from the raw activations; the
/// clipping error of a group uses the group's diagonal block of H, as the
/// reference does (per-group output error).
std::optional<std::string> awqQuantize(const float *weights, int64_t n,
                                       int64_t k, const float *hessian,
                                       const std::vector<float> &channelMeanAbs,
                                       const QuantScheme &scheme,
                                       const AwqOptions &options,
                                       AwqResult &result,
                                       const ProgressFn &progress = nullptr);

//===----------------------------------------------------------------------===//
// Outlier channels.
//===----------------------------------------------------------------------===//

/// Picks round(fraction * K) input channels with the largest
/// channelMeanAbs[c] * max_n |W[n, c]| (activation times weight magnitude),
/// returned in increasing order.
std::vector<int32_t> selectOutlierChannels(const float *weights, int64_t n,
                                           int64_t k,
                                           const std::vector<float> &channelMeanAbs,
                                           double fraction);

/// Relative output error ||X (Wq - W)^T|| / ||X W^T|| of a dequantized
/// weight on activations x [tokens, K].
double relativeOutputError(const float *weights, const float *dequantized,
                           int64_t n, int64_t k, const float *x,
                           int64_t tokens);

/// The same error from the Hessian H ∝ X^T X [K, K]:
/// sqrt(tr(D H D^T) / tr(W H W^T)) with D = Wq - W.
double relativeOutputErrorFromHessian(const float *weights,
                                      const float *dequantized, int64_t n,
                                      int64_t k, const float *hessian);

//===----------------------------------------------------------------------===//
// A whole linear layer: method, outliers, calibration.
//===----------------------------------------------------------------------===//

/// A quantized linear weight [N, K] with everything that defines it.
struct QuantizedLinear {
  std::string name; // e.g. "layers.0.attention.wq.weight"
  int64_t n = 0, k = 0;
  QuantScheme scheme;
  QuantizedMatrix matrix; // stored column order
  /// Stored column j holds input channel perm[j]; empty = identity.
  std::vector<int32_t> perm;
  /// Input channels kept in full precision, added to the quantized part.
  std::vector<int32_t> outlierChannels;
  std::vector<float> outlierWeights; // [N, O]
  /// AWQ: the layer computes Q(W s) (x / s); empty = none.
  std::vector<float> inputScales;
  /// Groups run over the flattened row-major weight (llama2.c's int8
  /// export); `matrix` is then one row of N*K elements.
  bool flatGroups = false;
};

/// The logical float weight [N, K] (un-permuted, input scales divided out,
/// outliers added).
std::vector<float> dequantizeLinear(const QuantizedLinear &linear);

enum class QuantMethod { Rtn, RtnMse, Gptq, Awq };
/// "rtn", "rtn-mse", "gptq", "awq".
std::optional<QuantMethod> parseQuantMethod(const std::string &name);
const char *quantMethodName(QuantMethod method);

struct LinearQuantOptions {
  QuantMethod method = QuantMethod::Rtn;
  QuantScheme scheme;
  GptqOptions gptq;
  AwqOptions awq;
  /// Fraction of input channels kept in full precision (0 = none).
  double outlierFraction = 0;
  /// Groups over the flattened weight (RTN only; see QuantizedLinear).
  bool flatGroups = false;

  /// Checks the recipe's numbers (the scheme; a finite damping >= 0 and
  /// block size > 0; a finite outlier fraction in [0, 1); AWQ grids >= 1
  /// and a clip shrink in [0, 1)); the message names the option. NaN
  /// fails every check.
  std::optional<std::string> validate() const;
};

/// A quantization recipe as the tools and the wq-quantize-weights pass name
/// it: the one set of option names and defaults that `wq-compile`,
/// `wq-quantize` (`--group-size 128`) and `wq-quantize-weights`
/// (`group-size=128`) share. Their options take their defaults from a
/// default-constructed RecipeSpec.
struct RecipeSpec {
  std::string method = "rtn"; ///< rtn | rtn-mse | gptq | awq
  unsigned bits = 4;          ///< 4 | 8
  int64_t groupSize = 128;    ///< weights per group along K; 0 = per channel
  bool symmetric = false;     ///< signed storage without zero points
  std::string scaleType = "f16"; ///< f16 | bf16 | f32
  double damp = 0.01;         ///< GPTQ damping (fraction of mean diag H)
  bool actOrder = false;      ///< GPTQ act-order
  bool staticGroups = false;  ///< GPTQ static groups
  double outlierFraction = 0; ///< input channels kept in full precision
  bool flatGroups = false;    ///< groups over the flattened weight (RTN)
};

/// The spec of an options object that names the recipe's fields as
/// RecipeSpec does (wq_compiler::RecipeOptions, the wq-quantize-weights
/// pass's options), with `bits` (whose meaning differs per tool).
template <typename Options>
RecipeSpec recipeSpecOf(const Options &options, unsigned bits) {
  RecipeSpec spec;
  spec.method = options.method;
  spec.bits = bits;
  spec.groupSize = options.groupSize;
  spec.symmetric = options.symmetric;
  spec.scaleType = options.scaleType;
  spec.damp = options.damp;
  spec.actOrder = options.actOrder;
  spec.staticGroups = options.staticGroups;
  spec.outlierFraction = options.outlierFraction;
  return spec;
}

/// The recipe `spec` names, validated (LinearQuantOptions::validate plus the
/// names: method, scale type, bits, GPTQ-only flags); the message names the
/// option by the name the tools and the pass share (`bits`, `group-size`).
std::optional<std::string> buildRecipe(const RecipeSpec &spec,
                                       LinearQuantOptions &recipe);

/// Calibration statistics of one linear layer (Hessian [K, K] and mean |x|
/// per input channel; either may be empty when unknown).
struct LinearCalibration {
  std::vector<float> hessian;
  std::vector<float> channelMeanAbs;
};

/// Quantizes one linear weight [N, K] with `options`: outlier channels are
/// set aside first (ranked by calibration magnitude when known), the rest is
/// quantized with the method. GPTQ needs a Hessian, AWQ a Hessian and
/// channel magnitudes. `notes` receives remarks (e.g. raised damping).
std::optional<std::string>
quantizeLinear(const std::string &name, const float *weights, int64_t n,
               int64_t k, const LinearQuantOptions &options,
               const LinearCalibration *calibration, QuantizedLinear &result,
               std::string *notes = nullptr,
               const ProgressFn &progress = nullptr);

} // namespace wq_numerics

#endif // WQ_NUMERICS_CALIBRATED_H
