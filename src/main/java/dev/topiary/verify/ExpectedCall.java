package dev.topiary.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.chat.ToolCall;
import dev.topiary.format.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The call a function-calling item expects, in the manner of BFCL's AST check: the function name,
 * and for each argument the list of acceptable values.
 *
 * <p>JSON form: {@code {"name": "get_weather", "arguments": {"city": ["Paris", "paris"], "days": 3}}}
 * ({@code "parameters"} is accepted for {@code "arguments"}). A JSON array is always the list of
 * acceptable values, so an argument whose value is itself a list is written wrapped, BFCL style:
 * {@code {"cities": [["Paris", "Rome"]]}}; anything else is the one acceptable value. As in BFCL,
 * an empty string {@code ""} among the acceptable values marks the argument optional: it may then
 * be omitted (and, when given, must match one of the other values).
 *
 * <p>Matching ({@link #match}): the names are equal; every expected argument that is not optional
 * is present with an acceptable value; no argument outside the expected ones is given; argument
 * order is irrelevant. Values compare structurally ({@link Json#sameValue}): numbers by value
 * ({@code 1} matches {@code 1.0}), but never across kinds, so the string {@code "1"} does not
 * match the number {@code 1} (nor {@code "true"} the boolean); strings exactly, with no trimming or
 * case folding (list {@code "paris"} as well as {@code "Paris"} if either is fine); objects by
 * their keys and values, order of keys irrelevant; lists element by element, in order.
 */
public record ExpectedCall(String name, Map<String, List<JsonNode>> arguments) {
    public ExpectedCall {
        Map<String, List<JsonNode>> copy = new LinkedHashMap<>();
        arguments.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        arguments = Collections.unmodifiableMap(copy);
    }

    /** The verdict of {@link #match}: whether the call matches and, if not, the first reason why. */
    public record Match(boolean ok, String reason) {
        static final Match OK = new Match(true, "");
    }

    /** Whether the argument may be left out (its acceptable values include {@code ""}). */
    public boolean optional(String argument) {
        List<JsonNode> values = arguments.get(argument);
        return values != null
                && values.stream().anyMatch(v -> v.isTextual() && v.asText().isEmpty());
    }

    /** Matches a parsed call against this expectation. */
    public Match match(ToolCall call) {
        if (!call.name().equals(name))
            return new Match(false, "function '" + call.name() + "', expected '" + name + "'");
        for (String arg : arguments.keySet())
            if (!call.arguments().has(arg) && !optional(arg)) return new Match(false, "missing argument '" + arg + "'");
        for (Map.Entry<String, JsonNode> e : call.arguments().properties()) {
            List<JsonNode> ok = arguments.get(e.getKey());
            if (ok == null) return new Match(false, "unexpected argument '" + e.getKey() + "'");
            boolean any = false;
            for (JsonNode v : ok) if (Json.sameValue(v, e.getValue())) any = true;
            if (!any)
                return new Match(false, "argument '" + e.getKey() + "' = " + e.getValue() + ", acceptable: " + ok);
        }
        return Match.OK;
    }

    /** Parses the JSON form; errors are IllegalArgumentExceptions naming the field under {@code at}. */
    public static ExpectedCall fromJson(JsonNode n, String at) {
        if (n == null || !n.isObject())
            throw Json.bad(at, n == null ? "missing (an object)" : "must be an object, got " + n);
        String name = Json.nonBlankText(n, "name", at);
        String field = n.has("arguments") || !n.has("parameters") ? "arguments" : "parameters";
        Map<String, List<JsonNode>> args = new LinkedHashMap<>();
        if (n.has(field)) {
            JsonNode a = Json.object(n, field, at);
            a.properties().forEach(e -> {
                List<JsonNode> values = new ArrayList<>();
                if (e.getValue().isArray()) e.getValue().forEach(values::add);
                else values.add(e.getValue());
                if (values.isEmpty())
                    throw Json.bad(Json.path(Json.path(at, field), e.getKey()), "no acceptable value (an empty list)");
                args.put(e.getKey(), values);
            });
        }
        return new ExpectedCall(name, args);
    }
}
