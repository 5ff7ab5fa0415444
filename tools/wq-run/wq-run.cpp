//===- wq-run.cpp - Run a compiled model ----------------------------------===//
//
//   wq-run OUTDIR [--prompt S] [--steps N] [sampling]        raw completion
//   wq-run OUTDIR --chat [--prompt S] [--system S] [sampling] chat (a REPL on
//                                                            stdin without
//                                                            --prompt)
//   wq-run OUTDIR --perplexity TEXT [--ppl-mode stories|chunks]
//   wq-run OUTDIR --bench
//   wq-run OUTDIR --tokenize TEXT
// sampling: --temperature T --top-p P --top-k K --seed S; --ctx N sets the
// context (KV cache) length.
//
// Generation prints only the text on stdout, streamed as it is generated
// (raw completion echoes the prompt, as llama2.c's run does: --steps counts
// positions including the prompt), and throughput on stderr. A prompt is
// processed as one batch.
//
//===----------------------------------------------------------------------===//

#include "wq/Model/Chat.h"
#include "wq/Formats/Json.h"
#include "wq/Model/Runtime.h"
#include "wq/Model/Tokenizer.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <random>
#include <thread>

using namespace llvm;
using namespace wq_model;

namespace {
cl::OptionCategory runCategory("wq-run options");
cl::opt<std::string> modelDir(cl::Positional, cl::desc("<compiled model dir>"),
                              cl::Required, cl::cat(runCategory));
cl::opt<std::string> prompt("prompt", cl::desc("Prompt (raw text, or the "
                                               "user's message with --chat)"),
                            cl::init(""), cl::cat(runCategory));
cl::opt<int> steps("steps",
                   cl::desc("Raw completion: positions to run, prompt "
                            "included (0 = the whole context)"),
                   cl::init(256), cl::cat(runCategory));
cl::opt<int> maxTokens("max-tokens",
                       cl::desc("Chat: most tokens per answer (0 = until the "
                                "end of the turn or of the context)"),
                       cl::init(0), cl::cat(runCategory));
cl::opt<float> temperature("temperature", cl::desc("0 = greedy"),
                           cl::init(1.0f), cl::cat(runCategory));
cl::opt<float> topp("top-p", cl::desc("Top-p sampling (0 or 1: off)"),
                    cl::init(0.9f), cl::cat(runCategory));
cl::alias toppAlias("topp", cl::desc("Alias for --top-p"), cl::aliasopt(topp),
                    cl::cat(runCategory));
cl::opt<int> topk("top-k", cl::desc("Top-k sampling (0: off)"), cl::init(0),
                  cl::cat(runCategory));
cl::opt<unsigned long long> seed("seed", cl::desc("Random seed (default: time)"),
                                 cl::init(0), cl::cat(runCategory));
cl::opt<int> contextLength(
    "ctx", cl::desc("Context length: positions the KV cache holds (default: "
                    "the model's, at most 2048)"),
    cl::init(0), cl::cat(runCategory));
cl::opt<bool> chat("chat", cl::desc("Apply the model's chat template"),
                   cl::cat(runCategory));
cl::opt<std::string> systemMessage(
    "system", cl::desc("Chat: system message (default: the template's)"),
    cl::cat(runCategory));
cl::opt<std::string> perplexity("perplexity", cl::desc("Score this text"),
                                cl::cat(runCategory));
cl::opt<std::string> perplexityMode(
    "ppl-mode",
    cl::desc("stories: each <|endoftext|>-separated story from BOS, every "
             "token scored (default for llama2.c models); chunks: llama.cpp's "
             "llama-perplexity protocol, --ctx tokens per chunk, the second "
             "half scored (default for GGUF models)"),
    cl::cat(runCategory));
cl::opt<int> maxChunks("chunks",
                       cl::desc("--ppl-mode chunks: score at most this many "
                                "chunks (0: all), as llama-perplexity's "
                                "--chunks"),
                       cl::init(0), cl::cat(runCategory));
cl::opt<bool> bench("bench", cl::desc("Print decode and prefill tokens/s"),
                    cl::cat(runCategory));
cl::opt<int> benchTokens("bench-tokens",
                         cl::desc("Tokens generated and prompt length for "
                                  "--bench (llama-bench's tg/pp sizes)"),
                         cl::init(128), cl::cat(runCategory));
cl::opt<std::string> tokenize("tokenize",
                              cl::desc("Print the token ids of this text "
                                       "(BOS where the model adds one, special "
                                       "tokens parsed: llama-tokenize's "
                                       "defaults)"),
                              cl::cat(runCategory));
cl::opt<bool> noParseSpecial(
    "no-parse-special",
    cl::desc("--tokenize: special tokens written in the text stay text"),
    cl::cat(runCategory));

int fail(const Twine &message) {
  errs() << "wq-run: error: " << message << "\n";
  return 1;
}

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Scores `tokens[first+1 ..]` given what precedes them in one batch from
/// position 0; returns (sum of negative log-likelihoods, tokens scored).
Expected<std::pair<double, int64_t>>
scoreWindow(CompiledModel &model, ArrayRef<int32_t> tokens, int64_t first) {
  const int64_t vocab = model.config().vocabSize;
  Expected<float *> logits = model.run(tokens, 0, first);
  if (!logits)
    return logits.takeError();
  double nll = 0;
  int64_t scored = 0;
  for (int64_t t = first; t + 1 < int64_t(tokens.size()); ++t) {
    const float *row = *logits + (t - first) * vocab;
    double maxLogit = row[0];
    for (int64_t i = 1; i < vocab; ++i)
      maxLogit = std::max(maxLogit, double(row[i]));
    double sum = 0;
    for (int64_t i = 0; i < vocab; ++i)
      sum += std::exp(double(row[i]) - maxLogit);
    nll -= double(row[tokens[t + 1]]) - maxLogit - std::log(sum);
    ++scored;
  }
  return std::make_pair(nll, scored);
}

int runPerplexity(CompiledModel &model, const ModelTokenizer &tokenizer) {
  auto text = MemoryBuffer::getFile(perplexity);
  if (!text)
    return fail(perplexity + ": " + text.getError().message());
  std::string mode = perplexityMode;
  if (mode.empty())
    mode = tokenizer.kind() == "llama2.c" ? "stories" : "chunks";
  double nll = 0, start = now();
  int64_t scored = 0, windows = 0;
  if (mode == "stories") {
    SmallVector<StringRef> parts;
    (*text)->getBuffer().split(parts, "<|endoftext|>");
    for (StringRef part : parts) {
      StringRef story = part.trim();
      if (story.empty())
        continue;
      std::vector<int32_t> tokens = tokenizer.encode(story, true, false);
      if (int64_t(tokens.size()) > model.contextLength())
        tokens.resize(size_t(model.contextLength()));
      if (tokens.size() < 2)
        continue;
      auto result = scoreWindow(model, tokens, 0);
      if (!result)
        return fail(toString(result.takeError()));
      nll += result->first;
      scored += result->second;
      ++windows;
    }
    outs() << formatv("stories: {0}\n", windows);
  } else if (mode == "chunks") {
    // llama.cpp's llama-perplexity: the whole text tokenized once (BOS where
    // the model adds one, special tokens not parsed), cut into chunks of the
    // context length; each chunk is evaluated from an empty cache (its first
    // token replaced by BOS where the model adds one) and the predictions of
    // its second half are scored: positions ctx/2 .. ctx-2 predicting the
    // tokens after them.
    std::vector<int32_t> all =
        tokenizer.encode((*text)->getBuffer(), true, false);
    const int64_t ctx = model.contextLength(), first = ctx / 2;
    int64_t chunks = int64_t(all.size()) / ctx;
    if (maxChunks > 0)
      chunks = std::min<int64_t>(chunks, maxChunks);
    if (chunks == 0)
      return fail(perplexity + ": " + Twine(all.size()) +
                  " tokens, fewer than one chunk of --ctx " + Twine(ctx));
    for (int64_t c = 0; c < chunks; ++c) {
      std::vector<int32_t> chunk(all.begin() + c * ctx,
                                 all.begin() + (c + 1) * ctx);
      if (tokenizer.addedBos() >= 0)
        chunk[0] = tokenizer.addedBos();
      auto result = scoreWindow(model, chunk, first);
      if (!result)
        return fail(toString(result.takeError()));
      nll += result->first;
      scored += result->second;
      ++windows;
      errs() << formatv("\rwq-run: chunk {0}/{1}: perplexity {2:f4}", c + 1,
                        chunks, std::exp(nll / double(scored)));
    }
    errs() << "\n";
    outs() << formatv("chunks: {0} of {1} tokens\n", windows, ctx);
  } else {
    return fail("--ppl-mode must be stories or chunks");
  }
  if (scored == 0)
    return fail(perplexity + ": no text to score");
  double mean = nll / double(scored);
  outs() << formatv("scored tokens: {0}\nmean NLL: {1:f8}\nperplexity: {2:f6}\n",
                    scored, mean, std::exp(mean));
  errs() << formatv("wq-run: {0:f1} tokens/s\n", scored / (now() - start));
  return 0;
}

/// Bytes of weights a decode step reads (report.json's model_bytes).
int64_t modelWeightBytes() {
  SmallString<256> path(modelDir);
  sys::path::append(path, "report.json");
  auto text = MemoryBuffer::getFile(path);
  if (!text)
    return 0;
  Expected<json::Value> value = wq_formats::parseJson((*text)->getBuffer());
  if (!value) {
    consumeError(value.takeError());
    return 0;
  }
  const json::Object *o = value->getAsObject();
  return o ? o->getInteger("model_bytes").value_or(0) : 0;
}

/// Seconds to read `bytes` once, streamed by `threads` threads (the best of
/// several passes over a buffer of that size).
double streamSeconds(int64_t bytes, int threads) {
  const size_t words = size_t(bytes / 8);
  std::vector<uint64_t> buffer(words);
  for (size_t i = 0; i < words; ++i)
    buffer[i] = i * 0x9E3779B97F4A7C15ull;
  std::vector<uint64_t> sums(static_cast<size_t>(threads));
  double best = 1e30;
  for (int pass = 0; pass < 8; ++pass) {
    double start = now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        size_t begin = words * size_t(t) / size_t(threads);
        size_t end = words * size_t(t + 1) / size_t(threads);
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        size_t i = begin;
        for (; i + 4 <= end; i += 4) {
          s0 += buffer[i];
          s1 += buffer[i + 1];
          s2 += buffer[i + 2];
          s3 += buffer[i + 3];
        }
        for (; i < end; ++i)
          s0 += buffer[i];
        sums[size_t(t)] = s0 + s1 + s2 + s3;
      });
    for (std::thread &w : workers)
      w.join();
    best = std::min(best, now() - start);
  }
  return best;
}

int runBench(CompiledModel &model) {
  const int64_t n = std::min<int64_t>(benchTokens, model.contextLength());
  const int64_t vocab = model.config().vocabSize;
  // Decode (llama-bench's tg): n tokens one at a time from an empty cache.
  double decodeBest = 0;
  for (int rep = 0; rep < 2; ++rep) {
    int32_t token = 1 % int32_t(vocab);
    double start = now();
    for (int64_t pos = 0; pos < n; ++pos) {
      Expected<float *> logits = model.run({token}, pos, 0);
      if (!logits)
        return fail(toString(logits.takeError()));
      token = argmax(*logits, vocab);
    }
    decodeBest = std::max(decodeBest, double(n) / (now() - start));
  }
  // Prefill (llama-bench's pp): n random tokens as one batch, logits of the
  // last only.
  std::mt19937 random(42);
  std::vector<int32_t> promptTokens(static_cast<size_t>(n));
  for (int32_t &t : promptTokens)
    t = int32_t(random() % uint32_t(vocab));
  double prefillBest = 0;
  double start = now();
  for (int rep = 0; rep < 3 || now() - start < 1.0; ++rep) {
    double t0 = now();
    Expected<float *> logits = model.run(promptTokens, 0, n - 1);
    if (!logits)
      return fail(toString(logits.takeError()));
    prefillBest = std::max(prefillBest, double(n) / (now() - t0));
    if (rep > 20)
      break;
  }
  outs() << formatv("decode: {0:f1} tokens/s ({1} tokens)\n"
                    "prefill: {2:f1} tokens/s ({3} tokens in one batch)\n",
                    decodeBest, n, prefillBest, n);
  if (int64_t bytes = modelWeightBytes()) {
    const char *env = std::getenv("OMP_NUM_THREADS");
    int threads = env ? std::max(1, std::atoi(env))
                      : int(std::max(1u, std::thread::hardware_concurrency()));
    double stream = streamSeconds(bytes, threads);
    double perToken = 1.0 / decodeBest;
    outs() << formatv("weights: {0} bytes, streamed once in {1:f3} ms on {2} "
                      "thread(s); decode step {3:f3} ms = {4:f2}x that\n",
                      bytes, stream * 1e3, threads, perToken * 1e3,
                      perToken / stream);
  }
  outs() << formatv("KV cache: {0} bytes (context {1})\n", model.kvCacheBytes(),
                    model.contextLength());
  return 0;
}

/// Generates from `logits` (of the last fed position `pos - 1`) until an
/// end-of-generation token, `limit` tokens, or the token at `lastPosition`
/// (printed, not fed); streams the pieces. Returns the last sampled token (fed or not) and advances `pos`
/// past the tokens fed.
Expected<int32_t> generate(CompiledModel &model, const ModelTokenizer &tokenizer,
                           Sampler &sampler, float *logits, int32_t previous,
                           int64_t &pos, int64_t limit, int64_t lastPosition,
                           int64_t &generated) {
  generated = 0;
  while (true) {
    int32_t next = sampler.sample(logits); // The model's buffer: ours to change.
    if (tokenizer.isEndOfGeneration(next))
      return next;
    outs() << tokenizer.piece(previous, next);
    outs().flush();
    ++generated;
    previous = next;
    if ((limit > 0 && generated >= limit) || pos >= lastPosition)
      return next;
    Expected<float *> out = model.run({next}, pos, 0);
    if (!out)
      return out.takeError();
    ++pos;
    logits = *out;
  }
}

int runCompletion(CompiledModel &model, const ModelTokenizer &tokenizer,
                  Sampler &sampler) {
  int64_t positions = steps <= 0 || steps > model.contextLength()
                          ? model.contextLength()
                          : int64_t(steps);
  std::vector<int32_t> tokens = tokenizer.encode(prompt, true, true);
  if (tokens.empty())
    return fail("the prompt is empty and the model adds no BOS: nothing to "
                "continue from");
  if (int64_t(tokens.size()) > model.contextLength())
    return fail("the prompt has " + Twine(tokens.size()) +
                " tokens, more than the context of " +
                Twine(model.contextLength()) + " (--ctx)");
  // The prompt is echoed (as far as --steps reaches: the token at position
  // `positions` is the last one printed, as llama2.c's run).
  int64_t echo = std::min<int64_t>(int64_t(tokens.size()), positions + 1);
  for (int64_t i = 0; i < echo; ++i)
    outs() << tokenizer.piece(i ? tokens[size_t(i) - 1] : -1, tokens[size_t(i)]);
  outs().flush();
  if (int64_t(tokens.size()) > positions) {
    outs() << "\n";
    return 0;
  }
  double start = now();
  Expected<float *> logits =
      model.run(tokens, 0, int64_t(tokens.size()) - 1);
  if (!logits)
    return fail(toString(logits.takeError()));
  double prefill = now() - start;
  int64_t pos = int64_t(tokens.size()), generated = 0;
  start = now();
  Expected<int32_t> last =
      generate(model, tokenizer, sampler, *logits, tokens.back(), pos, 0,
               positions, generated);
  if (!last)
    return fail(toString(last.takeError()));
  double decode = now() - start;
  outs() << "\n";
  errs() << formatv("wq-run: prompt {0} tokens at {1:f1} tokens/s; generated "
                    "{2} tokens at {3:f1} tokens/s\n",
                    tokens.size(), tokens.size() / prefill, generated,
                    generated > 1 ? (generated - 1) / decode : 0.0);
  return 0;
}

int runChat(CompiledModel &model, const ModelTokenizer &tokenizer,
            Sampler &sampler) {
  Expected<ChatTemplate> chatTemplate =
      ChatTemplate::fromJinja(tokenizer.chatTemplate());
  if (!chatTemplate)
    return fail(toString(chatTemplate.takeError()));
  const bool interactive = prompt.getNumOccurrences() == 0;
  int64_t pos = 0;
  int32_t last = -1;
  for (int turn = 0;; ++turn) {
    std::string message = prompt;
    if (interactive) {
      errs() << "> ";
      if (!std::getline(std::cin, message))
        break;
      if (message.empty())
        continue;
    }
    std::string text;
    if (turn == 0) {
      std::vector<ChatMessage> messages;
      if (systemMessage.getNumOccurrences())
        messages.push_back({"system", systemMessage});
      messages.push_back({"user", message});
      text = chatTemplate->format(messages, true);
    } else {
      text = chatTemplate->continuation({"user", message});
    }
    std::vector<int32_t> tokens = tokenizer.encode(text, turn == 0, true);
    if (pos + int64_t(tokens.size()) >= model.contextLength())
      return fail("the conversation needs " + Twine(pos + tokens.size()) +
                  " positions, more than the context of " +
                  Twine(model.contextLength()) + " (--ctx)");
    double start = now();
    Expected<float *> logits =
        model.run(tokens, pos, int64_t(tokens.size()) - 1);
    if (!logits)
      return fail(toString(logits.takeError()));
    double prefill = now() - start;
    pos += int64_t(tokens.size());
    int64_t generated = 0;
    start = now();
    Expected<int32_t> end =
        generate(model, tokenizer, sampler, *logits, tokens.back(), pos,
                 maxTokens, model.contextLength() - 1, generated);
    if (!end)
      return fail(toString(end.takeError()));
    last = *end;
    outs() << "\n";
    outs().flush();
    errs() << formatv("wq-run: prompt {0} tokens at {1:f1} tokens/s; "
                      "answer {2} tokens at {3:f1} tokens/s\n",
                      tokens.size(), tokens.size() / prefill, generated,
                      generated > 1 ? (generated - 1) / (now() - start) : 0.0);
    if (!tokenizer.isEndOfGeneration(last) && pos >= model.contextLength() - 1) {
      errs() << "wq-run: the context is full (--ctx " << model.contextLength()
             << ")\n";
      break;
    }
    if (!interactive)
      break;
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(argc, argv, "wq-run: run a compiled model\n");
  if (!std::isfinite(temperature) || temperature < 0)
    return fail("--temperature must be a finite number >= 0");
  if (temperature > 0 && temperature < 1e-6f)
    return fail("--temperature below 1e-6 overflows the logits: use 0 for "
                "greedy decoding");
  if (!std::isfinite(topp) || topp < 0 || topp > 1)
    return fail("--top-p must be in [0, 1]");
  if (topk < 0)
    return fail("--top-k must be >= 0");
  if (contextLength < 0)
    return fail("--ctx must be positive");
  SmallString<256> path(modelDir);
  sys::path::append(path, "config.json");
  auto configText = MemoryBuffer::getFile(path);
  if (!configText)
    return fail(path + ": " + configText.getError().message() +
                " (not a wq-compile output directory?)");
  Expected<LlamaConfig> config = LlamaConfig::fromJson((*configText)->getBuffer());
  if (!config)
    return fail(path + ": " + toString(config.takeError()));
  Expected<std::unique_ptr<ModelTokenizer>> tokenizer =
      loadModelTokenizer(modelDir, config->vocabSize);
  if (!tokenizer)
    return fail(toString(tokenizer.takeError()));
  if (!tokenize.empty()) {
    std::vector<int32_t> ids =
        (*tokenizer)->encode(tokenize, true, !noParseSpecial);
    outs() << "[";
    for (size_t i = 0; i < ids.size(); ++i)
      outs() << (i ? ", " : "") << ids[i];
    outs() << "]\n";
    return 0;
  }
  int64_t context = contextLength;
  if (context == 0)
    context = std::min<int64_t>(config->seqLen, 2048);
  if (context > config->seqLen)
    return fail("--ctx " + Twine(context) + " exceeds the model's context of " +
                Twine(config->seqLen));
  SmallString<256> libPath(modelDir);
  sys::path::append(libPath, "model.so");
  Expected<CompiledModel> model = CompiledModel::load(libPath, *config, context);
  if (!model)
    return fail(toString(model.takeError()));

  if (!perplexity.empty())
    return runPerplexity(*model, **tokenizer);
  if (bench)
    return runBench(*model);
  Sampler sampler(config->vocabSize, temperature, topp,
                  seed ? uint64_t(seed) : uint64_t(std::time(nullptr)), topk);
  if (chat)
    return runChat(*model, **tokenizer, sampler);
  return runCompletion(*model, **tokenizer, sampler);
}
