//===- BpeTokenizerTest.cpp - The byte-level BPE tokenizer's pieces -------===//
//
// The parts of wq_model::BpeTokenizer that need no model. The expected
// pre-tokenizer splits are what llama.cpp's unicode_regex_split (the
// llama.cpp vendored in llama-cpp-python 0.3.16) returns for the same texts
// and regex lists.
//
//===----------------------------------------------------------------------===//

#include "wq/Model/BpeTokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace wq_model;

namespace {

std::string errorText(llvm::Error error) {
  return llvm::toString(std::move(error));
}

/// The 256 byte tokens (ids 0..255 in byte order), then `extra` tokens with
/// their types, and `merges`.
BpeVocabulary makeVocab(
    std::vector<std::pair<std::string, BpeTokenType>> extra,
    std::vector<std::string> merges, std::string pre = "gpt-2") {
  BpeVocabulary vocab;
  for (int b = 0; b < 256; ++b) {
    vocab.tokens.push_back(bpeByteToUnicode(uint8_t(b)));
    vocab.tokenTypes.push_back(int32_t(BpeTokenType::Normal));
  }
  for (auto &[text, type] : extra) {
    vocab.tokens.push_back(text);
    vocab.tokenTypes.push_back(int32_t(type));
  }
  vocab.merges = std::move(merges);
  vocab.pre = std::move(pre);
  return vocab;
}

BpeTokenizer makeTokenizer(BpeVocabulary vocab) {
  llvm::Expected<BpeTokenizer> tokenizer = BpeTokenizer::create(vocab);
  EXPECT_TRUE(bool(tokenizer));
  if (!tokenizer) {
    ADD_FAILURE() << errorText(tokenizer.takeError());
    std::abort();
  }
  return std::move(*tokenizer);
}

constexpr BpeTokenType N = BpeTokenType::Normal;
constexpr BpeTokenType C = BpeTokenType::Control;
constexpr BpeTokenType U = BpeTokenType::UserDefined;

} // namespace

TEST(BpeTokenizer, ByteToUnicode) {
  EXPECT_EQ(bpeByteToUnicode('A'), "A");
  EXPECT_EQ(bpeByteToUnicode('~'), "~");
  EXPECT_EQ(bpeByteToUnicode(' '), "\u0120");  // Ġ
  EXPECT_EQ(bpeByteToUnicode('\n'), "\u010a"); // Ċ
  EXPECT_EQ(bpeByteToUnicode('\t'), "\u0109"); // ĉ
  EXPECT_EQ(bpeByteToUnicode(0x00), "\u0100"); // Ā
  EXPECT_EQ(bpeByteToUnicode(0x7f), "\u0121"); // ġ
  EXPECT_EQ(bpeByteToUnicode(0xa0), "\u0142"); // ł
  EXPECT_EQ(bpeByteToUnicode(0xa1), "\u00a1"); // ¡ maps to itself
  EXPECT_EQ(bpeByteToUnicode(0xad), "\u0143"); // Ń (soft hyphen)
  EXPECT_EQ(bpeByteToUnicode(0xff), "\u00ff");
  for (int b = 0; b < 256; ++b) {
    std::vector<uint32_t> cpts = bpeCodePointsFromUtf8(bpeByteToUnicode(b));
    ASSERT_EQ(cpts.size(), 1u);
    EXPECT_EQ(bpeUnicodeToByte(cpts[0]), std::optional<uint8_t>(b));
  }
  EXPECT_EQ(bpeUnicodeToByte(0x20), std::nullopt);
  EXPECT_EQ(bpeUnicodeToByte(0x4e00), std::nullopt);
  EXPECT_EQ(bpeEncodeBytes("Hi there\n"), "Hi\u0120there\u010a");
  EXPECT_EQ(bpeEncodeBytes("\xc3\xa9"), "\u00c3\u00a9");
}

TEST(BpeTokenizer, CodePointsLikeLlamaCpp) {
  using V = std::vector<uint32_t>;
  EXPECT_EQ(bpeCodePointsFromUtf8("a\xc3\xa9\xe4\xbd\xa0\xf0\x9f\x98\x80"),
            (V{'a', 0xe9, 0x4f60, 0x1f600}));
  // Every byte that does not start a well-formed sequence is U+FFFD.
  EXPECT_EQ(bpeCodePointsFromUtf8("a\x80" "b"), (V{'a', 0xfffd, 'b'}));
  EXPECT_EQ(bpeCodePointsFromUtf8("\xc3"), (V{0xfffd}));
  EXPECT_EQ(bpeCodePointsFromUtf8("\xe2\x82 "), (V{0xfffd, 0xfffd, ' '}));
  EXPECT_EQ(bpeCodePointsFromUtf8("\xff\xf8"), (V{0xfffd, 0xfffd}));
  // Overlong forms and surrogates are decoded, as llama.cpp does.
  EXPECT_EQ(bpeCodePointsFromUtf8(llvm::StringRef("\xc0\x80", 2)), (V{0}));
  EXPECT_EQ(bpeCodePointsFromUtf8("\xed\xa0\x80"), (V{0xd800}));
  // Above U+10FFFF (llama.cpp aborts on these): U+FFFD per byte.
  EXPECT_EQ(bpeCodePointsFromUtf8("\xf4\x90\x80\x80"),
            (V{0xfffd, 0xfffd, 0xfffd, 0xfffd}));
  EXPECT_EQ(bpeCodePointToUtf8(0xd800), "\xed\xa0\x80");
  EXPECT_EQ(bpeCodePointToUtf8(0x10ffff), "\xf4\x8f\xbf\xbf");
}

namespace {
struct SplitCase {
  const char *pre;
  std::string text;
  std::vector<std::string> pieces;
};
} // namespace

TEST(BpeTokenizer, PreTokenizersSplitLikeLlamaCpp) {
  const std::string story = "Hello world's 12345 tests!!  ok\n\n  end ";
  const std::string shouting = "I'M we'LL don't 3.14159 1,000,000";
  const std::string code = "x = a+b; // $5 <tag> ^~| `q`\r\n\r\n\tz";
  const std::string unicode = "caf\u00e9 \u4f60\u597d\U0001F600\U0001F600 "
                              "a\u00a0b\u3000c  \u00a0d";
  const std::string invalid = "bad\x80utf8\xc3 x";
  const SplitCase cases[] = {
      {"smollm", story,
       {"Hello", " world", "'s", " ", "1", "2", "3", "4", "5", " tests", "!!",
        " ", " ok", "\n\n ", " end", " "}},
      {"smollm", shouting,
       {"I", "'", "M", " we", "'", "LL", " don", "'t", " ", "3", ".", "1", "4",
        "1", "5", "9", " ", "1", ",", "0", "0", "0", ",", "0", "0", "0"}},
      {"smollm", code,
       {"x", " =", " a", "+", "b", ";", " //", " $", "5", " <", "tag", ">",
        " ^~|", " `", "q", "`", "\r\n\r\n", "\t", "z"}},
      {"gpt-2", story,
       {"Hello", " world", "'s", " 12345", " tests", "!!", " ", " ok", "\n\n ",
        " end", " "}},
      {"gpt-2", shouting,
       {"I", "'", "M", " we", "'", "LL", " don", "'t", " 3", ".", "14159",
        " 1", ",", "000", ",", "000"}},
      {"gpt-2", unicode,
       {"caf\u00e9", " \u4f60\u597d", "\U0001F600\U0001F600", " a", "\u00a0",
        "b", "\u3000", "c", "  ", "\u00a0", "d"}},
      {"gpt-2", invalid, {"bad", "\ufffd", "utf", "8", "\ufffd", " x"}},
      {"default", story,
       {"Hello", " world", "'", "s", " ", "123", "45", " tests", "!!", " ",
        " ok", "\n\n ", " end", " "}},
      {"", shouting,
       {"I", "'", "M", " we", "'", "LL", " don", "'", "t", " ", "3", ".",
        "141", "59", " ", "1", ",", "000", ",", "000"}},
      {"default", code,
       {"x", " ", "=", " a", "+", "b", ";", " ", "//", " ", "$", "5", " ", "<",
        "tag", ">", " ", "^~|", " `", "q", "`", "\r\n\r\n", "\t", "z"}},
      {"llama-bpe", story,
       {"Hello", " world", "'s", " ", "123", "45", " tests", "!!", " ", " ok",
        "\n\n", " ", " end", " "}},
      {"llama-bpe", shouting,
       {"I", "'M", " we", "'LL", " don", "'t", " ", "3", ".", "141", "59", " ",
        "1", ",", "000", ",", "000"}},
      {"llama-bpe", code,
       {"x", " =", " a", "+b", ";", " //", " $", "5", " <", "tag", ">", " ^~|",
        " `", "q", "`\r\n\r\n", "\tz"}},
      {"llama-bpe", unicode,
       {"caf\u00e9", " \u4f60\u597d", "\U0001F600\U0001F600", " a",
        "\u00a0b", "\u3000c", "  ", "\u00a0d"}},
      {"llama-bpe", invalid, {"bad", "\ufffdutf", "8", "\ufffd", " x"}},
      {"qwen2", story,
       {"Hello", " world", "'s", " ", "1", "2", "3", "4", "5", " tests", "!!",
        " ", " ok", "\n\n", " ", " end", " "}},
      {"falcon", code,
       {"x", " ", "=", " a", "+", "b", ";", " ", "//", " ", "$", "5", " ", "<",
        "tag", ">", " ", "^~|", " ", "`", "q", "`", "\r\n\r\n", "\t", "z"}},
  };
  for (const SplitCase &c : cases) {
    BpeTokenizer tokenizer = makeTokenizer(makeVocab({}, {}, c.pre));
    EXPECT_EQ(tokenizer.preTokenize(c.text), c.pieces)
        << "pre '" << c.pre << "', text '" << c.text << "'";
  }
  EXPECT_TRUE(makeTokenizer(makeVocab({}, {}, "smollm")).preTokenize("")
                  .empty());
}

TEST(BpeTokenizer, UnknownPreTokenizerIsAnError) {
  llvm::Expected<std::vector<std::string>> regexes =
      bpePreTokenizerRegexes("no-such-pre");
  ASSERT_FALSE(bool(regexes));
  EXPECT_NE(errorText(regexes.takeError()).find("'no-such-pre'"),
            std::string::npos);
  llvm::Expected<BpeTokenizer> tokenizer =
      BpeTokenizer::create(makeVocab({}, {}, "deepseek-llm"));
  ASSERT_FALSE(bool(tokenizer));
  EXPECT_NE(errorText(tokenizer.takeError()).find("'deepseek-llm'"),
            std::string::npos);
  EXPECT_TRUE(bool(bpePreTokenizerRegexes("smollm")));
  EXPECT_EQ(bpePreTokenizerRegexes("smollm")->size(), 2u);
}

TEST(BpeTokenizer, MergesByRankLowestFirst) {
  // ids: 256 "bc", 257 "ab", 258 "abc"
  std::vector<std::pair<std::string, BpeTokenType>> extra = {
      {"bc", N}, {"ab", N}, {"abc", N}};
  {
    // "b c" has the lower rank: a + bc, then "a bc".
    BpeTokenizer t = makeTokenizer(makeVocab(extra, {"b c", "a bc"}));
    EXPECT_EQ(t.encode("abc", false, false), (std::vector<int>{258}));
    EXPECT_EQ(t.encode("abcabc", false, false),
              (std::vector<int>{258, 258}));
  }
  {
    BpeTokenizer t = makeTokenizer(makeVocab(extra, {"b c", "a b"}));
    EXPECT_EQ(t.encode("abc", false, false), (std::vector<int>{'a', 256}));
  }
  {
    BpeTokenizer t = makeTokenizer(makeVocab(extra, {"a b", "b c"}));
    EXPECT_EQ(t.encode("abc", false, false), (std::vector<int>{257, 'c'}));
  }
  {
    // Ties (the same merge twice in a word) go to the leftmost pair.
    BpeTokenizer t = makeTokenizer(makeVocab({{"aa", N}}, {"a a"}));
    EXPECT_EQ(t.encode("aaa", false, false), (std::vector<int>{256, 'a'}));
    EXPECT_EQ(t.encode("aaaa", false, false), (std::vector<int>{256, 256}));
  }
  {
    // Merges never cross pre-tokenizer pieces: "ab" | " ab".
    BpeTokenizer t = makeTokenizer(
        makeVocab({{"ab", N}, {"\u0120a", N}, {"\u0120ab", N}},
                  {"\u0120 a", "\u0120a b", "a b"}));
    EXPECT_EQ(t.encode("ab ab", false, false), (std::vector<int>{256, 258}));
    EXPECT_EQ(t.decode(t.encode("ab ab", false, false)), "ab ab");
  }
}

TEST(BpeTokenizer, ByteFallbackLikeLlamaCpp) {
  // A merge whose result is no token: llama.cpp looks each byte of the
  // merged (encoded) text up alone; "x", "y" are tokens...
  BpeTokenizer t = makeTokenizer(makeVocab({}, {"x y", "\u0120 \u0120"}));
  EXPECT_EQ(t.encode("xy", false, false), (std::vector<int>{'x', 'y'}));
  // ... the bytes of a non-ASCII character ("Ġ" is C4 A0) are not, and
  // llama.cpp drops them.
  EXPECT_EQ(t.encode("  ", false, false), (std::vector<int>{}));
  // Without merges every byte is its own token.
  EXPECT_EQ(t.encode("\xc3\xa9!", false, false),
            (std::vector<int>{0xc3, 0xa9, '!'}));

  // A byte with no token of its own (SmolLM2's vocabulary has none for
  // 0x1D) is dropped too, so decode(encode(text)) loses it (found by
  // fuzz/FuzzBpeEncode).
  BpeVocabulary vocab = makeVocab({}, {});
  vocab.tokens[0x1d] = "not-a-byte";
  BpeTokenizer missing = makeTokenizer(vocab);
  EXPECT_EQ(missing.encode("a\x1d!", false, false),
            (std::vector<int>{'a', '!'}));
  EXPECT_EQ(missing.decode(missing.encode("a\x1d!", false, false)), "a!");
}

TEST(BpeTokenizer, IgnoreMergesForLlama3) {
  std::vector<std::pair<std::string, BpeTokenType>> extra = {{"abc", N}};
  BpeTokenizer gpt2 = makeTokenizer(makeVocab(extra, {}, "gpt-2"));
  EXPECT_EQ(gpt2.encode("abc", false, false),
            (std::vector<int>{'a', 'b', 'c'}));
  // llama-bpe takes a piece that is a token whole, merges or not.
  BpeVocabulary vocab = makeVocab(extra, {}, "llama-bpe");
  vocab.bosId = 'B';
  vocab.addBos = true;
  BpeTokenizer llama3 = makeTokenizer(vocab);
  EXPECT_EQ(llama3.encode("abc", false, false), (std::vector<int>{256}));
  EXPECT_EQ(llama3.encode("abc", true, false), (std::vector<int>{'B', 256}));
}

TEST(BpeTokenizer, SpecialTokensSplitLongestFirst) {
  // 256 <|im_start|>, 257 <|im_end|>, 258 <a>, 259 <a><b>, 260 <tool>
  BpeVocabulary vocab = makeVocab({{"<|im_start|>", C},
                                   {"<|im_end|>", C},
                                   {"<a>", C},
                                   {"<a><b>", C},
                                   {"<tool>", U}},
                                  {});
  vocab.bosId = 256;
  vocab.eosId = 257;
  BpeTokenizer t = makeTokenizer(vocab);
  using V = std::vector<int>;
  EXPECT_EQ(t.encode("<|im_start|>user\nhi<|im_end|>", false, true),
            (V{256, 'u', 's', 'e', 'r', 0x0a, 'h', 'i', 257}));
  EXPECT_EQ(t.encode("<a><b><a>", false, true), (V{259, 258}));
  EXPECT_EQ(t.encode("x<|im_end|><|im_end|>y", false, true),
            (V{'x', 257, 257, 'y'}));
  // Partial special tokens are text.
  EXPECT_EQ(t.encode("<|im_start", false, true),
            t.encode("<|im_start", false, false));
  // Without parseSpecial control tokens are text; user-defined ones are
  // still matched.
  V plain = t.encode("<a><tool>", false, false);
  EXPECT_EQ(plain.back(), 260);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 258), 0);
  EXPECT_EQ(t.decode(plain), "<a><tool>");
  // BOS/EOS only where the vocabulary says so.
  EXPECT_EQ(t.encode("hi", true, false), (V{'h', 'i'}));
  vocab.addBos = vocab.addEos = true;
  BpeTokenizer both = makeTokenizer(vocab);
  EXPECT_EQ(both.encode("hi", true, false), (V{256, 'h', 'i', 257}));
  EXPECT_EQ(both.encode("", true, false), (V{256, 257}));
  EXPECT_EQ(both.encode("", false, true), (V{}));
}

TEST(BpeTokenizer, PiecesAndDecode) {
  // 256 Ġhi, 257 <|im_end|> (control), 258 <tool> (user-defined), 259 a
  // byte-type token, 260 <|endoftext|> typed normal (llama.cpp makes it
  // control by its name).
  BpeVocabulary vocab =
      makeVocab({{"\u0120hi", N},
                 {"<|im_end|>", C},
                 {"<tool>", U},
                 {"<0x41>", BpeTokenType::Byte},
                 {"<|endoftext|>", N}},
                {"\u0120 h", "\u0120h i"});
  BpeTokenizer t = makeTokenizer(vocab);
  EXPECT_EQ(t.tokenToPiece(256, false), " hi");
  EXPECT_EQ(t.tokenToPiece(257, false), "");
  EXPECT_EQ(t.tokenToPiece(257, true), "<|im_end|>");
  EXPECT_EQ(t.tokenToPiece(258, false), "<tool>");
  EXPECT_EQ(t.tokenToPiece(259, true), "");
  EXPECT_EQ(t.tokenToPiece(260, false), "");
  EXPECT_TRUE(t.isControl(260));
  EXPECT_EQ(t.tokenToPiece(0x0a, false), "\n");
  EXPECT_EQ(t.tokenToPiece(-1, true), "");
  EXPECT_EQ(t.tokenToPiece(100000, true), "");
  std::string text = "Say hi\xc3\xa9 \U0001F600\n\t";
  std::vector<int> ids = t.encode(text, false, false);
  EXPECT_EQ(t.decode(ids), text);
  EXPECT_EQ(t.encode(" hi", false, false), (std::vector<int>{256}));
  EXPECT_EQ(t.decode({256, 257, 258}), " hi<tool>");
  EXPECT_EQ(t.decode({256, 257, 258}, true), " hi<|im_end|><tool>");
}

TEST(BpeTokenizer, EndOfGenerationLikeLlamaCpp) {
  // 256 <|endoftext|>, 257 <|im_start|>, 258 <|im_end|>, 259 <reponame>
  // (a FIM repo token), 260 <|fim_pad|>
  BpeVocabulary vocab = makeVocab({{"<|endoftext|>", C},
                                   {"<|im_start|>", C},
                                   {"<|im_end|>", C},
                                   {"<reponame>", C},
                                   {"<|fim_pad|>", N}},
                                  {}, "smollm");
  vocab.bosId = 257;
  vocab.eosId = 258;
  BpeTokenizer t = makeTokenizer(vocab);
  EXPECT_TRUE(t.isEog(256));
  EXPECT_FALSE(t.isEog(257));
  EXPECT_TRUE(t.isEog(258));
  EXPECT_TRUE(t.isEog(259));
  EXPECT_TRUE(t.isEog(260));
  EXPECT_TRUE(t.isControl(260));
  EXPECT_FALSE(t.isEog('a'));
  // No eot_token_id: the lowest-id token named like an EOT.
  EXPECT_EQ(t.eotId(), 256);
  vocab.eotId = 258;
  EXPECT_EQ(makeTokenizer(vocab).eotId(), 258);
}

TEST(BpeTokenizer, VocabularyJsonRoundTrip) {
  BpeVocabulary vocab = makeVocab({{"<|im_end|>", C}, {"\xff\xfe", N}},
                                  {"a b", "\u0120 t"}, "smollm");
  vocab.bosId = 1;
  vocab.eosId = 256;
  vocab.padId = 256;
  vocab.addEos = true;
  vocab.chatTemplate = "{% for m in messages %}{{ m['content'] }}\n{% endfor %}";
  std::string json = vocab.toJson();
  llvm::Expected<BpeVocabulary> back = BpeVocabulary::fromJson(json);
  ASSERT_TRUE(bool(back)) << errorText(back.takeError());
  EXPECT_EQ(back->tokens, vocab.tokens);
  EXPECT_EQ(back->tokenTypes, vocab.tokenTypes);
  EXPECT_EQ(back->merges, vocab.merges);
  EXPECT_EQ(back->pre, "smollm");
  EXPECT_EQ(back->bosId, 1);
  EXPECT_EQ(back->eosId, 256);
  EXPECT_EQ(back->eotId, -1);
  EXPECT_EQ(back->unkId, -1);
  EXPECT_EQ(back->padId, 256);
  EXPECT_FALSE(back->addBos);
  EXPECT_TRUE(back->addEos);
  EXPECT_EQ(back->chatTemplate, vocab.chatTemplate);

  llvm::Expected<BpeVocabulary> bad = BpeVocabulary::fromJson("{\"a\": 1}");
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(errorText(bad.takeError()).find("format"), std::string::npos);
  llvm::Expected<BpeVocabulary> notJson = BpeVocabulary::fromJson("[1,");
  EXPECT_FALSE(bool(notJson));
  llvm::consumeError(notJson.takeError());
}

TEST(BpeTokenizer, InvalidVocabulariesAreErrors) {
  BpeVocabulary duplicate = makeVocab({{"a", N}}, {});
  llvm::Expected<BpeTokenizer> t1 = BpeTokenizer::create(duplicate);
  ASSERT_FALSE(bool(t1));
  EXPECT_NE(errorText(t1.takeError()).find("duplicates"), std::string::npos);

  BpeVocabulary outOfRange = makeVocab({}, {});
  outOfRange.eosId = 256;
  llvm::Expected<BpeTokenizer> t2 = BpeTokenizer::create(outOfRange);
  ASSERT_FALSE(bool(t2));
  EXPECT_NE(errorText(t2.takeError()).find("eos_token_id"), std::string::npos);

  BpeVocabulary noBos = makeVocab({}, {});
  noBos.addBos = true;
  llvm::Expected<BpeTokenizer> t3 = BpeTokenizer::create(noBos);
  ASSERT_FALSE(bool(t3));
  EXPECT_NE(errorText(t3.takeError()).find("bos_token_id"), std::string::npos);

  BpeVocabulary types = makeVocab({}, {});
  types.tokenTypes.pop_back();
  llvm::Expected<BpeTokenizer> t4 = BpeTokenizer::create(types);
  EXPECT_FALSE(bool(t4));
  llvm::consumeError(t4.takeError());

  llvm::Expected<BpeTokenizer> t5 = BpeTokenizer::create(BpeVocabulary());
  EXPECT_FALSE(bool(t5));
  llvm::consumeError(t5.takeError());
}
