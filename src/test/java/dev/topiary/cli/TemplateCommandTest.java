package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.chat.ChatTemplates;
import dev.topiary.chat.Message;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code topiary template}: the conversation as the model sees it, byte for byte. */
class TemplateCommandTest {
    @TempDir
    Path tmp;

    static String fixture(String name) {
        try {
            return Path.of(TemplateCommandTest.class
                            .getResource("/chat/" + name)
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    Path write(String name, String text) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    static final String CHAT = """
            [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Hi"}]""";

    static final String TOOLS = """
            [{"name": "get_weather", "description": "Weather in a city.",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]""";

    @Test
    void printsTheModelsTemplateOutputWithoutANewline() throws Exception {
        Path messages = write("chat.json", CHAT);
        CommandsTest.Run r = CommandsTest.run(
                "template",
                fixture("llama-3.1-8b-instruct"),
                "--messages",
                messages.toString(),
                "--add-generation-prompt");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                        + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are helpful.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        CommandsTest.Run noPrompt =
                CommandsTest.run("template", fixture("llama-3.1-8b-instruct"), "--messages", messages.toString());
        assertThat(noPrompt.out()).endsWith("Hi<|eot_id|>");
    }

    @Test
    void aGgufFileRendersWithTheTemplateItKeeps() throws Exception {
        Path messages = write("chat.json", CHAT);
        Path dir = Path.of(fixture("llama-3.1-8b-instruct"));
        String source = dev.topiary.chat.ChatTemplates.jinjaSource(dir).orElseThrow();
        Path gguf = tmp.resolve("model.gguf");
        new dev.topiary.format.GgufWriter()
                .putString("general.architecture", "llama")
                .putString("tokenizer.chat_template", source)
                .putStrings("tokenizer.ggml.tokens", List.of("<unk>", "<|begin_of_text|>", "<|eot_id|>"))
                .putU32("tokenizer.ggml.bos_token_id", 1)
                .putU32("tokenizer.ggml.eos_token_id", 2)
                .write(gguf);
        CommandsTest.Run fromFolder = CommandsTest.run(
                "template", dir.toString(), "--messages", messages.toString(), "--add-generation-prompt");
        CommandsTest.Run fromGguf = CommandsTest.run(
                "template", gguf.toString(), "--messages", messages.toString(), "--add-generation-prompt");
        assertThat(fromGguf.code()).as(fromGguf.err()).isZero();
        assertThat(fromGguf.out()).isEqualTo(fromFolder.out()).startsWith("<|begin_of_text|>");
        // without a stored template: ChatML
        Path bare = tmp.resolve("bare.gguf");
        new dev.topiary.format.GgufWriter()
                .putString("general.architecture", "llama")
                .write(bare);
        CommandsTest.Run chatml = CommandsTest.run(
                "template", bare.toString(), "--messages", messages.toString(), "--add-generation-prompt");
        assertThat(chatml.out()).startsWith("<|im_start|>system\nYou are helpful.");
    }

    @Test
    void toolsAndABuiltInTemplate() throws Exception {
        Path messages = write("chat.json", "{\"messages\": " + CHAT + "}");
        Path tools = write("tools.json", TOOLS);
        var toolDefs = List.of(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(TOOLS)
                .get(0));
        var conversation = List.of(Message.system("You are helpful."), Message.user("Hi"));
        CommandsTest.Run qwen = CommandsTest.run(
                "template",
                fixture("qwen2.5-7b-instruct"),
                "--messages",
                messages.toString(),
                "--tools",
                tools.toString(),
                "--add-generation-prompt");
        assertThat(qwen.code()).as(qwen.err()).isZero();
        assertThat(qwen.out())
                .isEqualTo(ChatTemplates.builtIn("qwen2.5").render(conversation, toolDefs, true))
                .contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"");
        CommandsTest.Run mistral = CommandsTest.run(
                "template",
                fixture("qwen2.5-7b-instruct"),
                "--chat-template",
                "mistral",
                "--messages",
                messages.toString(),
                "--tools",
                tools.toString());
        assertThat(mistral.out()).isEqualTo(ChatTemplates.builtIn("mistral").render(conversation, toolDefs, false));
    }

    @Test
    void contentIsPrintedAsText() throws Exception {
        Path messages = write(
                "chat.json",
                "\uFEFF[{\"role\": \"user\", \"content\": \"Explain Jinja: {{ 7*7 }} and {{ bos_token }} {% raw %}\""
                        + "}]");
        CommandsTest.Run r =
                CommandsTest.run("template", fixture("llama-3.1-8b-instruct"), "--messages", messages.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Explain Jinja: {{ 7*7 }} and {{ bos_token }} {% raw %}<|eot_id|>");
    }

    @Test
    void errorsNameTheFile() throws Exception {
        Path missing = tmp.resolve("missing.json");
        CommandsTest.Run noMessages =
                CommandsTest.run("template", fixture("qwen2.5-7b-instruct"), "--messages", missing.toString());
        assertThat(noMessages.code()).isEqualTo(2);
        assertThat(noMessages.err()).isEqualTo("topiary template: " + missing + ": no such messages file\n");

        Path messages = write("chat.json", CHAT);
        CommandsTest.Run noTools = CommandsTest.run(
                "template",
                fixture("qwen2.5-7b-instruct"),
                "--messages",
                messages.toString(),
                "--tools",
                missing.toString());
        assertThat(noTools.err()).isEqualTo("topiary template: " + missing + ": no such tools file\n");

        Path badRole = write("bad.json", "[{\"role\": \"robot\", \"content\": \"x\"}]");
        CommandsTest.Run r =
                CommandsTest.run("template", fixture("qwen2.5-7b-instruct"), "--messages", badRole.toString());
        assertThat(r.err())
                .isEqualTo("topiary template: " + badRole
                        + ": message 0 has unknown role 'robot' (expected system, user, assistant or tool)\n");

        Path wrongType = write("type.json", "[{\"role\": \"user\", \"content\": 42}]");
        assertThat(CommandsTest.run("template", fixture("qwen2.5-7b-instruct"), "--messages", wrongType.toString())
                        .err())
                .isEqualTo("topiary template: " + wrongType + ": messages: message 0: 'content' has the wrong type"
                        + " (expected a string, got a number)\n");

        CommandsTest.Run noModel =
                CommandsTest.run("template", tmp.resolve("nomodel").toString(), "--messages", messages.toString());
        assertThat(noModel.err())
                .isEqualTo("topiary template: " + tmp.resolve("nomodel") + ": no such model file or folder\n");
    }
}
