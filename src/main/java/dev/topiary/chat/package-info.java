// package-info: what the dev.topiary.chat folder holds.
/**
 * Chat templates: a conversation ({@link dev.topiary.chat.Message}s, tool definitions as JSON) to the
 * exact prompt text a Llama-family chat model was trained on, and the model's reply back to text and
 * {@link dev.topiary.chat.ToolCall}s.
 *
 * <p>{@link dev.topiary.chat.ChatTemplates} gives a {@link dev.topiary.chat.ChatTemplate}:
 * <ul>
 *   <li>built-in formats written in Java, each reproducing its family's official Hugging Face
 *       template: {@code llama3}, {@code llama3.1}, {@code llama2}, {@code chatml}, {@code qwen2},
 *       {@code qwen2.5}, {@code mistral} (v0.3);</li>
 *   <li>a model's own Jinja2 {@code chat_template} (tokenizer_config.json or chat_template.jinja),
 *       rendered with jinjava set up like transformers' environment;</li>
 *   <li>{@link dev.topiary.chat.ChatTemplates#forModel} picks the model's own template, else a
 *       built-in by model type.</li>
 * </ul>
 *
 * <p>For supervised fine-tuning, {@link dev.topiary.chat.ChatTemplate#renderWithSpans} also returns
 * the character ranges the assistant's turns produced ({@link dev.topiary.chat.RenderedChat}):
 * content and tool calls with their end-of-turn marker, without the turn header. Built-ins record
 * them while writing; for Jinja templates they come from rendering prefixes of the conversation.
 *
 * <p>{@link dev.topiary.chat.ToolCallFormat} reads tool calls back from generated text (Llama 3.1
 * JSON, Qwen {@code <tool_call>}, Mistral {@code [TOOL_CALLS]}).
 *
 * <p>Errors are {@link java.lang.IllegalArgumentException}s naming the turn and the reason.
 */
package dev.topiary.chat;
