package dev.topiary.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.chat.ToolCall;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Optional;

/**
 * A small recursive-descent parser for a Python-like call: {@code name(key=value, ...)}, the name
 * possibly dotted ({@code math.hypot}), keyword arguments only (positional ones cannot be named
 * without the schema, so they make the output unparseable), values being string literals in
 * single or double quotes with backslash escapes, numbers, {@code True/False/None} (or
 * {@code true/false/null}), lists, tuples (as lists) and dicts with string keys. The whole call may
 * sit in {@code [...]}; a trailing comma is allowed anywhere Python allows one.
 */
final class PythonCall {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final String s;
    private int i;

    private PythonCall(String s) {
        this.s = s;
    }

    private static final class Fail extends RuntimeException {
        Fail() {
            super(null, null, false, false);
        }
    }

    static Optional<ToolCall> parse(String text) {
        PythonCall p = new PythonCall(text);
        try {
            p.ws();
            boolean bracket = p.eat('[');
            ToolCall c = p.call();
            p.ws();
            if (bracket) {
                p.eat(',');
                p.ws();
                p.expect(']');
                p.ws();
            }
            if (p.i != p.s.length()) return Optional.empty();
            return Optional.of(c);
        } catch (Fail e) {
            return Optional.empty();
        }
    }

    private ToolCall call() {
        ws();
        StringBuilder name = new StringBuilder(identifier());
        while (peek() == '.') {
            i++;
            name.append('.').append(identifier());
        }
        ws();
        expect('(');
        ObjectNode args = F.objectNode();
        ws();
        while (peek() != ')') {
            String key = identifier();
            ws();
            expect('=');
            if (args.replace(key, value()) != null) throw new Fail(); // repeated keyword: a SyntaxError in Python
            ws();
            if (!eat(',')) break;
            ws();
        }
        ws();
        expect(')');
        return new ToolCall(name.toString(), args);
    }

    private JsonNode value() {
        ws();
        char c = peek();
        if (c == '"' || c == '\'') return F.textNode(string());
        if (c == '[') return sequence('[', ']');
        if (c == '(') return sequence('(', ')');
        if (c == '{') return dict();
        if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) return number();
        String word = identifier();
        return switch (word) {
            case "True", "true" -> F.booleanNode(true);
            case "False", "false" -> F.booleanNode(false);
            case "None", "null" -> F.nullNode();
            default -> throw new Fail();
        };
    }

    private ArrayNode sequence(char open, char close) {
        expect(open);
        ArrayNode a = F.arrayNode();
        ws();
        while (peek() != close) {
            a.add(value());
            ws();
            if (!eat(',')) break;
            ws();
        }
        ws();
        expect(close);
        return a;
    }

    private ObjectNode dict() {
        expect('{');
        ObjectNode o = F.objectNode();
        ws();
        while (peek() != '}') {
            char q = peek();
            if (q != '"' && q != '\'') throw new Fail();
            String key = string();
            ws();
            expect(':');
            o.set(key, value());
            ws();
            if (!eat(',')) break;
            ws();
        }
        ws();
        expect('}');
        return o;
    }

    private JsonNode number() {
        int start = i;
        if (peek() == '-' || peek() == '+') i++;
        while (i < s.length()
                && (Character.isDigit(s.charAt(i))
                        || "._eE".indexOf(s.charAt(i)) >= 0
                        || ((s.charAt(i) == '-' || s.charAt(i) == '+') && "eE".indexOf(s.charAt(i - 1)) >= 0))) i++;
        String t = s.substring(start, i).replace("_", "");
        try {
            if (t.matches("[+-]?\\d+")) {
                // the node kinds Jackson's parser would give, so that calls from both forms are equal
                BigInteger v = new BigInteger(t);
                if (v.bitLength() < 32) return F.numberNode(v.intValue());
                if (v.bitLength() < 64) return F.numberNode(v.longValue());
                return F.numberNode(v);
            }
            return F.numberNode(Double.parseDouble(new BigDecimal(t).toString()));
        } catch (NumberFormatException e) {
            throw new Fail();
        }
    }

    private String string() {
        char q = s.charAt(i++);
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) throw new Fail();
            char c = s.charAt(i++);
            if (c == q) return b.toString();
            if (c == '\n') throw new Fail();
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) throw new Fail();
            char e = s.charAt(i++);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case '0' -> b.append('\0');
                case '\\', '\'', '"' -> b.append(e);
                case 'u' -> {
                    if (i + 4 > s.length()) throw new Fail();
                    try {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    } catch (NumberFormatException x) {
                        throw new Fail();
                    }
                    i += 4;
                }
                default -> b.append('\\').append(e); // Python keeps unknown escapes as written
            }
        }
    }

    private String identifier() {
        int start = i;
        if (i < s.length() && (Character.isLetter(s.charAt(i)) || s.charAt(i) == '_')) i++;
        else throw new Fail();
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
        return s.substring(start, i);
    }

    private char peek() {
        if (i >= s.length()) throw new Fail();
        return s.charAt(i);
    }

    private boolean eat(char c) {
        if (i < s.length() && s.charAt(i) == c) {
            i++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!eat(c)) throw new Fail();
    }

    private void ws() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }
}
