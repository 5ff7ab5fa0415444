//===- bpe-tokenize-check.cpp - BPE tokenizer against reference ids -------===//
//
// Test-only driver of test/Models/smollm2-tokenizer.test:
//
//   wq-bpe-tokenize-check VOCAB CASES.json [--verbose]
//
// VOCAB is a GGUF file (read with BpeVocabulary::fromGguf) or a tokenizer
// JSON (BpeVocabulary::fromJson). CASES.json is what
// bench/models/tokenizer_reference.py writes: texts ("text", or "hex" for
// bytes that are not UTF-8) with llama.cpp's ids for given add_special /
// parse_special flags, and llama.cpp's special ids and end-of-generation
// tokens. Every case must give identical ids, with the vocabulary as read
// and after a toJson/fromJson round trip; the decoded ids must give back the
// text (valid UTF-8 texts, unless the case says "round_trip": false;
// special tokens rendered when they were parsed);
// the special ids must agree. Prints a summary; exit status 1 on any
// difference.
//
//===----------------------------------------------------------------------===//

#include "wq/Formats/Gguf.h"
#include "wq/Model/BpeTokenizer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

using namespace llvm;
using namespace wq_model;

static int fail(const Twine &message) {
  errs() << "wq-bpe-tokenize-check: " << message << "\n";
  return 1;
}

static std::string idsToString(ArrayRef<int> ids, size_t from, size_t count) {
  std::string out = "[";
  for (size_t i = from; i < ids.size() && i < from + count; ++i)
    out += (i > from ? ", " : "") + std::to_string(ids[i]);
  return out + (from + count < ids.size() ? ", ...]" : "]");
}

int main(int argc, char **argv) {
  if (argc < 3)
    return fail("usage: wq-bpe-tokenize-check VOCAB(.gguf|.json) CASES.json "
                "[--verbose]");
  bool verbose = argc > 3 && StringRef(argv[3]) == "--verbose";

  ErrorOr<std::unique_ptr<MemoryBuffer>> vocabFile =
      MemoryBuffer::getFile(argv[1], /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!vocabFile)
    return fail(Twine(argv[1]) + ": " + vocabFile.getError().message());
  Expected<BpeVocabulary> vocab = [&]() -> Expected<BpeVocabulary> {
    if ((*vocabFile)->getBuffer().starts_with("GGUF")) {
      vocabFile->reset(); // the reader maps the file itself
      Expected<wq_formats::GgufFile> gguf =
          wq_formats::GgufFile::open(argv[1]);
      if (!gguf)
        return gguf.takeError();
      return BpeVocabulary::fromGguf(*gguf);
    }
    return BpeVocabulary::fromJson((*vocabFile)->getBuffer());
  }();
  if (!vocab)
    return fail(toString(vocab.takeError()));
  std::string vocabJson = vocab->toJson();
  Expected<BpeVocabulary> reread = BpeVocabulary::fromJson(vocabJson);
  if (!reread)
    return fail("toJson/fromJson: " + toString(reread.takeError()));
  Expected<BpeTokenizer> tokenizer = BpeTokenizer::create(std::move(*vocab));
  if (!tokenizer)
    return fail(toString(tokenizer.takeError()));
  Expected<BpeTokenizer> rereadTokenizer =
      BpeTokenizer::create(std::move(*reread));
  if (!rereadTokenizer)
    return fail(toString(rereadTokenizer.takeError()));

  ErrorOr<std::unique_ptr<MemoryBuffer>> casesFile =
      MemoryBuffer::getFile(argv[2]);
  if (!casesFile)
    return fail(Twine(argv[2]) + ": " + casesFile.getError().message());
  Expected<json::Value> casesJson = json::parse((*casesFile)->getBuffer());
  if (!casesJson)
    return fail(Twine(argv[2]) + ": " + toString(casesJson.takeError()));
  const json::Object *doc = casesJson->getAsObject();
  const json::Array *cases = doc ? doc->getArray("cases") : nullptr;
  if (!cases)
    return fail(Twine(argv[2]) + ": no \"cases\" array");

  int errors = 0;
  // Special ids and end-of-generation tokens as llama.cpp reported them.
  if (const json::Object *info = doc->getObject("vocab")) {
    struct Check {
      const char *key;
      int ours;
    };
    for (Check c : {Check{"bos", tokenizer->bosId()},
                    Check{"eos", tokenizer->eosId()},
                    Check{"eot", tokenizer->eotId()},
                    Check{"unk", tokenizer->unkId()},
                    Check{"pad", tokenizer->padId()}}) {
      std::optional<int64_t> theirs = info->getInteger(c.key);
      if (theirs && *theirs != c.ours) {
        outs() << "MISMATCH special " << c.key << ": " << c.ours
               << ", llama.cpp " << *theirs << "\n";
        ++errors;
      }
    }
    if (const json::Array *eog = info->getArray("eog")) {
      std::set<int> theirs, ours;
      for (const json::Value &v : *eog)
        theirs.insert(int(v.getAsInteger().value_or(-1)));
      for (int id = 0; id < tokenizer->vocabSize(); ++id)
        if (tokenizer->isEog(id))
          ours.insert(id);
      if (theirs != ours) {
        outs() << "MISMATCH end-of-generation tokens\n";
        ++errors;
      }
    }
    if (std::optional<bool> addBos = info->getBoolean("add_bos"))
      if (*addBos != tokenizer->addBos()) {
        outs() << "MISMATCH add_bos\n";
        ++errors;
      }
  }

  int matched = 0, roundTrips = 0;
  for (const json::Value &value : *cases) {
    const json::Object *c = value.getAsObject();
    if (!c)
      return fail("a case is not an object");
    std::string name = c->getString("name").value_or("?").str();
    std::string text;
    if (std::optional<StringRef> t = c->getString("text"))
      text = t->str();
    else if (std::optional<StringRef> hex = c->getString("hex");
             !hex || !tryGetFromHex(*hex, text))
      return fail("case " + name + ": no \"text\" or \"hex\"");
    bool parseSpecial = c->getBoolean("parse_special").value_or(false);
    bool addSpecial = c->getBoolean("add_special").value_or(false);
    const json::Array *idArray = c->getArray("ids");
    if (!idArray)
      return fail("case " + name + ": no \"ids\"");
    std::vector<int> expected;
    for (const json::Value &id : *idArray)
      expected.push_back(int(id.getAsInteger().value_or(-1)));

    std::string label = name + (parseSpecial ? " (special)" : " (plain)");
    std::vector<int> ids = tokenizer->encode(text, addSpecial, parseSpecial);
    if (ids == expected) {
      ++matched;
    } else {
      ++errors;
      size_t at = 0;
      while (at < ids.size() && at < expected.size() && ids[at] == expected[at])
        ++at;
      size_t from = at > 3 ? at - 3 : 0;
      outs() << "MISMATCH " << label << ": " << ids.size() << " ids, llama.cpp "
             << expected.size() << "; first difference at " << at << ": "
             << idsToString(ids, from, 8) << " vs llama.cpp "
             << idsToString(expected, from, 8) << "\n";
    }
    if (rereadTokenizer->encode(text, addSpecial, parseSpecial) != ids) {
      ++errors;
      outs() << "MISMATCH " << label << ": the JSON round trip of the "
             << "vocabulary encodes differently\n";
    }
    if (json::isUTF8(text) && c->getBoolean("round_trip").value_or(true)) {
      std::vector<int> withoutBosEos =
          addSpecial ? tokenizer->encode(text, false, parseSpecial) : ids;
      std::string decoded =
          tokenizer->decode(withoutBosEos, /*renderSpecial=*/true);
      if (decoded == text) {
        ++roundTrips;
      } else {
        ++errors;
        outs() << "MISMATCH " << label << ": decode(encode(text)) differs ("
               << decoded.size() << " bytes for " << text.size() << ")\n";
      }
    }
    if (verbose)
      outs() << label << ": " << ids.size() << " ids\n";
  }
  outs() << cases->size() << " cases, " << matched
         << " identical to llama.cpp, " << roundTrips
         << " decoded back to their text, " << errors << " differences\n";
  return errors ? 1 : 0;
}
