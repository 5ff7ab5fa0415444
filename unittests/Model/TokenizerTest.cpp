//===- TokenizerTest.cpp - llama2.c tokenizer files ------------------------===//

#include "wq/Model/Tokenizer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>
#include <string>

using namespace wq_model;

namespace {

/// A tokenizer.bin of `count` entries "t<i>" (score i).
std::string writeTokenizer(int count) {
  llvm::SmallString<128> path;
  if (llvm::sys::fs::createTemporaryFile("wq-tokenizer", "bin", path))
    return "";
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec);
  int32_t maxLength = 8;
  out.write(reinterpret_cast<const char *>(&maxLength), 4);
  for (int i = 0; i < count; ++i) {
    std::string piece = "t" + std::to_string(i);
    float score = float(i);
    int32_t length = int32_t(piece.size());
    out.write(reinterpret_cast<const char *>(&score), 4);
    out.write(reinterpret_cast<const char *>(&length), 4);
    out << piece;
  }
  return path.str().str();
}

// Found by fuzz/FuzzLlama2c (test/fuzz-regressions/FuzzLlama2c): encoding
// falls back to byte tokens 3..258, which a smaller vocabulary does not
// have (a heap overflow in encode).
TEST(TokenizerTest, RefusesAVocabularyWithoutByteTokens) {
  std::string path = writeTokenizer(10);
  llvm::Expected<Tokenizer> tokenizer = Tokenizer::load(path, 10);
  ASSERT_FALSE(bool(tokenizer));
  EXPECT_NE(llvm::toString(tokenizer.takeError())
                .find("needs at least 259 tokens"),
            std::string::npos);
  llvm::sys::fs::remove(path);
}

TEST(TokenizerTest, EncodesWithByteFallback) {
  std::string path = writeTokenizer(300);
  llvm::Expected<Tokenizer> tokenizer = Tokenizer::load(path, 300);
  ASSERT_TRUE(bool(tokenizer)) << llvm::toString(tokenizer.takeError());
  std::vector<int> ids = tokenizer->encode("\xff z", true, true);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(ids.back(), 2);
  for (int id : ids)
    EXPECT_LT(id, 300);
  llvm::sys::fs::remove(path);
}

/// The obvious argmax: the first index of the largest value; NaN never wins.
int referenceArgmax(const std::vector<float> &values) {
  int best = 0;
  for (size_t i = 1; i < values.size(); ++i)
    if (values[i] > values[size_t(best)])
      best = int(i);
  return best;
}

TEST(ArgmaxTest, MatchesTheFirstLargestOnRandomLogitsTiesAndNaN) {
  std::mt19937 random(7);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  // Lengths around the 16-lane blocks, and a vocabulary's.
  for (int64_t n : {1, 2, 15, 16, 17, 33, 49152, 32001}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> values(static_cast<size_t>(n));
      for (float &v : values)
        v = normal(random);
      if (trial % 4 == 1) // Ties: the maximum repeated, the first wins.
        for (int copy = 0; copy < 3; ++copy)
          values[random() % size_t(n)] =
              *std::max_element(values.begin(), values.end());
      if (trial % 4 == 2) // NaN somewhere, also at index 0.
        values[trial % 8 == 2 ? 0 : random() % size_t(n)] = NAN;
      if (trial % 4 == 3) // Infinities.
        values[random() % size_t(n)] = trial % 8 == 3 ? INFINITY : -INFINITY;
      EXPECT_EQ(argmax(values.data(), n), referenceArgmax(values))
          << "n = " << n << ", trial " << trial;
    }
  }
  std::vector<float> negative(40, -INFINITY);
  EXPECT_EQ(argmax(negative.data(), 40), 0);
  negative[37] = -1e30f;
  EXPECT_EQ(argmax(negative.data(), 40), 37);
}

} // namespace
