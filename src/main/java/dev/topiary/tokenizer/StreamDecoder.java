// StreamDecoder: decodes tokens one at a time during generation, holding back incomplete UTF-8.
package dev.topiary.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes a stream of token ids, one call per token. {@link #next(int)} returns only text whose UTF-8
 * is complete: the bytes of a character split over several byte tokens are held until its last byte
 * arrives. The concatenation of everything returned (plus {@link #flush()}) equals
 * {@link Tokenizer#decode(int[])} of the same ids, including the SentencePiece leading-space rule.
 * Not thread-safe: one per generation.
 */
public final class StreamDecoder {
    private final Detokenizer detokenizer;
    private byte[] pending = new byte[16];
    private int pendingLength;
    private boolean started;

    StreamDecoder(Detokenizer detokenizer) {
        this.detokenizer = detokenizer;
    }

    /**
     * Adds token {@code id}; returns the text it completes (possibly empty).
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    public String next(int id) {
        byte[] b = detokenizer.bytes(id);
        if (b == null) {
            return "";
        }
        if (pendingLength + b.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + b.length));
        }
        System.arraycopy(b, 0, pending, pendingLength, b.length);
        pendingLength += b.length;
        return emit(completeLength());
    }

    /** Ends the stream: returns any held-back bytes (an unfinished character, as U+FFFD). */
    public String flush() {
        return emit(pendingLength);
    }

    private String emit(int length) {
        String text = new String(pending, 0, length, StandardCharsets.UTF_8);
        System.arraycopy(pending, length, pending, 0, pendingLength - length);
        pendingLength -= length;
        if (!started && !text.isEmpty()) {
            started = true;
            if (detokenizer.stripsLeadingSpace() && text.charAt(0) == ' ') {
                return text.substring(1);
            }
        }
        return text;
    }

    /** Length of the pending prefix that ends on a character boundary: all but an unfinished last sequence. */
    private int completeLength() {
        for (int i = pendingLength - 1; i >= Math.max(0, pendingLength - 4); i--) {
            int b = pending[i] & 0xFF;
            if ((b & 0xC0) != 0x80) {
                int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return pendingLength - i < needed ? i : pendingLength;
            }
        }
        return pendingLength;
    }
}
