package dev.topiary.nn;

/** SwiGLU gate: {@code h = silu(g) * u}, silu(g) = g * sigmoid(g). */
public final class SwiGlu {
    private SwiGlu() {}

    public static void forward(float[] h, int hOff, float[] g, int gOff, float[] u, int uOff, int n) {
        for (int i = 0; i < n; i++) {
            float x = g[gOff + i];
            h[hOff + i] = x / (1f + (float) Math.exp(-x)) * u[uOff + i];
        }
    }

    /** dg = dh * u * silu'(g), du = dh * silu(g); silu'(g) = sig(g) * (1 + g * (1 - sig(g))). Overwrites dg, du. */
    public static void backward(
            float[] dg,
            int dgOff,
            float[] du,
            int duOff,
            float[] dh,
            int dhOff,
            float[] g,
            int gOff,
            float[] u,
            int uOff,
            int n) {
        for (int i = 0; i < n; i++) {
            float x = g[gOff + i], sig = 1f / (1f + (float) Math.exp(-x)), d = dh[dhOff + i];
            du[duOff + i] = d * x * sig;
            dg[dgOff + i] = d * u[uOff + i] * sig * (1f + x * (1f - sig));
        }
    }
}
