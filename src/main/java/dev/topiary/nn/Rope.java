package dev.topiary.nn;

import dev.topiary.kernels.Parallel;

/**
 * Rotary position embedding in the Hugging Face rotate-half layout: within each head, dimension
 * i (i < D/2) rotates with dimension i + D/2 by angle {@code position * invFreq[i]}.
 */
public final class Rope {
    private Rope() {}

    /**
     * RoPE frequency scaling (config.json's rope_scaling): "llama3" (Llama 3.1, wavelength-dependent;
     * all five numbers) or "linear" (position interpolation; only the factor).
     */
    public record Scaling(
            String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {}

    /**
     * {@code invFreq[i] = theta^(-2i/D)} for D = {@code headDim}, then the scaling (none when null):
     * "linear" divides every frequency by the factor; "llama3" (Llama 3.1) leaves high frequencies
     * alone, divides low ones by the factor and interpolates smoothly in between, as transformers'
     * _compute_llama3_parameters.
     */
    public static double[] inverseFrequencies(int headDim, double theta, Scaling s) {
        int D = headDim;
        double[] inv = new double[D / 2];
        for (int i = 0; i < D / 2; i++) inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / D);
        if (s == null) return inv;
        if (s.type().equals("linear")) {
            for (int i = 0; i < inv.length; i++) inv[i] /= s.factor();
            return inv;
        }
        double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen < highWavelen) continue; // high frequency: unchanged
            if (wavelen > lowWavelen) { // low frequency: interpolated
                inv[i] /= s.factor();
            } else { // in between: smooth blend
                double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
            }
        }
        return inv;
    }

    /** cos and sin tables (positions, D/2) for positions [0, n), from {@link #inverseFrequencies}. */
    public static float[][] tables(int headDim, double theta, Scaling scaling, int n) {
        int half = headDim / 2;
        float[] cos = new float[n * half], sin = new float[n * half];
        double[] invFreq = inverseFrequencies(headDim, theta, scaling);
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * invFreq[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        return new float[][] {cos, sin};
    }

    /** Rotates T rows of (heads, D) vectors at {@code off} of v, for positions pos0 .. pos0+T-1. */
    public static void forward(float[] v, int off, int T, int heads, int D, int pos0, float[] cos, float[] sin) {
        int half = D / 2;
        // positions apart: the same bits on any thread count
        Parallel.forRange(T, (long) T * heads * D, (chunk, t0, t1) -> {
            for (int t = t0; t < t1; t++) {
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
        });
    }

    /**
     * As {@link #forward}, for llama.cpp's interleaved layout: dimension 2i pairs with 2i + 1
     * (frequency i). A q/k projection stored in this layout gives the same attention scores.
     */
    public static void forwardInterleaved(
            float[] v, int off, int T, int heads, int D, int pos0, float[] cos, float[] sin) {
        int half = D / 2;
        // positions apart: the same bits on any thread count
        Parallel.forRange(T, (long) T * heads * D, (chunk, t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int tab = (pos0 + t) * half;
                for (int h = 0; h < heads; h++) {
                    int o = off + (t * heads + h) * D;
                    for (int i = 0; i < half; i++) {
                        float x0 = v[o + 2 * i], x1 = v[o + 2 * i + 1], cs = cos[tab + i], sn = sin[tab + i];
                        v[o + 2 * i] = x0 * cs - x1 * sn;
                        v[o + 2 * i + 1] = x1 * cs + x0 * sn;
                    }
                }
            }
        });
    }

    /**
     * The transpose of the rotation, in place: the gradient with respect to the unrotated vector
     * (rotation by -angle).
     */
    public static void backward(float[] dv, int off, int T, int heads, int D, int pos0, float[] cos, float[] sin) {
        int half = D / 2;
        // positions apart: the same bits on any thread count
        Parallel.forRange(T, (long) T * heads * D, (chunk, t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int tab = (pos0 + t) * half;
                for (int h = 0; h < heads; h++) {
                    int o = off + (t * heads + h) * D;
                    for (int i = 0; i < half; i++) {
                        float d0 = dv[o + i], d1 = dv[o + i + half], cs = cos[tab + i], sn = sin[tab + i];
                        dv[o + i] = d0 * cs + d1 * sn;
                        dv[o + i + half] = d1 * cs - d0 * sn;
                    }
                }
            }
        });
    }
}
