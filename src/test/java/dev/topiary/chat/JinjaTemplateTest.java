// JinjaTemplateTest: real chat_template strings from tokenizer_config.json, rendered with jinjava, equal the built-ins.
package dev.topiary.chat;

import static dev.topiary.chat.ChatFixtures.MULTI_TURN;
import static dev.topiary.chat.ChatFixtures.TIME_TOOL;
import static dev.topiary.chat.ChatFixtures.WEATHER_TOOL;
import static dev.topiary.chat.ChatFixtures.WEATHER_TOOL_BARE;
import static dev.topiary.chat.ChatFixtures.WITH_SYSTEM;
import static dev.topiary.chat.ChatFixtures.WITH_TOOLS;
import static dev.topiary.chat.ChatFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JinjaTemplateTest {
    static Path fixture(String name) {
        try {
            return Path.of(JinjaTemplateTest.class.getResource("/chat/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static final List<JsonNode> TOOLS = List.of(WEATHER_TOOL);

    /** Conversations beyond the shared three: text with tool calls, parallel calls, grouped results, odd whitespace. */
    static final List<Message> PARALLEL = List.of(
            Message.system("  Use tools.  "),
            Message.user("Paris and Rome?"),
            Message.assistant(
                    "Checking both.",
                    List.of(
                            new ToolCall("get_weather", json("{\"city\": \"Paris\"}")),
                            new ToolCall(
                                    "get_weather",
                                    json("{\"city\": \"Rome\", \"unit\": \"°C\", \"days\": 2, \"detail\": 0.5}")))),
            Message.tool("get_weather", "22"),
            Message.tool("get_weather", "25"),
            Message.assistant("22 and 25.\n"),
            Message.user("Thanks \"friend\" \\ ✓"),
            Message.assistant("You're welcome."));

    void assertSame(ChatTemplate jinja, ChatTemplate builtIn, List<Message> conversation, List<JsonNode> tools) {
        for (boolean prompt : new boolean[] {false, true}) {
            assertThat(jinja.render(conversation, tools, prompt))
                    .as(builtIn.name() + " prompt=" + prompt)
                    .isEqualTo(builtIn.render(conversation, tools, prompt));
        }
        if (conversation.getFirst().role().equals("assistant")) return;
        assertThat(jinja.renderWithSpans(conversation, tools))
                .as(builtIn.name() + " spans")
                .isEqualTo(builtIn.renderWithSpans(conversation, tools));
    }

    @Test
    void llama31TemplateEqualsBuiltIn() {
        ChatTemplate jinja = ChatTemplates.fromTokenizerConfig(fixture("llama-3.1-8b-instruct/tokenizer_config.json"));
        ChatTemplate builtIn = ChatTemplates.builtIn("llama3.1");
        assertSame(jinja, builtIn, WITH_SYSTEM, null);
        assertSame(jinja, builtIn, MULTI_TURN, null);
        assertSame(jinja, builtIn, WITH_TOOLS, TOOLS);
        assertSame(jinja, builtIn, WITH_TOOLS, List.of(WEATHER_TOOL_BARE, TIME_TOOL));
        assertSame(jinja, builtIn, WITH_SYSTEM.subList(1, 4), List.of(WEATHER_TOOL));
        assertThat(jinja.toolCallFormat()).isEqualTo(ToolCallFormat.LLAMA3_JSON);

        // the template's variables: tools in the system turn, another date
        ChatTemplate inSystem = ChatTemplates.fromJinja(
                "llama3.1",
                readTemplate("llama-3.1-8b-instruct"),
                Map.of("bos_token", "<|begin_of_text|>", "tools_in_user_message", false, "date_string", "01 Jan 2025"));
        assertSame(inSystem, ChatTemplates.llama31("01 Jan 2025", false), WITH_TOOLS, TOOLS);

        assertThatThrownBy(() -> jinja.render(PARALLEL, null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "the template raised an exception: This model only supports single tool-calls at once!");
    }

    @Test
    void qwen25TemplateEqualsBuiltIn() {
        ChatTemplate jinja = ChatTemplates.fromTokenizerConfig(fixture("qwen2.5-7b-instruct/tokenizer_config.json"));
        ChatTemplate builtIn = ChatTemplates.builtIn("qwen2.5");
        assertSame(jinja, builtIn, WITH_SYSTEM, null);
        assertSame(jinja, builtIn, MULTI_TURN, null);
        assertSame(jinja, builtIn, WITH_TOOLS, TOOLS);
        assertSame(jinja, builtIn, WITH_TOOLS.subList(1, 5), List.of(WEATHER_TOOL_BARE, TIME_TOOL));
        assertSame(jinja, builtIn, PARALLEL, TOOLS);
        assertSame(jinja, builtIn, PARALLEL, null);
        List<Message> toolFirst =
                List.of(Message.tool("get_weather", "22"), Message.user("so?"), Message.assistant("warm"));
        assertSame(jinja, builtIn, toolFirst, null);
        assertThat(jinja.toolCallFormat()).isEqualTo(ToolCallFormat.QWEN_XML);
    }

    @Test
    void llama2TemplateEqualsBuiltIn() {
        ChatTemplate jinja = ChatTemplates.fromTokenizerConfig(fixture("llama-2-7b-chat/tokenizer_config.json"));
        ChatTemplate builtIn = ChatTemplates.builtIn("llama2");
        assertSame(jinja, builtIn, WITH_SYSTEM, null);
        assertSame(jinja, builtIn, MULTI_TURN, null);
        assertSame(jinja, builtIn, List.of(Message.system(" s "), Message.user(" u "), Message.assistant(" a ")), null);
        assertThatThrownBy(() -> jinja.render(List.of(Message.user("a"), Message.user("b")), null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Conversation roles must alternate");
    }

    @Test
    void mistralTemplateEqualsBuiltIn() {
        ChatTemplate jinja =
                ChatTemplates.fromTokenizerConfig(fixture("mistral-7b-instruct-v0.3/tokenizer_config.json"));
        ChatTemplate builtIn = ChatTemplates.builtIn("mistral");
        for (boolean prompt : new boolean[] {false, true}) {
            for (List<Message> c : List.of(WITH_SYSTEM, MULTI_TURN, WITH_TOOLS, WITH_SYSTEM.subList(0, 3)))
                assertThat(jinja.render(c, TOOLS, prompt)).isEqualTo(builtIn.render(c, TOOLS, prompt));
            assertThat(jinja.render(MULTI_TURN, null, prompt)).isEqualTo(builtIn.render(MULTI_TURN, null, prompt));
        }
        assertThat(jinja.renderWithSpans(MULTI_TURN, null)).isEqualTo(builtIn.renderWithSpans(MULTI_TURN, null));
        assertThat(jinja.renderWithSpans(WITH_TOOLS.subList(1, 5), null))
                .isEqualTo(builtIn.renderWithSpans(WITH_TOOLS.subList(1, 5), null));
        // this template moves the system message and the tool list to the last user turn, so prefix
        // rendering cannot place the spans; the built-in can
        assertThatThrownBy(() -> jinja.renderWithSpans(WITH_SYSTEM.subList(0, 3), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot find assistant message 2");
        assertThatThrownBy(() -> jinja.renderWithSpans(MULTI_TURN, TOOLS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot find assistant message 1");
        assertThat(jinja.toolCallFormat()).isEqualTo(ToolCallFormat.MISTRAL);
    }

    @Test
    void templateErrorsAreIllegalArgument() {
        Map<String, String> tokens = Map.of("bos_token", "<s>");
        ChatTemplate raises = ChatTemplates.fromJinja("raises", "{{ raise_exception('roles are wrong') }}", tokens);
        assertThatThrownBy(() -> raises.render(MULTI_TURN, null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template raises: the template raised an exception: roles are wrong");
        ChatTemplate broken = ChatTemplates.fromJinja("broken", "{% for m in messages %}{{ m.content }}", tokens);
        assertThatThrownBy(() -> broken.render(MULTI_TURN, null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("chat template broken: failed to render");
        // jinjava would print nothing for an unknown filter or test; they are refused when the template is loaded
        assertThatThrownBy(() -> ChatTemplates.fromJinja("filter", "{{ messages | no_such_filter }}", tokens))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template filter: the template uses filter 'no_such_filter', which is not available");
        assertThatThrownBy(() -> ChatTemplates.fromJinja("test", "{% if x is not no_such_test %}{% endif %}", tokens))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test 'no_such_test'");
        ChatTemplate unknownFunction = ChatTemplates.fromJinja("function", "{{ no_such_function(1) }}", tokens);
        assertThatThrownBy(() -> unknownFunction.render(MULTI_TURN, null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "chat template function: failed to render: Could not resolve function 'no_such_function'");
        assertThatThrownBy(() -> ChatTemplates.fromJinja("empty", " ", tokens))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pythonFlavourOfJinja() {
        Map<String, String> none = Map.of();
        List<Message> one = List.of(Message.user("  Hello World  "));
        String source =
                "{% set c = messages[0].content %}{{ c.strip() }}|{{ c.startswith('  He') }}|{{ c.endswith(('x', 'd  ')) }}|"
                        + "{{ c.strip().split(' ') }}|{{ c.lstrip().lower() }}|{{ c.rstrip().upper() }}|{{ c.replace('l', 'L', 2) }}|"
                        + "{{ c | trim }}|{{ c is iterable }}|{{ {'a': [1, 2.5, none, true]} | tojson }}|{{ {'a': 1} | tojson(indent=2) }}|"
                        + "{{ ', '.join(['x', 'y']) }}|{% for k, v in {'k': 'v'} | items %}{{ k }}={{ v }}{% endfor %}";
        assertThat(ChatTemplates.fromJinja("py", source, none).render(one, null, false))
                .isEqualTo(
                        "Hello World|true|true|['Hello', 'World']|hello world  |  HELLO WORLD|  HeLLo World  |Hello World|true|"
                                + "{\"a\": [1, 2.5, null, true]}|{\n  \"a\": 1\n}|x, y|k=v");
        // Jinja's whitespace control and trim_blocks / lstrip_blocks, as in transformers
        String ws =
                "{%- for m in messages %}\n    {{- m.role }}\n    {%- if loop.last %}\n        {{- '!' }}\n    {%- endif %}\n{%- endfor %}\n";
        assertThat(ChatTemplates.fromJinja("ws", ws, none).render(MULTI_TURN, null, false))
                .isEqualTo("userassistantuserassistant!");
        String blocks =
                "{% for m in messages %}\n  {% if m.role == 'user' %}\n[{{ m.content }}]\n  {% endif %}\n{% endfor %}";
        assertThat(ChatTemplates.fromJinja("blocks", blocks, none).render(MULTI_TURN, null, false))
                .isEqualTo("[Hi]\n[Bye]\n");
        // {% generation %} (transformers' assistant mask marker) renders its body; one final newline is dropped, \r\n
        // read as \n
        assertThat(ChatTemplates.fromJinja(
                                "gen",
                                "{% for m in messages %}{% generation %}[{{ m.content }}]{% endgeneration %}{% endfor %}\r\n\n",
                                none)
                        .render(one, null, false))
                .isEqualTo("[  Hello World  ]");
        assertThat(ChatTemplates.fromJinja("nl", "{{ messages[0].role }}\r\n\n", none)
                        .render(one, null, false))
                .isEqualTo("user\n");
        assertThat(ChatTemplates.fromJinja("date", "{{ strftime_now('%Y-%m-%d %%') }}", none)
                        .render(one, null, false))
                .isEqualTo(java.time.LocalDate.now() + " %");
        // namespace(), selectattr, slicing, negative index, the tool-call fields Hugging Face passes
        String fields =
                "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}|"
                        + "{{ (messages | selectattr('role', 'equalto', 'tool') | list | length) }}|{{ messages[-1].content[:4] }}|"
                        + "{{ messages[2].tool_calls[0].function.name }}|{{ messages[2].tool_calls[0].id }}|{{ messages[3].tool_call_id }}|"
                        + "{{ messages[3].name }}|{{ 'tool_calls' in messages[1] }}|{{ tools[0].function.name }}|{{ add_generation_prompt }}";
        assertThat(ChatTemplates.fromJinja("fields", fields, none).render(WITH_TOOLS, List.of(WEATHER_TOOL_BARE), true))
                .isEqualTo("5|1|It i|get_weather|call00000|call00000|get_weather|false|get_weather|true");
    }

    @Test
    void namedTemplatesPickToolUse() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("chat");
        try {
            java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), """
                    {"eos_token": "</s>", "chat_template": [
                      {"name": "default", "template": "plain{{ eos_token }}"},
                      {"name": "tool_use", "template": "tools:{{ tools | length }}"}]}""");
            ChatTemplate t = ChatTemplates.forModel(dir);
            assertThat(t.render(MULTI_TURN, null, false)).isEqualTo("plain</s>");
            assertThat(t.render(MULTI_TURN, TOOLS, false)).isEqualTo("tools:1");
        } finally {
            for (Path p : List.of(dir.resolve("tokenizer_config.json"), dir)) java.nio.file.Files.deleteIfExists(p);
        }
    }

    static String readTemplate(String fixtureDir) {
        try {
            return ChatFixtures.JSON
                    .readTree(fixture(fixtureDir + "/tokenizer_config.json").toFile())
                    .get("chat_template")
                    .textValue();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void spansFromPrefixesMatchTheBuiltIns() {
        ChatTemplate jinja = ChatTemplates.fromTokenizerConfig(fixture("qwen2.5-7b-instruct/tokenizer_config.json"));
        RenderedChat r = jinja.renderWithSpans(PARALLEL, TOOLS);
        List<String> texts = new ArrayList<>(r.assistantTexts());
        assertThat(texts)
                .containsExactly(
                        "Checking both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
                                + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\", \"unit\": \"°C\", \"days\": 2, \"detail\": 0.5}}\n</tool_call><|im_end|>",
                        "22 and 25.\n<|im_end|>",
                        "You're welcome.<|im_end|>");
        assertThatThrownBy(() -> jinja.renderWithSpans(List.of(Message.assistant("first")), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "cannot find assistant message 0: spans need a turn before the first assistant turn");
    }
}
