// RenderedChat: a rendered conversation and the character ranges the assistant produced (for SFT loss masks).
package dev.topiary.chat;

import java.util.Arrays;
import java.util.List;

/**
 * A conversation rendered to text, with the character ranges {@code [start, end)} of {@link #text()}
 * that the assistant's turns produced: their content and tool calls plus the end-of-turn marker the
 * model must learn to emit ({@code <|eot_id|>}, {@code <|im_end|>}, {@code </s>}), but not the turn
 * header that precedes them (that is the generation prompt, which the caller supplies at inference).
 * Spans are in order and do not overlap. For supervised fine-tuning, train on the tokens inside the
 * spans and mask the rest.
 */
public record RenderedChat(String text, List<Span> assistantSpans) {
    /** A half-open character range {@code [start, end)} of the rendered text. */
    public record Span(int start, int end) {
        public Span {
            if (start < 0 || end < start) throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }

        public int length() {
            return end - start;
        }
    }

    public RenderedChat {
        assistantSpans = List.copyOf(assistantSpans);
        int last = 0;
        for (Span s : assistantSpans) {
            if (s.start() < last || s.end() > text.length())
                throw new IllegalArgumentException("spans must be ordered, disjoint and inside the text: " + s);
            last = s.end();
        }
    }

    /** The text of each assistant span, in order. */
    public List<String> assistantTexts() {
        return assistantSpans.stream()
                .map(s -> text.substring(s.start(), s.end()))
                .toList();
    }

    /** One flag per character of {@link #text()}: true inside an assistant span. */
    public boolean[] assistantMask() {
        boolean[] mask = new boolean[text.length()];
        for (Span s : assistantSpans) Arrays.fill(mask, s.start(), s.end(), true);
        return mask;
    }
}
