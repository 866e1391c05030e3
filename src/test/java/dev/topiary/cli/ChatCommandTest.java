package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.SharedFiles;
import dev.topiary.chat.ToolCall;
import dev.topiary.verify.ToolSchema;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatCommandTest {
    @TempDir
    Path tmp;

    static final String TOOLS = """
            [{"name": "set_timer", "description": "start a timer",
              "parameters": {"type": "object", "properties": {"minutes": {"type": "integer"}}, "required": ["minutes"]}}]
            """;

    @Test
    void aConversationThroughStdin() throws Exception {
        Path tools = tmp.resolve("tools.json");
        Files.writeString(tools, TOOLS);
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Tell me a story.\nAnd then?\n\n".getBytes(StandardCharsets.UTF_8)));
            CommandsTest.Run r = CommandsTest.run(
                    "chat",
                    SharedFiles.require("models/stories260K-hf").toString(),
                    "--system",
                    "Be kind.",
                    "--template",
                    "chatml",
                    "--max-tokens",
                    "20",
                    "--temperature",
                    "0");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("template chatml");
            assertThat(r.out().split("> ", -1).length).isEqualTo(4); // three prompts: two turns, then the empty line
        } finally {
            System.setIn(old);
        }
    }

    @Test
    void toolCallsAreCheckedAgainstTheirSchema() throws Exception {
        var json = new ObjectMapper();
        ToolSchema s = ToolSchema.fromJson(json.readTree(TOOLS).get(0), "[0]");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(b, true, StandardCharsets.UTF_8);
        ChatCommand.showCall(new ToolCall("set_timer", json.readTree("{\"minutes\": 5}")), Map.of("set_timer", s), out);
        ChatCommand.showCall(
                new ToolCall("set_timer", json.readTree("{\"minutes\": \"five\"}")), Map.of("set_timer", s), out);
        ChatCommand.showCall(new ToolCall("get_weather", json.readTree("{}")), Map.of("set_timer", s), out);
        String shown = b.toString(StandardCharsets.UTF_8);
        assertThat(shown)
                .contains("set_timer{\"minutes\":5}: valid")
                .contains(": invalid: ")
                .contains("get_weather{}: no such tool");
    }

    @Test
    void aToolFileThatIsNotASchemaIsRefused() throws Exception {
        Path tools = tmp.resolve("bad.json");
        Files.writeString(tools, "[{\"description\": \"no name\"}]");
        CommandsTest.Run r = CommandsTest.run(
                "chat", SharedFiles.require("models/stories260K-hf").toString(), "--tools", tools.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("bad.json").contains("tool 0");
    }

    CommandsTest.Run chatWithInput(String... args) {
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Hello\n\n".getBytes(StandardCharsets.UTF_8)));
            return CommandsTest.run(args);
        } finally {
            System.setIn(old);
        }
    }

    @Test
    void toolsWithATemplateWithoutToolSupportAreRefusedAtStart() throws Exception {
        Path tools = tmp.resolve("tools.json");
        Files.writeString(tools, TOOLS);
        String model = SharedFiles.require("models/stories260K-hf").toString();
        CommandsTest.Run r = chatWithInput("chat", model, "--tools", tools.toString(), "--chat-template", "llama2");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).doesNotContain("> ");
        assertThat(r.err())
                .isEqualTo("topiary chat: chat template llama2 has no tool support: "
                        + "the Llama 2 chat format has no tools, tool calls or tool results\n");
        // a Jinja template that never mentions tools
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json"})
            Files.copy(Path.of(model, f), dir.resolve(f));
        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": \"<s>\", \"chat_template\": \"{% for m in messages %}{{ m.content }}{% endfor %}\"}");
        CommandsTest.Run jinja = chatWithInput("chat", dir.toString(), "--tools", tools.toString());
        assertThat(jinja.err()).contains("has no tool support: it does not show the tool definitions to the model");
    }

    @Test
    void aToolsPromptLongerThanTheContextIsRefusedAtStart() throws Exception {
        Path tools = tmp.resolve("long.json");
        String description = "a very long description of what this tool does ".repeat(60);
        Files.writeString(tools, TOOLS.replace("start a timer", description));
        CommandsTest.Run r = chatWithInput(
                "chat",
                SharedFiles.require("models/stories260K-hf").toString(),
                "--tools",
                tools.toString(),
                "--chat-template",
                "chatml",
                "--system",
                "Be kind.");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.out()).doesNotContain("> ");
        assertThat(r.err())
                .startsWith("topiary chat: the system message and 1 tool definitions take ")
                .endsWith(" tokens, the model's whole context (512); give fewer or shorter tools\n");
    }

    @Test
    void aMissingToolsFileIsReportedAsMissing() {
        Path missing = tmp.resolve("nope.json");
        String model = SharedFiles.require("models/stories260K-hf").toString();
        CommandsTest.Run r = CommandsTest.run("chat", model, "--tools", missing.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("topiary chat: " + missing + ": no such tools file\n");
    }
}
