/**
 * Training: AdamW over the model's tensors (its moments off the heap), the learning-rate schedule, packed token
 * datasets, checkpoints that resume exactly, the training loop ({@link dev.topiary.train.Trainer}) and the
 * driver of a run in a folder ({@link dev.topiary.train.TrainingRun}) behind every command that trains.
 * The forward and backward passes themselves are {@link dev.topiary.model.LlamaTrain}.
 */
package dev.topiary.train;
