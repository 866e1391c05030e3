// ChatMLTemplate: ChatML (<|im_start|>role ... <|im_end|>) with Qwen2.5's tool style, written out by hand.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.format.Json;
import java.util.List;

/**
 * ChatML as Qwen uses it: each turn is {@code <|im_start|>role\ncontent<|im_end|>\n}, the generation
 * prompt {@code <|im_start|>assistant\n}. The logic reproduces the {@code chat_template} of
 * Qwen/Qwen2.5-7B-Instruct (tokenizer_config.json on Hugging Face): tool definitions go into the
 * system turn inside {@code <tools></tools>} (one JSON per line) followed by the instruction to answer
 * with {@code <tool_call>} blocks; an assistant tool call is
 * {@code <tool_call>\n{"name": ..., "arguments": ...}\n</tool_call>}; consecutive tool results are
 * grouped into one user turn as {@code <tool_response>} blocks.
 *
 * <p>The variants differ only in the system turn used when the conversation has none:
 * {@code qwen2.5} "You are Qwen, created by Alibaba Cloud. You are a helpful assistant." (exact
 * Qwen2.5 template), {@code qwen2} "You are a helpful assistant." (the Qwen2-Instruct template, exact
 * for conversations without tools; Qwen2's template has no tool format, so tools follow Qwen2.5), and
 * plain {@code chatml} none (with tools and no system message its system turn starts at "# Tools").
 *
 * <p>Assistant spans: what follows {@code <|im_start|>assistant\n} up to and including
 * {@code <|im_end|>} (not the newline after it).
 */
final class ChatMLTemplate extends BuiltInTemplate {
    static final String QWEN25_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
    static final String QWEN2_SYSTEM = "You are a helpful assistant.";

    private final String defaultSystem;

    ChatMLTemplate(String name, String defaultSystem) {
        super(name);
        this.defaultSystem = defaultSystem;
    }

    @Override
    public ToolCallFormat toolCallFormat() {
        return ToolCallFormat.QWEN_XML;
    }

    @Override
    void write(List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt, Conversations.Out out) {
        Message first = messages.getFirst();
        String system = first.role().equals("system") ? first.content() : defaultSystem;
        if (!tools.isEmpty()) {
            out.append("<|im_start|>system\n");
            if (system != null) out.append(system).append("\n\n");
            out.append("# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                    + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>");
            for (JsonNode t : tools) out.append("\n").append(Json.dumps(t));
            out.append(
                    "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
                            + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
                            + "</tool_call><|im_end|>\n");
        } else if (system != null) {
            out.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
        }
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            String role = m.role();
            if (role.equals("user")
                    || (role.equals("system") && i > 0)
                    || (role.equals("assistant") && m.toolCalls().isEmpty())) {
                out.append("<|im_start|>").append(role).append("\n");
                boolean assistant = role.equals("assistant");
                if (assistant) out.beginAssistant();
                out.append(m.content()).append("<|im_end|>");
                if (assistant) out.endAssistant();
                out.append("\n");
            } else if (role.equals("assistant")) {
                out.append("<|im_start|>assistant\n");
                out.beginAssistant();
                StringBuilder body = new StringBuilder();
                boolean hasText = m.content() != null && !m.content().isEmpty();
                if (hasText) body.append(m.content());
                for (ToolCall c : m.toolCalls()) {
                    body.append("\n<tool_call>\n{\"name\": \"")
                            .append(c.name())
                            .append("\", \"arguments\": ")
                            .append(Json.dumps(c.arguments()))
                            .append("}\n</tool_call>");
                }
                out.append(hasText ? body.toString() : body.substring(1)).append("<|im_end|>");
                out.endAssistant();
                out.append("\n");
            } else if (role.equals("tool")) {
                if (i == 0 || !messages.get(i - 1).role().equals("tool")) out.append("<|im_start|>user");
                out.append("\n<tool_response>\n").append(m.content()).append("\n</tool_response>");
                if (i == messages.size() - 1 || !messages.get(i + 1).role().equals("tool")) out.append("<|im_end|>\n");
            }
        }
        if (addGenerationPrompt) out.append("<|im_start|>assistant\n");
    }
}
