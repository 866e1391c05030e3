// LlamaCppSplitter: splits text into words the way llama.cpp's unicode_regex_split does, regex after regex.
package dev.topiary.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Word splitting for byte-level BPE as llama.cpp does it for a list of regexes: every regex splits each
 * piece the previous one produced; a match is a piece and so is the text between two matches. Text
 * is handled as code points, and llama.cpp's Unicode rules are kept:
 * <ul>
 *   <li>The GPT-2 and Llama 3 patterns (and Kimi K2's and AFMoE's digit marker) are split by hand
 *       ({@link HandSplits}), with {@code \p{L}}, {@code \p{N}} and white space from the code point's
 *       Unicode class ({@link CodepointClass}).</li>
 *   <li>Any other regex that names a category ({@code \p{N} \p{L} \p{P} \p{M} \p{S}}, and
 *       {@code \p{Lu} \p{Ll} \p{Lt} \p{Lm} \p{Lo}}, which all mean "letter" there) runs on "collapsed" text:
 *       ASCII stays itself, every other code point becomes one stand-in character for its class (white space
 *       becomes U+000B), and the category in the regex becomes a class of its stand-in plus its ASCII
 *       members. So {@code \s} and {@code \d} are ASCII-only, a-z/A-Z tests see only ASCII letters, and the
 *       ASCII members of {@code \p{S}} are {@code $+<=>^`|} (llama.cpp leaves {@code ~} out).</li>
 *   <li>A regex without categories runs on the code points themselves, with non-ASCII white space
 *       replaced by U+000B (so that the ASCII {@code \s} finds it).</li>
 * </ul>
 * Regexes run with ECMAScript meaning: {@code $} is the end of the piece (never before a final newline),
 * and lookarounds do not see past the piece. An empty match splits without making a piece.
 */
final class LlamaCppSplitter {
    /** Stand-ins of the collapsed text. */
    private static final char WHITESPACE = 0x0B;

    private static final char OTHER = 0xD0;

    private final List<Stage> stages;

    LlamaCppSplitter(List<String> regexes) {
        stages = regexes.stream().map(LlamaCppSplitter::stage).toList();
    }

    /** One regex of the list: splits the code points {@code [from, to)} of a text, adding the piece ends. */
    private interface Stage {
        void split(Text text, int from, int to, IntList ends);
    }

    /** The words of {@code text}, in order; none is empty. */
    List<String> split(String text) {
        Text t = new Text(text);
        IntList ends = new IntList();
        if (t.length() > 0) {
            ends.add(t.length());
        }
        for (Stage stage : stages) {
            IntList next = new IntList();
            int start = 0;
            for (int i = 0; i < ends.size(); i++) {
                int end = ends.get(i);
                stage.split(t, start, end, next);
                if (next.size() == 0 || next.last() != end) {
                    next.add(end);
                }
                start = end;
            }
            ends = next;
        }
        List<String> words = new ArrayList<>(ends.size());
        int start = 0;
        for (int i = 0; i < ends.size(); i++) {
            int end = ends.get(i);
            if (end > start) {
                words.add(t.substring(start, end));
            }
            start = end;
        }
        return words;
    }

    private static Stage stage(String regex) {
        if (regex.equals(PreTokenizerType.GPT2_PATTERN)) {
            return HandSplits::gpt2;
        }
        if (regex.equals(PreTokenizerType.LLAMA3_PATTERN)) {
            return HandSplits::llama3;
        }
        if (regex.equals(PreTokenizerType.KIMI_K2_MARKER)) {
            return HandSplits::kimiK2;
        }
        if (regex.equals(PreTokenizerType.AFMOE_DIGITS_MARKER)) {
            return HandSplits::afmoeDigits;
        }
        if (regex.equals(PreTokenizerType.Patterns.DIGITS_FROM_THE_RIGHT)) {
            return HandSplits::digitsFromTheRight;
        }
        if (regex.equals(PreTokenizerType.Patterns.THREES_END_THE_RUN)) {
            return HandSplits::threesEndTheRun;
        }
        boolean collapse = Category.used(regex);
        return new RegexStage(Pattern.compile(translate(regex, collapse)), collapse);
    }

    /** A regex run on the collapsed text, or on the code points. */
    private record RegexStage(Pattern pattern, boolean collapsed) implements Stage {
        @Override
        public void split(Text text, int from, int to, IntList ends) {
            String s = collapsed ? text.collapsed() : text.wide();
            Matcher m = pattern.matcher(s).region(text.charIndex(from, collapsed), text.charIndex(to, collapsed));
            while (m.find()) {
                int start = text.codepointIndex(m.start(), collapsed);
                int end = text.codepointIndex(m.end(), collapsed);
                if (start > from && (ends.size() == 0 || ends.last() != start)) {
                    ends.add(start);
                }
                if (end > start) {
                    ends.add(end);
                }
            }
        }
    }

    /**
     * The regex in Java's syntax with ECMAScript meaning: {@code $} becomes {@code \z}, a bare {@code [}
     * inside a class is escaped (Java would nest a class), and with {@code collapse} the categories become
     * classes of their stand-in and ASCII members.
     */
    static String translate(String regex, boolean collapse) {
        StringBuilder sb = new StringBuilder(regex.length() + 16);
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                Category cat = collapse ? Category.at(regex, i) : null;
                if (cat != null) {
                    sb.append(inClass ? cat.members() : "[" + cat.members() + "]");
                    i = regex.indexOf('}', i);
                } else {
                    sb.append(c).append(regex.charAt(++i));
                }
            } else if (c == '[') {
                sb.append(inClass ? "\\[" : "[");
                inClass = true;
                if (i + 1 < regex.length() && regex.charAt(i + 1) == '^') {
                    sb.append('^');
                    i++;
                }
            } else if (c == ']' && inClass) {
                sb.append(']');
                inClass = false;
            } else if (c == '$' && !inClass) {
                sb.append("\\z");
            } else if (c == '&' && inClass) {
                sb.append("\\&");
            } else {
                sb.append(c);
            }
        }
        return flattenCaseLookaheads(sb.toString());
    }

    /** llama.cpp's "a letter that is not a-z" idiom: a lookahead for a class, then a negated ASCII range. */
    private static final Pattern CASE_LOOKAHEAD =
            Pattern.compile("\\(\\(\\?=\\[([^\\[\\]]+)]\\)\\(\\[\\^(a-z|A-Z)]\\)\\)");

    /**
     * Rewrites {@code ((?=[X])([^a-z]))} as {@code [[X]&&[^a-z]]} (likewise A-Z): the same one character, but
     * {@code *} and {@code +} over a class loop in Java without recursing per character, as they do over a group.
     */
    static String flattenCaseLookaheads(String regex) {
        return CASE_LOOKAHEAD.matcher(regex).replaceAll("[[$1]&&[^$2]]");
    }

    /** The Unicode categories llama.cpp collapses, with their stand-ins and ASCII members. */
    private enum Category {
        NUMBER(0xD1, "0-9"),
        LETTER(0xD2, "A-Za-z"),
        PUNCTUATION(0xD3, "!-#%-*,-/:;?@\\[-\\]_\\{\\}"),
        MARK(0xD4, ""),
        SYMBOL(0xD5, "\\$\\+<->\\^`\\|");

        private static final List<String> NAMES = List.of("N", "L", "P", "M", "S", "Lu", "Ll", "Lt", "Lm", "Lo");

        private final char standIn;
        private final String ascii;

        Category(int standIn, String ascii) {
            this.standIn = (char) standIn;
            this.ascii = ascii;
        }

        /** The class body (without brackets) of the category in collapsed text. */
        String members() {
            return String.format("\\x%02X", (int) standIn) + ascii;
        }

        /** The category written at {@code regex[i]} ({@code \p{..}}), or null. */
        static Category at(String regex, int i) {
            if (!regex.startsWith("\\p{", i)) {
                return null;
            }
            int close = regex.indexOf('}', i);
            if (close < 0) {
                return null;
            }
            return switch (regex.substring(i + 3, close)) {
                case "N" -> NUMBER;
                case "L", "Lu", "Ll", "Lt", "Lm", "Lo" -> LETTER;
                case "P" -> PUNCTUATION;
                case "M" -> MARK;
                case "S" -> SYMBOL;
                default -> null;
            };
        }

        /** Whether {@code regex} names any of the categories (then it runs on collapsed text). */
        static boolean used(String regex) {
            return NAMES.stream().anyMatch(n -> regex.contains("\\p{" + n + "}"));
        }

        /** The stand-in of a non-ASCII, non-white-space code point. */
        static char standIn(int cp) {
            return switch (CodepointClass.of(cp)) {
                case NUMBER -> NUMBER.standIn;
                case LETTER -> LETTER.standIn;
                case PUNCTUATION -> PUNCTUATION.standIn;
                case MARK -> MARK.standIn;
                case SYMBOL -> SYMBOL.standIn;
                default -> OTHER;
            };
        }
    }

    /** The text as code points, with its collapsed and wide forms made on first use. */
    static final class Text {
        private final String text;
        private final int[] cps;
        /** UTF-16 index of each code point, and of the end; null when every code point is one char. */
        private final int[] charStarts;

        private String collapsed;
        private String wide;

        Text(String text) {
            this.text = text;
            this.cps = text.codePoints().toArray();
            if (cps.length == text.length()) {
                charStarts = null;
            } else {
                charStarts = new int[cps.length + 1];
                for (int i = 0, at = 0; i < cps.length; i++) {
                    charStarts[i] = at;
                    at += Character.charCount(cps[i]);
                }
                charStarts[cps.length] = text.length();
            }
        }

        int length() {
            return cps.length;
        }

        /** The code point at {@code i}. */
        int cp(int i) {
            return cps[i];
        }

        String substring(int from, int to) {
            return charStarts == null ? text.substring(from, to) : text.substring(charStarts[from], charStarts[to]);
        }

        /** One character per code point: ASCII as is, white space U+000B, the rest their category's stand-in. */
        String collapsed() {
            if (collapsed == null) {
                char[] c = new char[cps.length];
                for (int i = 0; i < cps.length; i++) {
                    int cp = cps[i];
                    c[i] = cp < 128 ? (char) cp : CodepointClass.isWhitespace(cp) ? WHITESPACE : Category.standIn(cp);
                }
                collapsed = new String(c);
            }
            return collapsed;
        }

        /** The text with non-ASCII white space as U+000B (same UTF-16 length). */
        String wide() {
            if (wide == null) {
                StringBuilder sb = new StringBuilder(text.length());
                for (int cp : cps) {
                    sb.appendCodePoint(cp >= 128 && CodepointClass.isWhitespace(cp) ? WHITESPACE : cp);
                }
                wide = sb.toString();
            }
            return wide;
        }

        int charIndex(int codepointIndex, boolean inCollapsed) {
            return inCollapsed || charStarts == null ? codepointIndex : charStarts[codepointIndex];
        }

        int codepointIndex(int charIndex, boolean inCollapsed) {
            if (inCollapsed || charStarts == null) {
                return charIndex;
            }
            int k = Arrays.binarySearch(charStarts, charIndex);
            if (k < 0) {
                throw new IllegalStateException("regex match inside a surrogate pair");
            }
            return k;
        }
    }
}
