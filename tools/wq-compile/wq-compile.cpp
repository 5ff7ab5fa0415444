//===- wq-compile.cpp - Checkpoint to a compiled, quantized model ---------===//
//
//   wq-compile CHECKPOINT --tokenizer T --bits 4|8|16|32 --group-size N
//              --method rtn|rtn-mse|gptq|awq [--sym] [--act-order]
//              [--static-groups] [--outlier-fraction F] [--calib TEXT]
//              [--calib-tokens N] [--quantize-classifier] --target cpu -o OUTDIR
//
// Import, calibration (the model itself, compiled with observers, run over
// TEXT), quantization of every linear layer, lowering and native code
// generation. OUTDIR holds model.so (forward pass with its packed weights),
// weights.safetensors (the same quantized weights in wq's checkpoint format),
// config.json, tokenizer.bin, report.md and report.json. It is written
// atomically: on failure no OUTDIR is left behind.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"
#include "wq/Formats/Json.h"
#include "wq/Formats/Checkpoint.h"
#include "wq/Model/Import.h"
#include "wq/Model/OutputDirectory.h"
#include "wq/Model/Runtime.h"
#include "wq/Model/Tokenizer.h"
#include "wq/Pipelines/Pipelines.h"

#include "mlir/IR/Verifier.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <chrono>
#include <cmath>

extern "C" int wqObserverWrite(const char *path);

using namespace llvm;
using namespace wq_model;
using namespace wq_numerics;

namespace {
cl::OptionCategory compileCategory("wq-compile options");
cl::opt<std::string> checkpoint(cl::Positional, cl::desc("<checkpoint>"), cl::cat(compileCategory));
cl::opt<std::string> tokenizerPath("tokenizer", cl::desc("Tokenizer file"), cl::cat(compileCategory));
cl::opt<unsigned> bits("bits", cl::desc("4 | 8 | 16 | 32 (16, 32: no quantization)"),
                       cl::init(4), cl::cat(compileCategory));
cl::opt<int64_t> groupSize("group-size", cl::desc("Group size (0 = per channel)"),
                           cl::init(32), cl::cat(compileCategory));
cl::opt<std::string> method("method", cl::desc("rtn | rtn-mse | gptq | awq"),
                            cl::init("rtn"), cl::cat(compileCategory));
cl::opt<bool> symmetric("sym", cl::desc("Symmetric quantization"), cl::cat(compileCategory));
cl::opt<bool> actOrder("act-order", cl::desc("GPTQ act-order"), cl::cat(compileCategory));
cl::opt<bool> staticGroups("static-groups", cl::desc("GPTQ static groups"), cl::cat(compileCategory));
cl::opt<double> damp("damp", cl::desc("GPTQ damping"), cl::init(0.01), cl::cat(compileCategory));
cl::opt<double> outlierFraction("outlier-fraction",
                                cl::desc("Input channels kept in full precision"),
                                cl::init(0.0), cl::cat(compileCategory));
cl::opt<std::string> calibPath("calib", cl::desc("Calibration text"), cl::cat(compileCategory));
cl::opt<int64_t> calibTokens("calib-tokens", cl::desc("Calibration tokens"),
                             cl::init(8192), cl::cat(compileCategory));
cl::opt<bool> requantize(
    "requantize",
    cl::desc("Re-quantize a checkpoint that is already quantized (GPTQ/AWQ "
             "directories) instead of compiling its integers as they are"), cl::cat(compileCategory));
cl::opt<bool> flatGroups(
    "flat-groups",
    cl::desc("Groups over each flattened weight (llama2.c's int8 export "
             "grouping) instead of along rows; rtn and rtn-mse only"), cl::cat(compileCategory));
cl::opt<bool> quantizeClassifier("quantize-classifier",
                                 cl::desc("Also quantize the classifier"), cl::cat(compileCategory));
cl::opt<bool> quantizeEmbedding(
    "quantize-embedding",
    cl::desc("Also store the token embedding table quantized (RTN with the "
             "same bits, group size and scheme); only the row looked up is "
             "dequantized"), cl::cat(compileCategory));
cl::opt<std::string> scaleType("scale-type", cl::desc("f16 | bf16 | f32"),
                               cl::init("f16"), cl::cat(compileCategory));
cl::opt<std::string> target("target", cl::desc("cpu"), cl::init("cpu"), cl::cat(compileCategory));
cl::opt<unsigned> activationBits(
    "activation-bits",
    cl::desc("Activations inside the CPU int4 kernels: 32 (f32, exact) or 8 "
             "(int8 per 32 with integer dot products, like llama.cpp's Q4 x "
             "Q8: faster, slightly less accurate). Calibration always runs "
             "with f32 activations"),
    cl::init(32), cl::cat(compileCategory));
cl::opt<std::string> outDir(
    "o", cl::desc("Output folder (replaced only if it is a compiled model "
                  "folder, or with --force)"), cl::cat(compileCategory));
cl::opt<bool> force("force",
                    cl::desc("Replace the -o path even if it is not a "
                             "compiled model folder"), cl::cat(compileCategory));
cl::opt<std::string> planConfig(
    "plan", cl::desc("Print the memory plan for a Hugging Face config.json"),
    cl::value_desc("config.json"), cl::cat(compileCategory));

int fail(const Twine &message) {
  errs() << "wq-compile: error: " << message << "\n";
  return 1;
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

/// Lowers a module with the CPU pipeline and compiles it to `library`. The
/// calibration build (`observe`) keeps f32 activations so that the
/// statistics are those of the model itself.
Error compileToLibrary(mlir::ModuleOp module, StringRef library,
                       bool observe) {
  mlir::PassManager pm(module->getContext());
  if (observe)
    pm.addPass(mlir::wq::createWQInsertObserversPass());
  if (failed(mlir::applyPassManagerCLOptions(pm)))
    return createStringError(inconvertibleErrorCode(),
                             "invalid pass manager options");
  mlir::DefaultTimingManager timing;
  mlir::applyDefaultTimingManagerCLOptions(timing);
  mlir::TimingScope timingScope = timing.getRootScope();
  pm.enableTiming(timingScope);
  std::string pipelineError;
  raw_string_ostream errorStream(pipelineError);
  mlir::wq::CpuPipelineOptions options;
  options.activationBits = observe ? 32u : unsigned(activationBits);
  if (failed(mlir::wq::buildCpuPipeline(pm, options, errorStream)))
    return createStringError(inconvertibleErrorCode(), pipelineError);
  if (failed(pm.run(module)))
    return createStringError(inconvertibleErrorCode(),
                             "lowering the model failed");
  return emitSharedLibrary(module, library);
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

/// Bytes per tensor kind of a Hugging Face Llama-family config at fp32, fp16,
/// int8 and int4 (an f16 scale per group, plus a u8 zero point at int4),
/// without any weights.
int printPlan() {
  auto text = MemoryBuffer::getFile(planConfig);
  if (!text)
    return fail(planConfig + ": " + text.getError().message());
  Expected<json::Value> parsed = wq_formats::parseJson((*text)->getBuffer());
  if (!parsed)
    return fail(planConfig + ": " + toString(parsed.takeError()));
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
    return fail(planConfig + ": not a Llama-family config (needs hidden_size, "
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
  outs() << formatv("memory plan for {0}: groups of {1} along K, an f16 scale "
                    "per group (plus a u8 zero point at int4)\n\n",
                    planConfig,
                    g > 0 ? std::to_string(g) : std::string("a whole row"));
  outs() << formatv("{0,-22} {1,14} {2,12} {3,12} {4,12} {5,12}\n", "tensors",
                    "parameters", "fp32 GB", "fp16 GB", "int8 GB", "int4 GB");
  for (const Kind &k : kinds) {
    double params = double(k.rows) * k.cols * k.count;
    double b[4] = {params * 4, params * 2, quantBytes(k, 8) * k.count,
                   quantBytes(k, 4) * k.count};
    for (int i = 0; i < 4; ++i)
      totals[i] += b[i];
    outs() << formatv("{0,-22} {1,14} {2,12:f2} {3,12:f2} {4,12:f2} {5,12:f2}\n",
                      k.name, int64_t(params), b[0] / 1e9, b[1] / 1e9,
                      b[2] / 1e9, b[3] / 1e9);
  }
  outs() << formatv("{0,-22} {1,14} {2,12:f2} {3,12:f2} {4,12:f2} {5,12:f2}\n",
                    "total", int64_t(totals[0] / 4), totals[0] / 1e9,
                    totals[1] / 1e9, totals[2] / 1e9, totals[3] / 1e9);
  outs() << "(embeddings and norms stay f16 in the int8/int4 columns)\n";
  return 0;
}

int run(SmallString<256> &tmp) {
  auto start = std::chrono::steady_clock::now();
  Expected<LlamaWeights> weights = readCheckpoint(checkpoint);
  if (!weights)
    return fail(toString(weights.takeError()));
  LlamaConfig &config = weights->config;
  // The tokenizer goes into the output first; calibration reads it there.
  const bool gguf = isGgufFile(checkpoint);
  if (gguf) {
    if (!tokenizerPath.empty())
      return fail("a GGUF file carries its tokenizer: drop --tokenizer");
    if (Error e = exportGgufTokenizer(checkpoint, (tmp + "/tokenizer.json").str(),
                                      config.vocabSize))
      return fail(toString(std::move(e)));
  } else {
    if (tokenizerPath.empty())
      return fail("--tokenizer is required for " + checkpoint);
    Expected<int64_t> tokenizerSize = tokenizerVocabSize(tokenizerPath);
    if (!tokenizerSize)
      return fail(toString(tokenizerSize.takeError()));
    if (*tokenizerSize != config.vocabSize)
      return fail("tokenizer '" + tokenizerPath + "' has " +
                  Twine(*tokenizerSize) +
                  " tokens but the model's vocabulary is " +
                  Twine(config.vocabSize) + ": mismatched tokenizer");
    if (std::error_code ec =
            sys::fs::copy_file(tokenizerPath, (tmp + "/tokenizer.bin").str()))
      return fail("copying the tokenizer: " + ec.message());
  }
  Expected<std::unique_ptr<ModelTokenizer>> tokenizer =
      loadModelTokenizer(tmp, config.vocabSize);
  if (!tokenizer)
    return fail(toString(tokenizer.takeError()));
  std::optional<QuantMethod> quantMethod = parseQuantMethod(method);
  if (!quantMethod)
    return fail("unknown --method '" + method + "'");
  std::optional<ScaleType> scales = parseScaleType(scaleType);
  if (!scales)
    return fail("--scale-type must be f16, bf16 or f32");
  const QuantScheme scheme{bits, bool(symmetric), !symmetric,
                           int64_t(groupSize), *scales};
  LinearQuantOptions options;
  options.method = *quantMethod;
  options.scheme = scheme;
  options.gptq.dampPercent = damp;
  options.gptq.actOrder = actOrder;
  options.gptq.staticGroups = staticGroups;
  options.outlierFraction = outlierFraction;
  options.flatGroups = flatGroups;
  // (Checked only when something is quantized: --bits 16/32 keep floats.)
  if (bits == 4 || bits == 8)
    if (auto error = options.validate())
      return fail(*error);
  // A checkpoint's own integers are compiled as they are (--requantize:
  // re-quantized from their dequantized values); the linear weights it
  // holds in float (or in a form wq cannot keep) get the recipe.
  const bool preQuantized = !weights->quantized.empty() && !requantize;
  if (!preQuantized)
    weights->quantized.clear();
  const size_t keptWeights = weights->quantized.size();
  const std::string classifierName =
      config.sharedClassifier ? "tok_embeddings.weight" : "output.weight";
  std::vector<std::string> names;
  for (const std::string &name : linearWeightNames(config))
    if (!weights->quantized.count(name))
      names.push_back(name);
  if (quantizeClassifier && !weights->quantized.count(classifierName))
    names.push_back(classifierName);
  const bool quantize = (bits == 4 || bits == 8) && !names.empty();
  const bool calibrated = quantize && (*quantMethod == QuantMethod::Gptq ||
                                       *quantMethod == QuantMethod::Awq ||
                                       outlierFraction > 0);
  if (calibrated && calibPath.empty())
    return fail("--method " + method +
                (outlierFraction > 0 ? " with --outlier-fraction" : "") +
                " needs --calib TEXT");
  errs() << formatv("wq-compile: {0}: dim {1}, hidden {2}, {3} layers, vocab "
                    "{4}\n",
                    checkpoint, config.dim, config.hiddenDim, config.numLayers,
                    config.vocabSize);

  // Calibration: the fp32 model compiled with observers, run over the text.
  std::string statsPath = (tmp + "/calibration.safetensors").str();
  if (calibrated) {
    auto buffer = MemoryBuffer::getFile(calibPath);
    if (!buffer)
      return fail(calibPath + ": " + buffer.getError().message());
    mlir::MLIRContext context;
    LlamaWeights plain = *weights;
    plain.quantized.clear();
    auto module = buildModelModule(context, plain);
    if (!module)
      return fail(toString(module.takeError()));
    std::string library = (tmp + "/observed.so").str();
    if (Error e = compileToLibrary(**module, library, /*observe=*/true))
      return fail(toString(std::move(e)));
    Expected<CompiledModel> observed = CompiledModel::load(library, config);
    if (!observed)
      return fail(toString(observed.takeError()));
    int64_t seen = 0;
    for (const std::string &story : splitStories((*buffer)->getBuffer())) {
      std::vector<int32_t> tokens = (*tokenizer)->encode(story, true, false);
      int64_t take = std::min<int64_t>(
          {int64_t(tokens.size()), config.seqLen, calibTokens - seen});
      if (take <= 0)
        break;
      tokens.resize(size_t(take));
      // The story as one batch: every linear layer observes all its rows.
      if (Expected<float *> logits =
              observed->run(tokens, 0, int64_t(tokens.size()) - 1);
          !logits)
        return fail("calibration: " + toString(logits.takeError()));
      seen += take;
      errs() << formatv("\rwq-compile: calibrating: {0}/{1} tokens", seen,
                        int64_t(calibTokens));
      if (seen >= calibTokens)
        break;
    }
    errs() << "\n";
    if (wqObserverWrite(statsPath.c_str()) != 0)
      return fail("writing calibration statistics failed");
  }

  // Quantization of every linear layer.
  std::vector<LayerReport> reports;
  std::optional<wq_formats::SafetensorsFile> statsFile;
  if (calibrated) {
    Expected<wq_formats::SafetensorsFile> opened =
        wq_formats::SafetensorsFile::open(statsPath);
    if (!opened)
      return fail(toString(opened.takeError()));
    statsFile = std::move(*opened);
  }
  for (const auto &[name, linear] : weights->quantized) {
    reports.push_back({name, linear.n, linear.k, linear.scheme.bits,
                       linear.scheme.groupSize, linearBytes(linear), 0.0,
                       "checkpoint"});
    errs() << formatv("wq-compile: {0} [{1}x{2}] int{3}{4} from the "
                      "checkpoint\n",
                      name, linear.n, linear.k, linear.scheme.bits,
                      linear.scheme.offsets ? " with offsets" : "");
  }
  if (quantize) {
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string &name = names[i];
      const FloatTensor &w = weights->tensors.at(name);
      std::optional<LinearCalibration> calibration;
      if (statsFile) {
        Expected<std::optional<LinearCalibration>> loaded =
            wq_formats::loadLinearCalibration(*statsFile, name, w.shape[1]);
        if (!loaded)
          return fail(toString(loaded.takeError()));
        calibration = std::move(*loaded);
        if (!calibration && *quantMethod != QuantMethod::Rtn &&
            *quantMethod != QuantMethod::RtnMse)
          return fail("no calibration statistics for '" + name + "'");
      }
      QuantizedLinear linear;
      std::string notes;
      if (auto error = quantizeLinear(name, w.values.data(), w.shape[0],
                                      w.shape[1], options,
                                      calibration ? &*calibration : nullptr,
                                      linear, &notes))
        return fail("'" + name + "': " + *error);
      std::vector<float> back = dequantizeLinear(linear);
      LayerReport report{name,         w.shape[0],
                         w.shape[1],   unsigned(bits),
                         linear.scheme.groupSize, linearBytes(linear),
                         0,            "weight"};
      if (calibration && !calibration->hessian.empty()) {
        report.relativeError = relativeOutputErrorFromHessian(
            w.values.data(), back.data(), w.shape[0], w.shape[1],
            calibration->hessian.data());
        report.errorKind = "output";
      } else {
        double num = 0, den = 0;
        for (size_t j = 0; j < back.size(); ++j) {
          num += double(back[j] - w.values[j]) * (back[j] - w.values[j]);
          den += double(w.values[j]) * w.values[j];
        }
        report.relativeError = den > 0 ? std::sqrt(num / den) : 0.0;
      }
      reports.push_back(report);
      errs() << formatv("wq-compile: [{0}/{1}] {2} [{3}x{4}] {5} int{6}: "
                        "relative {7} error {8:e3}\n",
                        i + 1, names.size(), name, w.shape[0], w.shape[1],
                        method, unsigned(bits), report.errorKind,
                        report.relativeError);
      if (!notes.empty())
        errs() << "wq-compile: note: " << notes;
      weights->quantized[name] = std::move(linear);
    }
  }

  // Lowering and code generation.
  mlir::MLIRContext context;
  ImportOptions importOptions;
  importOptions.weightDtype = bits == 16 ? "f16" : "f32";
  // A table the checkpoint holds quantized is read quantized by lookups and
  // the (shared) classifier alike; --quantize-classifier quantized it above.
  importOptions.quantizedEmbedding =
      preQuantized && weights->quantized.count("tok_embeddings.weight");
  importOptions.quantizedClassifier =
      quantizeClassifier || (preQuantized && weights->quantized.count(classifierName));
  auto module = buildModelModule(context, *weights, importOptions);
  if (!module)
    return fail(toString(module.takeError()));
  if (quantizeEmbedding && !importOptions.quantizedEmbedding) {
    // The lookup of tok_embeddings is the module's only constant-table row
    // read; wq-quantize-weights quantizes it where it is read.
    mlir::PassManager pm(&context);
    std::string pipelineError;
    raw_string_ostream errorStream(pipelineError);
    std::string pipeline =
        formatv("wq-quantize-weights{{bits={0} group-size={1} symmetric={2} "
                "scale-type={3} embeddings=true}",
                unsigned(bits), int64_t(groupSize),
                symmetric ? "true" : "false", std::string(scaleType))
            .str();
    if (failed(mlir::parsePassPipeline(pipeline, pm, errorStream)) ||
        failed(pm.run(**module)))
      return fail("quantizing the token embedding failed" +
                  (pipelineError.empty() ? std::string()
                                         : ": " + pipelineError));
  }
  if (failed(mlir::verify(**module)))
    return fail("internal error: the model module does not verify");
  errs() << "wq-compile: lowering and generating native code\n";
  if (Error e = compileToLibrary(**module, (tmp + "/model.so").str(), false))
    return fail(toString(std::move(e)));

  // The packed weights in wq's checkpoint format (the same integers and
  // scales the library embeds), for inspection and other tools.
  if (!weights->quantized.empty()) {
    wq_formats::SafetensorsWriter writer;
    for (const auto &[name, linear] : weights->quantized)
      if (Error e = wq_formats::addQuantizedLinear(writer, linear,
                                                   wq_formats::CheckpointFormat::Wq))
        return fail(toString(std::move(e)));
    if (Error e = writer.write((tmp + "/weights.safetensors").str()))
      return fail(toString(std::move(e)));
  }

  // Config, tokenizer, report.
  if (Error e = wq_formats::writeFileAtomically((tmp + "/config.json").str(),
                                                config.toJson() + "\n"))
    return fail(toString(std::move(e)));
  int64_t params = 0, quantizedParams = 0, bytes = 0;
  for (const auto &[name, tensor] : weights->tensors) {
    int64_t count = int64_t(tensor.values.size());
    params += count;
    auto it = weights->quantized.find(name);
    bool isLinear = it != weights->quantized.end();
    if (isLinear) {
      quantizedParams += count;
      bytes += linearBytes(it->second);
    }
    const int64_t floatBytes = bits == 16 && tensor.shape.size() == 2 ? 2 : 4;
    if (name == "tok_embeddings.weight") {
      // Lookups read the checkpoint's quantized table, an RTN copy
      // (--quantize-embedding) or the float table; a shared classifier that
      // is not quantized reads the float table.
      const bool rtnTable =
          quantizeEmbedding && !importOptions.quantizedEmbedding;
      if (rtnTable) {
        int64_t rows = tensor.shape[0], dim = tensor.shape[1];
        // As wq-quantize-weights stores it: a group wider than a row is one
        // group per row.
        QuantScheme table = scheme;
        if (table.groupSize > dim)
          table.groupSize = 0;
        bytes += rows * (table.packedBytesPerRow(dim) +
                         table.numGroups(dim) *
                             (scaleTypeBytes(table.scaleType) +
                              (table.zeroPoints ? 1 : 0)));
      }
      const bool floatLookup = !importOptions.quantizedEmbedding && !rtnTable;
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
  json::Array layers;
  std::string markdown;
  raw_string_ostream md(markdown);
  md << "# wq-compile report\n\n"
     << formatv("- checkpoint: `{0}`\n- method: {1}, bits {2}, group size {3}{4}{5}{6}\n",
                checkpoint, method, unsigned(bits), int64_t(groupSize),
                symmetric ? ", symmetric" : "", actOrder ? ", act-order" : "",
                outlierFraction > 0
                    ? formatv(", outliers {0}", double(outlierFraction)).str()
                    : std::string())
     << (preQuantized
             ? formatv("- kept as the checkpoint stores them: {0} weights "
                       "(their bits and groups in the table)\n",
                       keptWeights)
                   .str()
             : std::string())
     << formatv("- CPU kernel activations: {0}\n",
                activationBits == 8 ? "int8 per 32 (integer dot products)"
                                    : "f32")
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
  json::Object reportJson{{"checkpoint", checkpoint},
                          {"method", method},
                          {"bits", int64_t(bits)},
                          {"group_size", int64_t(groupSize)},
                          {"symmetric", bool(symmetric)},
                          {"act_order", bool(actOrder)},
                          {"outlier_fraction", double(outlierFraction)},
                          {"activation_bits", int64_t(activationBits)},
                          {"parameters", params},
                          {"model_bytes", bytes},
                          {"fp32_bytes", params * 4},
                          {"fp16_bytes", params * 2},
                          {"layers", std::move(layers)}};
  std::string jsonText;
  raw_string_ostream js(jsonText);
  js << formatv("{0:2}", json::Value(std::move(reportJson))) << "\n";
  if (Error e = wq_formats::writeFileAtomically((tmp + "/report.json").str(),
                                                js.str()))
    return fail(toString(std::move(e)));
  if (Error e = wq_formats::writeFileAtomically((tmp + "/report.md").str(),
                                                md.str()))
    return fail(toString(std::move(e)));
  sys::fs::remove(statsPath);
  sys::fs::remove((tmp + "/observed.so").str());
  errs() << formatv("wq-compile: model bytes {0} (fp32 {1}), {2:f1} s\n", bytes,
                    params * 4, elapsed(start));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAllPasses();
  // --mlir-timing, --mlir-print-ir-after-all, ... for the lowering.
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  // Only wq-compile's own options and MLIR's pass timing in --help, not the
  // hundreds of LLVM backend options linked in.
  for (StringRef name : {"mlir-timing", "mlir-timing-display"})
    if (cl::Option *option = cl::getRegisteredOptions().lookup(name))
      option->addCategory(compileCategory);
  cl::HideUnrelatedOptions(compileCategory);
  mlir::wq::registerWQPasses();
  cl::ParseCommandLineOptions(argc, argv,
                              "wq-compile: compile a model for the CPU\n");
  if (!planConfig.empty())
    return printPlan();
  if (checkpoint.empty() || outDir.empty())
    return fail("usage: wq-compile CHECKPOINT [--tokenizer T] ... -o OUTDIR");
  if (target != "cpu")
    return fail("unsupported --target '" + target + "' (cpu)");
  if (bits != 4 && bits != 8 && bits != 16 && bits != 32)
    return fail("--bits must be 4, 8, 16 or 32");
  if (quantizeEmbedding && bits != 4 && bits != 8)
    return fail("--quantize-embedding needs --bits 4 or 8");
  if (activationBits != 32 && activationBits != 8)
    return fail("--activation-bits must be 32 or 8");
  Expected<wq_model::OutputDirectory> output =
      wq_model::OutputDirectory::create(outDir, force);
  if (!output)
    return fail(toString(output.takeError()));
  SmallString<256> tmp(output->tempPath());
  if (int rc = run(tmp))
    return rc; // the temporary folder goes with `output`
  if (Error e = output->commit())
    return fail(toString(std::move(e)));
  return 0;
}
