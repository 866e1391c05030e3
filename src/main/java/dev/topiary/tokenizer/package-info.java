// package-info: what the dev.topiary.tokenizer folder holds.
/**
 * Tokenizers for Llama-family models: text to token ids and back.
 *
 * <p>{@link dev.topiary.tokenizer.Tokenizers} loads one from a Hugging Face folder
 * ({@code tokenizer.json}), from a GGUF file's metadata ({@code tokenizer.ggml.*}) or from a
 * llama2.c {@code tokenizer.bin}; every one is used through {@link dev.topiary.tokenizer.Tokenizer}.
 *
 * <p>Two algorithms sit behind it:
 * <ul>
 *   <li>{@code SentencePieceTokenizer}: SentencePiece-style BPE driven by piece scores (llama2.c
 *       files, GGUF {@code tokenizer.ggml.model = llama}), matching llama.cpp's SPM tokenizer;</li>
 *   <li>{@code BpeTokenizer}: BPE driven by merge ranks (Hugging Face {@code tokenizer.json}, GGUF
 *       {@code tokenizer.ggml.model = gpt2}), in the byte-level flavour (GPT-2, Llama 3, Qwen2) and
 *       the SentencePiece-like flavour with byte fallback.</li>
 * </ul>
 * Both share the merge loop ({@code BpeMerger}), the vocabulary ({@code Vocabulary}), special-token
 * splitting ({@code SpecialTokens}) and decoding ({@code Detokenizer}, {@link dev.topiary.tokenizer.StreamDecoder}).
 */
package dev.topiary.tokenizer;
