package dev.topiary.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.chat.ToolCall;
import org.junit.jupiter.api.Test;

class ToolSchemaTest {
    static final String WEATHER = """
            {"name": "get_weather", "description": "Current weather",
             "parameters": {"type": "object",
               "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]},
                              "days": {"type": "integer"}, "lat": {"type": "number"}, "alerts": {"type": "boolean"},
                              "hours": {"type": "array", "items": {"type": "integer"}},
                              "box": {"type": "object", "properties": {"w": {"type": "number"}}, "required": ["w"]}},
               "required": ["city"]}}""";

    static ToolSchema schema(String s) throws Exception {
        return ToolSchema.fromJson(new ObjectMapper().readTree(s), "tools[0]");
    }

    static ToolCall call(String s) {
        return ToolCalls.parse(s).orElseThrow();
    }

    @Test
    void parsesAValidDefinition() throws Exception {
        ToolSchema t = schema(WEATHER);
        assertThat(t.name()).isEqualTo("get_weather");
        assertThat(t.description()).isEqualTo("Current weather");
        assertThat(t.properties()).containsKeys("city", "unit", "days");
        assertThat(t.required()).containsExactly("city");
        // OpenAI wrapper, no required list
        ToolSchema w = schema(
                "{\"type\": \"function\", \"function\": {\"name\": \"now\", \"parameters\": {\"type\": \"object\", \"properties\": {}}}}");
        assertThat(w.name()).isEqualTo("now");
        assertThat(w.required()).isEmpty();
    }

    @Test
    void invalidDefinitionsNameTheField() {
        assertThatThrownBy(() -> schema("{\"parameters\": {\"type\": \"object\", \"properties\": {}}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'tools[0].name'");
        assertThatThrownBy(() -> schema("{\"name\": \"f\"}")).hasMessageContaining("'tools[0].parameters': missing");
        assertThatThrownBy(() -> schema("{\"name\": \"f\", \"parameters\": {\"type\": \"array\", \"properties\": {}}}"))
                .hasMessageContaining("'tools[0].parameters.type'");
        assertThatThrownBy(() -> schema("{\"name\": \"f\", \"parameters\": {\"type\": \"object\"}}"))
                .hasMessageContaining("'tools[0].parameters.properties'");
        assertThatThrownBy(
                        () -> schema(
                                "{\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"text\"}}}}"))
                .hasMessageContaining("'tools[0].parameters.properties.a.type'");
        assertThatThrownBy(
                        () -> schema(
                                "{\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {\"a\": {}}, \"required\": [\"b\"]}}"))
                .hasMessageContaining("'tools[0].parameters.required[0]'")
                .hasMessageContaining("'b'");
        assertThatThrownBy(
                        () -> schema(
                                "{\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {\"a\": {\"enum\": []}}}}"))
                .hasMessageContaining("'tools[0].parameters.properties.a.enum'");
    }

    @Test
    void checksCallsAgainstTheSchema() throws Exception {
        ToolSchema t = schema(WEATHER);
        assertThat(
                        t.check(
                                call(
                                        "get_weather(city='Paris', unit='c', days=3, lat=48.85, alerts=False, hours=[1, 2], box={'w': 1})")))
                .isEmpty();
        assertThat(t.check(call("get_weather(city='Paris', days=2.0)"))).isEmpty(); // 2.0 is an integer in JSON Schema
        assertThat(t.check(call("get_weather(unit='c')"))).containsExactly("missing required argument 'city'");
        assertThat(t.check(call("get_weather(city=1)")))
                .singleElement()
                .asString()
                .contains("not of type string");
        assertThat(t.check(call("get_weather(city='P', days=2.5)")))
                .singleElement()
                .asString()
                .contains("not of type integer");
        assertThat(t.check(call("get_weather(city='P', days='2')")))
                .singleElement()
                .asString()
                .contains("not of type integer");
        assertThat(t.check(call("get_weather(city='P', lat='1.0')")))
                .singleElement()
                .asString()
                .contains("not of type number");
        assertThat(t.check(call("get_weather(city='P', alerts='yes')")))
                .singleElement()
                .asString()
                .contains("boolean");
        assertThat(t.check(call("get_weather(city='P', unit='k')")))
                .singleElement()
                .asString()
                .contains("not one of");
        assertThat(t.check(call("get_weather(city='P', hours=[1, 'x'])")))
                .singleElement()
                .asString()
                .contains("hours[1]");
        assertThat(t.check(call("get_weather(city='P', hours=3)")))
                .singleElement()
                .asString()
                .contains("not of type array");
        assertThat(t.check(call("get_weather(city='P', box={})")))
                .singleElement()
                .asString()
                .contains("lacks required field 'w'");
        assertThat(t.check(call("get_weather(city='P', box=[])")))
                .singleElement()
                .asString()
                .contains("not of type object");
        assertThat(t.check(call("get_weather(city='P', mood='ok')"))).containsExactly("unknown argument 'mood'");
        assertThat(t.check(call("get_forecast(city='P')")))
                .singleElement()
                .asString()
                .contains("is not 'get_weather'");
    }
}
