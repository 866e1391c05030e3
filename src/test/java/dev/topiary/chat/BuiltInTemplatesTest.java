// BuiltInTemplatesTest: each hand-written chat format against reference strings written out in full.
package dev.topiary.chat;

import static dev.topiary.chat.ChatFixtures.MULTI_TURN;
import static dev.topiary.chat.ChatFixtures.WEATHER_TOOL;
import static dev.topiary.chat.ChatFixtures.WEATHER_TOOL_BARE;
import static dev.topiary.chat.ChatFixtures.WITH_SYSTEM;
import static dev.topiary.chat.ChatFixtures.WITH_TOOLS;
import static dev.topiary.chat.ChatFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The references below were written out by hand from the official templates and checked against
 * Python Jinja2 rendering those templates the way transformers does.
 */
class BuiltInTemplatesTest {
    static final List<JsonNode> TOOLS = List.of(WEATHER_TOOL);

    // ---- Llama 3 / 3.1 ----

    static final String LLAMA31_SYSTEM_HEADER = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n";

    @Test
    void llama3PlainConversations() {
        ChatTemplate t = ChatTemplates.builtIn("llama3");
        String withSystem =
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there. How can I help?<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>";
        assertThat(t.render(WITH_SYSTEM, null, false)).isEqualTo(withSystem);
        assertThat(t.render(WITH_SYSTEM, List.of(), true))
                .isEqualTo(withSystem + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        String multi = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nGoodbye.<|eot_id|>";
        assertThat(t.render(MULTI_TURN, null, false)).isEqualTo(multi);
        assertThat(t.render(MULTI_TURN, null, true))
                .isEqualTo(multi + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(t.renderWithSpans(MULTI_TURN, null).assistantTexts())
                .containsExactly("Hello!<|eot_id|>", "Goodbye.<|eot_id|>");
        // Llama 3.0 has no tool format: with tools it renders exactly as 3.1
        assertThat(t.render(WITH_TOOLS, TOOLS, true))
                .isEqualTo(ChatTemplates.builtIn("llama3.1").render(WITH_TOOLS, TOOLS, true));
    }

    @Test
    void llama31PlainConversations() {
        ChatTemplate t = ChatTemplates.builtIn("llama3.1");
        String withSystem = LLAMA31_SYSTEM_HEADER + "You are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there. How can I help?<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>";
        assertThat(t.render(WITH_SYSTEM, null, false)).isEqualTo(withSystem);
        assertThat(t.render(WITH_SYSTEM, null, true))
                .isEqualTo(withSystem + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        // no system message: the system block is still there, empty after the dates
        String multi = LLAMA31_SYSTEM_HEADER + "<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nGoodbye.<|eot_id|>";
        assertThat(t.render(MULTI_TURN, null, false)).isEqualTo(multi);
        assertThat(t.render(MULTI_TURN, null, true))
                .isEqualTo(multi + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(ChatTemplates.llama31("01 Jan 2025", true).render(MULTI_TURN, null, false))
                .isEqualTo(multi.replace("26 Jul 2024", "01 Jan 2025"));
    }

    static final String LLAMA31_WEATHER_JSON =
            "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n"
                    + "        \"description\": \"Get the current weather in a city.\",\n        \"parameters\": {\n            \"type\": \"object\",\n"
                    + "            \"properties\": {\n                \"city\": {\n                    \"type\": \"string\",\n"
                    + "                    \"description\": \"City name\"\n                }\n            },\n            \"required\": [\n"
                    + "                \"city\"\n            ]\n        }\n    }\n}";

    @Test
    void llama31WithTools() {
        String expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a weather bot.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with a JSON for a function call "
                + "with its proper arguments that best answers the given prompt.\n\n"
                + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n"
                + LLAMA31_WEATHER_JSON + "\n\nWeather in Paris?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>"
                + "<|start_header_id|>ipython<|end_header_id|>\n\n\"{\\\"temperature\\\": 22}\"<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nIt is 22 degrees in Paris.<|eot_id|>";
        ChatTemplate t = ChatTemplates.builtIn("llama3.1");
        assertThat(t.render(WITH_TOOLS, TOOLS, false)).isEqualTo(expected);
        assertThat(t.render(WITH_TOOLS, TOOLS, true))
                .isEqualTo(expected + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(t.render(WITH_TOOLS, List.of(WEATHER_TOOL_BARE), false))
                .as("bare tool definitions are wrapped")
                .isEqualTo(expected);
        assertThat(t.renderWithSpans(WITH_TOOLS, TOOLS).assistantTexts())
                .containsExactly(
                        "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>",
                        "It is 22 degrees in Paris.<|eot_id|>");

        // tools in the system turn instead
        String inSystem = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "You have access to the following functions. To call a function, please respond with JSON for a function call."
                + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n"
                + LLAMA31_WEATHER_JSON + "\n\nYou are a weather bot.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>";
        assertThat(ChatTemplates.llama31("26 Jul 2024", false).render(WITH_TOOLS.subList(0, 2), TOOLS, false))
                .isEqualTo(inSystem);
    }

    @Test
    void llama31Refusals() {
        ChatTemplate t = ChatTemplates.builtIn("llama3.1");
        List<Message> two = List.of(
                Message.user("x"),
                Message.assistant("", List.of(new ToolCall("a", json("{}")), new ToolCall("b", json("{}")))));
        assertThatThrownBy(() -> t.render(two, null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only supports single tool-calls");
        assertThatThrownBy(() -> t.render(List.of(Message.system("s")), TOOLS, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no first user message");
    }

    // ---- Llama 2 ----

    @Test
    void llama2() {
        ChatTemplate t = ChatTemplates.builtIn("llama2");
        String withSystem =
                "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST] Hi there. How can I help? </s>"
                        + "<s>[INST] What is 2+2? [/INST]";
        assertThat(t.render(WITH_SYSTEM, null, false)).isEqualTo(withSystem);
        assertThat(t.render(WITH_SYSTEM, null, true))
                .as("Llama 2 has no generation prompt")
                .isEqualTo(withSystem);
        String multi = "<s>[INST] Hi [/INST] Hello! </s><s>[INST] Bye [/INST] Goodbye. </s>";
        assertThat(t.render(MULTI_TURN, null, false)).isEqualTo(multi);
        assertThat(t.render(MULTI_TURN, null, true)).isEqualTo(multi);
        assertThat(t.renderWithSpans(MULTI_TURN, null).assistantTexts())
                .containsExactly(" Hello! </s>", " Goodbye. </s>");
        assertThatThrownBy(() -> t.render(List.of(Message.user("a"), Message.user("b")), null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must alternate");
        assertThatThrownBy(() -> t.render(WITH_TOOLS, TOOLS, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no tools");
    }

    // ---- ChatML / Qwen ----

    static final String QWEN_TOOLS_SYSTEM =
            "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                    + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                    + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Get the current weather in a city.\", "
                    + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City name\"}}, \"required\": [\"city\"]}}}\n"
                    + "</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
                    + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

    @Test
    void chatmlAndQwen() {
        String withSystem =
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
                        + "<|im_start|>assistant\nHi there. How can I help?<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n";
        for (String name : List.of("chatml", "qwen2", "qwen2.5")) {
            ChatTemplate t = ChatTemplates.builtIn(name);
            assertThat(t.render(WITH_SYSTEM, null, false)).as(name).isEqualTo(withSystem);
            assertThat(t.render(WITH_SYSTEM, null, true)).as(name).isEqualTo(withSystem + "<|im_start|>assistant\n");
        }
        String multi = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n Hello! <|im_end|>\n"
                + "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\nGoodbye.<|im_end|>\n";
        assertThat(ChatTemplates.builtIn("chatml").render(MULTI_TURN, null, false))
                .isEqualTo(multi);
        assertThat(ChatTemplates.builtIn("chatml").render(MULTI_TURN, null, true))
                .isEqualTo(multi + "<|im_start|>assistant\n");
        assertThat(ChatTemplates.builtIn("qwen2").render(MULTI_TURN, null, false))
                .isEqualTo("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n" + multi);
        assertThat(ChatTemplates.builtIn("qwen2.5").render(MULTI_TURN, null, true))
                .isEqualTo(
                        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                                + multi + "<|im_start|>assistant\n");
        assertThat(ChatTemplates.builtIn("chatml")
                        .renderWithSpans(MULTI_TURN, null)
                        .assistantTexts())
                .containsExactly(" Hello! <|im_end|>", "Goodbye.<|im_end|>");
    }

    @Test
    void qwenWithTools() {
        String expected = "<|im_start|>system\nYou are a weather bot." + QWEN_TOOLS_SYSTEM
                + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n{\"temperature\": 22}\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\nIt is 22 degrees in Paris.<|im_end|>\n";
        ChatTemplate t = ChatTemplates.builtIn("qwen2.5");
        assertThat(t.render(WITH_TOOLS, TOOLS, false)).isEqualTo(expected);
        assertThat(t.render(WITH_TOOLS, TOOLS, true)).isEqualTo(expected + "<|im_start|>assistant\n");
        assertThat(t.renderWithSpans(WITH_TOOLS, TOOLS).assistantTexts())
                .containsExactly(
                        "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>",
                        "It is 22 degrees in Paris.<|im_end|>");
        // no system message: Qwen's default one, then the tools; plain ChatML starts at "# Tools"
        List<Message> noSystem = WITH_TOOLS.subList(1, 2);
        assertThat(t.render(noSystem, TOOLS, false))
                .isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                        + QWEN_TOOLS_SYSTEM + "<|im_start|>user\nWeather in Paris?<|im_end|>\n");
        assertThat(ChatTemplates.builtIn("chatml").render(noSystem, TOOLS, false))
                .isEqualTo("<|im_start|>system\n" + QWEN_TOOLS_SYSTEM.substring(2)
                        + "<|im_start|>user\nWeather in Paris?<|im_end|>\n");

        // text before the calls, two calls, two results grouped into one user turn
        List<Message> parallel = List.of(
                Message.user("Paris and Rome?"),
                Message.assistant(
                        "Checking both.",
                        List.of(
                                new ToolCall("get_weather", json("{\"city\": \"Paris\"}")),
                                new ToolCall("get_weather", json("{\"city\": \"Rome\"}")))),
                Message.tool("get_weather", "22"),
                Message.tool("get_weather", "25"),
                Message.assistant("22 and 25."));
        String expectedParallel =
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nParis and Rome?<|im_end|>\n"
                        + "<|im_start|>assistant\nChecking both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
                        + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call><|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>\n22\n</tool_response>\n<tool_response>\n25\n</tool_response><|im_end|>\n"
                        + "<|im_start|>assistant\n22 and 25.<|im_end|>\n";
        assertThat(t.render(parallel, null, false)).isEqualTo(expectedParallel);
    }

    // ---- Mistral v0.3 ----

    @Test
    void mistral() {
        ChatTemplate t = ChatTemplates.builtIn("mistral");
        // the system message goes before the last user turn, and only when that turn ends the conversation
        String withSystem =
                "<s>[INST] Hello![/INST] Hi there. How can I help?</s>[INST] You are a helpful assistant.\n\nWhat is 2+2?[/INST]";
        assertThat(t.render(WITH_SYSTEM, null, false)).isEqualTo(withSystem);
        assertThat(t.render(WITH_SYSTEM, null, true)).as("no generation prompt").isEqualTo(withSystem);
        assertThat(t.render(WITH_SYSTEM.subList(0, 3), null, false))
                .isEqualTo("<s>[INST] Hello![/INST] Hi there. How can I help?</s>");
        String multi = "<s>[INST] Hi[/INST] Hello!</s>[INST] Bye[/INST] Goodbye.</s>";
        assertThat(t.render(MULTI_TURN, null, false)).isEqualTo(multi);
        assertThat(t.render(MULTI_TURN, null, true)).isEqualTo(multi);
        assertThat(t.renderWithSpans(MULTI_TURN, null).assistantTexts())
                .containsExactly(" Hello!</s>", " Goodbye.</s>");
    }

    @Test
    void mistralWithTools() {
        String expected = "<s>[AVAILABLE_TOOLS] [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"description\": \"Get the current weather in a city.\", \"parameters\": {\"type\": \"object\", "
                + "\"properties\": {\"city\": {\"type\": \"string\", \"description\": \"City name\"}}, \"required\": [\"city\"]}}}][/AVAILABLE_TOOLS]"
                + "[INST] Weather in Paris?[/INST]"
                + "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"call00000\"}]</s>"
                + "[TOOL_RESULTS] {\"content\": {\"temperature\": 22}, \"call_id\": \"call00000\"}[/TOOL_RESULTS]"
                + " It is 22 degrees in Paris.</s>";
        ChatTemplate t = ChatTemplates.builtIn("mistral");
        assertThat(t.render(WITH_TOOLS, TOOLS, false)).isEqualTo(expected);
        assertThat(t.render(WITH_TOOLS, TOOLS, true)).isEqualTo(expected);
        assertThat(t.renderWithSpans(WITH_TOOLS, TOOLS).assistantTexts())
                .containsExactly(
                        "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"call00000\"}]</s>",
                        " It is 22 degrees in Paris.</s>");
        assertThatThrownBy(() -> t.render(List.of(Message.user("a"), Message.system("b")), null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Only user and assistant roles");
        assertThatThrownBy(() -> t.render(List.of(Message.assistant("a")), null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must alternate");
    }

    // ---- spans ----

    @Test
    void spansCoverExactlyTheAssistantParts() {
        for (String name : ChatTemplates.BUILT_IN) {
            ChatTemplate t = ChatTemplates.builtIn(name);
            boolean tools = !name.equals("llama2");
            List<Message> conversation = tools ? WITH_TOOLS : MULTI_TURN;
            RenderedChat r = t.renderWithSpans(conversation, tools ? TOOLS : null);
            assertThat(r.text()).as(name).isEqualTo(t.render(conversation, tools ? TOOLS : null, false));
            assertThat(r.assistantSpans()).as(name).hasSize(2);
            // what lies outside the spans is exactly what the template writes without the assistant's words
            StringBuilder outside = new StringBuilder();
            int at = 0;
            for (RenderedChat.Span s : r.assistantSpans()) {
                outside.append(r.text(), at, s.start());
                at = s.end();
            }
            outside.append(r.text().substring(at));
            for (String piece : List.of("Hello!", "Goodbye.", "It is 22 degrees", "{\"city\": \"Paris\"}"))
                assertThat(outside.toString()).as(name).doesNotContain(piece);
            for (String a : r.assistantTexts()) {
                assertThat(a).as(name).doesNotContain("<|start_header_id|>", "<|im_start|>", "[INST]", "user");
                assertThat(a.endsWith("<|eot_id|>") || a.endsWith("<|im_end|>") || a.endsWith("</s>"))
                        .as(name + ": " + a)
                        .isTrue();
            }
            // the recorded spans are what the prefix-rendering rule finds (Mistral moves its tool list, so no tools
            // there)
            List<JsonNode> prefixTools = name.equals("mistral") || name.equals("llama2") ? null : TOOLS;
            List<Message> prefixConversation = name.equals("llama2") ? MULTI_TURN : WITH_TOOLS.subList(1, 5);
            assertThat(Conversations.spansByPrefix(t, prefixConversation, prefixTools))
                    .as(name)
                    .isEqualTo(t.renderWithSpans(prefixConversation, prefixTools));
            boolean[] mask = r.assistantMask();
            int inside = 0;
            for (boolean b : mask) if (b) inside++;
            assertThat(inside)
                    .isEqualTo(r.assistantSpans().stream()
                            .mapToInt(RenderedChat.Span::length)
                            .sum());
        }
    }
}
