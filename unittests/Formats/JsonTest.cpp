//===- JsonTest.cpp - JSON from untrusted files ---------------------------===//

#include "wq/Formats/Json.h"

#include "gtest/gtest.h"

#include <string>

using namespace wq_formats;

namespace {

std::string nested(int depth, char open, char close, const std::string &in) {
  return std::string(depth, open) + in + std::string(depth, close);
}

TEST(JsonTest, ParsesOrdinaryDocuments) {
  llvm::Expected<llvm::json::Value> v =
      parseJson(R"({"a": [1, {"b": "x]}\"["}], "c": null})");
  ASSERT_TRUE(bool(v)) << llvm::toString(v.takeError());
  EXPECT_EQ(*v->getAsObject()->getArray("a")->front().getAsInteger(), 1);
}

TEST(JsonTest, AcceptsTheDepthLimit) {
  llvm::Expected<llvm::json::Value> v =
      parseJson(nested(kMaxJsonDepth, '[', ']', "1"));
  EXPECT_TRUE(bool(v)) << llvm::toString(v.takeError());
}

// 200,000 levels overflowed the stack inside llvm::json::parse.
TEST(JsonTest, RefusesDeeperNestingBeforeParsing) {
  for (auto [open, close] : {std::pair{'[', ']'}, std::pair{'{', '}'}}) {
    std::string text = open == '['
                           ? nested(200000, '[', ']', "")
                           : [] {
                               std::string s;
                               for (int i = 0; i < 200000; ++i)
                                 s += "{\"a\":";
                               return s + "1" + std::string(200000, '}');
                             }();
    llvm::Expected<llvm::json::Value> v = parseJson(text);
    ASSERT_FALSE(bool(v));
    EXPECT_NE(llvm::toString(v.takeError()).find("nested deeper than 64"),
              std::string::npos);
  }
  EXPECT_FALSE(bool(parseJson(nested(kMaxJsonDepth + 1, '[', ']', "1"))));
}

// Brackets inside strings (and escaped quotes) do not count.
TEST(JsonTest, BracketsInStringsAreNotNesting) {
  std::string text = "[\"" + std::string(1000, '[') + "\\\"" +
                     std::string(1000, '{') + "\"]";
  llvm::Expected<llvm::json::Value> v = parseJson(text);
  EXPECT_TRUE(bool(v)) << llvm::toString(v.takeError());
}

} // namespace
