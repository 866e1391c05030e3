package dev.topiary.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.chat.ToolCall;
import dev.topiary.format.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tool's definition as a model is shown it, validated minimally:
 * {@code {"name": "get_weather", "description": "...", "parameters": {"type": "object",
 * "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
 * "required": ["city"]}}}. The OpenAI wrapper {@code {"type": "function", "function": {...}}} is
 * unwrapped. {@code required} may be absent (nothing required) and must name declared properties.
 * A property's {@code type}, where given, is one of string, number, integer, boolean, array,
 * object; {@code enum}, where given, is a non-empty array. Other JSON Schema keywords are kept but
 * not interpreted, except {@code items} of arrays and {@code properties}/{@code required} of
 * nested objects, which {@link #check} follows.
 */
public record ToolSchema(String name, String description, Map<String, JsonNode> properties, List<String> required) {
    /** The JSON Schema types {@link #check} knows. */
    public static final Set<String> TYPES = Set.of("string", "number", "integer", "boolean", "array", "object");

    public ToolSchema {
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        required = List.copyOf(required);
    }

    /** Parses and validates a definition; errors are IllegalArgumentExceptions naming the field under {@code at}. */
    public static ToolSchema fromJson(JsonNode n, String at) {
        if (n == null || !n.isObject()) throw Json.bad(at, "must be an object (a tool definition), got " + n);
        if (!n.has("name") && n.path("function").isObject()) {
            at = Json.path(at, "function");
            n = n.get("function");
        }
        String name = Json.nonBlankText(n, "name", at);
        String description =
                n.path("description").isTextual() ? n.get("description").asText() : "";
        JsonNode params = Json.object(n, "parameters", at);
        String pAt = Json.path(at, "parameters");
        JsonNode type = params.get("type");
        if (type == null || !"object".equals(type.asText()) || !type.isTextual())
            throw Json.bad(Json.path(pAt, "type"), "must be \"object\", got " + type);
        JsonNode props = Json.object(params, "properties", pAt);
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        props.properties().forEach(e -> {
            validateProperty(e.getValue(), Json.path(Json.path(pAt, "properties"), e.getKey()));
            properties.put(e.getKey(), e.getValue());
        });
        List<String> required = params.has("required") ? Json.texts(params, "required", pAt, false) : List.of();
        for (int i = 0; i < required.size(); i++)
            if (!properties.containsKey(required.get(i)))
                throw Json.bad(
                        Json.path(pAt, "required") + "[" + i + "]",
                        "'" + required.get(i) + "' is not among the properties " + properties.keySet());
        return new ToolSchema(name, description, properties, required);
    }

    private static void validateProperty(JsonNode p, String at) {
        if (!p.isObject()) throw Json.bad(at, "must be an object (a property schema), got " + p);
        JsonNode type = p.get("type");
        if (type != null && (!type.isTextual() || !TYPES.contains(type.asText())))
            throw Json.bad(Json.path(at, "type"), "must be one of " + TYPES + ", got " + type);
        JsonNode en = p.get("enum");
        if (en != null && (!en.isArray() || en.isEmpty()))
            throw Json.bad(Json.path(at, "enum"), "must be a non-empty array, got " + en);
        if (p.path("items").isObject()) validateProperty(p.get("items"), Json.path(at, "items"));
        if (p.path("properties").isObject())
            p.get("properties")
                    .properties()
                    .forEach(e -> validateProperty(e.getValue(), Json.path(Json.path(at, "properties"), e.getKey())));
    }

    /**
     * The ways a call breaks this schema, empty when it conforms: a different name, a required
     * argument missing, an argument not declared (function arguments are closed, unlike JSON
     * Schema's default), a value of the wrong type or outside the enum. Types follow JSON Schema:
     * {@code integer} accepts a number with no fractional part ({@code 2.0}), {@code number} any
     * number, and a string holding a number is still a string.
     */
    public List<String> check(ToolCall call) {
        List<String> problems = new ArrayList<>();
        if (!call.name().equals(name)) problems.add("function '" + call.name() + "' is not '" + name + "'");
        for (String r : required) if (!call.arguments().has(r)) problems.add("missing required argument '" + r + "'");
        for (Map.Entry<String, JsonNode> e : call.arguments().properties()) {
            JsonNode p = properties.get(e.getKey());
            if (p == null) problems.add("unknown argument '" + e.getKey() + "'");
            else checkValue(e.getValue(), p, e.getKey(), problems);
        }
        return problems;
    }

    private static void checkValue(JsonNode v, JsonNode schema, String at, List<String> problems) {
        String type = schema.path("type").asText("");
        if (!type.isEmpty() && !hasType(v, type)) {
            problems.add("argument '" + at + "' = " + v + " is not of type " + type);
            return;
        }
        JsonNode en = schema.get("enum");
        if (en != null && en.isArray()) {
            boolean any = false;
            for (JsonNode ok : en) if (Json.sameValue(ok, v)) any = true;
            if (!any) problems.add("argument '" + at + "' = " + v + " is not one of " + en);
        }
        if (v.isArray() && schema.path("items").isObject())
            for (int i = 0; i < v.size(); i++) checkValue(v.get(i), schema.get("items"), at + "[" + i + "]", problems);
        if (v.isObject() && schema.path("properties").isObject()) {
            JsonNode props = schema.get("properties");
            for (JsonNode r : schema.path("required"))
                if (!v.has(r.asText())) problems.add("argument '" + at + "' lacks required field '" + r.asText() + "'");
            v.properties().forEach(e -> {
                if (props.has(e.getKey()))
                    checkValue(e.getValue(), props.get(e.getKey()), at + "." + e.getKey(), problems);
            });
        }
    }

    static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "string" -> v.isTextual();
            case "number" -> v.isNumber();
            case "integer" -> v.isIntegralNumber() || (v.isNumber() && isWhole(v));
            case "boolean" -> v.isBoolean();
            case "array" -> v.isArray();
            case "object" -> v.isObject();
            default -> true;
        };
    }

    private static boolean isWhole(JsonNode v) {
        double d = v.doubleValue();
        return Double.isFinite(d) && d == Math.rint(d);
    }
}
