// ChatFixtures: the conversations and tool definitions the chat template tests share.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** Shared test data: a chat with a system message, a multi-turn chat without one, a tool-using chat. */
final class ChatFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static final JsonNode WEATHER_TOOL = json("""
            {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city.",
             "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}}, "required": ["city"]}}}""");

    /** The same tool without the {"type": "function", "function": ...} wrapper. */
    static final JsonNode WEATHER_TOOL_BARE = WEATHER_TOOL.get("function");

    static final JsonNode TIME_TOOL = json("""
            {"name": "get_time", "description": "Current time in a timezone.", "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}""");

    static final List<Message> WITH_SYSTEM = List.of(
            Message.system("You are a helpful assistant."),
            Message.user("Hello!"),
            Message.assistant("Hi there. How can I help?"),
            Message.user("What is 2+2?"));

    static final List<Message> MULTI_TURN = List.of(
            Message.user("Hi"), Message.assistant(" Hello! "), Message.user("Bye"), Message.assistant("Goodbye."));

    static final List<Message> WITH_TOOLS = List.of(
            Message.system("You are a weather bot."),
            Message.user("Weather in Paris?"),
            Message.assistant("", List.of(new ToolCall("get_weather", json("{\"city\": \"Paris\"}")))),
            Message.tool("get_weather", "{\"temperature\": 22}"),
            Message.assistant("It is 22 degrees in Paris."));

    private ChatFixtures() {}
}
