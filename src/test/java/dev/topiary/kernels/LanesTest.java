package dev.topiary.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The lane sum folds in halves, in one order, so its bits do not depend on the JIT. */
class LanesTest {
    /** The documented order written out in scalar code: lane i += lane i + step, step = L/2, L/4, ..., 1. */
    static float folded(float[] lanes) {
        float[] a = lanes.clone();
        for (int step = a.length / 2; step >= 1; step /= 2) {
            float[] b = new float[a.length];
            for (int i = 0; i < a.length; i++) b[i] = a[i] + a[(i + step) % a.length];
            a = b;
        }
        return a[0];
    }

    @Test
    void sumsInHalvesExactlyAsWrittenOut() {
        var s = VectorKernels.floatSpecies();
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int trial = 0; trial < 20_000; trial++) { // long enough for C2 to compile sum() part way through
            float[] lanes = new float[s.length()];
            for (int i = 0; i < lanes.length; i++)
                lanes[i] = (float) (r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-6, 7)));
            float got = Lanes.sum(FloatVector.fromArray(s, lanes, 0));
            assertThat(Float.floatToRawIntBits(got))
                    .as("trial %d", trial)
                    .isEqualTo(Float.floatToRawIntBits(folded(lanes)));
        }
    }

    @Test
    void expIsWithinTwoUlpsOfMathExpAndExactAtTheEdges() {
        var s = VectorKernels.floatSpecies();
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        float[] x = new float[s.length()], out = new float[s.length()];
        for (int trial = 0; trial < 20_000; trial++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble(-87.3, 88.3);
            Lanes.exp(FloatVector.fromArray(s, x, 0)).intoArray(out, 0);
            for (int i = 0; i < x.length; i++) {
                float want = (float) Math.exp(x[i]);
                assertThat(Math.abs(out[i] - want)).as("exp(%s)", x[i]).isLessThanOrEqualTo(2 * Math.ulp(want));
            }
        }
        float[] edges = {
            0f, -0f, 1f, -1f, Float.NEGATIVE_INFINITY, -1000f, -87.4f, Float.POSITIVE_INFINITY, 89f, Float.NaN
        };
        for (int at = 0; at < edges.length; at += x.length) {
            java.util.Arrays.fill(x, 0f);
            int n = Math.min(x.length, edges.length - at);
            System.arraycopy(edges, at, x, 0, n);
            Lanes.exp(FloatVector.fromArray(s, x, 0)).intoArray(out, 0);
            for (int i = 0; i < n; i++) {
                float e = x[i];
                if (Float.isNaN(e)) assertThat(out[i]).isNaN();
                else if (e < -87.34f) assertThat(out[i]).as("exp(%s)", e).isZero();
                else if (e > 88.38f) assertThat(out[i]).as("exp(%s)", e).isEqualTo(Float.POSITIVE_INFINITY);
                else assertThat(out[i]).as("exp(%s)", e).isEqualTo((float) Math.exp(e));
            }
        }
    }
}
