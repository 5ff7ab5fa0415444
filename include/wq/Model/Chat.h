//===- Chat.h - Chat templates of instruction-tuned models ------*- C++ -*-===//
//
// Models carry their chat template as Jinja text (GGUF's
// `tokenizer.chat_template`, Hugging Face's tokenizer_config.json). Like
// llama.cpp, wq does not run Jinja: it recognizes the template's family
// from its markers and formats conversations with that family's rules,
// taking the model's default system message from the template text.
//
//===----------------------------------------------------------------------===//

#ifndef WQ_MODEL_CHAT_H
#define WQ_MODEL_CHAT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace wq_model {

struct ChatMessage {
  std::string role; // "system", "user", "assistant"
  std::string content;
};

class ChatTemplate {
public:
  /// Recognizes `jinja`; an error names the template's opening for families
  /// wq does not know (supported: ChatML, `<|im_start|>role\n...<|im_end|>`).
  static llvm::Expected<ChatTemplate> fromJinja(llvm::StringRef jinja);

  /// The system message the template inserts when a conversation has none
  /// (empty if it inserts none).
  const std::string &defaultSystemMessage() const { return defaultSystem_; }

  /// The text of `messages` (a system message first is used as given; with
  /// none, the default one is inserted when the template has one), followed
  /// by the assistant's opening when `addGenerationPrompt`.
  std::string format(llvm::ArrayRef<ChatMessage> messages,
                     bool addGenerationPrompt) const;

  /// The text that continues a conversation whose formatted text so far
  /// ended with the assistant's answer (the token closing the turn, e.g.
  /// "<|im_end|>", generated but not yet in the context): closes the answer,
  /// adds `message` and opens the next answer.
  std::string continuation(const ChatMessage &message) const;

private:
  std::string defaultSystem_;
};

} // namespace wq_model

#endif // WQ_MODEL_CHAT_H
