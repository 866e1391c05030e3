// Message: one turn of a conversation (system, user, assistant or tool), as the chat templates read it.
package dev.topiary.chat;

import java.util.List;

/**
 * One turn of a conversation.
 *
 * @param role {@code system}, {@code user}, {@code assistant} or {@code tool}; checked when a template
 *     renders the conversation, not here, so that a conversation read from a file reports its bad turn
 *     by index
 * @param content the text; may be null or empty for an assistant turn that only calls tools
 * @param toolCalls the tools an assistant turn calls, in order; never null (null becomes empty)
 * @param name for a {@code tool} turn, the name of the tool whose result this is; else null
 */
public record Message(String role, String content, List<ToolCall> toolCalls, String name) {
    public Message {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    public static Message system(String content) {
        return new Message("system", content, List.of(), null);
    }

    public static Message user(String content) {
        return new Message("user", content, List.of(), null);
    }

    public static Message assistant(String content) {
        return new Message("assistant", content, List.of(), null);
    }

    /** An assistant turn that calls tools, with optional text before the calls. */
    public static Message assistant(String content, List<ToolCall> toolCalls) {
        return new Message("assistant", content, toolCalls, null);
    }

    /** The result of calling tool {@code name}. */
    public static Message tool(String name, String content) {
        return new Message("tool", content, List.of(), name);
    }
}
