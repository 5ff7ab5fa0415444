//===- Checkpoint.h - Quantized linear weights in checkpoint formats -*- C++ -*-===//
//
// wq's own representation of a quantized linear layer and its conversion to
// and from the ecosystem's checkpoint layouts:
//   gptq  AutoGPTQ / transformers v1: qweight int32 [K*b/32, N] packed along
//         K, qzeros int32 [G, N*b/32] packed along N storing zero - 1,
//         scales f16 [G, N], g_idx int32 [K]; quantize_config.json beside.
//   awq   AutoAWQ GEMM: qweight int32 [K, N/8] packed along N in the order
//         [0, 2, 4, 6, 1, 3, 5, 7], qzeros int32 [K/G, N/8] (no offset),
//         scales f16 [K/G, N]; 4-bit only; quant_config.json beside.
//   wq    wq's layout (docs/dialect.md): <base>.wq.packed u8 [N, G, Bg],
//         .wq.scales [N, G], .wq.zeros u8 [N, G], .wq.offsets [N, G] (group
//         offsets, in the scales' dtype), .wq.perm i32 [K],
//         .wq.outlier_channels i32 [O], .wq.outlier_weights f32 [N, O],
//         .wq.input_scales f32 [K]; the scheme as JSON in the metadata key
//         "wq.<base>".
// <base> is the weight's name without a trailing ".weight".
//
//===----------------------------------------------------------------------===//

#ifndef WQ_FORMATS_CHECKPOINT_H
#define WQ_FORMATS_CHECKPOINT_H

#include "wq/Formats/Safetensors.h"
#include "wq/Numerics/Calibrated.h"

namespace wq_formats {

using wq_numerics::QuantizedLinear;
using wq_numerics::dequantizeLinear;

enum class CheckpointFormat { Gptq, Awq, Wq };
bool parseCheckpointFormat(llvm::StringRef name, CheckpointFormat &format);
const char *checkpointFormatName(CheckpointFormat format);

/// "<name>" without a trailing ".weight".
std::string baseName(llvm::StringRef name);

/// Adds the tensors of `linear` in `format`; fails (naming the weight) when
/// the format cannot represent it (e.g. outliers in GPTQ, 8 bits in AWQ,
/// group offsets in either). With `referencePacked` (wq's format), the
/// packed integers are not copied: `linear` must then stay alive until the
/// writer writes.
llvm::Error addQuantizedLinear(SafetensorsWriter &writer,
                               const QuantizedLinear &linear,
                               CheckpointFormat format,
                               bool referencePacked = false);

/// The config file written beside a checkpoint ("quantize_config.json" for
/// gptq, "quant_config.json" for awq; none for wq) and its contents.
struct ConfigFile {
  std::string fileName;
  std::string text;
};
std::optional<ConfigFile> checkpointConfig(CheckpointFormat format,
                                           const wq_numerics::QuantScheme &scheme,
                                           bool actOrder, bool staticGroups,
                                           double dampPercent);

/// Recognizes the format of a quantized checkpoint from its tensor names.
llvm::Expected<CheckpointFormat> detectFormat(const SafetensorsFile &file);

/// Reads every quantized linear of `file` (in `format`) into wq's
/// representation. GPTQ act-order checkpoints (scattered g_idx) become
/// permuted storage with contiguous groups. Inconsistent shapes are errors
/// naming the tensor.
llvm::Expected<std::vector<QuantizedLinear>>
readQuantizedLinears(const SafetensorsFile &file, CheckpointFormat format);

/// Calibration statistics of weight `name` ([N, k]) from a calibration file:
/// "<name>.calib_input" or "<base>.calib_input" [tokens, K] (activations,
/// turned into a Hessian and channel magnitudes), or "<name>.hessian" [K, K]
/// with optional "<name>.channel_mean_abs" [K] (as wq-opt's observers write
/// them). None if the file has nothing for this weight.
llvm::Expected<std::optional<wq_numerics::LinearCalibration>>
loadLinearCalibration(const SafetensorsFile &file, llvm::StringRef name,
                      int64_t k);

/// Names of the tensors that make up the quantized linears of `file`.
bool isQuantizedTensorName(llvm::StringRef name, CheckpointFormat format);

} // namespace wq_formats

#endif // WQ_FORMATS_CHECKPOINT_H
