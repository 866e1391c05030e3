// ChatTemplateFuzzTest: model templates rendered with random message content equal the built-in formats.
package dev.topiary.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property test: for random conversations (random roles in a valid order, random content drawn from
 * Jinja syntax, quotes, backslashes, odd whitespace and non-ASCII), the Jinja rendering of each model
 * template in the fixtures equals its built-in format, with and without the generation prompt. A
 * failing conversation is saved to {@code target/fuzz-failures/}. Inputs per template:
 * {@code -Dtopiary.fuzz.iterations} (default 100); seed: {@code -Dtopiary.fuzz.seed}.
 */
class ChatTemplateFuzzTest {
    static final String[] PARTS = {
        "a",
        "Hello",
        " ",
        "  ",
        "\n",
        "\t",
        "\r\n",
        "{{",
        "}}",
        "{{ 7*7 }}",
        "{%",
        "%}",
        "{% raw %}",
        "{% endraw %}",
        "{% if x %}",
        "{% endif %}",
        "{#",
        "#}",
        "{{ bos_token }}",
        "'",
        "\"",
        "\\",
        "\\n",
        "é",
        "✓",
        "\uD83D\uDE00",
        "<|eot_id|>",
        "<|im_end|>",
        "[INST]",
        "</s>",
        "<tool_call>",
        "\u00a0",
        "\u3000",
        "None",
        "null",
        "{\"k\": 1}",
        "[1, 2]",
        "%s"
    };

    final SplittableRandom random = new SplittableRandom(Long.getLong("topiary.fuzz.seed", 20251201L));
    final long iterations = Long.getLong("topiary.fuzz.iterations", 100);

    String text(boolean nonEmpty) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(nonEmpty ? 1 : 0, 7);
        for (int i = 0; i < n; i++) s.append(PARTS[random.nextInt(PARTS.length)]);
        if (nonEmpty && s.toString().isBlank()) s.append('x');
        return s.toString();
    }

    JsonNode arguments() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("city", text(false));
        if (random.nextBoolean()) o.put("days", random.nextInt(-5, 100));
        return o;
    }

    /** [system] user (assistant user)* [assistant]; with tools, the first assistant turn may call one. */
    List<Message> conversation(boolean tools) {
        List<Message> m = new ArrayList<>();
        if (random.nextBoolean()) m.add(Message.system(text(true)));
        int turns = random.nextInt(1, 4);
        for (int t = 0; t < turns; t++) {
            m.add(Message.user(text(true)));
            if (t == turns - 1 && random.nextBoolean()) break;
            if (tools && t == 0 && random.nextBoolean()) {
                m.add(Message.assistant("", List.of(new ToolCall("get_weather", arguments()))));
                m.add(Message.tool("get_weather", text(true)));
            }
            m.add(Message.assistant(text(true)));
        }
        return m;
    }

    void check(String fixture, String builtInName, boolean tools) throws Exception {
        ChatTemplate jinja =
                ChatTemplates.fromTokenizerConfig(JinjaTemplateTest.fixture(fixture + "/tokenizer_config.json"));
        ChatTemplate builtIn = ChatTemplates.builtIn(builtInName);
        long t0 = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
            List<Message> c = conversation(tools);
            List<JsonNode> defs =
                    tools && random.nextBoolean() ? List.of(TemplateInjectionTest.tool(text(false))) : null;
            for (boolean prompt : new boolean[] {false, true}) {
                String expected = builtIn.render(c, defs, prompt), actual;
                try {
                    actual = jinja.render(c, defs, prompt);
                } catch (RuntimeException e) {
                    throw new AssertionError(save(fixture, i, c, defs) + ": " + e.getMessage(), e);
                }
                if (!actual.equals(expected)) {
                    String where = save(fixture, i, c, defs);
                    assertThat(actual).as(where).isEqualTo(expected);
                }
            }
        }
        System.err.printf(
                "fuzz chat-template %s: %,d conversations in %.1f s, equal to the built-in%n",
                fixture, iterations, (System.nanoTime() - t0) / 1e9);
    }

    static String save(String fixture, long i, List<Message> c, List<JsonNode> tools) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "fuzz-failures"));
        Path f = dir.resolve("chat-template-" + fixture + "-" + i + ".json");
        Files.writeString(
                f,
                ChatFixtures.JSON
                        .writerWithDefaultPrettyPrinter()
                        .writeValueAsString(java.util.Map.of(
                                "messages", JinjaChatTemplate.toJinja(c), "tools", tools == null ? List.of() : tools)));
        return "conversation " + i + " (saved to " + f + ")";
    }

    @Test
    void llama31() throws Exception {
        check("llama-3.1-8b-instruct", "llama3.1", true);
    }

    @Test
    void qwen25() throws Exception {
        check("qwen2.5-7b-instruct", "qwen2.5", true);
    }

    @Test
    void llama2() throws Exception {
        check("llama-2-7b-chat", "llama2", false);
    }

    @Test
    void mistral() throws Exception {
        check("mistral-7b-instruct-v0.3", "mistral", false);
    }
}
