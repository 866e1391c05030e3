package dev.topiary.verify;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON helpers shared by the verifiers: a strict mapper, field accessors whose errors name the
 * field by its path ({@code instructions[2].n}), and value equality in which numbers compare by
 * value.
 */
final class Json {
    private Json() {}

    /** Rejects trailing content after the first value, so "{} {}" is not valid JSON. */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Parses a whole string as one JSON value, or returns null when it is not valid JSON. */
    static JsonNode parseOrNull(String s) {
        if (s == null || s.isBlank()) return null;
        try {
            JsonNode n = MAPPER.readTree(s);
            return n == null || n.isMissingNode() ? null : n;
        } catch (Exception e) {
            return null;
        }
    }

    static String path(String prefix, String field) {
        return prefix == null || prefix.isEmpty() ? field : prefix + "." + field;
    }

    static IllegalArgumentException bad(String path, String what) {
        return new IllegalArgumentException("field '" + path + "': " + what);
    }

    static JsonNode object(JsonNode parent, String field, String prefix) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject()) throw bad(path(prefix, field), n == null ? "missing (an object)" : "must be an object, got " + n);
        return n;
    }

    static String text(JsonNode parent, String field, String prefix) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual()) throw bad(path(prefix, field), n == null ? "missing (a string)" : "must be a string, got " + n);
        return n.asText();
    }

    static String nonBlankText(JsonNode parent, String field, String prefix) {
        String s = text(parent, field, prefix);
        if (s.isBlank()) throw bad(path(prefix, field), "must not be empty");
        return s;
    }

    static int nonNegativeInt(JsonNode parent, String field, String prefix) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0)
            throw bad(path(prefix, field), n == null ? "missing (a non-negative integer)" : "must be a non-negative integer, got " + n);
        return n.asInt();
    }

    static JsonNode array(JsonNode parent, String field, String prefix) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isArray()) throw bad(path(prefix, field), n == null ? "missing (an array)" : "must be an array, got " + n);
        return n;
    }

    static List<String> texts(JsonNode parent, String field, String prefix, boolean nonEmpty) {
        JsonNode a = array(parent, field, prefix);
        if (nonEmpty && a.isEmpty()) throw bad(path(prefix, field), "must not be empty");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            JsonNode e = a.get(i);
            if (!e.isTextual()) throw bad(path(prefix, field) + "[" + i + "]", "must be a string, got " + e);
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    /**
     * Structural equality where numbers compare by value (1 == 1.0) but never across kinds (the
     * string "1" is not the number 1); object key order is irrelevant, array order is not.
     */
    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a == null || b == null) return a == b;
        if (a.isNumber() && b.isNumber()) return decimal(a).compareTo(decimal(b)) == 0;
        if (a.isTextual() && b.isTextual()) return a.asText().equals(b.asText());
        if (a.isBoolean() && b.isBoolean()) return a.asBoolean() == b.asBoolean();
        if (a.isNull() && b.isNull()) return true;
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) return false;
            for (int i = 0; i < a.size(); i++) if (!sameValue(a.get(i), b.get(i))) return false;
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) return false;
            for (Iterator<Map.Entry<String, JsonNode>> it = a.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!b.has(e.getKey()) || !sameValue(e.getValue(), b.get(e.getKey()))) return false;
            }
            return true;
        }
        return false;
    }

    private static BigDecimal decimal(JsonNode n) {
        return n.isIntegralNumber() ? new BigDecimal(n.bigIntegerValue()) : n.decimalValue();
    }
}
