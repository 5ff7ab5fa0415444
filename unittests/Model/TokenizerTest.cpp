//===- TokenizerTest.cpp - llama2.c tokenizer files ------------------------===//

#include "wq/Model/Tokenizer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdint>
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

} // namespace
