// ChatTemplatesTest: choosing a template for a model folder, built-in names, conversation errors, Python-compatible
// JSON.
package dev.topiary.chat;

import static dev.topiary.chat.ChatFixtures.MULTI_TURN;
import static dev.topiary.chat.ChatFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.format.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplatesTest {
    @TempDir
    Path dir;

    private Path model(String name, String configJson, String tokenizerConfigJson) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        if (configJson != null) Files.writeString(d.resolve("config.json"), configJson);
        if (tokenizerConfigJson != null) Files.writeString(d.resolve("tokenizer_config.json"), tokenizerConfigJson);
        return d;
    }

    @Test
    void forModelPrefersTheModelsOwnTemplate() throws IOException {
        Path llama = model("llama31", "{\"model_type\": \"llama\"}", null);
        Files.copy(
                JinjaTemplateTest.fixture("llama-3.1-8b-instruct/tokenizer_config.json"),
                llama.resolve("tokenizer_config.json"));
        ChatTemplate t = ChatTemplates.forModel(llama);
        assertThat(t.name()).endsWith("tokenizer_config.json chat_template");
        assertThat(t.render(MULTI_TURN, null, true))
                .isEqualTo(ChatTemplates.builtIn("llama3.1").render(MULTI_TURN, null, true));
        // a chat_template.jinja file wins over tokenizer_config.json
        Files.writeString(
                llama.resolve("chat_template.jinja"),
                "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{% endfor %}");
        assertThat(ChatTemplates.forModel(llama).render(MULTI_TURN, null, false))
                .isEqualTo("<|begin_of_text|>[user][assistant][user][assistant]");
    }

    @Test
    void forModelFallsBackOnModelType() throws IOException {
        assertThat(ChatTemplates.forModel(model("l3", "{\"model_type\": \"llama\"}", "{\"eos_token\": \"<|eot_id|>\"}"))
                        .name())
                .isEqualTo("llama3");
        assertThat(ChatTemplates.forModel(
                                model(
                                        "l3b",
                                        "{\"model_type\": \"llama\"}",
                                        "{\"added_tokens_decoder\": {\"128009\": {\"content\": \"<|eot_id|>\", \"special\": true}}}"))
                        .name())
                .isEqualTo("llama3");
        Path l3c = model("l3c", "{\"model_type\": \"llama\"}", null);
        Files.writeString(
                l3c.resolve("tokenizer.json"),
                "{\"added_tokens\": [{\"id\": 128009, \"content\": \"<|eot_id|>\"}], \"model\": {}}");
        assertThat(ChatTemplates.forModel(l3c).name()).isEqualTo("llama3");
        assertThat(ChatTemplates.forModel(model(
                                "l2",
                                "{\"model_type\": \"llama\"}",
                                "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"</s>\"}"))
                        .name())
                .isEqualTo("llama2");
        assertThat(ChatTemplates.forModel(model("m", "{\"model_type\": \"mistral\"}", null))
                        .name())
                .isEqualTo("mistral");
        assertThat(ChatTemplates.forModel(model("q", "{\"model_type\": \"qwen2\"}", null))
                        .name())
                .isEqualTo("chatml");
        assertThat(ChatTemplates.forModel(model("g", "{\"model_type\": \"gemma\"}", null))
                        .name())
                .isEqualTo("chatml");
        assertThat(ChatTemplates.forModel(model("none", null, null)).name()).isEqualTo("chatml");
        // the repository's tiny test models have no tokenizer files
        assertThat(ChatTemplates.forModel(Path.of("src/test/resources/fixtures/tiny-qwen2"))
                        .name())
                .isEqualTo("chatml");
        assertThat(ChatTemplates.forModel(Path.of("src/test/resources/fixtures/tiny-mistral-f32"))
                        .name())
                .isEqualTo("mistral");
    }

    @Test
    void forModelErrors() throws IOException {
        assertThatThrownBy(() -> ChatTemplates.forModel(dir.resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a model folder");
        Path bad = model("bad", null, "{\"chat_template\": 5}");
        assertThatThrownBy(() -> ChatTemplates.forModel(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no chat_template (or not a string or a list");
        Path broken = model("broken", null, "{not json");
        assertThatThrownBy(() -> ChatTemplates.forModel(broken))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not readable as JSON");
        Path noDefault =
                model("nodefault", null, "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"}]}");
        assertThatThrownBy(() -> ChatTemplates.forModel(noDefault).render(MULTI_TURN, null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no 'default' template");
    }

    @Test
    void builtInNames() {
        for (String name : ChatTemplates.BUILT_IN)
            assertThat(ChatTemplates.builtIn(name).name()).isEqualTo(name);
        assertThat(ChatTemplates.builtIn(" Llama-3.1 ").name()).isEqualTo("llama3.1");
        assertThatThrownBy(() -> ChatTemplates.builtIn("vicuna"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "unknown chat template 'vicuna'; built-in: llama3, llama3.1, llama2, chatml, qwen2, qwen2.5, mistral");
    }

    @Test
    void badConversationsAreIllegalArgument() {
        List<ChatTemplate> all = new ArrayList<>();
        for (String name : ChatTemplates.BUILT_IN) all.add(ChatTemplates.builtIn(name));
        all.add(ChatTemplates.fromTokenizerConfig(
                JinjaTemplateTest.fixture("qwen2.5-7b-instruct/tokenizer_config.json")));
        all.add(ChatTemplates.fromJinja("plain", "{% for m in messages %}{{ m.content }}{% endfor %}", Map.of()));
        for (ChatTemplate t : all) {
            assertThatThrownBy(() -> t.render(List.of(), null, true))
                    .as(t.name())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("empty conversation: no messages to render");
            assertThatThrownBy(() -> t.render(null, null, true))
                    .as(t.name())
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() ->
                            t.renderWithSpans(List.of(Message.user("a"), new Message("bot", "b", null, null)), null))
                    .as(t.name())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("message 1 has unknown role 'bot' (expected system, user, assistant or tool)");
            assertThatThrownBy(() -> t.render(List.of(new Message(null, "b", null, null)), null, false))
                    .as(t.name())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("message 0 has no role (expected system, user, assistant or tool)");
            assertThatThrownBy(() -> t.render(List.of(Message.user(null)), null, false))
                    .as(t.name())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("message 0 (user) has no content");
            assertThatThrownBy(() -> t.render(
                            List.of(new Message("user", "x", List.of(new ToolCall("f", null)), null)), null, false))
                    .as(t.name())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("only assistant turns call tools");
            assertThatThrownBy(() -> t.render(MULTI_TURN, List.of(json("{\"description\": \"nameless\"}")), false))
                    .as(t.name())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tool 0 has no name");
        }
        assertThatThrownBy(() -> new ToolCall("", null)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A template written by a caller (only render and name) gets spans from prefix rendering. */
    @Test
    void ownTemplateGetsPrefixSpans() {
        ChatTemplate own = new ChatTemplate() {
            @Override
            public String render(
                    List<Message> messages, List<com.fasterxml.jackson.databind.JsonNode> tools, boolean prompt) {
                StringBuilder out = new StringBuilder("<bos>");
                for (Message m : messages)
                    out.append("### ")
                            .append(m.role())
                            .append(":\n")
                            .append(m.content())
                            .append("<end>\n");
                return out.append(prompt ? "### assistant:\n" : "").toString();
            }

            @Override
            public String name() {
                return "own";
            }
        };
        RenderedChat r = own.renderWithSpans(MULTI_TURN, null);
        assertThat(r.assistantTexts()).containsExactly(" Hello! <end>", "Goodbye.<end>");
        assertThat(own.toolCallFormat()).isEqualTo(ToolCallFormat.NONE);
    }

    @Test
    void pythonJson() {
        assertThat(
                        Json.dumps(
                                json(
                                        "{\"a\": [1, -2, 3.0, 0.5, 1e-5, 1e16, 123456789.125, 1e300, true, null], \"b\": {}, \"c\": [], \"é\": \"\\u0001\\n\\\"\\\\ ✓\"}")))
                .isEqualTo(
                        "{\"a\": [1, -2, 3.0, 0.5, 1e-05, 1e+16, 123456789.125, 1e+300, true, null], \"b\": {}, \"c\": [], \"é\": \"\\u0001\\n\\\"\\\\ ✓\"}");
        assertThat(Json.dumps(json("{\"a\": [1, {\"b\": []}], \"c\": {}}"), 2, false))
                .isEqualTo("{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    }\n  ],\n  \"c\": {}\n}");
        assertThat(Json.dumps(Map.of("k", 1), -1, true)).isEqualTo("{\"k\": 1}");
        assertThat(Json.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(Json.floatRepr(-0.0)).isEqualTo("-0.0");
        assertThat(Json.floatRepr(1234567890123456.0)).isEqualTo("1234567890123456.0");
        assertThat(Json.floatRepr(0.1 + 0.2)).isEqualTo("0.30000000000000004");
        assertThat(PyStr.strip("\u00a0\u2003 x \u3000\n")).isEqualTo("x");
    }
}
