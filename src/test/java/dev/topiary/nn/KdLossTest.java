package dev.topiary.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.GradCheck;
import org.junit.jupiter.api.Test;

class KdLossTest {
    static final int V = 7;
    final double[] a = new double[V], b = new double[V];
    final float[] zs = {0.3f, -1.2f, 2.0f, 0.0f, 0.7f, -0.4f, 1.1f}, zt = {1.0f, -0.5f, 1.5f, 0.2f, -1.0f, 0.4f, 0.9f};

    @Test
    void equalLogitsGiveZero() {
        for (boolean rev : new boolean[] {false, true})
            for (float tau : new float[] {1, 2, 0.5f})
                assertThat(KdLoss.full(null, 0, zs, 0, zs, 0, V, tau, rev, 1, a, b))
                        .isCloseTo(0, within(1e-12));
    }

    /** Forward KL by hand: softmax in double, then sum p_T log(p_T / p_S), times tau^2. */
    static double byHand(float[] s, float[] t, double tau, boolean reverse) {
        double[] ps = new double[V], pt = new double[V];
        double ss = 0, st = 0;
        for (int i = 0; i < V; i++) {
            ss += ps[i] = Math.exp(s[i] / tau);
            st += pt[i] = Math.exp(t[i] / tau);
        }
        double kl = 0;
        for (int i = 0; i < V; i++) {
            double p = ps[i] / ss, q = pt[i] / st;
            kl += reverse ? p * Math.log(p / q) : q * Math.log(q / p);
        }
        return kl * tau * tau;
    }

    @Test
    void handComputedCasesAtTemperatureOneAndTwo() {
        for (float tau : new float[] {1, 2}) {
            assertThat(KdLoss.full(null, 0, zs, 0, zt, 0, V, tau, false, 1, a, b))
                    .isCloseTo(byHand(zs, zt, tau, false), within(1e-9));
            assertThat(KdLoss.full(null, 0, zs, 0, zt, 0, V, tau, true, 1, a, b))
                    .isCloseTo(byHand(zs, zt, tau, true), within(1e-9));
        }
        // a two-token case small enough to check on paper: z_S = (0, 0) -> (1/2, 1/2); z_T = (ln 3, 0) -> (3/4, 1/4)
        float[] s2 = {0, 0}, t2 = {(float) Math.log(3), 0};
        double expected = 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5);
        assertThat(KdLoss.full(null, 0, s2, 0, t2, 0, 2, 1, false, 1, new double[2], new double[2]))
                .isCloseTo(expected, within(1e-7));
    }

    @Test
    void topKWithTheWholeVocabularyIsTheForwardKl() {
        for (float tau : new float[] {1, 2}) {
            int[] ids = new int[V];
            float[] lp = new float[V];
            float tail = KdLoss.topKOf(zt, 0, V, V, tau, ids, 0, lp, 0, b);
            assertThat(tail).isZero();
            float[] g1 = new float[V], g2 = new float[V];
            double full = KdLoss.full(g1, 0, zs, 0, zt, 0, V, tau, false, 1, a, b);
            double top = KdLoss.topK(g2, 0, zs, 0, V, ids, 0, lp, 0, V, tail, tau, 1, a, new boolean[V]);
            assertThat(top).isCloseTo(full, within(1e-6));
            dev.topiary.Close.assertClose("grad", g2, g1, 1e-6, 1e-5);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        float[] s = zs.clone();
        for (float tau : new float[] {1, 2}) {
            for (boolean rev : new boolean[] {false, true}) {
                float[] g = new float[V];
                KdLoss.full(g, 0, s, 0, zt, 0, V, tau, rev, 1, a, b);
                GradCheck.check(
                        "kl rev=" + rev + " tau=" + tau,
                        s,
                        0,
                        g,
                        0,
                        V,
                        V,
                        1e-3,
                        () -> KdLoss.full(null, 0, s, 0, zt, 0, V, tau, rev, 1, new double[V], new double[V]));
            }
            int k = 3;
            int[] ids = new int[k];
            float[] lp = new float[k];
            float tail = KdLoss.topKOf(zt, 0, V, k, tau, ids, 0, lp, 0, b);
            assertThat(tail).isBetween(0.01f, 0.99f);
            float[] g = new float[V];
            KdLoss.topK(g, 0, s, 0, V, ids, 0, lp, 0, k, tail, tau, 1, a, new boolean[V]);
            GradCheck.check(
                    "top-k tau=" + tau,
                    s,
                    0,
                    g,
                    0,
                    V,
                    V,
                    1e-3,
                    () -> KdLoss.topK(null, 0, s, 0, V, ids, 0, lp, 0, k, tail, tau, 1, new double[V], new boolean[V]));
        }
    }
}
