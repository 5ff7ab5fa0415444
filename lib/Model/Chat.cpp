//===- Chat.cpp - Chat templates of instruction-tuned models --------------===//

#include "wq/Model/Chat.h"

using namespace llvm;

namespace wq_model {

namespace {
constexpr StringLiteral kImStart = "<|im_start|>";
constexpr StringLiteral kImEnd = "<|im_end|>";

/// The default system message of a ChatML template: the literal text that
/// follows `<|im_start|>system` and a newline (a real one, or the two
/// characters `\n` of a Jinja string escape) up to `<|im_end|>`, when that
/// text is plain (no Jinja expression: a template that only formats the
/// caller's system message has `' + message['content']` there).
std::string chatmlDefaultSystem(StringRef jinja) {
  const std::string opening = (kImStart + "system").str();
  for (size_t at = jinja.find(opening); at != StringRef::npos;
       at = jinja.find(opening, at + 1)) {
    StringRef rest = jinja.drop_front(at + opening.size());
    if (!rest.consume_front("\n") && !rest.consume_front("\\n"))
      continue;
    size_t end = rest.find(kImEnd);
    if (end == StringRef::npos)
      continue;
    StringRef text = rest.take_front(end);
    if (text.contains('\'') || text.contains('"') || text.contains("{{") ||
        text.contains("{%"))
      continue;
    return text.str();
  }
  return "";
}
} // namespace

Expected<ChatTemplate> ChatTemplate::fromJinja(StringRef jinja) {
  if (jinja.contains(kImStart) && jinja.contains(kImEnd)) {
    ChatTemplate result;
    result.defaultSystem_ = chatmlDefaultSystem(jinja);
    return result;
  }
  std::string opening = jinja.take_front(80).str();
  for (char &c : opening)
    if (c == '\n')
      c = ' ';
  return createStringError(
      inconvertibleErrorCode(),
      jinja.empty()
          ? Twine("the model has no chat template (tokenizer.chat_template)")
          : "unsupported chat template (wq knows ChatML, "
            "<|im_start|>role ... <|im_end|>): '" +
                opening + (jinja.size() > 80 ? "...'" : "'"));
}

static std::string chatmlTurn(const ChatMessage &message) {
  return (kImStart + message.role + "\n" + message.content + kImEnd + "\n")
      .str();
}

std::string ChatTemplate::format(ArrayRef<ChatMessage> messages,
                                 bool addGenerationPrompt) const {
  std::string text;
  if ((messages.empty() || messages.front().role != "system") &&
      !defaultSystem_.empty())
    text += chatmlTurn({"system", defaultSystem_});
  for (const ChatMessage &message : messages)
    text += chatmlTurn(message);
  if (addGenerationPrompt)
    text += (kImStart + "assistant\n").str();
  return text;
}

std::string ChatTemplate::continuation(const ChatMessage &message) const {
  return (kImEnd + "\n").str() + chatmlTurn(message) +
         (kImStart + "assistant\n").str();
}

} // namespace wq_model
