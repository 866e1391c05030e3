// Vocabulary: the token strings, their scores and kinds, and the special ids of one tokenizer.
package dev.topiary.tokenizer;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The pieces of a tokenizer indexed by id, with a reverse map. Pieces keep their vocabulary spelling
 * ({@code ▁} for SentencePiece spaces, GPT-2 byte characters for byte-level BPE).
 */
final class Vocabulary {
    private static final Pattern BYTE_PIECE = Pattern.compile("<0x[0-9A-F]{2}>");

    private final String[] pieces;
    private final float[] scores;
    private final TokenType[] types;
    private final Map<String, Integer> ids;
    private final int[] byteTokens = new int[256];
    private final int bos;
    private final int eos;
    private final int unk;

    /**
     * @param scores per-id scores, or null when the tokenizer has none (merge-rank BPE)
     * @param bos    BOS id or -1, likewise {@code eos} and {@code unk}
     */
    Vocabulary(String[] pieces, float[] scores, TokenType[] types, int bos, int eos, int unk) {
        this.pieces = pieces;
        this.scores = scores;
        this.types = types;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.ids = HashMap.newHashMap(pieces.length);
        for (int i = 0; i < pieces.length; i++) {
            if (types[i] != TokenType.UNUSED || !pieces[i].isEmpty()) {
                ids.putIfAbsent(pieces[i], i);
            }
        }
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = id(byteName(b));
        }
    }

    /** The SentencePiece byte-fallback piece for byte {@code b}: {@code <0x0A>}. */
    static String byteName(int b) {
        return String.format("<0x%02X>", b);
    }

    /** Whether {@code piece} is spelled like a byte-fallback piece. */
    static boolean isBytePiece(String piece) {
        return BYTE_PIECE.matcher(piece).matches();
    }

    /** The kind of a piece, guessed from its spelling, for files that do not store token types. */
    static TokenType guessType(String piece) {
        return switch (piece) {
            case "<unk>" -> TokenType.UNKNOWN;
            case "<s>", "</s>" -> TokenType.CONTROL;
            default -> isBytePiece(piece) ? TokenType.BYTE : TokenType.NORMAL;
        };
    }

    /** The byte value of a byte-fallback piece such as {@code <0x0A>}. */
    static int byteValue(String piece) {
        return Integer.parseInt(piece, 3, 5, 16);
    }

    int size() {
        return pieces.length;
    }

    String piece(int id) {
        checkId(id);
        return pieces[id];
    }

    TokenType type(int id) {
        checkId(id);
        return types[id];
    }

    float score(int id) {
        return scores[id];
    }

    /** The id of {@code piece}, or -1. */
    int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    /** The id of the byte-fallback piece for byte {@code b} (0..255), or -1. */
    int byteToken(int b) {
        return byteTokens[b];
    }

    int bos() {
        return bos;
    }

    int eos() {
        return eos;
    }

    int unk() {
        return unk;
    }

    void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary (size " + pieces.length + ")");
        }
    }
}
