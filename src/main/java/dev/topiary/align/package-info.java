/**
 * Aligning a student into an assistant: supervised fine-tuning with a loss only on assistant tokens and packed
 * conversations that do not attend to each other ({@link SftPacker}), and Direct Preference Optimization
 * ({@link Dpo}), both {@link dev.topiary.train.Objective}s of a {@link dev.topiary.train.TrainingRun}. The
 * verifiers that score an aligned model are in {@link dev.topiary.verify}.
 */
package dev.topiary.align;
