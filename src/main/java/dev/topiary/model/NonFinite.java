package dev.topiary.model;

/**
 * Finds NaN and infinite weights. A model holding one computes NaN logits everywhere it reaches:
 * generation prints {@code <unk>}, perplexity is NaN and training skips every step, all without a
 * word. Loading refuses such a model ({@link dev.topiary.io.Models#load}) unless
 * {@code --allow-nonfinite} was given, which sets {@link #allow(boolean)} for the process.
 */
public final class NonFinite {
    private NonFinite() {}

    private static volatile boolean allowed;

    /** Lets models with non-finite weights load (the command line's {@code --allow-nonfinite}). */
    public static void allow(boolean allow) {
        allowed = allow;
    }

    public static boolean allowed() {
        return allowed;
    }

    /**
     * The first non-finite weight, described as "tensor 'NAME' holds NaN at index I (row R, column
     * C); N non-finite values in all", or null when every weight is finite.
     */
    public static String find(LlamaWeights w) {
        float[] d = w.data;
        int first = -1;
        long count = 0;
        for (int i = 0; i < d.length; i++) {
            if (!Float.isFinite(d[i])) {
                if (first < 0) first = i;
                count++;
            }
        }
        if (first < 0) return null;
        for (LlamaWeights.View v : w.views()) {
            if (first < v.offset() || first >= v.offset() + v.size()) continue;
            int i = first - v.offset();
            int[] s = v.shape();
            String at = s.length == 2 ? " (row " + i / s[1] + ", column " + i % s[1] + ")" : "";
            return "tensor '" + v.name() + "' holds " + d[first] + " at index " + i + at + "; " + count
                    + " non-finite value" + (count == 1 ? "" : "s") + " in all";
        }
        return "weight " + first + " is " + d[first];
    }
}
