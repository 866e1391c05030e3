package dev.topiary.nn;

/**
 * Cross-entropy of logits against target ids, with an ignore index; log-sum-exp in double.
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
    public static double forwardBackward(float[] dlogits, float[] logits, int[] targets, int t0, int rows, int V, float scale) {
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * V, target = targets[t0 + r];
            if (target == IGNORE) {
                if (dlogits != null) java.util.Arrays.fill(dlogits, o, o + V, 0f);
                continue;
            }
            if (target < 0 || target >= V) throw new IllegalArgumentException("target id " + target + " outside [0, " + V + ")");
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < V; i++) max = Math.max(max, logits[o + i]);
            double sum = 0;
            for (int i = 0; i < V; i++) sum += Math.exp(logits[o + i] - max);
            double lse = max + Math.log(sum);
            loss += lse - logits[o + target];
            if (dlogits != null) {
                float targetLogit = logits[o + target];
                for (int i = 0; i < V; i++) dlogits[o + i] = (float) (Math.exp(logits[o + i] - lse) * scale);
                dlogits[o + target] = (float) ((Math.exp(targetLogit - lse) - 1) * scale);
            }
        }
        return loss;
    }
}
