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
     * assistant's turns produced. Built-in formats know their spans exactly; a Jinja template derives
     * them by rendering prefixes of the conversation (see {@link ChatTemplates#fromJinja}).
     */
    RenderedChat renderWithSpans(List<Message> messages, List<JsonNode> tools);

    /** How this format writes tool calls in the assistant's output. */
    ToolCallFormat toolCallFormat();

    /** The model's generated text split into content and tool calls, in this format's tool-call syntax. */
    default ParsedReply parseReply(String output) {
        return toolCallFormat().parse(output);
    }
}
