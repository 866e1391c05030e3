package dev.topiary.model;

/**
 * Rotary position embedding in the Hugging Face rotate-half layout: within each head, dimension
 * i (i < D/2) rotates with dimension i + D/2 by angle {@code position * invFreq[i]}.
 */
public final class Rope {
    private Rope() {}

    /**
     * {@code invFreq[i] = theta^(-2i/D)}, then the configured scaling: "linear" divides every
     * frequency by the factor; "llama3" (Llama 3.1) leaves high frequencies alone, divides low ones
     * by the factor and interpolates smoothly in between, as transformers' _compute_llama3_parameters.
     */
    public static double[] inverseFrequencies(LlamaConfig c) {
        int D = c.headDim();
        double[] inv = new double[D / 2];
        for (int i = 0; i < D / 2; i++) inv[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / D);
        LlamaConfig.RopeScaling s = c.ropeScaling();
        if (s == null) return inv;
        if (s.type().equals("linear")) {
            for (int i = 0; i < inv.length; i++) inv[i] /= s.factor();
            return inv;
        }
        double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen < highWavelen) continue;                 // high frequency: unchanged
            if (wavelen > lowWavelen) {                          // low frequency: interpolated
                inv[i] /= s.factor();
            } else {                                             // in between: smooth blend
                double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
            }
        }
        return inv;
    }

    /** Rotates T rows of (heads, D) vectors at {@code off} of v, for positions pos0 .. pos0+T-1. */
    static void apply(float[] v, int off, int T, int heads, int D, int pos0, float[] cos, float[] sin) {
        int half = D / 2;
        for (int t = 0; t < T; t++) {
            int tab = (pos0 + t) * half;
            for (int h = 0; h < heads; h++) {
                int o = off + (t * heads + h) * D;
                for (int i = 0; i < half; i++) {
                    float x0 = v[o + i], x1 = v[o + i + half], cs = cos[tab + i], sn = sin[tab + i];
                    v[o + i] = x0 * cs - x1 * sn;
                    v[o + i + half] = x1 * cs + x0 * sn;
                }
            }
        }
    }
}
