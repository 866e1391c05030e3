// ToolCall: a call an assistant turn makes to a named tool, with JSON arguments.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * A tool call: the tool's name and its arguments, a JSON object (null becomes {@code {}}). Equality
 * is structural on the arguments (key order does not matter).
 */
public record ToolCall(String name, JsonNode arguments) {
    public ToolCall {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a tool call needs a tool name");
        if (arguments == null) arguments = JsonNodeFactory.instance.objectNode();
    }
}
