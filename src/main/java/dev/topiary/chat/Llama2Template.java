// Llama2Template: the Llama 2 Chat format ([INST] ... [/INST] with a <<SYS>> block), written out by hand.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Llama 2 Chat: reproduces the {@code chat_template} of meta-llama/Llama-2-7b-chat-hf
 * (tokenizer_config.json on Hugging Face). An optional first system message goes into the first user
 * turn as {@code <<SYS>>\n...\n<</SYS>>\n\n}; each user turn is {@code <s>[INST] text [/INST]} and
 * each assistant turn {@code " " + text + " </s>"} (texts stripped); roles must then alternate
 * user/assistant. There is no generation prompt: a prompt ends with {@code [/INST]}.
 *
 * <p>Llama 2 has no tool format. The official template ignores tool definitions and drops turns it
 * does not know; here tools, tool calls, tool results and a system message after the first turn are
 * errors instead, so that training data never loses a turn silently.
 *
 * <p>Assistant spans: {@code " " + text + " </s>"}.
 */
final class Llama2Template extends BuiltInTemplate {
    static final String BOS = "<s>", EOS = "</s>";

    Llama2Template() {
        super("llama2");
    }

    @Override
    public ToolCallFormat toolCallFormat() {
        return ToolCallFormat.NONE;
    }

    @Override
    void write(List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt, Conversations.Out out) {
        if (!tools.isEmpty() || Conversations.hasToolTurns(messages))
            throw error("the Llama 2 chat format has no tools, tool calls or tool results");
        String system = null;
        List<Message> rest = messages;
        if (messages.getFirst().role().equals("system")) {
            system = messages.getFirst().content();
            rest = messages.subList(1, messages.size());
        }
        for (int i = 0; i < rest.size(); i++) {
            Message m = rest.get(i);
            int index = system == null ? i : i + 1;
            if (m.role().equals("user") != (i % 2 == 0))
                throw error("Conversation roles must alternate user/assistant/user/assistant/... (message " + index
                        + " is " + m.role() + ")");
            if (m.role().equals("system")) throw error("a system message may only come first (message " + index + ")");
            String content =
                    i == 0 && system != null ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + m.content() : m.content();
            if (m.role().equals("user")) {
                out.append(BOS).append("[INST] ").append(PyStr.strip(content)).append(" [/INST]");
            } else {
                out.beginAssistant();
                out.append(" ").append(PyStr.strip(content)).append(" ").append(EOS);
                out.endAssistant();
            }
        }
    }
}
