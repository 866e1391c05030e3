/**
 * Aligning a student into an assistant: supervised fine-tuning with a loss only on assistant
 * tokens and packed conversations that do not attend to each other ({@link SftPacker}),
 * preference optimisation ({@link Dpo}), and the evaluation verifiers.
 */
package dev.topiary.align;
