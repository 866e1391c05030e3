// ToolCallFormat: how each model family writes tool calls in its output, and how to read them back.
package dev.topiary.chat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tool-call syntax of a chat format, with a parser from generated text to {@link ParsedReply}.
 * A reply whose tool-call markup does not parse is returned whole as content, with no calls.
 */
public enum ToolCallFormat {
    /**
     * Llama 3.1: the reply is a JSON object {@code {"name": ..., "parameters": {...}}} (also accepted:
     * {@code "arguments"}, several objects separated by {@code ;}), possibly after
     * {@code <|python_tag|>}, ending with {@code <|eot_id|>} or {@code <|eom_id|>}.
     */
    LLAMA3_JSON("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>") {
        @Override
        ParsedReply parseBody(String text) {
            String t = PyStr.strip(text);
            if (t.startsWith(PYTHON_TAG)) t = PyStr.strip(t.substring(PYTHON_TAG.length()));
            List<ToolCall> calls = new ArrayList<>();
            int at = 0;
            while (true) {
                while (at < t.length() && (PyStr.isPySpace(t.charAt(at)) || t.charAt(at) == ';')) at++;
                if (at >= t.length()) break;
                if (t.charAt(at) != '{') return plain(text);
                try (JsonParser p = MAPPER.getFactory().createParser(t.substring(at))) {
                    ToolCall c = ToolCall.fromJson(MAPPER.readTree(p), "parameters");
                    if (c == null) return plain(text);
                    calls.add(c);
                    at += (int) p.currentLocation().getCharOffset();
                } catch (IOException e) {
                    return plain(text);
                }
            }
            return calls.isEmpty() ? plain(text) : new ParsedReply("", calls);
        }
    },

    /**
     * Qwen2.5 (Hermes style): each call is {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>};
     * text outside the blocks is the content; the reply ends with {@code <|im_end|>}.
     */
    QWEN_XML("<|im_end|>", "<|endoftext|>") {
        private static final Pattern BLOCK = Pattern.compile("<tool_call>(.*?)</tool_call>", Pattern.DOTALL);

        @Override
        ParsedReply parseBody(String text) {
            List<ToolCall> calls = new ArrayList<>();
            StringBuilder content = new StringBuilder();
            Matcher m = BLOCK.matcher(text);
            int last = 0;
            while (m.find()) {
                ToolCall c = null;
                try {
                    c = ToolCall.fromJson(MAPPER.readTree(PyStr.strip(m.group(1))), "arguments");
                } catch (JsonProcessingException e) {
                    // not JSON: the block stays in the content
                }
                if (c == null) continue;
                calls.add(c);
                content.append(text, last, m.start());
                last = m.end();
            }
            content.append(text, last, text.length());
            return new ParsedReply(calls.isEmpty() ? text : PyStr.strip(content.toString()), calls);
        }
    },

    /**
     * Mistral v0.3: {@code [TOOL_CALLS] [{"name": ..., "arguments": {...}, "id": ...}, ...]}, ending
     * with {@code </s>}; text before the marker is the content.
     */
    MISTRAL("</s>") {
        @Override
        ParsedReply parseBody(String text) {
            int at = text.indexOf("[TOOL_CALLS]");
            if (at < 0) return plain(text);
            try {
                JsonNode array = MAPPER.readTree(PyStr.strip(text.substring(at + "[TOOL_CALLS]".length())));
                if (array == null || !array.isArray() || array.isEmpty()) return plain(text);
                List<ToolCall> calls = new ArrayList<>();
                for (JsonNode v : array) {
                    ToolCall c = ToolCall.fromJson(v, "arguments");
                    if (c == null) return plain(text);
                    calls.add(c);
                }
                return new ParsedReply(PyStr.strip(text.substring(0, at)), calls);
            } catch (JsonProcessingException e) {
                return plain(text);
            }
        }
    },

    /** No tool-call syntax (Llama 2): the whole reply is content. */
    NONE("</s>") {
        @Override
        ParsedReply parseBody(String text) {
            return plain(text);
        }
    };

    private static final String PYTHON_TAG = "<|python_tag|>";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String[] endMarkers;

    ToolCallFormat(String... endMarkers) {
        this.endMarkers = endMarkers;
    }

    /** Splits generated text into content and tool calls; end-of-turn markers at the end are dropped. */
    public ParsedReply parse(String output) {
        if (output == null) throw new IllegalArgumentException("no output to parse");
        String text = output;
        for (boolean again = true; again; ) {
            again = false;
            String r = PyStr.rstrip(text);
            for (String e : endMarkers) {
                if (r.endsWith(e)) {
                    text = r.substring(0, r.length() - e.length());
                    again = true;
                }
            }
        }
        return parseBody(text);
    }

    abstract ParsedReply parseBody(String text);

    private static ParsedReply plain(String text) {
        return new ParsedReply(text, List.of());
    }
}
