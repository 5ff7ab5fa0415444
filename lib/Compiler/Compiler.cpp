//===- Compiler.cpp - Checkpoint to compiled model ------------------------===//

#include "wq/Compiler/Compiler.h"

#include "wq/Dialect/WQ/Transforms/Passes.h"
#include "wq/Formats/Checkpoint.h"
#include "wq/Formats/Json.h"
#include "wq/Model/Import.h"
#include "wq/Model/OutputDirectory.h"
#include "wq/Model/Runtime.h"
#include "wq/Model/Tokenizer.h"
#include "wq/Pipelines/Pipelines.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <cmath>
#include <dlfcn.h>

extern "C" int wqObserverWrite(const char *path);

using namespace llvm;
using namespace wq_model;
using namespace wq_numerics;

namespace wq_compiler {

std::optional<Target> parseTarget(StringRef name) {
  if (name == "cpu")
    return Target::Cpu;
  if (name == "sm_80")
    return Target::Sm80;
  if (name == "sm_90")
    return Target::Sm90;
  return std::nullopt;
}

StringRef targetName(Target target) {
  switch (target) {
  case Target::Cpu:
    return "cpu";
  case Target::Sm80:
    return "sm_80";
  case Target::Sm90:
    return "sm_90";
  }
  llvm_unreachable("unknown target");
}

namespace {

Error compileError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

double elapsed(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// Splits calibration text into stories on <|endoftext|> (trimmed, non-empty).
std::vector<std::string> splitStories(StringRef text) {
  std::vector<std::string> stories;
  SmallVector<StringRef> parts;
  text.split(parts, "<|endoftext|>");
  for (StringRef part : parts) {
    StringRef story = part.trim();
    if (!story.empty())
      stories.push_back(story.str());
  }
  return stories;
}

/// The kernels runtime (libwq_runtime.so.1) that GPU model libraries link:
/// beside this library, in the build tree and in an installed tree alike.
Expected<std::string> kernelsRuntimePath() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void *>(&kernelsRuntimePath), &info) ||
      !info.dli_fname)
    return compileError("cannot locate the wq libraries (dladdr failed)");
  SmallString<256> path(sys::path::parent_path(info.dli_fname));
  sys::path::append(path, "libwq_runtime.so.1");
  if (!sys::fs::exists(path))
    return compileError("the kernels runtime " + path +
                        " is missing: GPU models link it");
  return std::string(path);
}

/// Lowers a module with the CPU or GPU pipeline and compiles it to
/// `library`. The calibration build (`observe`) runs on the CPU with f32
/// activations, so that the statistics are those of the model itself.
/// --mlir-timing applies when the tool registered it.
Error compileToLibrary(const CompileOptions &options, mlir::ModuleOp module,
                       StringRef library, bool observe) {
  const bool gpu = options.target != Target::Cpu && !observe;
  mlir::PassManager pm(module->getContext());
  if (observe)
    pm.addPass(mlir::wq::createWQInsertObserversPass());
  if (options.configurePassManager)
    if (Error e = options.configurePassManager(pm))
      return e;
  mlir::DefaultTimingManager timing;
  mlir::applyDefaultTimingManagerCLOptions(timing);
  mlir::TimingScope timingScope = timing.getRootScope();
  pm.enableTiming(timingScope);
  std::string pipelineError;
  raw_string_ostream errorStream(pipelineError);
  wq_model::SharedLibraryOptions libraryOptions;
  if (gpu) {
    // The device the library was built for, which CompiledModel::load reads
    // to run it on the GPU.
    addExportedString(module, kModelDeviceSymbol, targetName(options.target));
    mlir::wq::GpuPipelineOptions pipelineOptions;
    pipelineOptions.chip = targetName(options.target).str();
    pipelineOptions.format = options.gpuFormat;
    pipelineOptions.matmulActivations = options.gpuMatmulActivations;
    if (failed(mlir::wq::buildGpuPipeline(pm, pipelineOptions, errorStream)))
      return compileError(pipelineError);
    // The runtime goes beside the library, which finds it there ($ORIGIN):
    // the folder is complete and can be moved to the GPU machine.
    Expected<std::string> runtime = kernelsRuntimePath();
    if (!runtime)
      return runtime.takeError();
    SmallString<256> copy(sys::path::parent_path(library));
    sys::path::append(copy, sys::path::filename(*runtime));
    if (std::error_code ec = sys::fs::copy_file(*runtime, copy))
      return compileError("copying the kernels runtime: " + ec.message());
    libraryOptions.linkArgs = {std::string(copy), "-Wl,-rpath,$ORIGIN",
                               "-lm"};
    // The host code only launches kernels: compiled for the generic x86-64,
    // not this machine's features, since the GPU machine's CPU may lack them.
    libraryOptions.hostCpu = false;
  } else {
    mlir::wq::CpuPipelineOptions pipelineOptions;
    pipelineOptions.activationBits = observe ? 32u : options.activationBits;
    if (failed(mlir::wq::buildCpuPipeline(pm, pipelineOptions, errorStream)))
      return compileError(pipelineError);
  }
  // The weights go to a file beside the library, mapped at load: the code
  // generator and the linker see code only.
  pm.addPass(mlir::wq::createWQExternalizeWeightsPass(
      {weightsPathFor(library), /*minBytes=*/1024}));
  if (failed(pm.run(module)))
    return compileError("lowering the model failed");
  return emitSharedLibrary(module, library, libraryOptions);
}

struct LayerReport {
  std::string name;
  int64_t n, k;
  unsigned bits;
  int64_t groupSize;
  int64_t bytes;
  double relativeError;
  const char *errorKind;
};

int64_t linearBytes(const QuantizedLinear &l) {
  return int64_t(l.matrix.packed.size()) +
         int64_t(l.matrix.scales.size()) * scaleTypeBytes(l.scheme.scaleType) +
         int64_t(l.matrix.zeros.size()) +
         int64_t(l.matrix.offsets.size()) * scaleTypeBytes(l.scheme.scaleType) +
         4 * int64_t(l.perm.size()) +
         4 * int64_t(l.outlierChannels.size()) +
         4 * int64_t(l.outlierWeights.size()) + 4 * int64_t(l.inputScales.size());
}

/// Whether row lookups can read `table` as it is quantized: one row's bytes,
/// scales and zero points, in the input channels' order.
bool lookupReadable(const QuantizedLinear &table) {
  return table.perm.empty() && table.outlierChannels.empty() &&
         table.inputScales.empty() && !table.flatGroups;
}

/// `weights` relative to `reference`, in the output when a Hessian is known
/// (GPTQ, AWQ), else in the weights themselves.
void measureError(ArrayRef<float> reference,
                  const QuantizedLinear &linear,
                  const LinearCalibration *calibration, LayerReport &report) {
  std::vector<float> back = dequantizeLinear(linear);
  if (calibration && !calibration->hessian.empty()) {
    report.relativeError = relativeOutputErrorFromHessian(
        reference.data(), back.data(), linear.n, linear.k,
        calibration->hessian.data());
    report.errorKind = "output";
    return;
  }
  double num = 0, den = 0;
  for (size_t j = 0; j < back.size(); ++j) {
    num += double(back[j] - reference[j]) * (back[j] - reference[j]);
    den += double(reference[j]) * reference[j];
  }
  report.relativeError = den > 0 ? std::sqrt(num / den) : 0.0;
  report.errorKind = "weight";
}

/// Records statistics by running `weights` (in float, with observers) over
/// the calibration text; writes them to `statsPath`.
Error calibrate(const CompileOptions &options, const LlamaWeights &weights,
                const ModelTokenizer &tokenizer, StringRef folder,
                StringRef statsPath) {
  auto buffer = MemoryBuffer::getFile(options.calibrationText);
  if (!buffer)
    return compileError(options.calibrationText + ": " +
                        buffer.getError().message());
  mlir::MLIRContext context;
  // Every weight in float, as the checkpoint holds it (no copy of it).
  ImportOptions floatWeights;
  floatWeights.keepQuantized = false;
  auto module = buildModelModule(context, weights, floatWeights);
  if (!module)
    return module.takeError();
  std::string library = (folder + "/observed.so").str();
  if (Error e = compileToLibrary(options, **module, library, /*observe=*/true))
    return e;
  Expected<CompiledModel> observed = CompiledModel::load(library, weights.config);
  if (!observed)
    return observed.takeError();
  int64_t seen = 0;
  for (const std::string &story : splitStories((*buffer)->getBuffer())) {
    std::vector<int32_t> tokens = tokenizer.encode(story, true, false);
    int64_t take =
        std::min<int64_t>({int64_t(tokens.size()), weights.config.seqLen,
                           options.calibrationTokens - seen});
    if (take <= 0)
      break;
    tokens.resize(size_t(take));
    // The story as one batch: every linear layer observes all its rows.
    if (Expected<float *> logits =
            observed->run(tokens, 0, int64_t(tokens.size()) - 1);
        !logits)
      return compileError("calibration: " + toString(logits.takeError()));
    seen += take;
    errs() << formatv("\rwq-compile: calibrating: {0}/{1} tokens", seen,
                      options.calibrationTokens);
    if (seen >= options.calibrationTokens)
      break;
  }
  errs() << "\n";
  if (wqObserverWrite(statsPath.str().c_str()) != 0)
    return compileError("writing calibration statistics failed");
  sys::fs::remove(library);
  sys::fs::remove(weightsPathFor(library));
  return Error::success();
}

Error checkOptions(const CompileOptions &options) {
  if (options.checkpoint.empty())
    return compileError("no checkpoint given");
  if (options.floatWeights != "f32" && options.floatWeights != "f16")
    return compileError("float weights must be f32 or f16, got '" +
                        options.floatWeights + "'");
  if (options.quantizeEmbedding && !options.recipe)
    return compileError("--quantize-embedding needs --bits 4 or 8");
  if (options.activationBits != 32 && options.activationBits != 8)
    return compileError("--activation-bits must be 32 or 8");
  if (options.target != Target::Cpu && options.activationBits != 32)
    return compileError("--activation-bits 8 is a CPU kernel option; GPU "
                        "kernels take the activations as they are");
  if (options.target != Target::Cpu) {
    std::string message;
    raw_string_ostream errorStream(message);
    if (failed(mlir::wq::checkGpuPipelineOptions(
            targetName(options.target), options.gpuFormat, errorStream,
            options.gpuMatmulActivations)))
      return compileError(StringRef(message).rtrim());
  } else if (options.gpuMatmulActivations != "f32") {
    return compileError("--gpu-matmul-activations is a GPU option (--target "
                        "sm_80 or sm_90)");
  }
  if (options.recipe)
    if (auto error = options.recipe->validate())
      return compileError(*error);
  return Error::success();
}

} // namespace

Expected<CompileSummary> compileModel(const CompileOptions &options,
                                      StringRef folder) {
  auto start = std::chrono::steady_clock::now();
  if (Error e = checkOptions(options))
    return std::move(e);
  // Float tensors are read when they are quantized or bound (one at a time),
  // not all up front.
  Expected<LlamaWeights> weights =
      readCheckpoint(options.checkpoint, /*lazy=*/true);
  if (!weights)
    return weights.takeError();
  LlamaConfig &config = weights->config;
  // The tokenizer goes into the output first; calibration reads it there.
  if (isGgufFile(options.checkpoint)) {
    if (!options.tokenizer.empty())
      return compileError("a GGUF file carries its tokenizer: drop --tokenizer");
    if (Error e = exportGgufTokenizer(options.checkpoint,
                                      (folder + "/tokenizer.json").str(),
                                      config.vocabSize))
      return std::move(e);
  } else {
    if (options.tokenizer.empty())
      return compileError("--tokenizer is required for " + options.checkpoint);
    Expected<int64_t> tokenizerSize = tokenizerVocabSize(options.tokenizer);
    if (!tokenizerSize)
      return tokenizerSize.takeError();
    if (*tokenizerSize != config.vocabSize)
      return compileError("tokenizer '" + options.tokenizer + "' has " +
                          Twine(*tokenizerSize) +
                          " tokens but the model's vocabulary is " +
                          Twine(config.vocabSize) + ": mismatched tokenizer");
    if (std::error_code ec = sys::fs::copy_file(
            options.tokenizer, (folder + "/tokenizer.bin").str()))
      return compileError("copying the tokenizer: " + ec.message());
  }
  Expected<std::unique_ptr<ModelTokenizer>> tokenizer =
      loadModelTokenizer(folder, config.vocabSize);
  if (!tokenizer)
    return tokenizer.takeError();

  // A checkpoint's own integers are compiled as they are (requantize:
  // re-quantized from their dequantized values); the linear weights it
  // holds in float (or in a form wq cannot keep) get the recipe.
  const bool preQuantized = !weights->quantized.empty() && !options.requantize;
  if (!preQuantized)
    weights->quantized.clear();
  const size_t keptWeights = weights->quantized.size();
  const std::string table = "tok_embeddings.weight";
  const std::string classifierName =
      config.sharedClassifier ? table : "output.weight";
  std::vector<std::string> names;
  for (const std::string &name : linearWeightNames(config))
    if (!weights->quantized.count(name))
      names.push_back(name);
  if (options.quantizeClassifier && !weights->quantized.count(classifierName))
    names.push_back(classifierName);
  const std::optional<LinearQuantOptions> &recipe = options.recipe;
  if (!recipe)
    names.clear();
  const bool calibrated =
      !names.empty() && (recipe->method == QuantMethod::Gptq ||
                         recipe->method == QuantMethod::Awq ||
                         recipe->outlierFraction > 0);
  if (calibrated && options.calibrationText.empty())
    return compileError(
        Twine("--method ") + quantMethodName(recipe->method) +
        (recipe->outlierFraction > 0 ? " with --outlier-fraction" : "") +
        " needs --calib TEXT");
  errs() << formatv("wq-compile: {0}: dim {1}, hidden {2}, {3} layers, vocab "
                    "{4}\n",
                    options.checkpoint, config.dim, config.hiddenDim,
                    config.numLayers, config.vocabSize);

  // Calibration: the fp32 model compiled with observers, run over the text.
  std::string statsPath = (folder + "/calibration.safetensors").str();
  std::optional<wq_formats::SafetensorsFile> statsFile;
  if (calibrated) {
    if (Error e = calibrate(options, *weights, **tokenizer, folder, statsPath))
      return std::move(e);
    Expected<wq_formats::SafetensorsFile> opened =
        wq_formats::SafetensorsFile::open(statsPath);
    if (!opened)
      return opened.takeError();
    statsFile = std::move(*opened);
  }

  // Every weight quantized once, here: the linear layers and classifier with
  // the recipe, then the table lookups read.
  std::vector<LayerReport> reports;
  for (const auto &[name, linear] : weights->quantized) {
    reports.push_back({name, linear.n, linear.k, linear.scheme.bits,
                       linear.scheme.groupSize, linearBytes(linear), 0.0,
                       "checkpoint"});
    errs() << formatv("wq-compile: {0} [{1}x{2}] int{3}{4} from the "
                      "checkpoint\n",
                      name, linear.n, linear.k, linear.scheme.bits,
                      linear.scheme.offsets ? " with offsets" : "");
  }
  const char *method = recipe ? quantMethodName(recipe->method) : "none";
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string &name = names[i];
    const FloatTensor &w = weights->tensors.at(name);
    // Read now (lazy checkpoints) and dropped after this layer.
    std::vector<float> storage;
    Expected<ArrayRef<float>> values = w.load(storage);
    if (!values)
      return values.takeError();
    std::optional<LinearCalibration> calibration;
    if (statsFile) {
      Expected<std::optional<LinearCalibration>> loaded =
          wq_formats::loadLinearCalibration(*statsFile, name, w.shape[1]);
      if (!loaded)
        return loaded.takeError();
      calibration = std::move(*loaded);
      if (!calibration && recipe->method != QuantMethod::Rtn &&
          recipe->method != QuantMethod::RtnMse)
        return compileError("no calibration statistics for '" + name + "'");
    }
    QuantizedLinear linear;
    std::string notes;
    if (auto error = quantizeLinear(name, values->data(), w.shape[0],
                                    w.shape[1], *recipe,
                                    calibration ? &*calibration : nullptr,
                                    linear, &notes))
      return compileError("'" + name + "': " + *error);
    LayerReport report{name, w.shape[0], w.shape[1], recipe->scheme.bits,
                       linear.scheme.groupSize, linearBytes(linear), 0,
                       "weight"};
    measureError(*values, linear, calibration ? &*calibration : nullptr,
                 report);
    reports.push_back(report);
    errs() << formatv("wq-compile: [{0}/{1}] {2} [{3}x{4}] {5} int{6}: "
                      "relative {7} error {8:e3}\n",
                      i + 1, names.size(), name, w.shape[0], w.shape[1],
                      method, recipe->scheme.bits, report.errorKind,
                      report.relativeError);
    if (!notes.empty())
      errs() << "wq-compile: note: " << notes;
    weights->quantized[name] = std::move(linear);
  }

  ImportOptions importOptions;
  importOptions.weightDtype = options.floatWeights;
  // GPU libraries take the GPU form: attention of all heads per kernel, and
  // the decode step that CompiledModel captures once as a CUDA graph and
  // replays per token.
  importOptions.forGpu = options.target != Target::Cpu;
  importOptions.quantizedClassifier =
      (options.quantizeClassifier && recipe) ||
      (preQuantized && weights->quantized.count(classifierName));
  // Lookups read the table as the checkpoint or the (shared) classifier
  // holds it quantized; --quantize-embedding quantizes it (RTN, the
  // recipe's scheme) where no readable quantized form exists.
  std::optional<QuantizedLinear> lookupTable;
  auto quantizedTable = weights->quantized.find(table);
  const bool tableQuantized = quantizedTable != weights->quantized.end();
  importOptions.quantizedEmbedding = preQuantized && tableQuantized;
  if (options.quantizeEmbedding && !importOptions.quantizedEmbedding) {
    if (!tableQuantized || !lookupReadable(quantizedTable->second)) {
      const FloatTensor &t = weights->tensors.at(table);
      std::vector<float> storage;
      Expected<ArrayRef<float>> values = t.load(storage);
      if (!values)
        return values.takeError();
      LinearQuantOptions rtn;
      rtn.scheme = recipe->scheme;
      QuantizedLinear quantized;
      if (auto error = quantizeLinear(table, values->data(), t.shape[0],
                                      t.shape[1], rtn, nullptr, quantized))
        return compileError("'" + table + "': " + *error);
      LayerReport report{table, t.shape[0], t.shape[1], rtn.scheme.bits,
                         quantized.scheme.groupSize, linearBytes(quantized), 0,
                         "weight"};
      measureError(*values, quantized, nullptr, report);
      report.name += " (lookups)";
      reports.push_back(report);
      errs() << formatv("wq-compile: {0} [{1}x{2}] rtn int{3} for lookups: "
                        "relative weight error {4:e3}\n",
                        table, t.shape[0], t.shape[1], rtn.scheme.bits,
                        report.relativeError);
      lookupTable = std::move(quantized);
      importOptions.lookupTable = &*lookupTable;
    }
    importOptions.quantizedEmbedding = true;
  }

  // Lowering and code generation.
  mlir::MLIRContext context;
  auto module = buildModelModule(context, *weights, importOptions);
  if (!module)
    return module.takeError();
  if (failed(mlir::verify(**module)))
    return compileError("internal error: the model module does not verify");
  errs() << "wq-compile: lowering and generating native code\n";
  if (Error e = compileToLibrary(options, **module,
                                 (folder + "/model.so").str(),
                                 /*observe=*/false))
    return std::move(e);

  // The packed weights in wq's checkpoint format (the same integers and
  // scales the library embeds), for inspection and other tools.
  if (!weights->quantized.empty()) {
    wq_formats::SafetensorsWriter writer;
    for (const auto &[name, linear] : weights->quantized)
      // (`weights` outlives the write: the packed integers are not copied.)
      if (Error e = wq_formats::addQuantizedLinear(
              writer, linear, wq_formats::CheckpointFormat::Wq,
              /*referencePacked=*/true))
        return std::move(e);
    if (Error e = writer.write((folder + "/weights.safetensors").str()))
      return std::move(e);
  }

  // Config, tokenizer, report.
  if (Error e = wq_formats::writeFileAtomically(
          (folder + "/config.json").str(), config.toJson() + "\n"))
    return std::move(e);
  const unsigned weightBits = recipe ? recipe->scheme.bits
                              : options.floatWeights == "f16" ? 16
                                                              : 32;
  int64_t params = 0, quantizedParams = 0, bytes = 0;
  for (const auto &[name, tensor] : weights->tensors) {
    int64_t count = tensor.numElements();
    params += count;
    auto it = weights->quantized.find(name);
    bool isLinear = it != weights->quantized.end();
    if (isLinear) {
      quantizedParams += count;
      bytes += linearBytes(it->second);
    }
    const int64_t floatBytes =
        options.floatWeights == "f16" && tensor.shape.size() == 2 ? 2 : 4;
    if (name == table) {
      // Lookups read the quantized table (the classifier's, the
      // checkpoint's or an RTN copy) or the float one; a shared classifier
      // that is not quantized reads the float table.
      if (lookupTable)
        bytes += linearBytes(*lookupTable);
      const bool floatLookup = !importOptions.quantizedEmbedding;
      const bool floatClassifier =
          config.sharedClassifier && !importOptions.quantizedClassifier;
      if (floatLookup || floatClassifier)
        bytes += count * floatBytes;
      continue;
    }
    // Tensors kept in float (norms always f32; weights f16 with --bits 16).
    if (!isLinear)
      bytes += count * floatBytes;
  }
  const int64_t groupSize = recipe ? recipe->scheme.groupSize : 0;
  const bool symmetric = recipe && recipe->scheme.isSigned;
  const bool actOrder = recipe && recipe->gptq.actOrder;
  const double outlierFraction = recipe ? recipe->outlierFraction : 0.0;
  json::Array layers;
  std::string markdown;
  raw_string_ostream md(markdown);
  md << "# wq-compile report\n\n"
     << formatv("- checkpoint: `{0}`\n- method: {1}, bits {2}, group size "
                "{3}{4}{5}{6}\n",
                options.checkpoint, method, weightBits, groupSize,
                symmetric ? ", symmetric" : "", actOrder ? ", act-order" : "",
                outlierFraction > 0
                    ? formatv(", outliers {0}", outlierFraction).str()
                    : std::string())
     << (preQuantized
             ? formatv("- kept as the checkpoint stores them: {0} weights "
                       "(their bits and groups in the table)\n",
                       keptWeights)
                   .str()
             : std::string())
     << formatv("- target: {0}\n", targetName(options.target))
     << (options.target == Target::Cpu
             ? formatv("- CPU kernel activations: {0}\n",
                       options.activationBits == 8
                           ? "int8 per 32 (integer dot products)"
                           : "f32")
                   .str()
             : std::string())
     << formatv("- parameters: {0} ({1} in quantized linear layers)\n", params,
                quantizedParams)
     << formatv("- model bytes: {0} (fp32 {1}: {2:f2}x smaller; fp16 {3}: "
                "{4:f2}x smaller)\n\n",
                bytes, params * 4, double(params * 4) / double(bytes),
                params * 2, double(params * 2) / double(bytes));
  if (!reports.empty()) {
    md << "| layer | shape | bits | group | bytes | relative error |\n"
       << "|---|---|---|---|---|---|\n";
    for (const LayerReport &r : reports) {
      md << formatv("| {0} | {1}x{2} | {3} | {4} | {5} | {6:e3} ({7}) |\n",
                    r.name, r.n, r.k, r.bits, r.groupSize, r.bytes,
                    r.relativeError, r.errorKind);
      layers.push_back(json::Object{{"name", r.name},
                                    {"n", r.n},
                                    {"k", r.k},
                                    {"bits", int64_t(r.bits)},
                                    {"group_size", r.groupSize},
                                    {"bytes", r.bytes},
                                    {"relative_error", r.relativeError},
                                    {"error_kind", r.errorKind}});
    }
  }
  json::Object reportJson{{"checkpoint", options.checkpoint},
                          {"target", targetName(options.target)},
                          {"method", method},
                          {"bits", int64_t(weightBits)},
                          {"group_size", groupSize},
                          {"symmetric", symmetric},
                          {"act_order", actOrder},
                          {"outlier_fraction", outlierFraction},
                          {"activation_bits", int64_t(options.activationBits)},
                          {"gpu_matmul_activations", options.gpuMatmulActivations},
                          {"parameters", params},
                          {"model_bytes", bytes},
                          {"fp32_bytes", params * 4},
                          {"fp16_bytes", params * 2},
                          {"layers", std::move(layers)}};
  std::string jsonText;
  raw_string_ostream js(jsonText);
  js << formatv("{0:2}", json::Value(std::move(reportJson))) << "\n";
  if (Error e = wq_formats::writeFileAtomically(
          (folder + "/report.json").str(), js.str()))
    return std::move(e);
  if (Error e = wq_formats::writeFileAtomically((folder + "/report.md").str(),
                                                md.str()))
    return std::move(e);
  sys::fs::remove(statsPath);
  CompileSummary summary;
  summary.parameters = params;
  summary.modelBytes = bytes;
  summary.seconds = elapsed(start);
  errs() << formatv("wq-compile: model bytes {0} (fp32 {1}), {2:f1} s\n", bytes,
                    params * 4, summary.seconds);
  return summary;
}

Expected<CompileSummary> compileModelTo(const CompileOptions &options,
                                        StringRef outputFolder, bool force) {
  Expected<OutputDirectory> output =
      OutputDirectory::create(outputFolder, force);
  if (!output)
    return output.takeError();
  // On failure the temporary folder goes with `output`.
  Expected<CompileSummary> summary =
      compileModel(options, output->tempPath());
  if (!summary)
    return summary.takeError();
  if (Error e = output->commit())
    return std::move(e);
  return summary;
}

/// Bytes per tensor kind of a Hugging Face Llama-family config at fp32, fp16,
/// int8 and int4 (an f16 scale per group, plus a u8 zero point at int4),
/// without any weights.
Expected<std::string> memoryPlan(StringRef planConfig, int64_t groupSize) {
  auto text = MemoryBuffer::getFile(planConfig);
  if (!text)
    return compileError(planConfig + ": " + text.getError().message());
  Expected<json::Value> parsed = wq_formats::parseJson((*text)->getBuffer());
  if (!parsed)
    return compileError(planConfig + ": " + toString(parsed.takeError()));
  json::Object *o = parsed->getAsObject();
  auto get = [&](const char *key, int64_t fallback = -1) {
    std::optional<int64_t> v = o ? o->getInteger(key) : std::nullopt;
    return v ? *v : fallback;
  };
  int64_t hidden = get("hidden_size"), inter = get("intermediate_size"),
          layers = get("num_hidden_layers"), heads = get("num_attention_heads"),
          vocab = get("vocab_size");
  int64_t kvHeads = get("num_key_value_heads", heads);
  bool tied = o && o->getBoolean("tie_word_embeddings").value_or(false);
  if (hidden <= 0 || inter <= 0 || layers <= 0 || heads <= 0 || vocab <= 0 ||
      kvHeads <= 0 || hidden % heads != 0)
    return compileError(planConfig + ": not a Llama-family config (needs hidden_size, "
                "intermediate_size, num_hidden_layers, num_attention_heads, "
                "vocab_size)");
  int64_t kvDim = kvHeads * (hidden / heads);
  struct Kind {
    const char *name;
    int64_t rows, cols, count;
    bool linear;
  };
  std::vector<Kind> kinds = {
      {"token embeddings", vocab, hidden, 1, false},
      {"attention q, o", hidden, hidden, 2 * layers, true},
      {"attention k, v", kvDim, hidden, 2 * layers, true},
      {"mlp gate, up", inter, hidden, 2 * layers, true},
      {"mlp down", hidden, inter, layers, true},
      {"norms", 1, hidden, 2 * layers + 1, false}};
  if (!tied)
    kinds.push_back({"classifier (lm_head)", vocab, hidden, 1, true});
  int64_t g = groupSize > 0 ? int64_t(groupSize) : 0;
  auto quantBytes = [&](const Kind &k, int b) -> double {
    if (!k.linear)
      return 2.0 * k.rows * k.cols; // kept in f16
    double groups = g > 0 ? double(k.rows) * ((k.cols + g - 1) / g) : k.rows;
    double packed = double(k.rows) * k.cols * b / 8.0;
    double meta = b == 4 ? groups * 3.0 : groups * 2.0; // f16 scale (+ u8 zero)
    return packed + meta;
  };
  double totals[4] = {0, 0, 0, 0};
  std::string result;
  raw_string_ostream outs(result);
  outs << formatv("memory plan for {0}: groups of {1} along K, an f16 scale "
                    "per group (plus a u8 zero point at int4)\n\n",
                    planConfig,
                    g > 0 ? std::to_string(g) : std::string("a whole row"));
  outs << formatv("{0,-22} {1,14} {2,12} {3,12} {4,12} {5,12}\n", "tensors",
                    "parameters", "fp32 GB", "fp16 GB", "int8 GB", "int4 GB");
  for (const Kind &k : kinds) {
    double params = double(k.rows) * k.cols * k.count;
    double b[4] = {params * 4, params * 2, quantBytes(k, 8) * k.count,
                   quantBytes(k, 4) * k.count};
    for (int i = 0; i < 4; ++i)
      totals[i] += b[i];
    outs << formatv("{0,-22} {1,14} {2,12:f2} {3,12:f2} {4,12:f2} {5,12:f2}\n",
                      k.name, int64_t(params), b[0] / 1e9, b[1] / 1e9,
                      b[2] / 1e9, b[3] / 1e9);
  }
  outs << formatv("{0,-22} {1,14} {2,12:f2} {3,12:f2} {4,12:f2} {5,12:f2}\n",
                    "total", int64_t(totals[0] / 4), totals[0] / 1e9,
                    totals[1] / 1e9, totals[2] / 1e9, totals[3] / 1e9);
  outs << "(embeddings and norms stay f16 in the int8/int4 columns)\n";
  return result;
}

} // namespace wq_compiler
