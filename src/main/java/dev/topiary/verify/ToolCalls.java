package dev.topiary.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.chat.ToolCall;
import dev.topiary.format.Json;
import java.util.Optional;

/**
 * Reads a function call as a model wrote it, in any of the usual forms, into a {@link ToolCall}.
 *
 * <p>{@link #parse} accepts, after stripping surrounding white space:
 * <ul>
 *   <li>a JSON object {@code {"name": "get_weather", "arguments": {"city": "Paris"}}}, with
 *       {@code "parameters"} accepted for {@code "arguments"} (Llama 3.1's JSON tool-call form) and
 *       arguments given either as an object or as a string holding a JSON object (OpenAI's form);
 *       no arguments field means no arguments; other fields (e.g. {@code "type": "function"}) are
 *       ignored;
 *   <li>a JSON array holding exactly one such object;
 *   <li>a Python-like call {@code get_weather(city="Paris", unit="c")} with keyword arguments only
 *       (string, number, True/False/None, list, tuple and dict literals), optionally inside {@code [...]} as BFCL prompts ask for;
 * </ul>
 * any of them optionally inside a Markdown fence ({@code ```json ... ```}, {@code ```python ... ```},
 * {@code ``` ... ```}),
 * after Llama 3's {@code <|python_tag|>} and before a closing {@code <|eom_id|>} or
 * {@code <|eot_id|>}. Several calls in one output are not a call (parallel calls are out of scope).
 */
public final class ToolCalls {
    private ToolCalls() {}

    /** The call in the output, or empty when the output is not parseable as one call. */
    public static Optional<ToolCall> parse(String output) {
        if (output == null) return Optional.empty();
        String s = output.strip();
        if (s.startsWith("<|python_tag|>"))
            s = s.substring("<|python_tag|>".length()).strip();
        for (String end : new String[] {"<|eom_id|>", "<|eot_id|>"})
            if (s.endsWith(end)) s = s.substring(0, s.length() - end.length()).strip();
        s = Texts.unfenceAnyLanguage(s);
        if (s.isEmpty()) return Optional.empty();
        if (s.startsWith("{") || s.startsWith("[")) {
            JsonNode n = Json.parseOrNull(s);
            if (n != null) {
                if (n.isArray() && n.size() == 1) n = n.get(0);
                return fromJsonObject(n);
            }
        }
        return PythonCall.parse(s);
    }

    /** A call from a parsed JSON object, or empty when it does not have the shape of one. */
    static Optional<ToolCall> fromJsonObject(JsonNode n) {
        return Optional.ofNullable(ToolCall.fromJson(n, "arguments"));
    }
}
