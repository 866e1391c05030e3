/**
 * The layers of a Llama model as static kernels, each forward directly above its backward
 * (llm.c style). Argument order: outputs, saved statistics, inputs, weights, shapes. Backward
 * kernels accumulate parameter gradients with {@code +=}; the training step zeroes them.
 *
 * <p>Dimension letters: R = rows (batch x tokens), B = batch, T = tokens per sequence,
 * C = hidden, F = FFN width, H = query heads, KV = key/value heads, D = head dim, V = vocab.
 */
package dev.topiary.nn;
