// ParsedReply: a model's generated text split into plain content and the tool calls it made.
package dev.topiary.chat;

import java.util.List;

/**
 * What a model produced, read back: the plain text (end-of-turn markers and tool-call markup
 * removed; empty when the reply is only tool calls) and the tool calls, in order.
 */
public record ParsedReply(String content, List<ToolCall> toolCalls) {
    public ParsedReply {
        toolCalls = List.copyOf(toolCalls);
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** The reply as an assistant turn, ready to append to the conversation. */
    public Message toMessage() {
        return Message.assistant(content, toolCalls);
    }
}
