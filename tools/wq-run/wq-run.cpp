//===- wq-run.cpp - Run a compiled model ----------------------------------===//
//
//   wq-run OUTDIR [--prompt S] [--steps N] [--temperature T] [--topp P] [--seed S]
//   wq-run OUTDIR --perplexity TEXT
//   wq-run OUTDIR --bench
//
// Generation prints only the text on stdout (as llama2.c's run: --steps
// counts positions including the prompt, the prompt is echoed, temperature 0
// is greedy) and throughput on stderr.
//
//===----------------------------------------------------------------------===//

#include "wq/Model/Runtime.h"
#include "wq/Model/Tokenizer.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

using namespace llvm;
using namespace wq_model;

namespace {
cl::opt<std::string> modelDir(cl::Positional, cl::desc("<compiled model dir>"),
                              cl::Required);
cl::opt<std::string> prompt("prompt", cl::desc("Prompt"), cl::init(""));
cl::opt<int> steps("steps", cl::desc("Positions to run, prompt included"),
                   cl::init(256));
cl::opt<float> temperature("temperature", cl::desc("0 = greedy"), cl::init(1.0f));
cl::opt<float> topp("topp", cl::desc("Top-p sampling"), cl::init(0.9f));
cl::opt<unsigned long long> seed("seed", cl::desc("Random seed (default: time)"),
                                 cl::init(0));
cl::opt<std::string> perplexity("perplexity", cl::desc("Score this text"));
cl::opt<bool> bench("bench", cl::desc("Print decode and prefill tokens/s"));

int fail(const Twine &message) {
  errs() << "wq-run: error: " << message << "\n";
  return 1;
}

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "wq-run: run a compiled model\n");
  SmallString<256> path(modelDir);
  sys::path::append(path, "config.json");
  auto configText = MemoryBuffer::getFile(path);
  if (!configText)
    return fail(path + ": " + configText.getError().message() +
                " (not a wq-compile output directory?)");
  Expected<LlamaConfig> config = LlamaConfig::fromJson((*configText)->getBuffer());
  if (!config)
    return fail(path + ": " + toString(config.takeError()));
  SmallString<256> tokPath(modelDir), libPath(modelDir);
  sys::path::append(tokPath, "tokenizer.bin");
  sys::path::append(libPath, "model.so");
  Expected<Tokenizer> tokenizer = Tokenizer::load(tokPath.str().str(), config->vocabSize);
  if (!tokenizer)
    return fail(toString(tokenizer.takeError()));
  Expected<CompiledModel> model = CompiledModel::load(libPath, *config);
  if (!model)
    return fail(toString(model.takeError()));

  if (!perplexity.empty()) {
    auto text = MemoryBuffer::getFile(perplexity);
    if (!text)
      return fail(perplexity + ": " + text.getError().message());
    SmallVector<StringRef> parts;
    (*text)->getBuffer().split(parts, "<|endoftext|>");
    double nll = 0;
    int64_t scored = 0, stories = 0;
    double start = now();
    for (StringRef part : parts) {
      StringRef story = part.trim();
      if (story.empty())
        continue;
      std::vector<int> tokens = tokenizer->encode(story.str(), true, false);
      if (int64_t(tokens.size()) > config->seqLen)
        tokens.resize(size_t(config->seqLen));
      model->reset();
      for (size_t t = 0; t + 1 < tokens.size(); ++t) {
        const float *logits = model->forward(tokens[t], int(t));
        double maxLogit = logits[0];
        for (int64_t i = 1; i < config->vocabSize; ++i)
          maxLogit = std::max(maxLogit, double(logits[i]));
        double sum = 0;
        for (int64_t i = 0; i < config->vocabSize; ++i)
          sum += std::exp(double(logits[i]) - maxLogit);
        nll -= double(logits[tokens[t + 1]]) - maxLogit - std::log(sum);
        ++scored;
      }
      ++stories;
    }
    if (scored == 0)
      return fail(perplexity + ": no text to score");
    double mean = nll / double(scored);
    outs() << formatv("stories: {0}\nscored tokens: {1}\nmean NLL: {2:f8}\n"
                      "perplexity: {3:f6}\n",
                      stories, scored, mean, std::exp(mean));
    errs() << formatv("wq-run: {0:f1} tokens/s\n", scored / (now() - start));
    return 0;
  }

  if (bench) {
    const int positions = int(std::min<int64_t>(config->seqLen, 256));
    // Decode: one token per forward call with a growing cache.
    model->reset();
    double start = now();
    int token = 1;
    for (int pos = 0; pos < positions; ++pos)
      token = argmax(model->forward(token, pos), config->vocabSize);
    double decode = positions / (now() - start);
    // Prefill: the prompt is consumed by the same per-token forward pass.
    std::vector<int> prompt = tokenizer->encode(
        "Once upon a time, there was a little girl named Lily.", true, false);
    start = now();
    int reps = 0, processed = 0;
    while (now() - start < 0.5 || reps < 3) {
      model->reset();
      for (size_t pos = 0; pos < prompt.size(); ++pos)
        model->forward(prompt[pos], int(pos));
      processed += int(prompt.size());
      ++reps;
    }
    double prefill = processed / (now() - start);
    outs() << formatv("decode: {0:f1} tokens/s ({1} positions)\n"
                      "prefill: {2:f1} tokens/s (token by token)\n",
                      decode, positions, prefill);
    return 0;
  }

  // Generation, as llama2.c's generate().
  if (steps <= 0 || steps > config->seqLen)
    steps = int(config->seqLen);
  std::vector<int> tokens = tokenizer->encode(prompt, true, false);
  Sampler sampler(config->vocabSize, temperature, topp,
                  seed ? uint64_t(seed) : uint64_t(std::time(nullptr)));
  int token = tokens[0], pos = 0;
  double start = 0;
  std::string text;
  while (pos < steps) {
    float *logits = model->forward(token, pos);
    int next = pos + 1 < int(tokens.size()) ? tokens[pos + 1]
                                            : sampler.sample(logits);
    ++pos;
    if (next == 1)
      break;
    text.clear();
    appendSafePiece(text, tokenizer->decode(token, next));
    outs() << text;
    outs().flush();
    token = next;
    if (start == 0)
      start = now();
  }
  outs() << "\n";
  if (pos > 1)
    errs() << formatv("achieved tok/s: {0:f1}\n", (pos - 1) / (now() - start));
  return 0;
}
