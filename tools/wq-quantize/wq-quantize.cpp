//===- wq-quantize.cpp - Quantize checkpoints into GPTQ/AWQ/wq formats ----===//
//
//   wq-quantize --weights W.safetensors|W.gguf [--calib X.safetensors]
//               --method rtn|rtn-mse|gptq|awq --bits 4|8 --group-size N [--sym]
//               [--act-order] [--static-groups] [--damp F]
//               [--outlier-fraction F] [--scale-type f16|bf16|f32]
//               --format gptq|awq|wq -o OUT.safetensors [--report FILE]
//   wq-quantize --dequantize IN.safetensors -o OUT.safetensors
//
// Every 2-D float tensor of W is a linear weight [N, K]; other tensors are
// copied. A GGUF file's tensors are read dequantized (any type the GGUF
// reader dequantizes; 2-D ones are linear weights), under the file's names. Calibration data for weight "x.weight" is "x.weight.calib_input" or
// "x.calib_input" [tokens, K] (activations), or "...hessian" [K, K] plus
// optionally "...channel_mean_abs" [K].
//
//===----------------------------------------------------------------------===//

#include "wq/Compiler/RecipeOptions.h"
#include "wq/Formats/Checkpoint.h"
#include "wq/Formats/Gguf.h"
#include "wq/Numerics/Calibrated.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "llvm/ADT/ScopeExit.h"

#include <chrono>
#include <cmath>
#include <list>

using namespace llvm;
using namespace wq_formats;
using namespace wq_numerics;

namespace {

cl::OptionCategory category("wq-quantize options");
cl::opt<std::string> weightsPath("weights", cl::desc("Input weights (.safetensors or .gguf)"),
                                 cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> calibPath("calib", cl::desc("Calibration data (.safetensors)"),
                               cl::value_desc("file"), cl::cat(category));
cl::opt<unsigned> bits("bits", cl::desc("4 or 8"),
                       cl::init(wq_numerics::RecipeSpec().bits),
                       cl::cat(category));
wq_compiler::RecipeOptions recipeOptions(category);
cl::opt<std::string> formatName("format", cl::desc("gptq | awq | wq"),
                                cl::init("wq"), cl::cat(category));
cl::opt<std::string> outputPath("o", cl::desc("Output file (.safetensors)"),
                                cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> reportPath("report", cl::desc("Write a JSON report"),
                                cl::value_desc("file"), cl::cat(category));
cl::opt<std::string> dequantizePath(
    "dequantize", cl::desc("Read a gptq/awq/wq checkpoint and write f32 weights"),
    cl::value_desc("file"), cl::cat(category));

int fail(const Twine &message) {
  errs() << "wq-quantize: error: " << message << "\n";
  return 1;
}

int dequantizeCheckpoint() {
  Expected<SafetensorsFile> file = SafetensorsFile::open(dequantizePath);
  if (!file)
    return fail(toString(file.takeError()));
  Expected<CheckpointFormat> format = detectFormat(*file);
  if (!format)
    return fail(toString(format.takeError()));
  Expected<std::vector<QuantizedLinear>> linears =
      readQuantizedLinears(*file, *format);
  if (!linears)
    return fail(toString(linears.takeError()));
  SafetensorsWriter writer;
  for (const QuantizedLinear &linear : *linears)
    writer.addFloats(linear.name, {linear.n, linear.k}, dequantizeLinear(linear));
  for (const TensorView &t : file->tensors())
    if (!isQuantizedTensorName(t.name, *format))
      writer.add(t.name, t.dtype, t.shape,
                 std::vector<uint8_t>(t.data.begin(), t.data.end()));
  if (Error error = writer.write(outputPath))
    return fail(toString(std::move(error)));
  errs() << "wq-quantize: dequantized " << linears->size() << " "
         << checkpointFormatName(*format) << " weight(s) to " << outputPath
         << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "wq-quantize: quantize linear weights (RTN, RTN-MSE, GPTQ, AWQ) into "
      "GPTQ, AWQ or wq checkpoints, or dequantize one\n");
  if (outputPath.empty())
    return fail("-o OUT.safetensors is required");
  if (!dequantizePath.empty())
    return dequantizeCheckpoint();
  if (weightsPath.empty())
    return fail("--weights W.safetensors (or W.gguf) is required");

  CheckpointFormat format;
  if (!parseCheckpointFormat(formatName, format))
    return fail("unknown --format '" + formatName + "' (gptq, awq, wq)");
  // The recipe's numbers, before any file is read.
  LinearQuantOptions recipe;
  if (auto error = buildRecipe(recipeSpecOf(recipeOptions, bits), recipe))
    return fail(*error);
  const std::string method = recipeOptions.method;
  const QuantScheme scheme = recipe.scheme;

  // A GGUF file is read through a temporary f32 safetensors copy of its
  // dequantized tensors next to the output (removed afterwards).
  std::string inputPath = weightsPath;
  std::string temporary;
  auto removeTemporary = llvm::make_scope_exit([&] {
    if (!temporary.empty())
      sys::fs::remove(temporary);
  });
  if (StringRef(weightsPath).ends_with(".gguf")) {
    Expected<GgufFile> gguf = GgufFile::open(weightsPath);
    if (!gguf)
      return fail(toString(gguf.takeError()));
    SafetensorsWriter dequantized;
    for (const GgufTensorInfo &tensor : gguf->tensors()) {
      Expected<std::vector<float>> values = gguf->dequantize(tensor);
      if (!values)
        return fail(toString(values.takeError()));
      dequantized.addFloats(tensor.name, tensor.shape(), *values);
    }
    temporary = (outputPath + formatv(".gguf-{0}.safetensors",
                                      sys::Process::getProcessId()))
                    .str();
    if (Error e = dequantized.write(temporary))
      return fail(toString(std::move(e)));
    inputPath = temporary;
  }
  Expected<SafetensorsFile> weights = SafetensorsFile::open(inputPath);
  if (!weights)
    return fail(toString(weights.takeError()));
  std::optional<SafetensorsFile> calib;
  if (!calibPath.empty()) {
    Expected<SafetensorsFile> opened = SafetensorsFile::open(calibPath);
    if (!opened)
      return fail(toString(opened.takeError()));
    calib = std::move(*opened);
  }

  SafetensorsWriter writer;
  std::list<QuantizedLinear> quantized;
  json::Array report;
  int64_t layers = 0, total = 0;
  for (const TensorView &t : weights->tensors())
    total += t.shape.size() == 2 && (t.dtype == DType::F32 || t.dtype == DType::F16 ||
                                     t.dtype == DType::BF16);
  for (const TensorView &t : weights->tensors()) {
    bool isLinear = t.shape.size() == 2 &&
                    (t.dtype == DType::F32 || t.dtype == DType::F16 ||
                     t.dtype == DType::BF16);
    if (!isLinear) {
      writer.addView(t.name, t.dtype, t.shape, t.data);
      continue;
    }
    auto start = std::chrono::steady_clock::now();
    const int64_t n = t.shape[0], k = t.shape[1];
    Expected<std::vector<float>> w = weights->readFloats(t);
    if (!w)
      return fail(toString(w.takeError()));
    Expected<std::optional<LinearCalibration>> calibration =
        calib ? loadLinearCalibration(*calib, t.name, k)
              : Expected<std::optional<LinearCalibration>>(std::nullopt);
    if (!calibration)
      return fail(toString(calibration.takeError()));
    if ((recipe.method == QuantMethod::Gptq ||
         recipe.method == QuantMethod::Awq) &&
        !*calibration)
      return fail("--method " + method + " needs calibration data for '" +
                  t.name + "' (" + t.name + ".calib_input or .hessian in --calib)");

    // In-place progress for long layers, on terminals only.
    ProgressFn progress = [&](int64_t done, int64_t all) {
      if (!errs().is_displayed())
        return;
      errs() << formatv("\r  [{0}/{1}] {2}: {3} {4}/{5}", layers + 1, total,
                        t.name, method, done, all);
    };
    // Kept until the writer writes (it does not copy the packed integers).
    QuantizedLinear &linear = quantized.emplace_back();
    std::string notes;
    if (auto error = quantizeLinear(t.name, w->data(), n, k, recipe,
                                    *calibration ? &**calibration : nullptr,
                                    linear, &notes, progress))
      return fail("weight '" + t.name + "': " + *error);
    if (!notes.empty())
      errs() << "\n  note: " << notes;

    std::vector<float> back = dequantizeLinear(linear);
    double relError;
    const char *errorKind;
    if (*calibration) {
      relError = relativeOutputErrorFromHessian(w->data(), back.data(), n, k,
                                                (*calibration)->hessian.data());
      errorKind = "output";
    } else {
      double num = 0, den = 0;
      for (size_t i = 0; i < back.size(); ++i) {
        num += double(back[i] - (*w)[i]) * (back[i] - (*w)[i]);
        den += double((*w)[i]) * (*w)[i];
      }
      relError = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
      errorKind = "weight";
    }
    if (Error e = addQuantizedLinear(writer, linear, format,
                                     /*referencePacked=*/true))
      return fail(toString(std::move(e)));
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    ++layers;
    errs() << formatv("\r  [{0}/{1}] {2} [{3}x{4}] {5}: relative {6} error "
                      "{7:e3} ({8:f2} s)\n",
                      layers, total, t.name, n, k, method, errorKind, relError,
                      seconds);
    report.push_back(json::Object{{"name", t.name},
                                  {"n", n},
                                  {"k", k},
                                  {"method", method},
                                  {"relative_error", relError},
                                  {"error_kind", errorKind},
                                  {"outlier_channels",
                                   int64_t(linear.outlierChannels.size())},
                                  {"seconds", seconds}});
  }
  if (Error e = writer.write(outputPath))
    return fail(toString(std::move(e)));
  if (std::optional<ConfigFile> config = checkpointConfig(
          format, scheme, recipe.gptq.actOrder, recipe.gptq.staticGroups,
          recipe.gptq.dampPercent)) {
    SmallString<256> path(sys::path::parent_path(outputPath));
    sys::path::append(path, config->fileName);
    if (Error e = writeFileAtomically(path, config->text))
      return fail(toString(std::move(e)));
  }
  if (!reportPath.empty()) {
    std::string text;
    raw_string_ostream os(text);
    os << formatv("{0:2}", json::Value(json::Object{
                               {"method", method},
                               {"bits", int64_t(bits)},
                               {"group_size", scheme.groupSize},
                               {"format", formatName},
                               {"layers", std::move(report)}}))
       << "\n";
    if (Error e = writeFileAtomically(reportPath, os.str()))
      return fail(toString(std::move(e)));
  }
  errs() << "wq-quantize: wrote " << layers << " quantized weight(s) to "
         << outputPath << " (" << formatName << " format)\n";
  return 0;
}
