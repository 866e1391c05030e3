package dev.topiary.model;

/** SwiGLU gate: {@code out = silu(gate) * up}, silu(g) = g / (1 + e^-g). */
final class SwiGlu {
    private SwiGlu() {}

    static void forward(float[] out, float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            out[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }
}
