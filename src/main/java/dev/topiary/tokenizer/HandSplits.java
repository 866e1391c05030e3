// HandSplits: the splitters llama.cpp writes by hand instead of running a regex (GPT-2, Llama 3, Kimi K2, AFMoE).
package dev.topiary.tokenizer;

/**
 * Hand-written word splitting, with llama.cpp's semantics, for the patterns it does not give to a regex
 * engine. Each method splits the code points {@code [from, to)} of a {@link LlamaCppSplitter.Text} and
 * adds the ends of the pieces to {@code ends}. Letters, numbers and white space are as in
 * {@link CodepointClass}; positions outside the piece are "nothing" (not a letter, not white space...).
 */
final class HandSplits {
    private HandSplits() {}

    /**
     * GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
     * (contractions lower-case only).
     */
    static void gpt2(LlamaCppSplitter.Text text, int from, int to, IntList ends) {
        Piece p = new Piece(text, from, to, ends);
        int pos = from;
        while (pos < to) {
            int c = p.cp(pos);
            int contraction = p.contraction(pos, false);
            if (contraction > 0) {
                pos = p.end(pos + contraction);
                continue;
            }
            int q = c == ' ' ? pos + 1 : pos;
            if (p.letter(q)) {
                pos = p.end(p.skipLetters(q));
            } else if (p.number(q)) {
                pos = q;
                while (p.number(pos)) {
                    pos++;
                }
                p.end(pos);
            } else if (p.other(q)) {
                pos = p.end(p.skipOthers(q));
            } else {
                pos = p.whitespace(pos, false);
            }
        }
    }

    /**
     * Llama 3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
     * |\s*[\r\n]+|\s+(?!\S)|\s+}.
     */
    static void llama3(LlamaCppSplitter.Text text, int from, int to, IntList ends) {
        Piece p = new Piece(text, from, to, ends);
        int pos = from;
        while (pos < to) {
            int c = p.cp(pos);
            int contraction = p.contraction(pos, true);
            if (contraction > 0) {
                pos = p.end(pos + contraction);
                continue;
            }
            if (!(c == '\r' || c == '\n' || p.number(pos)) && (p.letter(pos) || p.letter(pos + 1))) {
                pos = p.end(p.skipLetters(pos + 1));
                continue;
            }
            if (p.number(pos)) {
                pos = p.digitsInThrees(pos);
                continue;
            }
            int q = c == ' ' ? pos + 1 : pos;
            if (!(p.space(q) || p.letter(q) || p.number(q))) {
                pos = p.end(p.skipNewlines(p.skipOthers(q)));
            } else {
                pos = p.whitespace(pos, true);
            }
        }
    }

    /**
     * Kimi K2: Han runs; then Llama 3's pattern, except that words are runs of letters other than Han (upper
     * case and lower case alike, here as in llama.cpp) that take a trailing contraction.
     */
    static void kimiK2(LlamaCppSplitter.Text text, int from, int to, IntList ends) {
        Piece p = new Piece(text, from, to, ends);
        int pos = from;
        while (pos < to) {
            int c = p.cp(pos);
            if (p.han(pos)) {
                while (p.han(pos)) {
                    pos++;
                }
                p.end(pos);
                continue;
            }
            boolean canLead = !(c == '\r' || c == '\n' || p.letter(pos) || p.number(pos));
            if (p.nonHanLetter(pos) || canLead && p.nonHanLetter(pos + 1)) {
                int start = pos;
                pos = canLead ? pos + 1 : pos;
                while (p.nonHanLetter(pos)) {
                    pos++;
                }
                if (pos > start + (canLead ? 1 : 0)) {
                    pos = p.end(pos + p.contraction(pos, true));
                    continue;
                }
                pos = start;
            }
            if (p.number(pos)) {
                pos = p.digitsInThrees(pos);
                continue;
            }
            int q = c == ' ' ? pos + 1 : pos;
            if (p.other(q)) {
                pos = p.end(p.skipNewlines(p.skipOthers(q)));
            } else {
                pos = p.whitespace(pos, true);
            }
        }
    }

    /**
     * AFMoE's digits: a run of n digits becomes its first {@code n mod 3} digits (if any) and then threes.
     * As in llama.cpp, the text before a run joins the run's first group (later regexes split it off).
     */
    static void afmoeDigits(LlamaCppSplitter.Text text, int from, int to, IntList ends) {
        Piece p = new Piece(text, from, to, ends);
        int pos = from;
        while (pos < to) {
            if (!p.number(pos)) {
                pos++;
                continue;
            }
            int start = pos;
            while (p.number(pos)) {
                pos++;
            }
            int group = start + (pos - start) % 3;
            if (group > start) {
                p.end(group);
            }
            for (; group < pos; group += 3) {
                p.end(group + 3);
            }
        }
        p.end(to);
    }

    /**
     * Tiny Aya's {@code \d{1,3}(?=(?:\d{3})*\b)}: a run of ASCII digits followed by the end of the piece or by a
     * character other than {@code [A-Za-z0-9_]} becomes its first {@code n mod 3} digits (if any), then threes;
     * a run followed by a word character has no boundary and stays in the text around it.
     */
    static void digitsFromTheRight(LlamaCppSplitter.Text text, int from, int to, IntList ends) {
        Piece p = new Piece(text, from, to, ends);
        int pos = from;
        while (pos < to) {
            if (!p.asciiDigit(pos)) {
                pos++;
                continue;
            }
            int start = pos;
            while (p.asciiDigit(pos)) {
                pos++;
            }
            if (p.asciiWordChar(pos)) {
                continue;
            }
            p.end(start);
            for (int group = start + (pos - start) % 3; group <= pos; group += 3) {
                p.end(group);
            }
        }
        p.end(to);
    }

    /**
     * SuperBPE's {@code (?=(\d{3})+(?!\d))}: an empty match, so a cut, before every position from which a
     * multiple of three ASCII digits runs to the end of the digits.
     */
    static void threesEndTheRun(LlamaCppSplitter.Text text, int from, int to, IntList ends) {
        Piece p = new Piece(text, from, to, ends);
        int pos = from;
        while (pos < to) {
            if (!p.asciiDigit(pos)) {
                pos++;
                continue;
            }
            int start = pos;
            while (p.asciiDigit(pos)) {
                pos++;
            }
            int first = start + (pos - start) % 3;
            for (int cut = first; cut < pos; cut += 3) {
                p.end(cut);
            }
        }
        p.end(to);
    }

    /** One piece being split: code point tests, and the end of the last piece made. */
    private static final class Piece {
        private final LlamaCppSplitter.Text text;
        private final int from;
        private final int to;
        private final IntList ends;
        private int last;

        Piece(LlamaCppSplitter.Text text, int from, int to, IntList ends) {
            this.text = text;
            this.from = from;
            this.to = to;
            this.ends = ends;
            this.last = from;
        }

        /** Ends a piece at {@code end} (nothing if empty); returns {@code end}. */
        int end(int end) {
            if (end > last) {
                ends.add(end);
                last = end;
            }
            return end;
        }

        boolean in(int i) {
            return i >= from && i < to;
        }

        /** The code point at {@code i}, or -1 outside the piece. */
        int cp(int i) {
            return in(i) ? text.cp(i) : -1;
        }

        boolean letter(int i) {
            return in(i) && CodepointClass.isLetter(text.cp(i));
        }

        boolean number(int i) {
            return in(i) && CodepointClass.isNumber(text.cp(i));
        }

        boolean space(int i) {
            return in(i) && CodepointClass.isWhitespace(text.cp(i));
        }

        boolean han(int i) {
            return in(i) && CodepointClass.isHan(text.cp(i));
        }

        boolean asciiDigit(int i) {
            int c = cp(i);
            return c >= '0' && c <= '9';
        }

        /** {@code [A-Za-z0-9_]}, the word characters of ECMAScript's {@code \b}. */
        boolean asciiWordChar(int i) {
            int c = cp(i);
            return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
        }

        boolean nonHanLetter(int i) {
            return letter(i) && !han(i);
        }

        /** {@code [^\s\p{L}\p{N}]}, inside the piece. */
        boolean other(int i) {
            return in(i) && !space(i) && !letter(i) && !number(i);
        }

        int skipLetters(int i) {
            while (letter(i)) {
                i++;
            }
            return i;
        }

        int skipOthers(int i) {
            while (other(i)) {
                i++;
            }
            return i;
        }

        int skipNewlines(int i) {
            while (cp(i) == '\r' || cp(i) == '\n') {
                i++;
            }
            return i;
        }

        /** The length of a contraction ('s 't 'm 'd 're 've 'll) at {@code i}, or 0. */
        int contraction(int i, boolean ignoreCase) {
            if (cp(i) != '\'' || !in(i + 1)) {
                return 0;
            }
            int a = lower(cp(i + 1), ignoreCase);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') {
                return 2;
            }
            int b = in(i + 2) ? lower(cp(i + 2), ignoreCase) : -1;
            return a == 'r' && b == 'e' || a == 'v' && b == 'e' || a == 'l' && b == 'l' ? 3 : 0;
        }

        private static int lower(int cp, boolean ignoreCase) {
            return ignoreCase ? Character.toLowerCase(cp) : cp;
        }

        /** {@code \p{N}{1,3}} repeatedly from {@code i}; returns the end of the digits. */
        int digitsInThrees(int i) {
            int start = i;
            while (number(i)) {
                i++;
                if (i - start >= 3) {
                    end(i);
                    start = i;
                }
            }
            return end(i);
        }

        /**
         * White space at {@code i}: with {@code newlines}, up to and including its last CR or LF if it has one
         * ({@code \s*[\r\n]+}); otherwise all but the last character when something follows ({@code \s+(?!\S)}),
         * or all of it ({@code \s+}); a character that is none of these alone. Returns the new position.
         */
        int whitespace(int i, boolean newlines) {
            int n = 0;
            int afterNewline = -1;
            while (space(i + n)) {
                if (newlines && (cp(i + n) == '\r' || cp(i + n) == '\n')) {
                    afterNewline = i + n + 1;
                }
                n++;
            }
            if (afterNewline >= 0) {
                return end(afterNewline);
            }
            if (n > 1 && in(i + n)) {
                return end(i + n - 1);
            }
            return end(i + Math.max(n, 1));
        }
    }
}
