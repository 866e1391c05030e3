// SpecialTokens: finds the strings of special and added tokens in text, before BPE runs on the rest.
package dev.topiary.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits text into plain-text fragments and whole tokens, at the leftmost, then longest, occurrence of
 * a token string. Control and unknown tokens are recognised only when asked ({@code parseSpecial});
 * user-defined (added, non-special) tokens always.
 */
final class SpecialTokens {
    /** A piece of the input: plain text ({@code id == -1}) starting at {@code start}, or one token. */
    record Fragment(String text, int start, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private record Candidate(String text, int id, TokenType type) {}

    /** Candidates by first character, longest first. */
    private final Map<Character, List<Candidate>> byFirstChar = new HashMap<>();

    SpecialTokens(Vocabulary vocab) {
        for (int id = 0; id < vocab.size(); id++) {
            TokenType type = vocab.type(id);
            String piece = vocab.piece(id);
            if (!piece.isEmpty() && type.splitOut(true)) {
                byFirstChar
                        .computeIfAbsent(piece.charAt(0), c -> new ArrayList<>())
                        .add(new Candidate(piece, id, type));
            }
        }
        byFirstChar
                .values()
                .forEach(l ->
                        l.sort(Comparator.comparingInt((Candidate c) -> c.text().length())
                                .reversed()));
    }

    /** The fragments of {@code text}; plain-text fragments are never empty. */
    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> out = new ArrayList<>();
        int textStart = 0;
        for (int i = 0; i < text.length(); ) {
            Candidate c = match(text, i, parseSpecial);
            if (c == null) {
                i++;
                continue;
            }
            if (i > textStart) {
                out.add(new Fragment(text.substring(textStart, i), textStart, -1));
            }
            out.add(new Fragment(c.text(), i, c.id()));
            i += c.text().length();
            textStart = i;
        }
        if (textStart < text.length()) {
            out.add(new Fragment(text.substring(textStart), textStart, -1));
        }
        return out;
    }

    private Candidate match(String text, int at, boolean parseSpecial) {
        List<Candidate> list = byFirstChar.get(text.charAt(at));
        if (list != null) {
            for (Candidate c : list) {
                if (c.type().splitOut(parseSpecial) && text.startsWith(c.text(), at)) {
                    return c;
                }
            }
        }
        return null;
    }
}
