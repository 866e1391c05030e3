package dev.topiary.nn;

import dev.topiary.kernels.Kernels;

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
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * V, target = targets[t0 + r];
            if (target == IGNORE) {
                if (dlogits != null) java.util.Arrays.fill(dlogits, o, o + V, 0f);
                continue;
            }
            if (target < 0 || target >= V)
                throw new IllegalArgumentException("target id " + target + " outside [0, " + V + ")");
            // One exp per logit: the terms exp(l - max) go into dlogits, then are scaled by 1/sum.
            float max = k.max(logits, o, V), targetLogit = logits[o + target];
            double sum = k.expShiftSum(logits, o, V, max, dlogits, o);
            double lse = max + Math.log(sum);
            loss += lse - targetLogit;
            if (dlogits != null) {
                k.scale(dlogits, o, V, (float) (scale / sum));
                dlogits[o + target] = (float) ((Math.exp(targetLogit - lse) - 1) * scale);
            }
        }
        return loss;
    }
}
