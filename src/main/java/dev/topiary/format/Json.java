// Json: the JSON helpers of Topiary: strict parsing, the JSONL loop, field accessors, value equality, Python's dumps.
package dev.topiary.format;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON helper:
 * <ul>
 *   <li>reading: a strict mapper (no trailing content after the value), {@link #parseOrNull} and the JSONL loop
 *       {@link #forEachLine};</li>
 *   <li>fields: accessors whose errors name the field by its path ({@code instructions[2].n}), for task files;</li>
 *   <li>{@link #sameValue}: equality in which numbers compare by value;</li>
 *   <li>writing as Python does, for chat templates: transformers replaces Jinja's {@code tojson} filter with
 *       {@code json.dumps(x, ensure_ascii=False, indent=indent, separators=None, sort_keys=False)}, so separators
 *       are {@code ", "} and {@code ": "} (or {@code ","} and newlines when indented), non-ASCII text is kept,
 *       floats print as Python's {@code repr} ({@link #dumps}); it accepts Jackson trees and plain Java values
 *       (maps, lists, strings, numbers, booleans, null).</li>
 * </ul>
 */
public final class Json {
    private Json() {}

    /** Rejects trailing content after the first value, so "{} {}" is not valid JSON. */
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Parses a whole string as one JSON value, or returns null when it is not valid JSON. */
    public static JsonNode parseOrNull(String s) {
        if (s == null || s.isBlank()) return null;
        try {
            JsonNode n = MAPPER.readTree(s);
            return n == null || n.isMissingNode() ? null : n;
        } catch (Exception e) {
            return null;
        }
    }

    public static String path(String prefix, String field) {
        return prefix == null || prefix.isEmpty() ? field : prefix + "." + field;
    }

    public static IllegalArgumentException bad(String path, String what) {
        return new IllegalArgumentException("field '" + path + "': " + what);
    }

    public static JsonNode object(JsonNode parent, String field, String prefix) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject())
            throw bad(path(prefix, field), n == null ? "missing (an object)" : "must be an object, got " + n);
        return n;
    }

    public static String text(JsonNode parent, String field, String prefix) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual())
            throw bad(path(prefix, field), n == null ? "missing (a string)" : "must be a string, got " + n);
        return n.asText();
    }

    public static String nonBlankText(JsonNode parent, String field, String prefix) {
        String s = text(parent, field, prefix);
        if (s.isBlank()) throw bad(path(prefix, field), "must not be empty");
        return s;
    }

    public static int nonNegativeInt(JsonNode parent, String field, String prefix) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0)
            throw bad(
                    path(prefix, field),
                    n == null ? "missing (a non-negative integer)" : "must be a non-negative integer, got " + n);
        return n.asInt();
    }

    public static JsonNode array(JsonNode parent, String field, String prefix) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isArray())
            throw bad(path(prefix, field), n == null ? "missing (an array)" : "must be an array, got " + n);
        return n;
    }

    public static List<String> texts(JsonNode parent, String field, String prefix, boolean nonEmpty) {
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
    public static boolean sameValue(JsonNode a, JsonNode b) {
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

    /** Receives the lines of a JSONL file, parsed. */
    public interface LineHandler {
        /**
         * @param n      the line's value
         * @param lineNo its line number, from 1
         * @return false to stop reading
         */
        boolean line(JsonNode n, int lineNo) throws IOException;
    }

    /**
     * The one JSONL reading loop: reads a UTF-8 file ({@link TextFiles}) line by line, skips blank lines and hands
     * each other line, parsed strictly, to the handler; a line that is not valid JSON is a
     * {@link ModelFormatException} "line N: not valid JSON". A missing file is one too, "no such " + what.
     *
     * @return the number of lines handed over
     */
    public static int forEachLine(Path file, String what, LineHandler h) throws IOException {
        if (!Files.isRegularFile(file)) throw new ModelFormatException(file, "no such " + what);
        int lineNo = 0, lines = 0;
        try (TextFiles.LineReader r = TextFiles.open(file)) {
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode n = parseOrNull(line);
                if (n == null) throw new ModelFormatException(file, "line " + lineNo + ": not valid JSON");
                lines++;
                if (!h.line(n, lineNo)) break;
            }
        }
        return lines;
    }

    // ---- Python's json.dumps -----------------------------------------------------------------------------------

    public static String dumps(Object value) {
        return dumps(value, -1, false);
    }

    /** @param indent spaces per level, or negative for one line */
    public static String dumps(Object value, int indent, boolean sortKeys) {
        StringBuilder out = new StringBuilder();
        write(out, value, indent, sortKeys, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object v, int indent, boolean sortKeys, int depth) {
        if (v instanceof JsonNode n) v = toJava(n);
        switch (v) {
            case null -> out.append("null");
            case String s -> quote(out, s);
            case Character c -> quote(out, c.toString());
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d -> out.append(floatRepr(d));
            case Float f -> out.append(floatRepr(f.doubleValue()));
            case BigDecimal b -> out.append(floatRepr(b.doubleValue()));
            case Number n -> out.append(n.toString());
            case Map<?, ?> m -> {
                List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
                if (sortKeys) entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
                if (entries.isEmpty()) {
                    out.append("{}");
                    return;
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : entries) {
                    if (!first) out.append(indent >= 0 ? "," : ", ");
                    first = false;
                    newline(out, indent, depth + 1);
                    quote(out, keyText(e.getKey()));
                    out.append(": ");
                    write(out, e.getValue(), indent, sortKeys, depth + 1);
                }
                newline(out, indent, depth);
                out.append('}');
            }
            case Collection<?> c -> writeList(out, c.iterator(), c.isEmpty(), indent, sortKeys, depth);
            case Object[] a -> writeList(out, List.of(a).iterator(), a.length == 0, indent, sortKeys, depth);
            default -> quote(out, v.toString());
        }
    }

    private static void writeList(
            StringBuilder out, Iterator<?> it, boolean empty, int indent, boolean sortKeys, int depth) {
        if (empty) {
            out.append("[]");
            return;
        }
        out.append('[');
        boolean first = true;
        while (it.hasNext()) {
            if (!first) out.append(indent >= 0 ? "," : ", ");
            first = false;
            newline(out, indent, depth + 1);
            write(out, it.next(), indent, sortKeys, depth + 1);
        }
        newline(out, indent, depth);
        out.append(']');
    }

    private static void newline(StringBuilder out, int indent, int depth) {
        if (indent < 0) return;
        out.append('\n');
        out.repeat(' ', indent * depth);
    }

    /** Python turns dict keys that are not strings into strings (True -> "true", 1 -> "1", None -> "null"). */
    private static String keyText(Object k) {
        return switch (k) {
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Double d -> floatRepr(d);
            default -> k.toString();
        };
    }

    public static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    /** Python's repr(float): shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16, else d.ddde+XX. */
    public static String floatRepr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal b = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = b.unscaledValue().toString();
        int exp = digits.length() - 1 - b.scale(); // value = d.ddd * 10^exp
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (exp >= -4 && exp < 16) {
            if (exp >= digits.length() - 1) {
                out.append(digits).repeat('0', exp - digits.length() + 1).append(".0");
            } else if (exp >= 0) {
                out.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
            } else {
                out.append("0.").repeat('0', -exp - 1).append(digits);
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) out.append('.').append(digits, 1, digits.length());
            out.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            if (a < 10) out.append('0');
            out.append(a);
        }
        return out.toString();
    }

    /**
     * A Jackson tree as plain Java values: LinkedHashMap (key order kept), ArrayList, String, Long/BigInteger,
     * Double, Boolean, null.
     */
    public static Object toJava(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : n.properties()) m.put(e.getKey(), toJava(e.getValue()));
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonNode c : n) l.add(toJava(c));
            return l;
        }
        if (n.isTextual()) return n.textValue();
        if (n.isBoolean()) return n.booleanValue();
        if (n.isIntegralNumber()) {
            BigInteger b = n.bigIntegerValue();
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }
        if (n.isNumber()) return n.doubleValue();
        return n.asText();
    }
}
