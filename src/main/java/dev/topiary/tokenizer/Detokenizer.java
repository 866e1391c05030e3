// Detokenizer: token ids back to text, for Tokenizer.decode and StreamDecoder.
package dev.topiary.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The bytes each token decodes to, worked out once per vocabulary, and the leading-space rule.
 * Control tokens decode to nothing.
 */
final class Detokenizer {
    private static final char SPACE_MARK = '\u2581';

    /** Per id; null for tokens that decode to nothing. */
    private final byte[][] bytes;

    private final boolean stripLeadingSpace;

    private Detokenizer(byte[][] bytes, boolean stripLeadingSpace) {
        this.bytes = bytes;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /**
     * SentencePiece flavour: {@code ▁} is a space, byte tokens are raw bytes.
     *
     * @param stripLeadingSpace drop the one space the encoder's prefix put before the first piece
     */
    static Detokenizer sentencePiece(Vocabulary v, boolean stripLeadingSpace) {
        byte[][] bytes = new byte[v.size()][];
        for (int id = 0; id < v.size(); id++) {
            String piece = v.piece(id);
            bytes[id] = switch (v.type(id)) {
                case CONTROL -> null;
                case BYTE -> new byte[] {(byte) Vocabulary.byteValue(piece)};
                default -> piece.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            };
        }
        return new Detokenizer(bytes, stripLeadingSpace);
    }

    /** Byte-level flavour: pieces spell bytes with GPT-2's characters; added pieces are plain text. */
    static Detokenizer byteLevel(Vocabulary v) {
        byte[][] bytes = new byte[v.size()][];
        for (int id = 0; id < v.size(); id++) {
            String piece = v.piece(id);
            byte[] mapped = v.type(id) == TokenType.USER_DEFINED ? null : ByteLevel.decode(piece);
            bytes[id] = v.type(id) == TokenType.CONTROL
                    ? null
                    : mapped != null ? mapped : piece.getBytes(StandardCharsets.UTF_8);
        }
        return new Detokenizer(bytes, false);
    }

    /** The bytes of {@code id}, or null when it decodes to nothing. */
    byte[] bytes(int id) {
        if (id < 0 || id >= bytes.length) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary (size " + bytes.length + ")");
        }
        return bytes[id];
    }

    boolean stripsLeadingSpace() {
        return stripLeadingSpace;
    }

    String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            byte[] b = bytes(id);
            if (b != null) {
                out.writeBytes(b);
            }
        }
        String text = out.toString(StandardCharsets.UTF_8);
        return stripLeadingSpace && text.startsWith(" ") ? text.substring(1) : text;
    }
}
