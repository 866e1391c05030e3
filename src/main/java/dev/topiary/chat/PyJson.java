// PyJson: Python's json.dumps (as Hugging Face's tojson filter calls it) and str.strip, reproduced for exact templates.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text Python writes for a JSON value, as chat templates see it: transformers replaces Jinja's
 * {@code tojson} filter with {@code json.dumps(x, ensure_ascii=False, indent=indent,
 * separators=None, sort_keys=False)}, so separators are {@code ", "} and {@code ": "} (or {@code ","}
 * and newlines when indented), non-ASCII text is kept, floats print as Python's {@code repr}. Accepts
 * Jackson trees and plain Java values (maps, lists, strings, numbers, booleans, null).
 */
final class PyJson {
    private PyJson() {}

    static String dumps(Object value) {
        return dumps(value, -1, false);
    }

    /** @param indent spaces per level, or negative for one line */
    static String dumps(Object value, int indent, boolean sortKeys) {
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

    private static void writeList(StringBuilder out, Iterator<?> it, boolean empty, int indent, boolean sortKeys, int depth) {
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

    static void quote(StringBuilder out, String s) {
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
    static String floatRepr(double d) {
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

    /** A Jackson tree as plain Java values: LinkedHashMap (key order kept), ArrayList, String, Long/BigInteger, Double, Boolean, null. */
    static Object toJava(JsonNode n) {
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

    /** Python's str.isspace for one character. */
    static boolean isPySpace(char c) {
        return switch (c) {
            case ' ', '\t', '\n', '\u000b', '\f', '\r', '\u001c', '\u001d', '\u001e', '\u001f', '\u0085', '\u00a0',
                 '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200a';
        };
    }

    /** Python's str.strip() with no argument (Jinja's trim filter). */
    static String strip(String s) {
        int a = 0, b = s.length();
        while (a < b && isPySpace(s.charAt(a))) a++;
        while (b > a && isPySpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    static String lstrip(String s) {
        int a = 0;
        while (a < s.length() && isPySpace(s.charAt(a))) a++;
        return s.substring(a);
    }

    static String rstrip(String s) {
        int b = s.length();
        while (b > 0 && isPySpace(s.charAt(b - 1))) b--;
        return s.substring(0, b);
    }
}
