package dev.topiary.align;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.chat.ChatTemplate;
import dev.topiary.chat.Message;
import dev.topiary.chat.RenderedChat;
import dev.topiary.chat.ToolCall;
import dev.topiary.format.ModelFormatException;
import dev.topiary.format.TextFiles;
import dev.topiary.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChatTemplate template;
    private final Tokenizer tok;

    public ChatExamples(ChatTemplate template, Tokenizer tok) {
        this.template = template;
        this.tok = tok;
    }

    @Override
    public SftPacker.Example render(JsonNode messages) {
        RenderedChat r = template.renderWithSpans(parse(messages), List.of());
        if (r.assistantSpans().isEmpty())
            throw new IllegalArgumentException("the conversation has no assistant turn to learn from");
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

    /**
     * The conversation of a JSON file: an array of messages, or an object with a {@code messages} array
     * (as one row of an SFT file). A UTF-8 byte order mark at the start is skipped.
     *
     * @throws ModelFormatException naming the file: missing, not valid JSON, or a message of the wrong shape
     */
    public static List<Message> readMessages(Path file) throws IOException {
        if (!Files.exists(file)) throw new ModelFormatException(file, "no such messages file");
        JsonNode n;
        try {
            n = JSON.readTree(TextFiles.read(file));
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "not valid JSON: " + e.getOriginalMessage());
        }
        if (n != null && n.isObject()) {
            if (!n.has("messages")) throw new ModelFormatException(file, "an object without a 'messages' array");
            n = n.get("messages");
        }
        try {
            return parse(n);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "messages: " + e.getMessage());
        }
    }

    /** [{"role", "content", "tool_calls": [{"name", "arguments"} or {"function": {...}}], "name"}] to messages. */
    public static List<Message> parse(JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException("must be a non-empty array");
        }
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "message " + i;
            if (!m.isObject()) {
                throw new IllegalArgumentException(at + ": expected an object, got " + TextFiles.jsonType(m));
            }
            if (!m.has("role")) throw new IllegalArgumentException(at + " has no 'role'");
            if (!m.get("role").isTextual()) throw wrongType(at, "role", "a string", m.get("role"));
            List<ToolCall> calls = new ArrayList<>();
            if (m.has("tool_calls")) {
                if (!m.get("tool_calls").isArray()) throw wrongType(at, "tool_calls", "an array", m.get("tool_calls"));
                for (JsonNode c : m.get("tool_calls")) {
                    JsonNode f = c.has("function") ? c.get("function") : c;
                    calls.add(new ToolCall(f.path("name").asText(), f.get("arguments")));
                }
            }
            JsonNode c = m.get("content");
            if (c != null && !c.isNull() && !c.isTextual()) throw wrongType(at, "content", "a string", c);
            String content = c != null && !c.isNull() ? c.asText() : (calls.isEmpty() ? null : "");
            String name = m.hasNonNull("name") ? m.get("name").asText() : null;
            out.add(new Message(m.get("role").asText(), content, calls, name));
        }
        return out;
    }

    private static IllegalArgumentException wrongType(String at, String field, String expected, JsonNode got) {
        return new IllegalArgumentException(at + ": '" + field + "' has the wrong type (expected " + expected + ", got "
                + TextFiles.jsonType(got) + ")");
    }
}
