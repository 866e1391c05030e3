/**
 * File containers below the model: the GGUF reader ({@link dev.topiary.format.GgufFile}) and writer
 * ({@link dev.topiary.format.GgufWriter}) with their tensor types, atomic file writes
 * ({@link dev.topiary.format.AtomicFiles}) and the error every reader throws for a malformed file
 * ({@link dev.topiary.format.ModelFormatException}). Nothing here knows what a Llama is: the tokenizer
 * and the model readers in {@code io} build on it.
 */
package dev.topiary.format;
