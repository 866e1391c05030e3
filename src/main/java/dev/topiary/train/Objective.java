package dev.topiary.train;

import dev.topiary.model.LlamaTrain;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.Weights;
import java.util.Map;

/**
 * What a training step minimises: plain next-token cross-entropy ({@link #CROSS_ENTROPY}), or
 * distillation ({@link dev.topiary.distill.Distiller}). The {@link Trainer} owns the loop, the
 * optimizer and checkpoints; an objective owns the loss and any parameters of its own.
 */
public interface Objective {
    /**
     * Forward, loss and backward for one micro-batch; gradients accumulate into grads.
     *
     * @param sequences the dataset index of each of the B sequences (for a teacher-logit cache)
     * @param scale     1 / number of targets of the whole optimizer step
     * @return the summed loss of the micro-batch (unscaled)
     */
    double microStep(
            LlamaWeights w,
            LlamaWeights grads,
            LlamaTrain.Activations a,
            int[] inputs,
            int[] targets,
            int[] sequences,
            float scale);

    /**
     * After each optimizer step: an objective with parameters of its own updates them here, with the
     * trainer's optimizer ({@link AdamW#update(float[], float[], float[], float[], long, float)}: the same
     * betas and eps) and learning rate.
     */
    default void afterStep(AdamW optimizer, float lr) {}

    /** Extra validation metrics on a batch (summed over its targets), e.g. "val_kl". */
    default Map<String, Double> validation(LlamaWeights w, LlamaTrain.Activations a, int[] inputs, int[] targets) {
        return Map.of();
    }

    /** Extra metrics of the last step for metrics.jsonl (e.g. DPO's reward margin). */
    default Map<String, Double> stepMetrics() {
        return Map.of();
    }

    /** State to keep in checkpoints (restored in place by {@link #restore}). */
    default Map<String, float[]> state() {
        return Map.of();
    }

    default void restore(Map<String, float[]> state) {}

    /**
     * A frozen model run on every batch next to the trained one (distillation's teacher), for the
     * {@link MemoryPlan}; null when there is none.
     */
    default Weights teacher() {
        return null;
    }

    /** Plain causal-LM training. */
    Objective CROSS_ENTROPY =
            (w, grads, a, inputs, targets, sequences, scale) -> LlamaTrain.step(w, grads, a, inputs, targets, scale);
}
