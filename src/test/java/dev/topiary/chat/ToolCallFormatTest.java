// ToolCallFormatTest: tool calls read back from model output, and rendered calls round-tripping through the parser.
package dev.topiary.chat;

import static dev.topiary.chat.ChatFixtures.WEATHER_TOOL;
import static dev.topiary.chat.ChatFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ToolCallFormatTest {
    static final ToolCall PARIS = new ToolCall(
            "get_weather",
            json("{\"city\": \"Paris\", \"days\": 3, \"opts\": {\"metric\": true, \"list\": [1, 2.5]}}"));
    static final ToolCall ROME = new ToolCall("get_weather", json("{\"city\": \"Rome\"}"));

    @Test
    void llama3Json() {
        ParsedReply r = ToolCallFormat.LLAMA3_JSON.parse(
                "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3, "
                        + "\"opts\": {\"metric\": true, \"list\": [1, 2.5]}}}<|eot_id|>");
        assertThat(r.toolCalls()).containsExactly(PARIS);
        assertThat(r.content()).isEmpty();
        assertThat(ToolCallFormat.LLAMA3_JSON
                        .parse(
                                "<|python_tag|>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}<|eom_id|>")
                        .toolCalls())
                .containsExactly(ROME);
        assertThat(ToolCallFormat.LLAMA3_JSON
                        .parse(" {\"name\": \"get_weather\", \"parameters\": \"{\\\"city\\\": \\\"Rome\\\"}\"}; "
                                + "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}")
                        .toolCalls())
                .containsExactly(ROME, ROME);
        ParsedReply text = ToolCallFormat.LLAMA3_JSON.parse("It is sunny.<|eot_id|>");
        assertThat(text.content()).isEqualTo("It is sunny.");
        assertThat(text.hasToolCalls()).isFalse();
        assertThat(ToolCallFormat.LLAMA3_JSON.parse("{\"not\": \"a call\"}").content())
                .isEqualTo("{\"not\": \"a call\"}");
        assertThat(ToolCallFormat.LLAMA3_JSON
                        .parse("{\"name\": \"f\", \"parameters\": {} trailing")
                        .toolCalls())
                .isEmpty();
    }

    @Test
    void qwenXml() {
        ParsedReply r = ToolCallFormat.QWEN_XML.parse(
                "Checking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", "
                        + "\"days\": 3, \"opts\": {\"metric\": true, \"list\": [1, 2.5]}}}\n</tool_call>\n<tool_call>\n"
                        + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call><|im_end|>");
        assertThat(r.toolCalls()).containsExactly(PARIS, ROME);
        assertThat(r.content()).isEqualTo("Checking.");
        assertThat(r.toMessage()).isEqualTo(Message.assistant("Checking.", List.of(PARIS, ROME)));
        assertThat(ToolCallFormat.QWEN_XML.parse("Hello!<|im_end|>")).isEqualTo(new ParsedReply("Hello!", List.of()));
        assertThat(ToolCallFormat.QWEN_XML.parse("<tool_call>oops</tool_call>").toolCalls())
                .isEmpty();
    }

    @Test
    void mistral() {
        ParsedReply r = ToolCallFormat.MISTRAL.parse(
                "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}, \"id\": \"abcdefghi\"}, "
                        + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3, \"opts\": {\"metric\": true, \"list\": [1, 2.5]}}}]</s>");
        assertThat(r.toolCalls()).containsExactly(ROME, PARIS);
        assertThat(r.content()).isEmpty();
        assertThat(ToolCallFormat.MISTRAL.parse(" Sure.</s>")).isEqualTo(new ParsedReply(" Sure.", List.of()));
        assertThat(ToolCallFormat.MISTRAL.parse("[TOOL_CALLS] [broken").toolCalls())
                .isEmpty();
        assertThat(ToolCallFormat.NONE.parse(" text </s>").content()).isEqualTo(" text ");
    }

    /** Render an assistant turn that calls tools, take its span, parse it: the same calls come back. */
    @Test
    void renderedCallsRoundTrip() {
        for (String name : List.of("llama3", "llama3.1", "chatml", "qwen2", "qwen2.5", "mistral")) {
            ChatTemplate t = ChatTemplates.builtIn(name);
            List<ToolCall> calls = name.startsWith("llama") ? List.of(PARIS) : List.of(PARIS, ROME);
            List<Message> conversation = List.of(Message.user("Weather?"), Message.assistant("", calls));
            RenderedChat r = t.renderWithSpans(conversation, List.of(WEATHER_TOOL));
            ParsedReply back = t.parseReply(r.assistantTexts().getFirst());
            assertThat(back.toolCalls()).as(name).isEqualTo(calls);
            assertThat(back.content()).as(name).isEmpty();
            // and a plain answer stays text
            RenderedChat plain =
                    t.renderWithSpans(List.of(Message.user("Hi"), Message.assistant("Hello there.")), null);
            assertThat(t.parseReply(plain.assistantTexts().getFirst()).content().strip())
                    .as(name)
                    .isEqualTo("Hello there.");
        }
        // the Jinja templates know their format from their source
        ChatTemplate qwen = ChatTemplates.fromTokenizerConfig(
                JinjaTemplateTest.fixture("qwen2.5-7b-instruct/tokenizer_config.json"));
        RenderedChat r = qwen.renderWithSpans(
                List.of(Message.user("Weather?"), Message.assistant("Let me see.", List.of(PARIS, ROME))), null);
        assertThat(qwen.parseReply(r.assistantTexts().getFirst()).toMessage())
                .isEqualTo(Message.assistant("Let me see.", List.of(PARIS, ROME)));
    }
}
