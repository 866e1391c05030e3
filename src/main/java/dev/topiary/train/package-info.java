/**
 * Training: AdamW over the flat parameter buffer, the learning-rate schedule, packed token
 * datasets, checkpoints that resume exactly, and the training loop behind {@code topiary train}.
 * The forward and backward passes themselves are {@link dev.topiary.model.LlamaTrain}.
 */
package dev.topiary.train;
