// Conversations: shared checks and plumbing for the templates (roles, tool definitions, tool-call ids, span recording).
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** What every template does before and while rendering. */
final class Conversations {
    static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    private Conversations() {}

    /**
     * Rejects what no template can render: no messages, a missing or unknown role, text missing where a
     * role needs it, tool calls on a turn that is not the assistant's.
     */
    static void check(List<Message> messages) {
        if (messages == null || messages.isEmpty())
            throw new IllegalArgumentException("empty conversation: no messages to render");
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m == null) throw new IllegalArgumentException("message " + i + " is null");
            if (m.role() == null || m.role().isBlank())
                throw new IllegalArgumentException(
                        "message " + i + " has no role (expected system, user, assistant or tool)");
            if (!ROLES.contains(m.role()))
                throw new IllegalArgumentException("message " + i + " has unknown role '" + m.role()
                        + "' (expected system, user, assistant or tool)");
            if (!m.toolCalls().isEmpty() && !m.role().equals("assistant"))
                throw new IllegalArgumentException(
                        "message " + i + " (" + m.role() + ") has tool calls; only assistant turns call tools");
            if (m.content() == null && m.toolCalls().isEmpty())
                throw new IllegalArgumentException("message " + i + " (" + m.role() + ") has no content");
        }
    }

    /** Tool definitions in the wrapped form {"type": "function", "function": {...}}; empty when there are none. */
    static List<JsonNode> normalizeTools(List<JsonNode> tools) {
        if (tools == null || tools.isEmpty()) return List.of();
        List<JsonNode> out = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            if (t == null || !t.isObject()) throw new IllegalArgumentException("tool " + i + " is not a JSON object");
            if (t.has("function") && t.get("function").isObject()) {
                if (!t.get("function").path("name").isTextual())
                    throw new IllegalArgumentException("tool " + i + " has no function.name");
                out.add(t);
            } else {
                if (!t.path("name").isTextual())
                    throw new IllegalArgumentException(
                            "tool " + i
                                    + " has no name (expected {\"name\", \"description\", \"parameters\"} or {\"type\": \"function\", \"function\": {...}})");
                ObjectNode w = JsonNodeFactory.instance.objectNode();
                w.put("type", "function");
                w.set("function", t);
                out.add(w);
            }
        }
        return out;
    }

    static boolean hasToolTurns(List<Message> messages) {
        for (Message m : messages) if (m.role().equals("tool") || !m.toolCalls().isEmpty()) return true;
        return false;
    }

    /**
     * Mistral's format needs a 9-character id on each tool call and the same id on its result; our
     * messages carry none, so the k-th tool call of the conversation (counting from 0) gets
     * {@code call00000 + k} and the k-th tool turn answers the k-th call.
     */
    static String toolCallId(int k) {
        return String.format("call%05d", k);
    }

    /**
     * Assistant spans by prefix rendering, for templates that do not record them while writing. For
     * each assistant turn i: P = the turns before i rendered with the generation prompt, F = the turns
     * up to and including i rendered without it. F must start with P; the span is F's remainder after
     * P, less trailing whitespace (the newline a template puts after an end-of-turn marker is not
     * something the model emits). The whole conversation's rendering must start with F up to the
     * span's end, so that the span sits at the same place there. A template for which this does not
     * hold (one that moves text between turns depending on which turn is last, such as Mistral
     * v0.3's system message and tool list) gets an IllegalArgumentException; so does a conversation
     * that opens with an assistant turn.
     */
    static RenderedChat spansByPrefix(ChatTemplate template, List<Message> messages, List<JsonNode> tools) {
        check(messages);
        String full = template.render(messages, tools, false);
        List<RenderedChat.Span> spans = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals("assistant")) continue;
            String where = "chat template " + template.name() + ": cannot find assistant message " + i + ": ";
            if (i == 0) throw new IllegalArgumentException(where + "spans need a turn before the first assistant turn");
            String prompt = template.render(messages.subList(0, i), tools, true);
            String upTo = template.render(messages.subList(0, i + 1), tools, false);
            if (!upTo.startsWith(prompt))
                throw new IllegalArgumentException(
                        where + "rendering the conversation up to it does not extend the prompt before it");
            int end = PyStr.rstrip(upTo).length();
            if (end < prompt.length() || !full.startsWith(upTo.substring(0, end)))
                throw new IllegalArgumentException(where + "the full conversation renders differently up to it");
            if (!spans.isEmpty() && prompt.length() < spans.getLast().end())
                throw new IllegalArgumentException(where + "it overlaps the previous assistant turn");
            spans.add(new RenderedChat.Span(prompt.length(), end));
        }
        return new RenderedChat(full, spans);
    }

    /** Rendered text plus the assistant spans, recorded as the template writes. */
    static final class Out {
        final StringBuilder text = new StringBuilder();
        final List<RenderedChat.Span> spans = new ArrayList<>();
        private int open = -1;

        Out append(String s) {
            text.append(s);
            return this;
        }

        void beginAssistant() {
            open = text.length();
        }

        void endAssistant() {
            spans.add(new RenderedChat.Span(open, text.length()));
            open = -1;
        }

        RenderedChat result() {
            return new RenderedChat(text.toString(), spans);
        }
    }
}
