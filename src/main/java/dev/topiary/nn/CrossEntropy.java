package dev.topiary.nn;

import dev.topiary.kernels.Kernels;
import dev.topiary.kernels.Parallel;

/**
 * Cross-entropy of logits against target ids, with an ignore index; exponentials in fp32 (vector
 * EXP), their sum and the log-sum-exp in double.
 * Forward and backward in one pass, since the softmax serves both.
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /** Targets equal to this (PyTorch's ignore_index) contribute neither loss nor gradient. */
    public static final int IGNORE = -100;

    /**
     * For rows [0, rows) of logits (rows, V) against targets[t0 + row]: returns the summed loss of
     * the non-ignored rows; if {@code dlogits} is not null, writes {@code scale * (softmax - onehot)}
     * (0 for ignored rows) into it, which may be the logits array itself.
     */
    public static double forwardBackward(
            float[] dlogits, float[] logits, int[] targets, int t0, int rows, int V, float scale) {
        Kernels k = Kernels.get();
        for (int r = 0; r < rows; r++) {
            int target = targets[t0 + r];
            if (target != IGNORE && (target < 0 || target >= V))
                throw new IllegalArgumentException("target id " + target + " outside [0, " + V + ")");
        }
        // rows in parallel; each row's loss kept apart and summed in row order, so the total does not
        // depend on the thread count
        double[] perRow = new double[rows];
        Parallel.forRange(rows, (long) rows * V * 8, (chunk, from, to) -> {
            for (int r = from; r < to; r++) perRow[r] = row(k, dlogits, logits, r * V, targets[t0 + r], V, scale);
        });
        double loss = 0;
        for (double l : perRow) loss += l;
        return loss;
    }

    /** One row at offset o: its loss (0 when ignored), and its gradient into dlogits when that is set. */
    private static double row(Kernels k, float[] dlogits, float[] logits, int o, int target, int V, float scale) {
        if (target == IGNORE) {
            if (dlogits != null) java.util.Arrays.fill(dlogits, o, o + V, 0f);
            return 0;
        }
        // One exp per logit: the terms exp(l - max) go into dlogits, then are scaled by 1/sum.
        float max = k.max(logits, o, V), targetLogit = logits[o + target];
        double sum = k.expShiftSum(logits, o, V, max, dlogits, o);
        double lse = max + Math.log(sum);
        if (dlogits != null) {
            k.scale(dlogits, o, V, (float) (scale / sum));
            dlogits[o + target] = (float) ((Math.exp(targetLogit - lse) - 1) * scale);
        }
        return lse - targetLogit;
    }
}
