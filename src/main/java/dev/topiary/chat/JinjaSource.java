// JinjaSource: reads the tags of a Jinja template to fix what jinjava parses differently from Jinja2.
package dev.topiary.chat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A light scan of Jinja source: finds the expression and statement tags, tokenizes their insides
 * (strings, names, numbers, punctuation) and
 * <ul>
 *   <li>rewrites {@code not} to Jinja's precedence: Jinja's {@code not} applies to everything up to
 *       the next {@code and} / {@code or} (so {@code not x is defined} and
 *       {@code not a|length == 1} negate the test and the comparison), jinjava's only to the next
 *       operand; each such {@code not OPERAND} becomes {@code not (OPERAND)};</li>
 *   <li>lists the filters and tests the template uses, so that unknown ones can be reported up front
 *       (jinjava renders an unknown filter as nothing, without an error).</li>
 * </ul>
 */
final class JinjaSource {
    private JinjaSource() {}

    record Tag(int innerStart, int innerEnd) {}

    /**
     * Jinja2's lexer (without {@code keep_trailing_newline}, as transformers runs it) turns
     * {@code \r\n} and {@code \r} into {@code \n} and drops one newline at the very end.
     */
    static String normalizeNewlines(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /** The tags' inner ranges (delimiters and whitespace-control marks excluded); comments and raw blocks are skipped. */
    static List<Tag> tags(String s) {
        List<Tag> out = new ArrayList<>();
        int i = 0;
        while (true) {
            int open = s.indexOf('{', i);
            if (open < 0 || open + 1 >= s.length()) break;
            char kind = s.charAt(open + 1);
            if (kind == '#') {
                int close = s.indexOf("#}", open + 2);
                if (close < 0) break;
                i = close + 2;
                continue;
            }
            if (kind != '{' && kind != '%') {
                i = open + 1;
                continue;
            }
            int start = open + 2;
            if (start < s.length() && (s.charAt(start) == '-' || s.charAt(start) == '+')) start++;
            char closer = kind == '{' ? '}' : '%';
            int j = start, depth = 0, end = -1;
            while (j < s.length()) {
                char c = s.charAt(j);
                if (c == '\'' || c == '"') {
                    j = skipString(s, j);
                    continue;
                }
                if (c == '(' || c == '[' || c == '{') depth++;
                else if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
                if (depth == 0 && c == closer && j + 1 < s.length() && s.charAt(j + 1) == '}') {
                    end = j;
                    break;
                }
                j++;
            }
            if (end < 0) break;
            int innerEnd = end;
            if (innerEnd > start && (s.charAt(innerEnd - 1) == '-' || s.charAt(innerEnd - 1) == '+')) innerEnd--;
            out.add(new Tag(start, innerEnd));
            i = end + 2;
            if (kind == '%' && s.substring(start, innerEnd).strip().equals("raw")) {
                int endraw = s.indexOf("endraw", i);
                if (endraw < 0) break;
                i = endraw;
            }
        }
        return out;
    }

    private static int skipString(String s, int j) {
        char q = s.charAt(j);
        j++;
        while (j < s.length() && s.charAt(j) != q) j += s.charAt(j) == '\\' ? 2 : 1;
        return Math.min(j + 1, s.length());
    }

    enum Kind {
        NAME,
        STRING,
        NUMBER,
        SPACE,
        PUNCT
    }

    record Tok(Kind kind, String text) {}

    static List<Tok> tokenize(String s) {
        List<Tok> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int j = i + 1;
            Kind kind;
            if (c == '\'' || c == '"') {
                j = skipString(s, i);
                kind = Kind.STRING;
            } else if (Character.isWhitespace(c)) {
                while (j < s.length() && Character.isWhitespace(s.charAt(j))) j++;
                kind = Kind.SPACE;
            } else if (Character.isLetter(c) || c == '_') {
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) j++;
                kind = Kind.NAME;
            } else if (Character.isDigit(c)) {
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '.')) j++;
                kind = Kind.NUMBER;
            } else {
                kind = Kind.PUNCT;
            }
            out.add(new Tok(kind, s.substring(i, j)));
            i = j;
        }
        return out;
    }

    /** The source with every {@code not OPERAND} inside tags written {@code not (OPERAND)}. */
    static String fixNotPrecedence(String source) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        for (Tag t : tags(source)) {
            out.append(source, at, t.innerStart());
            List<Tok> toks = tokenize(source.substring(t.innerStart(), t.innerEnd()));
            out.append(rewrite(toks, 0, toks.size()));
            at = t.innerEnd();
        }
        return out.append(source.substring(at)).toString();
    }

    private static final Set<String> STOP_WORDS = Set.of("and", "or", "if", "else");

    private static String rewrite(List<Tok> toks, int from, int to) {
        StringBuilder out = new StringBuilder();
        for (int i = from; i < to; i++) {
            Tok t = toks.get(i);
            if (t.kind() == Kind.NAME
                    && t.text().equals("not")
                    && !isWord(prev(toks, from, i), "is")
                    && !isWord(next(toks, i + 1, to), "in")) {
                int operand = i + 1, end = operand, depth = 0;
                for (; end < to; end++) {
                    Tok u = toks.get(end);
                    if (u.kind() == Kind.PUNCT) {
                        String p = u.text();
                        if (p.equals("(") || p.equals("[") || p.equals("{")) depth++;
                        else if (p.equals(")") || p.equals("]") || p.equals("}")) {
                            if (depth == 0) break;
                            depth--;
                        } else if (p.equals(",") && depth == 0) break;
                    } else if (u.kind() == Kind.NAME && depth == 0 && STOP_WORDS.contains(u.text())) {
                        break;
                    }
                }
                int last = end;
                while (last > operand && toks.get(last - 1).kind() == Kind.SPACE) last--;
                int first = operand;
                while (first < last && toks.get(first).kind() == Kind.SPACE) first++;
                out.append("not (").append(rewrite(toks, first, last)).append(")");
                for (int k = last; k < end; k++) out.append(toks.get(k).text());
                i = end - 1;
                continue;
            }
            out.append(t.text());
        }
        return out.toString();
    }

    private static Tok prev(List<Tok> toks, int from, int i) {
        for (int k = i - 1; k >= from; k--) if (toks.get(k).kind() != Kind.SPACE) return toks.get(k);
        return null;
    }

    private static Tok next(List<Tok> toks, int i, int to) {
        for (int k = i; k < to; k++) if (toks.get(k).kind() != Kind.SPACE) return toks.get(k);
        return null;
    }

    private static boolean isWord(Tok t, String w) {
        return t != null && t.kind() == Kind.NAME && t.text().equals(w);
    }

    /** Names used as filters ({@code | name}) in the source's tags. */
    static Set<String> filters(String source) {
        return namesAfter(source, "|");
    }

    /** Names used as tests ({@code is name}, {@code is not name}) in the source's tags. */
    static Set<String> tests(String source) {
        return namesAfter(source, "is");
    }

    private static Set<String> namesAfter(String source, String marker) {
        Set<String> out = new LinkedHashSet<>();
        for (Tag t : tags(source)) {
            List<Tok> toks = tokenize(source.substring(t.innerStart(), t.innerEnd()));
            for (int i = 0; i < toks.size(); i++) {
                if (!toks.get(i).text().equals(marker)) continue;
                if (marker.equals("|")
                        && i + 1 < toks.size()
                        && toks.get(i + 1).text().equals("|")) {
                    i++; // the || operator
                    continue;
                }
                int k = i + 1;
                while (k < toks.size() && toks.get(k).kind() == Kind.SPACE) k++;
                if (k < toks.size() && marker.equals("is") && isWord(toks.get(k), "not")) {
                    k++;
                    while (k < toks.size() && toks.get(k).kind() == Kind.SPACE) k++;
                }
                if (k < toks.size() && toks.get(k).kind() == Kind.NAME)
                    out.add(toks.get(k).text());
            }
        }
        return out;
    }
}
