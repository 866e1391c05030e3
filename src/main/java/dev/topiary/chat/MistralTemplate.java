// MistralTemplate: the Mistral Instruct v0.3 format ([INST] ... [/INST], [AVAILABLE_TOOLS], [TOOL_CALLS]), written out
// by hand.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.format.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mistral Instruct v0.3: reproduces the {@code chat_template} of mistralai/Mistral-7B-Instruct-v0.3
 * (tokenizer_config.json on Hugging Face, the version with tool support). {@code <s>}, then
 * {@code [INST] text[/INST]} per user turn and {@code " " + trimmed text + "</s>"} per assistant turn;
 * roles alternate user/assistant after an optional system message, tool calls and results aside.
 * There is no generation prompt: a prompt ends with {@code [/INST]}.
 *
 * <p>Where the system message goes: this template puts it (followed by a blank line) in front of the
 * <em>last</em> user turn, and only when that turn ends the conversation; so a conversation that
 * ends with an assistant turn (training text) shows no system message at all. That is what the
 * official v0.3 template does (the earlier v0.1 template put it in the first user turn instead).
 *
 * <p>Tools: {@code [AVAILABLE_TOOLS] [...][/AVAILABLE_TOOLS]} before the last user turn (and before
 * any user turn equal to it); an assistant tool call is
 * {@code [TOOL_CALLS] [{"name": ..., "arguments": ..., "id": ...}]</s>}; a tool result is
 * {@code [TOOL_RESULTS] {"content": <text as is>, "call_id": ...}[/TOOL_RESULTS]}. The template
 * needs 9-character ids; since our messages carry none, the k-th tool call of the conversation gets
 * {@code call0000k} (counting from 0) and the k-th tool result answers the k-th call.
 *
 * <p>Assistant spans: {@code " " + text + "</s>"}, or the whole {@code [TOOL_CALLS] [...]</s>}.
 */
final class MistralTemplate extends BuiltInTemplate {
    static final String BOS = "<s>", EOS = "</s>";

    MistralTemplate() {
        super("mistral");
    }

    @Override
    public ToolCallFormat toolCallFormat() {
        return ToolCallFormat.MISTRAL;
    }

    @Override
    void write(List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt, Conversations.Out out) {
        String system = null;
        List<Message> rest = messages;
        int offset = 0;
        if (messages.getFirst().role().equals("system")) {
            system = messages.getFirst().content();
            rest = messages.subList(1, messages.size());
            offset = 1;
        }
        int index = 0;
        Message lastUser = null;
        for (int i = 0; i < rest.size(); i++) {
            Message m = rest.get(i);
            if (m.role().equals("user")) lastUser = m;
            if (m.role().equals("tool") || !m.toolCalls().isEmpty()) continue;
            if (m.role().equals("user") != (index % 2 == 0))
                throw error(
                        "After the optional system message, conversation roles must alternate user/assistant/user/assistant/... (message "
                                + (i + offset) + " is " + m.role() + ")");
            index++;
        }
        out.append(BOS);
        int calls = 0, results = 0;
        for (int i = 0; i < rest.size(); i++) {
            Message m = rest.get(i);
            if (m.role().equals("user")) {
                if (!tools.isEmpty() && m.equals(lastUser)) availableTools(out, tools);
                if (i == rest.size() - 1 && system != null)
                    out.append("[INST] ")
                            .append(system)
                            .append("\n\n")
                            .append(m.content())
                            .append("[/INST]");
                else out.append("[INST] ").append(m.content()).append("[/INST]");
            } else if (!m.toolCalls().isEmpty()) {
                out.beginAssistant();
                out.append("[TOOL_CALLS] [");
                for (int c = 0; c < m.toolCalls().size(); c++) {
                    ToolCall call = m.toolCalls().get(c);
                    String function = Json.dumps(orderedFunction(call));
                    out.append(function.substring(0, function.length() - 1))
                            .append(", \"id\": \"")
                            .append(Conversations.toolCallId(calls++))
                            .append("\"}");
                    out.append(c < m.toolCalls().size() - 1 ? ", " : "]" + EOS);
                }
                out.endAssistant();
            } else if (m.role().equals("assistant")) {
                out.beginAssistant();
                out.append(" ").append(PyStr.strip(m.content())).append(EOS);
                out.endAssistant();
            } else if (m.role().equals("tool")) {
                out.append("[TOOL_RESULTS] {\"content\": ")
                        .append(m.content())
                        .append(", ")
                        .append("\"call_id\": \"")
                        .append(Conversations.toolCallId(results++))
                        .append("\"}[/TOOL_RESULTS]");
            } else {
                throw error(
                        "Only user and assistant roles are supported, with the exception of an initial optional system message! (message "
                                + (i + offset) + " is " + m.role() + ")");
            }
        }
    }

    private static Map<String, Object> orderedFunction(ToolCall call) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", call.name());
        f.put("arguments", call.arguments());
        return f;
    }

    private static void availableTools(Conversations.Out out, List<JsonNode> tools) {
        out.append("[AVAILABLE_TOOLS] [");
        for (int t = 0; t < tools.size(); t++) {
            out.append("{\"type\": \"function\", \"function\": {");
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : tools.get(t).get("function").properties()) {
                if (e.getKey().equals("return")) continue;
                if (!first) out.append(", ");
                first = false;
                JsonNode v = e.getValue();
                if (v.isTextual())
                    out.append("\"")
                            .append(e.getKey())
                            .append("\": \"")
                            .append(v.textValue())
                            .append("\"");
                else out.append("\"").append(e.getKey()).append("\": ").append(Json.dumps(v));
            }
            out.append("}}");
            out.append(t < tools.size() - 1 ? ", " : "]");
        }
        out.append("[/AVAILABLE_TOOLS]");
    }
}
