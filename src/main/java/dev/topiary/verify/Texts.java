package dev.topiary.verify;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Text measurements shared by the instructions. */
final class Texts {
    private Texts() {}

    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?]+(?=\\s|$)");
    private static final Pattern BULLET = Pattern.compile("^[ \\t]*[*-] ", Pattern.MULTILINE);

    static int words(String s) {
        int c = 0;
        for (Matcher m = WORD.matcher(s); m.find(); ) c++;
        return c;
    }

    /** Sentences: pieces between sentence ends that hold at least one word character. */
    static int sentences(String s) {
        int c = 0;
        for (String piece : SENTENCE_END.split(s, -1)) if (WORD.matcher(piece).find()) c++;
        return c;
    }

    static int bullets(String s) {
        int c = 0;
        for (Matcher m = BULLET.matcher(s); m.find(); ) c++;
        return c;
    }

    static boolean containsWord(String text, String word) {
        String w = word.strip();
        if (w.isEmpty()) return false;
        // \b only makes sense next to a word character; a phrase edge like "c++" gets a
        // lookaround that forbids a word character instead.
        String left = Character.isLetterOrDigit(w.charAt(0)) || w.charAt(0) == '_' ? "\\b" : "(?<!\\w)";
        char last = w.charAt(w.length() - 1);
        String right = Character.isLetterOrDigit(last) || last == '_' ? "\\b" : "(?!\\w)";
        return Pattern.compile(
                        left + Pattern.quote(w) + right,
                        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS)
                .matcher(text)
                .find();
    }

    /** Strips, then removes a surrounding Markdown code fence (```json or bare ```). */
    static String unfence(String s) {
        String t = s.strip();
        if (t.startsWith("```")) {
            t = t.substring(3);
            if (t.regionMatches(true, 0, "json", 0, 4)) t = t.substring(4);
            if (t.endsWith("```")) t = t.substring(0, t.length() - 3);
        }
        return t.strip();
    }

    private static final Pattern FENCE_TAG = Pattern.compile("^```[A-Za-z0-9_+-]*[ \\t]*\\r?\\n");

    /**
     * Like {@link #unfence}, but a fence may carry any language tag followed by a line break
     * ({@code ```python}); an inline fence without a line break loses only a {@code json} tag.
     */
    static String unfenceAnyLanguage(String s) {
        String t = s.strip();
        Matcher m = FENCE_TAG.matcher(t);
        if (m.find() && t.endsWith("```") && t.length() >= m.end() + 3)
            return t.substring(m.end(), t.length() - 3).strip();
        return unfence(t);
    }
}
