//===- wq-compile.cpp - Checkpoint to a compiled, quantized model ---------===//
//
//   wq-compile CHECKPOINT --tokenizer T --bits 4|8|16|32 --group-size N
//              --method rtn|rtn-mse|gptq|awq [--sym] [--act-order]
//              [--static-groups] [--outlier-fraction F] [--calib TEXT]
//              [--calib-tokens N] [--quantize-classifier] [--target cpu|sm_80|sm_90] -o OUTDIR
//
// A thin command over wq_compiler::compileModelTo (lib/Compiler): flags
// become CompileOptions, the recipe options are wq_compiler::RecipeOptions
// (the names and defaults wq-quantize and wq-quantize-weights share). OUTDIR
// holds model.so (the forward pass), model.weights (its packed weights,
// mapped at load), weights.safetensors (the same quantized weights in wq's
// checkpoint format), config.json, the tokenizer, report.md and report.json. It is written atomically: on failure
// no OUTDIR is left behind.
//
//===----------------------------------------------------------------------===//

#include "wq/Compiler/Compiler.h"
#include "wq/Compiler/RecipeOptions.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

using namespace llvm;

namespace {
cl::OptionCategory compileCategory("wq-compile options");
cl::opt<std::string> checkpoint(cl::Positional, cl::desc("<checkpoint>"), cl::cat(compileCategory));
cl::opt<std::string> tokenizerPath("tokenizer", cl::desc("Tokenizer file"), cl::cat(compileCategory));
cl::opt<unsigned> bits("bits", cl::desc("4 | 8 | 16 | 32 (16, 32: no quantization)"),
                       cl::init(wq_numerics::RecipeSpec().bits),
                       cl::cat(compileCategory));
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
    cl::desc("Token lookups read the embedding table quantized (only the row "
             "looked up is dequantized): the classifier's quantized table "
             "when it is shared, else an RTN copy with the same bits, group "
             "size and scheme"),
    cl::cat(compileCategory));
cl::opt<std::string> target(
    "target",
    cl::desc("cpu (the host, OpenMP threads), or sm_80 / sm_90 (an NVIDIA "
             "GPU: every op of the forward pass in kernels, the weights "
             "uploaded once; model.so links libwq_runtime.so.1, copied "
             "beside it)"),
    cl::init("cpu"), cl::cat(compileCategory));
cl::opt<std::string> gpuFormat(
    "gpu-format",
    cl::desc("GPU targets: the kernels inside model.so: bin (a cubin, "
             "assembled by ptxas now), fatbin, or isa (PTX, compiled by the "
             "driver at load; what scripts/ptx_sim.py runs)"),
    cl::init("bin"), cl::cat(compileCategory));
cl::opt<std::string> gpuMatmulActivations(
    "gpu-matmul-activations",
    cl::desc("GPU targets: the activations of the quantized matmuls: f32 (as "
             "the model computes them), f16 or bf16 (converted around each "
             "matmul, so that the tensor-core kernels run them: int4/int8 "
             "weights with K a multiple of 64/32; everything else stays "
             "f32)"),
    cl::init("f32"), cl::cat(compileCategory));
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

wq_compiler::RecipeOptions recipeOptions(compileCategory);

int fail(const Twine &message) {
  errs() << "wq-compile: error: " << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // --mlir-timing, --mlir-print-ir-after-all, ... for the lowering.
  mlir::registerPassManagerCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  // Only wq-compile's own options and MLIR's pass timing in --help, not the
  // hundreds of LLVM backend options linked in.
  for (StringRef name : {"mlir-timing", "mlir-timing-display"})
    if (cl::Option *option = cl::getRegisteredOptions().lookup(name))
      option->addCategory(compileCategory);
  cl::HideUnrelatedOptions(compileCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "wq-compile: compile a model for the CPU or an NVIDIA GPU\n");
  if (!planConfig.empty()) {
    Expected<std::string> plan =
        wq_compiler::memoryPlan(planConfig, recipeOptions.groupSize);
    if (!plan)
      return fail(toString(plan.takeError()));
    outs() << *plan;
    return 0;
  }
  if (checkpoint.empty() || outDir.empty())
    return fail("usage: wq-compile CHECKPOINT [--tokenizer T] ... -o OUTDIR");
  wq_compiler::CompileOptions options;
  std::optional<wq_compiler::Target> parsedTarget =
      wq_compiler::parseTarget(target);
  if (!parsedTarget)
    return fail("unsupported --target '" + target + "' (cpu, sm_80, sm_90)");
  options.target = *parsedTarget;
  options.gpuFormat = gpuFormat;
  options.gpuMatmulActivations = gpuMatmulActivations;
  if (bits != 4 && bits != 8 && bits != 16 && bits != 32)
    return fail("--bits must be 4, 8, 16 or 32");
  options.checkpoint = checkpoint;
  options.tokenizer = tokenizerPath;
  if (bits == 4 || bits == 8) {
    wq_numerics::RecipeSpec spec =
        wq_numerics::recipeSpecOf(recipeOptions, bits);
    spec.flatGroups = flatGroups;
    wq_numerics::LinearQuantOptions recipe;
    if (auto error = wq_numerics::buildRecipe(spec, recipe))
      return fail(*error);
    options.recipe = recipe;
  } else {
    options.recipe.reset();
    options.floatWeights = bits == 16 ? "f16" : "f32";
  }
  options.requantize = requantize;
  options.quantizeClassifier = quantizeClassifier;
  options.quantizeEmbedding = quantizeEmbedding;
  options.calibrationText = calibPath;
  options.calibrationTokens = calibTokens;
  options.activationBits = activationBits;
  options.configurePassManager = [](mlir::PassManager &pm) -> Error {
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      return createStringError(inconvertibleErrorCode(),
                               "invalid pass manager options");
    return Error::success();
  };
  if (Expected<wq_compiler::CompileSummary> summary =
          wq_compiler::compileModelTo(options, outDir, force);
      !summary)
    return fail(toString(summary.takeError()));
  return 0;
}
