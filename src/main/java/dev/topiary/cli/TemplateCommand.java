package dev.topiary.cli;

import dev.topiary.align.ChatExamples;
import dev.topiary.chat.ChatTemplate;
import dev.topiary.chat.ChatTemplates;
import dev.topiary.chat.Message;
import dev.topiary.format.ModelFormatException;
import dev.topiary.verify.ToolsFile;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code topiary template}: a conversation rendered with a chat template, printed byte for byte. */
@Command(
        name = "template",
        mixinStandardHelpOptions = true,
        header = "Print a conversation as the model sees it.",
        description = {
            "Render the conversation of --messages (a JSON array of {\"role\", \"content\", ...} messages,",
            "or an object with a \"messages\" array) with the model's chat template (or --chat-template) and print",
            "the text exactly as the model would read it, with no newline added: Hugging Face's",
            "apply_chat_template(messages, tools=..., add_generation_prompt=..., tokenize=False).",
            "MODEL is read for its template only (no weights are loaded).",
            ""
        })
final class TemplateCommand implements Callable<Integer> {
    @Parameters(
            index = "0",
            paramLabel = "MODEL",
            description = "HF folder or .gguf (each with its own chat template, else ChatML), or a llama2.c .bin")
    Path model;

    @Option(names = "--messages", required = true, paramLabel = "FILE", description = "The conversation (JSON).")
    Path messages;

    @Option(names = "--tools", paramLabel = "FILE", description = "JSON array of tool schemas.")
    Path tools;

    @Option(names = "--add-generation-prompt", description = "Append the header that opens the assistant's turn.")
    boolean addGenerationPrompt;

    @Option(
            names = {"--chat-template", "--template"},
            description = "A built-in template instead of the model's own"
                    + " (llama3, llama3.1, llama2, chatml, qwen2, qwen2.5, mistral).")
    String chatTemplate;

    @Override
    public Integer call() throws Exception {
        List<Message> conversation = ChatExamples.readMessages(messages);
        ToolsFile toolsFile = tools == null ? ToolsFile.none() : ToolsFile.read(tools);
        ChatTemplate template = ChatTemplates.choose(model, chatTemplate);
        String text;
        try {
            text = template.render(conversation, toolsFile.definitions(), addGenerationPrompt);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(messages, e.getMessage());
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        out.print(text);
        out.flush();
        return 0;
    }
}
