package dev.topiary.model;

/** RMSNorm: {@code out = x / sqrt(mean(x^2) + eps) * weight}, row by row; mean accumulated in double. */
final class RmsNorm {
    private RmsNorm() {}

    /** out (T, C), x (T, C), weight (C) at wOff of w. */
    static void forward(float[] out, float[] x, float[] w, int wOff, int T, int C, float eps) {
        forward(out, 0, x, 0, w, wOff, T, C, eps);
    }

    static void forward(float[] out, int outOff, float[] x, int xOff, float[] w, int wOff, int T, int C, float eps) {
        for (int t = 0; t < T; t++) {
            int xo = xOff + t * C, oo = outOff + t * C;
            double ss = 0;
            for (int i = 0; i < C; i++) ss += (double) x[xo + i] * x[xo + i];
            float r = (float) (1.0 / Math.sqrt(ss / C + eps));
            for (int i = 0; i < C; i++) out[oo + i] = x[xo + i] * r * w[wOff + i];
        }
    }
}
