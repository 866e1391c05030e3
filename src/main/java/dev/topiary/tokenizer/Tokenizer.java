// Tokenizer: the one interface every tokenizer in Topiary implements (text <-> token ids).
package dev.topiary.tokenizer;

import java.util.OptionalInt;

/**
 * Turns text into token ids and back. Implementations are immutable and safe to share between threads;
 * {@link StreamDecoder}s are not (make one per generation).
 */
public interface Tokenizer {
    /** Number of token ids (the largest id plus one). */
    int vocabSize();

    /** Beginning-of-sequence id, or -1 if the vocabulary has none. */
    int bosId();

    /** End-of-sequence id, or -1 if the vocabulary has none. */
    int eosId();

    /** Whether the model expects BOS in front of every prompt. */
    boolean addBosByDefault();

    /**
     * Whether the vocabulary asks for EOS after every encoded text (GGUF {@code tokenizer.ggml.add_eos_token},
     * {@code add_eos_token} of {@code tokenizer_config.json}); {@link #encode} never adds it, callers that add
     * the model's special tokens do.
     */
    default boolean addEosByDefault() {
        return false;
    }

    /**
     * Encodes {@code text} as plain text: special-token strings such as {@code "<s>"} are not recognised.
     * With {@code addBos} the ids start with BOS (when the vocabulary has one).
     */
    int[] encode(String text, boolean addBos);

    /**
     * Encodes {@code text}; with {@code parseSpecial} the strings of special (control) tokens are
     * first split out and become their ids. Non-special added tokens (user-defined pieces) are split
     * out either way, as Hugging Face tokenizers and llama.cpp do.
     *
     * @throws IllegalArgumentException when the text holds a character the vocabulary cannot spell
     *     (no piece, no byte fallback and no unknown token)
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /**
     * The text of {@code ids}. BOS, EOS and other control tokens are skipped (the unknown token is not: it
     * decodes to its piece, e.g. {@code <unk>}); byte tokens are joined into UTF-8 (invalid sequences become U+FFFD). SentencePiece-flavoured tokenizers drop the one leading
     * space that the encoder's space prefix put in front of the first piece.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    String decode(int[] ids);

    /** The raw vocabulary string of {@code id} (e.g. {@code "▁the"}, {@code "Ġthe"}, {@code "<0x0A>"}). */
    String piece(int id);

    /** The id of a raw vocabulary string, if there is one. */
    OptionalInt id(String piece);

    /** A decoder for streaming generation; see {@link StreamDecoder}. */
    StreamDecoder streamDecoder();
}
