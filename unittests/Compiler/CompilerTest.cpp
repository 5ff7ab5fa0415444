//===- CompilerTest.cpp - wq_compiler as a library ------------------------===//
//
// The compile path called from C++ the way a user of the library would:
// stories260K (../shared/models beside the checkout; skipped where absent)
// compiled through compileModelTo, and the options it must refuse leaving no
// output behind.
//
//===----------------------------------------------------------------------===//

#include "wq/Compiler/Compiler.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace llvm;
using namespace wq_compiler;

namespace {

std::string modelsDir() { return WQ_SHARED_MODELS_DIR; }

bool haveStories() {
  return sys::fs::exists(modelsDir() + "/stories260K.bin") &&
         sys::fs::exists(modelsDir() + "/tok512.bin");
}

/// A path `name` in a fresh temporary folder, removed when the test ends.
struct Scratch {
  SmallString<256> folder;
  Scratch() { sys::fs::createUniqueDirectory("wq-compiler-test", folder); }
  ~Scratch() { sys::fs::remove_directories(folder); }
  std::string path(StringRef name) const { return (folder + "/" + name).str(); }
};

CompileOptions storiesOptions() {
  CompileOptions options;
  options.checkpoint = modelsDir() + "/stories260K.bin";
  options.tokenizer = modelsDir() + "/tok512.bin";
  return options;
}

json::Object readReport(StringRef folder) {
  auto buffer = MemoryBuffer::getFile(folder + "/report.json");
  EXPECT_TRUE(bool(buffer));
  Expected<json::Value> value = json::parse((*buffer)->getBuffer());
  EXPECT_TRUE(bool(value));
  return *value->getAsObject();
}

TEST(Compiler, DefaultRecipeIsTheSharedOne) {
  // The default CompileOptions quantize with the recipe every tool and the
  // pass default to (RecipeSpec): int4, groups of 128, asymmetric, f16
  // scales, RTN.
  wq_numerics::LinearQuantOptions fromSpec;
  ASSERT_FALSE(wq_numerics::buildRecipe(wq_numerics::RecipeSpec(), fromSpec));
  CompileOptions options;
  ASSERT_TRUE(options.recipe.has_value());
  EXPECT_EQ(options.recipe->scheme.bits, fromSpec.scheme.bits);
  EXPECT_EQ(options.recipe->scheme.groupSize, fromSpec.scheme.groupSize);
  EXPECT_EQ(options.recipe->scheme.isSigned, fromSpec.scheme.isSigned);
  EXPECT_EQ(options.recipe->scheme.zeroPoints, fromSpec.scheme.zeroPoints);
  EXPECT_EQ(options.recipe->scheme.scaleType, fromSpec.scheme.scaleType);
  EXPECT_EQ(options.recipe->method, fromSpec.method);
  EXPECT_EQ(options.recipe->gptq.dampPercent, fromSpec.gptq.dampPercent);
  EXPECT_EQ(fromSpec.scheme.groupSize, 128);
  EXPECT_EQ(fromSpec.scheme.bits, 4u);
}

TEST(Compiler, CompilesStories260KThroughTheLibrary) {
  if (!haveStories())
    GTEST_SKIP() << "no stories260K in " << modelsDir();
  CompileOptions options = storiesOptions();
  options.recipe->scheme.groupSize = 32;
  options.quantizeClassifier = true;
  options.quantizeEmbedding = true;
  Scratch scratch;
  std::string out = scratch.path("model");
  Expected<CompileSummary> summary = compileModelTo(options, out);
  ASSERT_TRUE(bool(summary)) << toString(summary.takeError());
  for (const char *file : {"model.so", "config.json", "tokenizer.bin",
                           "weights.safetensors", "report.md", "report.json"})
    EXPECT_TRUE(sys::fs::exists(out + "/" + file)) << file;
  json::Object report = readReport(out);
  EXPECT_EQ(report.getInteger("model_bytes"), summary->modelBytes);
  EXPECT_EQ(summary->parameters, 260032);
  // Every weight int4 g32 with the shared table stored once: the linear
  // layers and the table's packed nibbles, f16 scales and u8 zero points.
  EXPECT_EQ(summary->modelBytes, 160592);
  EXPECT_EQ(report.getInteger("group_size"), 32);
}

TEST(Compiler, RefusesInconsistentOptionsWithoutOutput) {
  if (!haveStories())
    GTEST_SKIP() << "no stories260K in " << modelsDir();
  struct Case {
    const char *what;
    std::function<void(CompileOptions &)> change;
    const char *message;
  } cases[] = {
      {"float weights, quantized table",
       [](CompileOptions &o) {
         o.recipe.reset();
         o.quantizeEmbedding = true;
       },
       "--quantize-embedding needs --bits 4 or 8"},
      {"activation bits",
       [](CompileOptions &o) { o.activationBits = 7; },
       "--activation-bits must be 32 or 8"},
      {"NaN damping",
       [](CompileOptions &o) { o.recipe->gptq.dampPercent = NAN; },
       "the GPTQ damping (--damp) must be a finite number >= 0"},
      {"GPTQ without text",
       [](CompileOptions &o) {
         o.recipe->method = wq_numerics::QuantMethod::Gptq;
       },
       "--method gptq needs --calib TEXT"},
      {"no tokenizer",
       [](CompileOptions &o) { o.tokenizer.clear(); },
       "--tokenizer is required"},
  };
  for (const Case &c : cases) {
    CompileOptions options = storiesOptions();
    c.change(options);
    Scratch scratch;
    std::string out = scratch.path("refused");
    Expected<CompileSummary> summary = compileModelTo(options, out);
    ASSERT_FALSE(bool(summary)) << c.what;
    std::string message = toString(summary.takeError());
    EXPECT_NE(message.find(c.message), std::string::npos)
        << c.what << ": " << message;
    EXPECT_FALSE(sys::fs::exists(out)) << c.what;
  }
}

} // namespace
