// TokenType: what kind of vocabulary entry a token is (GGUF tokenizer.ggml.token_type values).
package dev.topiary.tokenizer;

/** Kinds of vocabulary entries, numbered as GGUF's {@code tokenizer.ggml.token_type} (llama.cpp's llama_token_type). */
enum TokenType {
    /** Ordinary text piece. */
    NORMAL,
    /** The unknown token ({@code <unk>}). */
    UNKNOWN,
    /** BOS, EOS and other markers that are not text: skipped by decode, split out only with parseSpecial. */
    CONTROL,
    /** Added text pieces (HF added tokens with special=false): always split out, decoded as their text. */
    USER_DEFINED,
    /** Placeholder entries: never produced by encoding. */
    UNUSED,
    /** Byte-fallback pieces {@code <0x00>}..{@code <0xFF>}: decode to one raw byte. */
    BYTE;

    /** The type for GGUF code {@code code} (1..6); null when unknown. */
    static TokenType fromGguf(int code) {
        return code >= 1 && code <= values().length ? values()[code - 1] : null;
    }

    /** Whether encode splits this token's string out of the text before running BPE. */
    boolean splitOut(boolean parseSpecial) {
        return this == USER_DEFINED || parseSpecial && (this == CONTROL || this == UNKNOWN);
    }
}
