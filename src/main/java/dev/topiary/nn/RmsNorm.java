package dev.topiary.nn;

import dev.topiary.kernels.Parallel;

/**
 * RMSNorm: {@code y = x * rstd * w}, {@code rstd = 1 / sqrt(mean(x^2) + eps)}, row by row; the
 * mean is accumulated in double. Rows (and, for the weight's gradient, columns) are split among the
 * threads; every value is summed in one fixed order, so the bits do not depend on the thread count.
 */
public final class RmsNorm {
    private RmsNorm() {}

    /** y (R, C), rstd (R) or null, x (R, C), weight (C) at wOff of w. */
    public static void forward(
            float[] y,
            int yOff,
            float[] rstd,
            int rOff,
            float[] x,
            int xOff,
            float[] w,
            int wOff,
            int R,
            int C,
            float eps) {
        Parallel.forRange(R, (long) R * C, (chunk, r0, r1) -> { // rows apart: the same bits on any thread count
            for (int r = r0; r < r1; r++) {
                int xo = xOff + r * C, yo = yOff + r * C;
                double ss = 0;
                for (int i = 0; i < C; i++) ss += (double) x[xo + i] * x[xo + i];
                float s = (float) (1.0 / Math.sqrt(ss / C + eps));
                if (rstd != null) rstd[rOff + r] = s;
                for (int i = 0; i < C; i++) y[yo + i] = x[xo + i] * s * w[wOff + i];
            }
        });
    }

    /**
     * dx (R, C) {@code +=} or {@code =} (per {@code accumulate}) the input gradient; dw (C) {@code +=}.
     * With g = dy * w: {@code dx = rstd * g - x * rstd^3 / C * sum(g * x)}, {@code dw += dy * x * rstd}.
     */
    public static void backward(
            float[] dx,
            int dxOff,
            boolean accumulate,
            float[] dw,
            int dwOff,
            float[] dy,
            int dyOff,
            float[] x,
            int xOff,
            float[] rstd,
            int rOff,
            float[] w,
            int wOff,
            int R,
            int C) {
        // dx row by row, the rows split among the threads
        Parallel.forRange(R, (long) R * C, (chunk, r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int xo = xOff + r * C, go = dyOff + r * C, o = dxOff + r * C;
                float s = rstd[rOff + r];
                double dot = 0;
                for (int i = 0; i < C; i++) dot += (double) dy[go + i] * w[wOff + i] * x[xo + i];
                float k = (float) (dot * s * s * s / C);
                for (int i = 0; i < C; i++) {
                    float v = s * dy[go + i] * w[wOff + i] - x[xo + i] * k;
                    dx[o + i] = accumulate ? dx[o + i] + v : v;
                }
            }
        });
        // dw column by column, the columns split among the threads, each summed over the rows in order
        Parallel.forRange(C, (long) R * C, (chunk, i0, i1) -> {
            for (int r = 0; r < R; r++) {
                int xo = xOff + r * C, go = dyOff + r * C;
                float s = rstd[rOff + r];
                for (int i = i0; i < i1; i++) dw[dwOff + i] += dy[go + i] * x[xo + i] * s;
            }
        });
    }
}
