// PreTokenizer: splits text into words before BPE (regex splits, byte-level mapping, Metaspace, digits).
package dev.topiary.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Splits normalized text into the words that BPE then encodes one by one (merges never cross words).
 * The implementations mirror Hugging Face's pre-tokenizers of the same names.
 */
interface PreTokenizer {
    /** GPT-2's pattern (also Hugging Face's ByteLevel pre-tokenizer and llama.cpp's "gpt2"). */
    String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    /** Llama 3's pattern (llama.cpp "llama-bpe"): letters may take one leading non-letter, digits go in threes. */
    String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's pattern: as Llama 3's, but every digit alone. */
    String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /**
     * Appends the words of {@code text}.
     *
     * @param atStart whether {@code text} begins the encoded input (for Metaspace's "first" scheme)
     */
    void split(String text, boolean atStart, List<String> out);

    /**
     * Compiles a pre-tokenizer regex. These patterns come from Oniguruma / Rust regex / PCRE, where
     * {@code \s}, {@code \d} and {@code \w} are Unicode classes; Java needs UNICODE_CHARACTER_CLASS for that.
     * Property names that Java spells differently are rewritten ({@link #javaProperties}), and llama.cpp's
     * letter-case lookaheads become class intersections ({@link LlamaCppSplitter#flattenCaseLookaheads}).
     * Patterns are kept as given otherwise, so {@code pattern()} still names them.
     */
    static Pattern compile(String regex) {
        return Pattern.compile(
                javaProperties(LlamaCppSplitter.flattenCaseLookaheads(regex)), Pattern.UNICODE_CHARACTER_CLASS);
    }

    /**
     * {@code \p{Name}} and {@code \P{Name}} that Java does not know but knows as {@code IsName}: scripts
     * ({@code \p{Han}}, {@code \p{Hiragana}}, {@code \p{Latin}}) and binary properties ({@code \p{Emoji}}),
     * which Oniguruma and Rust write without the prefix.
     */
    static String javaProperties(String regex) {
        Matcher m = PROPERTY.matcher(regex);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(3);
            boolean escaped = m.group(1).length() % 2 == 0; // an even run of backslashes before 'p' is literal text
            String replacement = m.group();
            if (!escaped && !knownProperty(name) && knownProperty("Is" + name)) {
                replacement = m.group(1) + m.group(2) + "{Is" + name + "}";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Backslashes, then p or P and a property name in braces. */
    Pattern PROPERTY = Pattern.compile("(\\\\+)([pP])\\{(\\w+)\\}");

    private static boolean knownProperty(String name) {
        try {
            Pattern.compile("\\p{" + name + "}");
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    /** The whole text is one word. */
    static PreTokenizer none() {
        return (text, atStart, out) -> out.add(text);
    }

    /** Hugging Face's SplitDelimiterBehavior: what becomes of the pieces a Split pattern matches. */
    enum Behavior {
        /** Matches are dropped. */
        REMOVED,
        /** Matches are words of their own. */
        ISOLATED,
        /** A match joins the word before it. */
        MERGED_WITH_PREVIOUS,
        /** A match joins the word after it. */
        MERGED_WITH_NEXT,
        /** Adjacent matches form one word. */
        CONTIGUOUS
    }

    /** Splits at the matches of {@code pattern}; with {@code invert} the matches are the words and the rest the delimiters. */
    record Split(Pattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        private record Span(int start, int end, boolean delimiter) {}

        @Override
        public void split(String text, boolean atStart, List<String> out) {
            List<Span> spans = spans(text);
            switch (behavior) {
                case REMOVED ->
                    spans.stream()
                            .filter(s -> !s.delimiter())
                            .forEach(s -> out.add(text.substring(s.start(), s.end())));
                case ISOLATED -> spans.forEach(s -> out.add(text.substring(s.start(), s.end())));
                case MERGED_WITH_PREVIOUS -> join(text, spans, out, false);
                case MERGED_WITH_NEXT -> join(text, spans, out, true);
                case CONTIGUOUS -> contiguous(text, spans, out);
            }
        }

        /**
         * The text cut into non-empty spans, words and delimiters. An empty match (a lookahead such as
         * {@code (?=(\d{3})+(?!\d))}) delimits nothing but still ends the span before it.
         */
        private List<Span> spans(String text) {
            List<Span> spans = new ArrayList<>();
            Matcher m = pattern.matcher(text);
            int last = 0;
            while (m.find()) {
                if (m.start() > last) {
                    spans.add(new Span(last, m.start(), invert));
                }
                if (m.end() > m.start()) {
                    spans.add(new Span(m.start(), m.end(), !invert));
                }
                last = m.end();
            }
            if (last < text.length()) {
                spans.add(new Span(last, text.length(), invert));
            }
            return spans;
        }

        /** Each delimiter joins the word before it (or after it), unless that neighbour is a delimiter too. */
        private static void join(String text, List<Span> spans, List<String> out, boolean withNext) {
            List<int[]> words = new ArrayList<>();
            boolean previousDelimiter = true; // the first span has nothing to join
            for (Span s : withNext ? spans.reversed() : spans) {
                if (s.delimiter() && !previousDelimiter) {
                    words.getLast()[withNext ? 0 : 1] = withNext ? s.start() : s.end();
                } else {
                    words.add(new int[] {s.start(), s.end()});
                }
                previousDelimiter = s.delimiter();
            }
            (withNext ? words.reversed() : words).forEach(w -> out.add(text.substring(w[0], w[1])));
        }

        private static void contiguous(String text, List<Span> spans, List<String> out) {
            for (int k = 0; k < spans.size(); ) {
                int end = k + 1;
                while (spans.get(k).delimiter()
                        && end < spans.size()
                        && spans.get(end).delimiter()) {
                    end++;
                }
                out.add(text.substring(spans.get(k).start(), spans.get(end - 1).end()));
                k = end;
            }
        }
    }

    /**
     * Hugging Face's ByteLevel pre-tokenizer: optionally a space in front, optionally GPT-2 regex
     * splitting, then every word spelled with GPT-2's byte characters ({@link ByteLevel}).
     */
    record ByteLevelWords(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        private static final Split GPT2_SPLIT = new Split(compile(GPT2), Behavior.ISOLATED, false);

        @Override
        public void split(String text, boolean atStart, List<String> out) {
            String t = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
            List<String> words = new ArrayList<>();
            if (useRegex) {
                GPT2_SPLIT.split(t, atStart, words);
            } else {
                words.add(t);
            }
            words.forEach(w -> out.add(ByteLevel.encode(w)));
        }
    }

    /** Hugging Face's Metaspace: spaces become {@code replacement}, which may be prepended and may start each word. */
    record Metaspace(char replacement, Prepend prepend, boolean splitWords) implements PreTokenizer {
        /** When to put a replacement character in front. */
        enum Prepend {
            ALWAYS,
            FIRST,
            NEVER
        }

        @Override
        public void split(String text, boolean atStart, List<String> out) {
            String t = text.replace(' ', replacement);
            boolean prefix = prepend == Prepend.ALWAYS || prepend == Prepend.FIRST && atStart;
            if (prefix && t.charAt(0) != replacement) {
                t = replacement + t;
            }
            if (!splitWords) {
                out.add(t);
                return;
            }
            int start = 0;
            for (int i = 1; i < t.length(); i++) {
                if (t.charAt(i) == replacement) {
                    out.add(t.substring(start, i));
                    start = i;
                }
            }
            out.add(t.substring(start));
        }
    }

    /**
     * llama.cpp's splitting for one of its pre-tokenizer types ({@code tokenizer.ggml.pre}), with its Unicode
     * rules ({@link LlamaCppSplitter}). The words stay plain text: a {@link ByteLevelWords} stage follows.
     */
    record LlamaCpp(PreTokenizerType type) implements PreTokenizer {
        @Override
        public void split(String text, boolean atStart, List<String> out) {
            out.addAll(type.splitter().split(text));
        }
    }

    /** Several pre-tokenizers, each applied to every word of the one before. */
    record Sequence(List<PreTokenizer> stages) implements PreTokenizer {
        @Override
        public void split(String text, boolean atStart, List<String> out) {
            List<String> words = List.of(text);
            for (PreTokenizer stage : stages) {
                List<String> next = new ArrayList<>();
                for (int i = 0; i < words.size(); i++) {
                    stage.split(words.get(i), atStart && i == 0, next);
                }
                words = next;
            }
            out.addAll(words);
        }
    }
}
