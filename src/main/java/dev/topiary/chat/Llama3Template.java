// Llama3Template: the Llama 3 and Llama 3.1 Instruct chat formats, written out by hand.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.format.Json;
import java.util.List;

/**
 * Llama 3 / 3.1 Instruct.
 *
 * <p>{@code llama3} reproduces the {@code chat_template} of meta-llama/Meta-Llama-3-8B-Instruct
 * (tokenizer_config.json on Hugging Face): {@code <|begin_of_text|>}, then per turn
 * {@code <|start_header_id|>role<|end_header_id|>\n\n} + trimmed content + {@code <|eot_id|>}, and
 * the generation prompt {@code <|start_header_id|>assistant<|end_header_id|>\n\n}. Llama 3.0 has no
 * tool format, so a conversation with tools, tool calls or tool results is rendered exactly as
 * {@code llama3.1} renders it.
 *
 * <p>{@code llama3.1} reproduces the {@code chat_template} of meta-llama/Llama-3.1-8B-Instruct
 * (tokenizer_config.json; the same text is in the Llama 3.1 model card's prompt-format page): a
 * system block always comes first with "Cutting Knowledge Date: December 2023" and "Today Date: "
 * (26 Jul 2024 unless set), plus "Environment: ipython" when there are tools; tool definitions
 * (JSON, indent 4) go into the first user turn (or, with {@code toolsInUserMessage} off, into the
 * system block); an assistant tool call is {@code {"name": ..., "parameters": ...}} (one call per
 * turn, as the template demands); a tool result is an {@code ipython} turn whose content is written
 * as JSON (the template's {@code is iterable} test is true for strings, so text results are quoted).
 * Built-in tools ({@code builtin_tools}, {@code <|python_tag|>} calls, {@code <|eom_id|>}) are not
 * modelled.
 *
 * <p>Assistant spans: the trimmed content (or the tool-call JSON) and its {@code <|eot_id|>}.
 */
final class Llama3Template extends BuiltInTemplate {
    static final String BOS = "<|begin_of_text|>", EOT = "<|eot_id|>";
    static final String DEFAULT_DATE = "26 Jul 2024";
    private static final String RESPOND_FORMAT =
            "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.";

    private final boolean v31;
    private final String dateString;
    private final boolean toolsInUserMessage;

    Llama3Template(String name, boolean v31, String dateString, boolean toolsInUserMessage) {
        super(name);
        this.v31 = v31;
        this.dateString = dateString;
        this.toolsInUserMessage = toolsInUserMessage;
    }

    @Override
    public ToolCallFormat toolCallFormat() {
        return ToolCallFormat.LLAMA3_JSON;
    }

    private static void header(Conversations.Out out, String role) {
        out.append("<|start_header_id|>").append(role).append("<|end_header_id|>\n\n");
    }

    @Override
    void write(List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt, Conversations.Out out) {
        if (!v31 && tools.isEmpty() && !Conversations.hasToolTurns(messages)) {
            out.append(BOS);
            for (Message m : messages) turn(out, m);
        } else {
            write31(messages, tools, out);
        }
        if (addGenerationPrompt) header(out, "assistant");
    }

    private static void turn(Conversations.Out out, Message m) {
        header(out, m.role());
        boolean assistant = m.role().equals("assistant");
        if (assistant) out.beginAssistant();
        out.append(PyStr.strip(m.content())).append(EOT);
        if (assistant) out.endAssistant();
    }

    private void write31(List<Message> messages, List<JsonNode> tools, Conversations.Out out) {
        out.append(BOS);
        List<Message> rest = messages;
        String system = "";
        if (messages.getFirst().role().equals("system")) {
            system = PyStr.strip(messages.getFirst().content());
            rest = messages.subList(1, messages.size());
        }
        header(out, "system");
        if (!tools.isEmpty()) out.append("Environment: ipython\n");
        out.append("Cutting Knowledge Date: December 2023\n")
                .append("Today Date: ")
                .append(dateString)
                .append("\n\n");
        if (!tools.isEmpty() && !toolsInUserMessage) {
            out.append(
                            "You have access to the following functions. To call a function, please respond with JSON for a function call.")
                    .append(RESPOND_FORMAT)
                    .append("Do not use variables.\n\n");
            for (JsonNode t : tools) out.append(Json.dumps(t, 4, false)).append("\n\n");
        }
        out.append(system).append(EOT);
        if (!tools.isEmpty() && toolsInUserMessage) {
            if (rest.isEmpty())
                throw error("Cannot put tools in the first user message when there's no first user message!");
            Message first = rest.getFirst();
            if (first.content() == null)
                throw error("tools go into the first turn after the system message, but it has no text");
            rest = rest.subList(1, rest.size());
            header(out, "user");
            out.append("Given the following functions, please respond with a JSON for a function call ")
                    .append("with its proper arguments that best answers the given prompt.\n\n")
                    .append(RESPOND_FORMAT)
                    .append("Do not use variables.\n\n");
            for (JsonNode t : tools) out.append(Json.dumps(t, 4, false)).append("\n\n");
            out.append(PyStr.strip(first.content())).append(EOT);
        }
        for (Message m : rest) {
            if (m.role().equals("tool")) {
                header(out, "ipython");
                out.append(Json.dumps(m.content())).append(EOT);
            } else if (!m.toolCalls().isEmpty()) {
                if (m.toolCalls().size() != 1) throw error("This model only supports single tool-calls at once!");
                ToolCall call = m.toolCalls().getFirst();
                header(out, "assistant");
                out.beginAssistant();
                out.append("{\"name\": \"")
                        .append(call.name())
                        .append("\", ")
                        .append("\"parameters\": ")
                        .append(Json.dumps(call.arguments()))
                        .append("}")
                        .append(EOT);
                out.endAssistant();
            } else {
                turn(out, m);
            }
        }
    }
}
