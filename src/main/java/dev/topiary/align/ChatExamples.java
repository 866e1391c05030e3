package dev.topiary.align;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.chat.ChatTemplate;
import dev.topiary.chat.Message;
import dev.topiary.chat.RenderedChat;
import dev.topiary.chat.ToolCall;
import dev.topiary.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Conversations in the common {@code messages} format rendered with a chat template and turned
 * into training tokens: the whole rendered text is tokenized once (special-token strings such as
 * {@code <|eot_id|>} recognised); the tokens of an assistant span [start, end) are those from the
 * token count of the text before {@code start} to the count of the text before {@code end}. (Exact
 * when tokenization is stable at the span's edges, as it is at the templates' markers.)
 */
public final class ChatExamples implements AlignData.Conversations {
    private final ChatTemplate template;
    private final Tokenizer tok;

    public ChatExamples(ChatTemplate template, Tokenizer tok) {
        this.template = template;
        this.tok = tok;
    }

    @Override
    public SftPacker.Example render(JsonNode messages) {
        RenderedChat r = template.renderWithSpans(parse(messages), List.of());
        if (r.assistantSpans().isEmpty()) throw new IllegalArgumentException("the conversation has no assistant turn to learn from");
        String text = r.text();
        int[] tokens = tok.encode(text, false, true);
        boolean[] mask = new boolean[tokens.length];
        for (RenderedChat.Span span : r.assistantSpans()) {
            int from = tok.encode(text.substring(0, span.start()), false, true).length;
            int to = Math.min(tokens.length, tok.encode(text.substring(0, span.end()), false, true).length);
            for (int i = from; i < to; i++) mask[i] = true;
        }
        return new SftPacker.Example(tokens, mask);
    }

    /** [{"role", "content", "tool_calls": [{"name", "arguments"} or {"function": {...}}], "name"}] to messages. */
    static List<Message> parse(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) throw new IllegalArgumentException("must be a non-empty array");
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.has("role")) throw new IllegalArgumentException("message " + i + " has no 'role'");
            List<ToolCall> calls = new ArrayList<>();
            if (m.has("tool_calls"))
                for (JsonNode c : m.get("tool_calls")) {
                    JsonNode f = c.has("function") ? c.get("function") : c;
                    calls.add(new ToolCall(f.path("name").asText(), f.get("arguments")));
                }
            String content = m.hasNonNull("content") ? m.get("content").asText() : (calls.isEmpty() ? null : "");
            out.add(new Message(m.get("role").asText(), content, calls, m.hasNonNull("name") ? m.get("name").asText() : null));
        }
        return out;
    }
}
