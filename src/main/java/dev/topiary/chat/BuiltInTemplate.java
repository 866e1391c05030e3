// BuiltInTemplate: the shared frame of the hand-written formats (checks, tool normalisation, span recording).
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** A format written in Java that records the assistant spans while it writes. */
abstract class BuiltInTemplate implements ChatTemplate {
    private final String name;

    BuiltInTemplate(String name) {
        this.name = name;
    }

    /** Writes the conversation (already checked; tools wrapped, empty when none). */
    abstract void write(
            List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt, Conversations.Out out);

    @Override
    public final String render(List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt) {
        return run(messages, tools, addGenerationPrompt).text();
    }

    @Override
    public final RenderedChat renderWithSpans(List<Message> messages, List<JsonNode> tools) {
        return run(messages, tools, false);
    }

    private RenderedChat run(List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt) {
        Conversations.check(messages);
        Conversations.Out out = new Conversations.Out();
        write(messages, Conversations.normalizeTools(tools), addGenerationPrompt, out);
        return out.result();
    }

    @Override
    public final String name() {
        return name;
    }

    IllegalArgumentException error(String why) {
        return new IllegalArgumentException("chat template " + name + ": " + why);
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + "]";
    }
}
