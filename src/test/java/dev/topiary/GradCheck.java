package dev.topiary;

import static org.assertj.core.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Central finite differences against an analytic gradient, in fp32 with a double-precision loss:
 * {@code (L(x + h) - L(x - h)) / 2h} on sampled coordinates. The tolerance is loose enough for fp32
 * forward noise and tight enough to catch a wrong sign, a missing term or a wrong factor.
 */
public final class GradCheck {
    private GradCheck() {}

    /** A fixed random projection so that a tensor output becomes a scalar loss: sum c_i y_i. */
    public static double project(float[] y, int off, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double s = 0;
        for (int i = 0; i < n; i++) s += (r.nextDouble() * 2 - 1) * y[off + i];
        return s;
    }

    public static float[] projection(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] c = new float[n];
        for (int i = 0; i < n; i++) c[i] = (float) (r.nextDouble() * 2 - 1);
        return c;
    }

    /**
     * Checks {@code analytic[aOff + i]} against the finite difference of {@code loss} in
     * {@code x[xOff + i]}, for {@code samples} coordinates i of n (all when n <= samples).
     */
    public static void check(
            String name,
            float[] x,
            int xOff,
            float[] analytic,
            int aOff,
            int n,
            int samples,
            double h,
            DoubleSupplier loss) {
        SplittableRandom r = new SplittableRandom(n * 31L + name.hashCode());
        int bad = 0;
        StringBuilder msg = new StringBuilder();
        double scale = 0;
        for (int i = 0; i < n; i++) scale = Math.max(scale, Math.abs(analytic[aOff + i]));
        for (int s = 0; s < Math.min(n, samples); s++) {
            int i = n <= samples ? s : r.nextInt(n);
            float old = x[xOff + i];
            x[xOff + i] = (float) (old + h);
            double up = loss.getAsDouble();
            x[xOff + i] = (float) (old - h);
            double down = loss.getAsDouble();
            x[xOff + i] = old;
            double fd = (up - down) / (2 * h), an = analytic[aOff + i];
            if (Math.abs(fd - an) > 2e-2 * Math.max(Math.abs(fd), Math.abs(an)) + 2e-3 * scale + 1e-5) {
                if (bad++ < 5) msg.append(String.format("%n  [%d] analytic %.6g, finite difference %.6g", i, an, fd));
            }
        }
        if (bad > 0)
            fail(
                    "%s: %d of %d sampled gradient entries disagree (max |grad| %.3g)%s",
                    name, bad, Math.min(n, samples), scale, msg);
    }
}
