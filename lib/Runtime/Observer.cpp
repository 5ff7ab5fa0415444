//===- Observer.cpp - Calibration statistics from running programs --------===//
//
// The runtime of wq-insert-observers: programs lowered by wq call
// wqObserveF32(activations, name) before each observed linear layer; this
// library accumulates per weight name the Hessian H = 2 X^T X (GPTQ's running
// average over calls) and the mean |x| per input channel, and writes them to
// the safetensors file named by WQ_CALIBRATION_OUT when the process exits
// (or when wqObserverWrite is called).
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Safetensors.h"
#include "wq/Numerics/Calibrated.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>

namespace {

class Observer {
public:
  ~Observer() {
    const char *path = std::getenv("WQ_CALIBRATION_OUT");
    if (path && *path && !stats_.empty())
      write(path);
  }

  void observe(const std::string &name, const std::vector<float> &x,
               int64_t k) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = stats_.find(name);
    if (it == stats_.end())
      it = stats_.emplace(name, std::make_unique<wq_numerics::CalibrationStats>(k))
               .first;
    if (it->second->k() != k) {
      llvm::errs() << "wq observer: weight '" << name << "' observed with K = "
                   << k << " after K = " << it->second->k() << "\n";
      std::exit(1);
    }
    if (auto error = it->second->add(x.data(), int64_t(x.size()) / k, 1)) {
      llvm::errs() << "wq observer: weight '" << name << "': " << *error << "\n";
      std::exit(1);
    }
  }

  int write(const char *path) {
    std::lock_guard<std::mutex> lock(mutex_);
    wq_formats::SafetensorsWriter writer;
    int64_t tokens = 0;
    for (const auto &[name, stats] : stats_) {
      int64_t k = stats->k();
      writer.addFloats(name + ".hessian", {k, k}, stats->hessian());
      writer.addFloats(name + ".channel_mean_abs", {k}, stats->channelMeanAbs());
      writer.setMetadata(name + ".tokens", std::to_string(stats->numTokens()));
      writer.setMetadata(name + ".samples", std::to_string(stats->numSamples()));
      tokens += stats->numTokens();
    }
    if (llvm::Error error = writer.write(path)) {
      llvm::errs() << "wq observer: " << llvm::toString(std::move(error)) << "\n";
      return 1;
    }
    llvm::errs() << "wq observer: wrote statistics of " << stats_.size()
                 << " weight(s), " << tokens << " activation rows, to " << path
                 << "\n";
    return 0;
  }

private:
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<wq_numerics::CalibrationStats>> stats_;
};

Observer &observer() {
  static Observer instance;
  return instance;
}

} // namespace

extern "C" {

/// Called by programs instrumented with wq-insert-observers (C interface of
/// `func.func private @wqObserveF32(tensor<*xf32>, tensor<*xi8>)`).
void _mlir_ciface_wqObserveF32(UnrankedMemRefType<float> *activations,
                               UnrankedMemRefType<int8_t> *name) {
  DynamicMemRefType<float> x(*activations);
  DynamicMemRefType<int8_t> n(*name);
  if (x.rank < 1 || x.sizes[x.rank - 1] <= 0) {
    llvm::errs() << "wq observer: activations must have rank >= 1 and K > 0\n";
    std::exit(1);
  }
  std::string weight(n.begin(), n.end());
  std::vector<float> values(x.begin(), x.end());
  if (!values.empty())
    observer().observe(weight, values, x.sizes[x.rank - 1]);
}

/// Writes the statistics gathered so far; returns 0 on success.
int wqObserverWrite(const char *path) { return observer().write(path); }

} // extern "C"
