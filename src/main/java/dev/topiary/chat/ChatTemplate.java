// ChatTemplate: turns a conversation (and tool definitions) into the prompt text a chat model was trained on.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A chat format: renders a conversation to the exact text a model family was trained on.
 *
 * <p>Tool definitions are JSON Schema style objects, either wrapped
 * ({@code {"type": "function", "function": {"name", "description", "parameters"}}}) or bare
 * ({@code {"name", "description", "parameters"}}); bare ones are wrapped before rendering, as Hugging
 * Face does for Python functions. Null or empty {@code tools} means no tools.
 *
 * <p>Errors (an empty conversation, a turn with a missing or unknown role, a conversation the format
 * cannot express, a Jinja template that fails) are {@link IllegalArgumentException}s whose message
 * says which turn and why; the caller adds the file and line.
 */
public interface ChatTemplate {
    /**
     * The conversation as prompt text.
     *
     * @param addGenerationPrompt append the header that opens an assistant turn (for inference); off
     *     for training text
     */
    String render(List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt);

    /** A short name: the built-in's name ({@code llama3.1}, {@code chatml}, ...) or where the Jinja source came from. */
    String name();

    /**
     * The conversation rendered for training (no generation prompt), with the character ranges the
     * assistant's turns produced. Built-in formats record their spans while writing; otherwise (Jinja
     * templates, other implementations) they come from rendering prefixes of the conversation: for
     * assistant turn i, the turns before i rendered with the generation prompt must be a prefix of the
     * turns through i rendered without it, and the span is the difference, less trailing whitespace.
     * A template that moves text between turns depending on which is last (Mistral v0.3 puts its
     * system message and tool list before the last user turn) cannot be split this way and gets an
     * IllegalArgumentException; the built-in format handles it.
     */
    default RenderedChat renderWithSpans(List<Message> messages, List<JsonNode> tools) {
        return Conversations.spansByPrefix(this, messages, tools);
    }

    /** How this format writes tool calls in the assistant's output ({@link ToolCallFormat#NONE} unless known). */
    default ToolCallFormat toolCallFormat() {
        return ToolCallFormat.NONE;
    }

    /** The model's generated text split into content and tool calls, in this format's tool-call syntax. */
    default ParsedReply parseReply(String output) {
        return toolCallFormat().parse(output);
    }
}
