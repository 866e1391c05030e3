// ToolCall: a call an assistant turn makes to a named tool, with JSON arguments.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.topiary.format.Json;

/**
 * A tool call: the tool's name and its arguments, a JSON object (null becomes {@code {}}). Equality
 * is structural on the arguments (key order does not matter). The one type of a call, whether a chat
 * template renders it, a chat format parses it ({@link ToolCallFormat}) or a verifier scores it;
 * {@link #fromJson} reads the JSON object form all of them share.
 */
public record ToolCall(String name, JsonNode arguments) {
    public ToolCall {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a tool call needs a tool name");
        if (arguments == null) arguments = JsonNodeFactory.instance.objectNode();
    }

    /**
     * The call of a JSON object {@code {"name": ..., key: {...}}}, or null when it does not have that shape: the
     * name a non-blank string (stripped), the arguments under {@code key} or the other of "arguments" and
     * "parameters" (Llama 3.1 writes "parameters"), an object or a string holding one (OpenAI's form); none or
     * null means no arguments. Other fields (e.g. {@code "type": "function"}, {@code "id"}) are ignored.
     */
    public static ToolCall fromJson(JsonNode v, String key) {
        if (v == null || !v.isObject()) return null;
        JsonNode name = v.get("name");
        if (name == null || !name.isTextual() || name.textValue().isBlank()) return null;
        JsonNode args = v.has(key) ? v.get(key) : v.get(key.equals("arguments") ? "parameters" : "arguments");
        if (args == null || args.isNull()) args = JsonNodeFactory.instance.objectNode();
        if (args.isTextual()) args = Json.parseOrNull(args.textValue());
        if (args == null || !args.isObject()) return null;
        return new ToolCall(name.textValue().strip(), args);
    }
}
