// TemplateInjectionTest: Jinja syntax inside message content, tool definitions and names is printed as text, never run.
package dev.topiary.chat;

import static dev.topiary.chat.ChatFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A model's Jinja template renders message content as data, as Python's jinja2 does: {@code {{ 7*7 }}}
 * stays {@code {{ 7*7 }}}. The built-in formats (plain Java) are the reference: for each fixture
 * template and hostile content in every role, the Jinja rendering equals the built-in's.
 */
class TemplateInjectionTest {
    static final List<String> HOSTILE = List.of(
            "Explain Jinja: {{ 7*7 }} and {{ bos_token }}",
            "{% if x %}hidden{% endif %} visible",
            "{% raw %}not closed",
            "{% endraw %} {{ raise_exception('boom') }} {# comment #}",
            "{{ messages[0].content }}{% for m in messages %}loop{% endfor %}",
            "{%- set x = 1 -%}{{- x -}} {{ '{{' }} }}}} {{{{");

    static List<Message> conversation(String text) {
        return List.of(
                Message.system("System: " + text),
                Message.user("User: " + text),
                Message.assistant("Assistant: " + text),
                Message.user("Again: " + text));
    }

    static List<Message> toolConversation(String text) {
        return List.of(
                Message.system("System: " + text),
                Message.user("User: " + text),
                Message.assistant("", List.of(new ToolCall("get_weather", json("{\"city\": " + quote(text) + "}")))),
                Message.tool("get_weather", "Tool: " + text),
                Message.assistant("Assistant: " + text));
    }

    static String quote(String s) {
        try {
            return ChatFixtures.JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode tool(String text) {
        return json("{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": " + quote(text)
                + ", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", "
                + "\"description\": "
                + quote(text) + "}}}}}");
    }

    void assertLiteral(String fixture, String builtInName, boolean tools) {
        ChatTemplate jinja =
                ChatTemplates.fromTokenizerConfig(JinjaTemplateTest.fixture(fixture + "/tokenizer_config.json"));
        ChatTemplate builtIn = ChatTemplates.builtIn(builtInName);
        for (String text : HOSTILE) {
            for (boolean prompt : new boolean[] {false, true}) {
                List<Message> plain = conversation(text);
                String rendered = jinja.render(plain, null, prompt);
                assertThat(rendered)
                        .as(fixture + ": " + text)
                        .isEqualTo(builtIn.render(plain, null, prompt))
                        .contains(text);
                if (!tools) continue;
                List<Message> withTools = toolConversation(text);
                List<JsonNode> defs = List.of(tool(text));
                assertThat(jinja.render(withTools, defs, prompt))
                        .as(fixture + " tools: " + text)
                        .isEqualTo(builtIn.render(withTools, defs, prompt))
                        .contains("Tool: " + text);
            }
        }
    }

    @Test
    void llama31PrintsContentLiterally() {
        assertLiteral("llama-3.1-8b-instruct", "llama3.1", true);
    }

    @Test
    void qwen25PrintsContentLiterally() {
        assertLiteral("qwen2.5-7b-instruct", "qwen2.5", true);
    }

    @Test
    void llama2PrintsContentLiterally() {
        assertLiteral("llama-2-7b-chat", "llama2", false);
    }

    @Test
    void mistralPrintsContentLiterally() {
        assertLiteral("mistral-7b-instruct-v0.3", "mistral", true);
    }

    @Test
    void theIssueExample() {
        Path config = JinjaTemplateTest.fixture("llama-3.1-8b-instruct/tokenizer_config.json");
        ChatTemplate jinja = ChatTemplates.fromTokenizerConfig(config);
        String out = jinja.render(List.of(Message.user("Explain Jinja: {{ 7*7 }} and {{ bos_token }}")), null, false);
        assertThat(out).contains("Explain Jinja: {{ 7*7 }} and {{ bos_token }}").doesNotContain("49");
        // names and variables are data too
        ChatTemplate names = ChatTemplates.fromJinja(
                "names", "{{ messages[0].name }}|{{ date_string }}", Map.of("date_string", "{{ 6*7 }}"));
        assertThat(names.render(List.of(Message.tool("{{ 1+1 }}", "x")), null, false))
                .isEqualTo("{{ 1+1 }}|{{ 6*7 }}");
    }
}
