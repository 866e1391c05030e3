package dev.topiary.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.chat.ToolCall;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ToolCallsTest {
    static final ObjectMapper M = new ObjectMapper();

    static JsonNode json(String s) throws Exception {
        return M.readTree(s);
    }

    static ExpectedCall expected(String s) throws Exception {
        return ExpectedCall.fromJson(json(s), "expected");
    }

    static ToolCall call(String output) {
        Optional<ToolCall> c = ToolCalls.parse(output);
        assertThat(c).as("parse of %s", output).isPresent();
        return c.get();
    }

    @Test
    void parsesTheJsonForms() throws Exception {
        ToolCall a = call("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}");
        assertThat(a.name()).isEqualTo("get_weather");
        assertThat(a.arguments().properties().stream().map(java.util.Map.Entry::getKey))
                .containsOnly("city", "days");
        assertThat(a.arguments().get("city").asText()).isEqualTo("Paris");
        // Llama 3.1: "parameters", python tag, end-of-message token
        ToolCall b = call(
                "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}<|eom_id|>");
        assertThat(b).isEqualTo(a);
        assertThat(
                        call(
                                "```json\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}\n```"))
                .isEqualTo(a);
        // arguments as a JSON-encoded string (OpenAI), a one-element list, no arguments at all
        assertThat(
                        call(
                                "{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\", \\\"days\\\": 3}\"}"))
                .isEqualTo(a);
        assertThat(
                        call(
                                "[{\"type\": \"function\", \"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"days\": 3}}]"))
                .isEqualTo(a);
        assertThat(call("{\"name\": \"now\"}").arguments())
                .isEmpty(); // the Python-like form of the same call is the same call
        assertThat(call("get_weather(city=\"Paris\", days=3)")).isEqualTo(a);
    }

    @Test
    void parsesThePythonLikeForm() throws Exception {
        ToolCall c = call("get_weather(city=\"Paris\", unit='c', days=3, ratio=-1.5e-1, ok=True, none=None,"
                + " tags=['a', \"b\"], pt=(1, 2), opts={\"deep\": {'x': False}},)");
        assertThat(c.name()).isEqualTo("get_weather");
        assertThat(c.arguments().get("city").asText()).isEqualTo("Paris");
        assertThat(c.arguments().get("unit").asText()).isEqualTo("c");
        assertThat(c.arguments().get("days").isIntegralNumber()).isTrue();
        assertThat(c.arguments().get("ratio").asDouble()).isEqualTo(-0.15);
        assertThat(c.arguments().get("ok").asBoolean()).isTrue();
        assertThat(c.arguments().get("none").isNull()).isTrue();
        assertThat(c.arguments().get("tags")).isEqualTo(json("[\"a\", \"b\"]"));
        assertThat(c.arguments().get("pt")).isEqualTo(json("[1, 2]"));
        assertThat(c.arguments().get("opts")).isEqualTo(json("{\"deep\": {\"x\": false}}"));
        assertThat(call("[math.hypot(x=3, y=4)]").name()).isEqualTo("math.hypot");
        assertThat(call("now()").arguments()).isEmpty();
        assertThat(call("```python\nnow(tz='UTC')\n```").arguments().properties().stream()
                        .map(java.util.Map.Entry::getKey))
                .containsOnly("tz");
        assertThat(call("```json {\"name\": \"now\"} ```").name()).isEqualTo("now");
        assertThat(call("say(text=\"it's \\\"quoted\\\"\\n\")")
                        .arguments()
                        .get("text")
                        .asText())
                .isEqualTo("it's \"quoted\"\n");
        // the same call in both forms matches the same expectation
        ExpectedCall e = expected("{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"c\"}}");
        assertThat(e.match(call("get_weather(unit=\"c\", city=\"Paris\")")).ok())
                .isTrue();
        assertThat(e.match(call("{\"name\": \"get_weather\", \"arguments\": {\"unit\": \"c\", \"city\": \"Paris\"}}"))
                        .ok())
                .isTrue();
    }

    @Test
    void unparseableOutputs() {
        for (String bad : new String[] {
            "",
            "   ",
            "I think you should call get_weather for Paris.",
            "{\"name\": \"f\", \"arguments\": {\"a\": 1}",
            "{\"arguments\": {}}",
            "{\"name\": \"f\", \"arguments\": [1]}",
            "[{\"name\": \"f\"}, {\"name\": \"g\"}]",
            "get_weather(\"Paris\")",
            "get_weather(city=Paris)",
            "get_weather(city=\"Paris\"",
            "f(a=1, a=2)",
            "f(a=1) and more text"
        }) assertThat(ToolCalls.parse(bad)).as(bad).isEmpty();
    }

    @Test
    void argumentOrderIsIrrelevant() throws Exception {
        ExpectedCall e = expected("{\"name\": \"f\", \"arguments\": {\"a\": 1, \"b\": \"x\"}}");
        assertThat(e.match(call("{\"name\": \"f\", \"arguments\": {\"b\": \"x\", \"a\": 1}}"))
                        .ok())
                .isTrue();
    }

    @Test
    void numbersCompareByValueButNotAcrossKinds() throws Exception {
        ExpectedCall e = expected("{\"name\": \"f\", \"arguments\": {\"n\": 1}}");
        assertThat(e.match(call("f(n=1)")).ok()).isTrue();
        assertThat(e.match(call("f(n=1.0)")).ok()).isTrue();
        assertThat(e.match(call("{\"name\": \"f\", \"arguments\": {\"n\": 1.00}}"))
                        .ok())
                .isTrue();
        assertThat(e.match(call("f(n=1.5)")).ok()).isFalse();
        ExpectedCall.Match m =
                e.match(call("{\"name\": \"f\", \"arguments\": {\"n\": \"1\"}}")); // a string is not a number
        assertThat(m.ok()).isFalse();
        assertThat(m.reason()).contains("argument 'n'");
        assertThat(expected("{\"name\": \"f\", \"arguments\": {\"x\": 2.5}}")
                        .match(call("f(x=2.50)"))
                        .ok())
                .isTrue();
        assertThat(expected("{\"name\": \"f\", \"arguments\": {\"b\": true}}")
                        .match(call("f(b=\"true\")"))
                        .ok())
                .isFalse();
    }

    @Test
    void missingExtraAndWrongName() throws Exception {
        ExpectedCall e = expected("{\"name\": \"f\", \"arguments\": {\"a\": 1, \"b\": 2}}");
        assertThat(e.match(call("f(a=1)")).reason()).isEqualTo("missing argument 'b'");
        assertThat(e.match(call("f(a=1, b=2, c=3)")).reason()).isEqualTo("unexpected argument 'c'");
        assertThat(e.match(call("g(a=1, b=2)")).reason()).contains("function 'g'");
        assertThat(e.match(call("f(a=1, b=2)"))).isEqualTo(new ExpectedCall.Match(true, ""));
    }

    @Test
    void multipleAcceptableValuesAndOptionalArguments() throws Exception {
        ExpectedCall e = expected(
                "{\"name\": \"w\", \"arguments\": {\"city\": [\"Paris\", \"paris\"], \"unit\": [\"c\", \"\"]}}");
        assertThat(e.match(call("w(city=\"Paris\", unit=\"c\")")).ok()).isTrue();
        assertThat(e.match(call("w(city=\"paris\")")).ok()).isTrue(); // unit optional ("" listed)
        assertThat(e.match(call("w(city=\"PARIS\")")).ok()).isFalse(); // exact strings only
        assertThat(e.match(call("w(city=\" Paris\")")).ok()).isFalse(); // no trimming
        assertThat(e.match(call("w(city=\"Paris\", unit=\"f\")")).ok()).isFalse();
        assertThat(e.optional("unit")).isTrue();
        assertThat(e.optional("city")).isFalse();
    }

    @Test
    void nestedValuesCompareStructurally() throws Exception {
        // a list-valued argument is written wrapped in the list of acceptable values
        ExpectedCall e = expected(
                "{\"name\": \"f\", \"arguments\": {\"xs\": [[1, 2.0, \"a\"]], \"o\": {\"k\": [1, {\"z\": null}], \"j\": 2}}}");
        assertThat(e.arguments().get("xs")).hasSize(1);
        assertThat(e.arguments().get("o")).hasSize(1);
        assertThat(e.match(call("f(o={'j': 2.0, 'k': [1, {'z': None}]}, xs=[1.0, 2, 'a'])"))
                        .ok())
                .isTrue();
        assertThat(e.match(call("f(o={'j': 2, 'k': [1, {'z': None}]}, xs=[2, 1, 'a'])"))
                        .ok())
                .isFalse(); // list order matters
        assertThat(e.match(call("f(o={'j': 2, 'k': [1, {'z': None}], 'extra': 0}, xs=[1, 2, 'a'])"))
                        .ok())
                .isFalse();
        assertThat(e.match(call("f(o={'j': 2, 'k': [1, {}]}, xs=[1, 2, 'a'])")).ok())
                .isFalse();
    }

    @Test
    void expectedCallErrorsNameTheField() {
        assertThatThrownBy(() -> expected("{\"arguments\": {}}")).hasMessageContaining("'expected.name'");
        assertThatThrownBy(() -> expected("{\"name\": \"f\", \"arguments\": {\"a\": []}}"))
                .hasMessageContaining("'expected.arguments.a'");
        assertThatThrownBy(() -> expected("{\"name\": \"f\", \"arguments\": [1]}"))
                .hasMessageContaining("'expected.arguments'");
    }
}
