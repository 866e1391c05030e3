package dev.topiary.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.Close;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The Vector API kernels against their scalar twins over awkward sizes. */
class KernelsTest {
    static final int[] SIZES = {1, 7, 8, 13, 33, 257, 4099};
    final Kernels vec = VectorKernels.create(), ref = Kernels.scalar();

    static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 13, 33, 257, 4099})
    void dotAndAxpy(int n) {
        float[] a = random(n + 3, 1), b = random(n + 5, 2);
        double exact = 0;
        for (int i = 0; i < n; i++) exact += (double) a[3 + i] * b[5 + i];
        assertThat((double) vec.dot(a, 3, b, 5, n)).isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-5 * n));
        assertThat((double) vec.dot(a, 3, b, 5, n))
                .isCloseTo(ref.dot(a, 3, b, 5, n), org.assertj.core.data.Offset.offset(1e-5 * n));
        float[] y1 = random(n + 2, 3), y2 = y1.clone();
        vec.axpy(y1, 2, 0.37f, a, 3, n);
        ref.axpy(y2, 2, 0.37f, a, 3, n);
        Close.assertClose("axpy", y1, y2, 1e-6, 1e-6);
    }

    /**
     * expShiftSum writes Lanes.exp out for two vectors a step: each whole vector's terms are Lanes.exp's to
     * the bit (an odd last vector included; the last n % L values are Math.exp's), and the sum is the same
     * whether or not the terms are written out, and wherever the row lies.
     */
    @ParameterizedTest
    @ValueSource(ints = {16, 32, 48, 80, 1024, 1040, 1041, 2064, 32000})
    void expShiftSumTermsAreLanesExpBitForBit(int n) {
        var s = VectorKernels.floatSpecies();
        int L = s.length(), whole = n - n % L;
        float[] x = random(n + 5, 11);
        for (int i = 0; i < x.length; i++) x[i] *= 30f; // some below exp's normal range
        x[5 + n / 2] = Float.NaN;
        x[5 + n / 3] = Float.POSITIVE_INFINITY;
        x[5 + n / 4] = Float.NEGATIVE_INFINITY;
        float shift = 1.5f;
        float[] out = new float[n + 1];
        double sum = vec.expShiftSum(x, 5, n, shift, out, 1);
        float[] shifted = new float[L], want = new float[L];
        for (int i = 0; i < whole; i += L) {
            for (int j = 0; j < L; j++) shifted[j] = x[5 + i + j] - shift;
            Lanes.exp(jdk.incubator.vector.FloatVector.fromArray(s, shifted, 0)).intoArray(want, 0);
            for (int j = 0; j < L; j++)
                assertThat(Float.floatToRawIntBits(out[1 + i + j]))
                        .as("term %d of %d", i + j, n)
                        .isEqualTo(Float.floatToRawIntBits(want[j]));
        }
        for (int i = whole; i < n; i++) assertThat(out[1 + i]).isEqualTo((float) Math.exp(x[5 + i] - shift));
        assertThat(sum).isNaN(); // the NaN term
        x[5 + n / 2] = 0f;
        double a = vec.expShiftSum(x, 5, n, shift, out, 1), b = vec.expShiftSum(x, 5, n, shift, null, 0);
        assertThat(a).isEqualTo(b).isEqualTo(Double.POSITIVE_INFINITY);
        x[5 + n / 3] = 2f;
        float[] moved = new float[n + 40];
        System.arraycopy(x, 5, moved, 37, n);
        assertThat(vec.expShiftSum(moved, 37, n, shift, null, 0)).isEqualTo(vec.expShiftSum(x, 5, n, shift, out, 1));
    }

    /** The vector max folds its lanes: NaN anywhere wins, +0 beats -0, wherever they lie, as in the scalar loop. */
    @ParameterizedTest
    @ValueSource(ints = {16, 17, 32, 48, 70})
    void maxFoldKeepsNanAndSignedZeros(int n) {
        for (int at = 0; at < n; at += 5) {
            float[] x = new float[n];
            Arrays.fill(x, -0f);
            x[at] = 0f;
            assertThat(Float.floatToIntBits(vec.max(x, 0, n)))
                    .as("+0 at %d", at)
                    .isEqualTo(Float.floatToIntBits(0f));
            Arrays.fill(x, -3f);
            x[at] = Float.NaN;
            assertThat(vec.max(x, 0, n)).as("NaN at %d", at).isNaN();
            x[at] = Float.NEGATIVE_INFINITY;
            assertThat(vec.max(x, 0, n)).isEqualTo(ref.max(x, 0, n)).isEqualTo(-3f);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 13, 33, 257, 1030, 4099, 32000})
    void maxExpSumAndScaleEqualScalar(int n) {
        float[] x = random(n + 3, 7);
        for (int i = 0; i < x.length; i++) x[i] *= 4f;
        float m1 = vec.max(x, 3, n), m2 = ref.max(x, 3, n);
        assertThat(m1).isEqualTo(m2);
        float shift = n == 0 ? 0f : m1;
        float[] o1 = new float[n + 2], o2 = new float[n + 2];
        double s1 = vec.expShiftSum(x, 3, n, shift, o1, 2), s2 = ref.expShiftSum(x, 3, n, shift, o2, 2);
        assertThat(s1).isCloseTo(s2, org.assertj.core.data.Offset.offset(1e-6 * Math.max(1, s2)));
        Close.assertClose("exp terms", o1, o2, 1e-7, 2e-6);
        assertThat(vec.expShiftSum(x, 3, n, shift, null, 0)).isEqualTo(s1);
        float[] alias = x.clone(); // out may be the input itself
        assertThat(vec.expShiftSum(alias, 3, n, shift, alias, 3)).isEqualTo(s1);
        Close.assertClose(
                "exp terms in place",
                java.util.Arrays.copyOfRange(alias, 3, n + 3),
                java.util.Arrays.copyOfRange(o1, 2, n + 2),
                0,
                0);
        float[] y1 = x.clone(), y2 = x.clone();
        vec.scale(y1, 3, n, 0.3f);
        ref.scale(y2, 3, n, 0.3f);
        assertThat(y1).containsExactly(y2);
        float[] d1 = random(n + 4, 9), d2 = d1.clone();
        vec.softmaxBackward(d1, 4, x, 3, n, 0.21f, 0.35f);
        ref.softmaxBackward(d2, 4, x, 3, n, 0.21f, 0.35f);
        assertThat(d1).as("softmax backward").containsExactly(d2);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 13, 33, 257, 4099})
    void swigluAndItsBackwardEqualScalar(int n) {
        float[] g = random(n, 21), u = random(n, 22), dh = random(n, 23);
        for (int i = 0; i < n; i++) g[i] *= 4f; // the sigmoid's tails too
        if (n > 8) {
            g[1] = 100f; // e^-g underflows
            g[2] = -100f; // e^-g overflows: silu = -0
            g[3] = Float.NaN;
        }
        float[] h1 = new float[n], h2 = new float[n];
        vec.swiglu(h1, 0, g, 0, u, 0, n);
        ref.swiglu(h2, 0, g, 0, u, 0, n);
        Close.assertClose("swiglu", h1, h2, 1e-6, 1e-5);
        float[] dg1 = new float[n], du1 = new float[n], dg2 = new float[n], du2 = new float[n];
        vec.swigluBackward(dg1, 0, du1, 0, dh, 0, g, 0, u, 0, n);
        ref.swigluBackward(dg2, 0, du2, 0, dh, 0, g, 0, u, 0, n);
        Close.assertClose("swiglu dg", dg1, dg2, 1e-6, 1e-5);
        Close.assertClose("swiglu du", du1, du2, 1e-6, 1e-5);
        float[] inPlace = g.clone(); // inference gates in place: h is g
        vec.swiglu(inPlace, 0, inPlace, 0, u, 0, n);
        Close.assertClose("swiglu in place", inPlace, h2, 1e-6, 1e-5);
    }

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (int b : new int[] {1, 3, 4, 7, 13, 33})
            for (int k : SIZES)
                for (int n : new int[] {1, 7, 8, 13, 33, 257}) {
                    if ((long) b * k * n > 3_000_000) continue;
                    s.add(Arguments.of(b, k, n));
                }
        s.add(Arguments.of(257, 300, 70)); // several row panels, ragged edges
        s.add(Arguments.of(200, 13, 4099));
        s.add(Arguments.of(521, 700, 70)); // several K blocks and row blocks, split across threads by rows
        s.add(Arguments.of(61, 650, 200)); // several K blocks, split by column panels, ragged last panel
        s.add(Arguments.of(7, 20_493, 37)); // long K, small C: split into slabs of K (kSlabs), ragged edges
        s.add(Arguments.of(13, 2_100, 35)); // two slabs
        return s.build();
    }

    @ParameterizedTest(name = "B={0} K={1} N={2}")
    @MethodSource("shapes")
    void matmulEqualsScalar(int B, int K, int N) {
        float[] x = random(B * K + 5, 10), w = random(N * K + 3, 11), bias = random(N + 1, 12);
        for (boolean withBias : new boolean[] {false, true}) {
            float[] o1 = new float[B * N + 2], o2 = new float[B * N + 2];
            vec.matmul(o1, 1, x, 5, w, 3, withBias ? bias : null, 1, B, K, N);
            ref.matmul(o2, 1, x, 5, w, 3, withBias ? bias : null, 1, B, K, N);
            Close.assertClose("matmul B=" + B + " K=" + K + " N=" + N, o1, o2, 2e-5 * Math.sqrt(K), 1e-5);
        }
    }

    @ParameterizedTest(name = "M={0} K={1} N={2}")
    @MethodSource("shapes")
    void backwardProductsEqualScalar(int M, int K, int N) {
        float[] a = random(M * K + 5, 20), b = random(K * N + 3, 21);
        for (boolean acc : new boolean[] {false, true}) {
            float[] o1 = random(M * N + 2, 22), o2 = o1.clone();
            vec.matmulNN(o1, 1, a, 5, b, 3, M, K, N, acc);
            ref.matmulNN(o2, 1, a, 5, b, 3, M, K, N, acc);
            Close.assertClose("NN M=" + M + " K=" + K + " N=" + N, o1, o2, 2e-5 * Math.sqrt(K), 1e-5);
            float[] t1 = random(M * N + 2, 23), t2 = t1.clone();
            vec.matmulTN(t1, 1, a, 5, b, 3, M, K, N, acc);
            ref.matmulTN(t2, 1, a, 5, b, 3, M, K, N, acc);
            Close.assertClose("TN M=" + M + " K=" + K + " N=" + N, t1, t2, 2e-5 * Math.sqrt(K), 1e-5);
        }
    }

    @org.junit.jupiter.api.Test
    void longProductsWithSmallResultsSplitK() {
        assertThat(VectorKernels.kSlabs(256, 32000, 288))
                .as("the training head's dx")
                .isEqualTo(8);
        assertThat(VectorKernels.kSlabs(7, 20_493, 37)).isEqualTo(8);
        assertThat(VectorKernels.kSlabs(256, 288, 32000)).as("its logits").isEqualTo(1);
        assertThat(VectorKernels.kSlabs(768, 2048, 288))
                .as("a stories15M weight gradient")
                .isEqualTo(2);
        assertThat(VectorKernels.kSlabs(256, 2048, 2048))
                .as("a 1B model's prefill")
                .isEqualTo(1);
        assertThat(VectorKernels.kSlabs(2048, 5632, 2048))
                .as("a 1B model's down projection")
                .isEqualTo(1);
        assertThat(VectorKernels.kSlabs(2048, 40000, 2048)).as("too wide").isEqualTo(1);
    }

    @org.junit.jupiter.api.Test
    void threadSplitTakesRowsWhenPanelsShareOutUnevenly() {
        assertThat(VectorKernels.byPanels(9, 43, 2)).isFalse(); // 5 panels against 4
        assertThat(VectorKernels.byPanels(3, 100, 2)).isFalse(); // too few panels
        assertThat(VectorKernels.byPanels(32, 43, 2)).isTrue();
        assertThat(VectorKernels.byPanels(1000, 43, 2)).isTrue();
        assertThat(VectorKernels.byPanels(9, 3, 2)).isTrue(); // too few rows
    }

    @org.junit.jupiter.api.Test
    void scalarProductsMatchTheirDefinitions() {
        int M = 3, K = 4, N = 5;
        float[] a = random(M * K, 30), b = random(K * N, 31), w = random(N * K, 32);
        float[] nn = new float[M * N], tn = new float[K * N], nt = new float[M * N];
        ref.matmulNN(nn, 0, a, 0, b, 0, M, K, N, false);
        ref.matmulTN(tn, 0, a, 0, nn, 0, K, M, N, false); // a (M, K) read as (K', M') = (M, K): out (K, N)
        ref.matmul(nt, 0, a, 0, w, 0, null, 0, M, K, N);
        for (int m = 0; m < M; m++)
            for (int n = 0; n < N; n++) {
                double s = 0, t = 0;
                for (int k = 0; k < K; k++) {
                    s += a[m * K + k] * b[k * N + n];
                    t += a[m * K + k] * w[n * K + k];
                }
                assertThat((double) nn[m * N + n]).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5));
                assertThat((double) nt[m * N + n]).isCloseTo(t, org.assertj.core.data.Offset.offset(1e-5));
            }
        for (int k = 0; k < K; k++)
            for (int n = 0; n < N; n++) {
                double s = 0;
                for (int m = 0; m < M; m++) s += a[m * K + k] * nn[m * N + n];
                assertThat((double) tn[k * N + n]).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-4));
            }
    }

    @ParameterizedTest(name = "M={0} K={1} N={2}")
    @MethodSource("shapes")
    void stridedSerialProductEqualsScalar(int M, int K, int N) {
        if ((long) M * K * N > 400_000) return;
        int lda = K + 3, ldaT = M + 2, ldb = N + 5, ldbT = K + 1, ldc = N + 4;
        for (boolean aT : new boolean[] {false, true})
            for (boolean bT : new boolean[] {false, true}) {
                float[] a = random((aT ? K * ldaT : M * lda) + 7, 40), b = random((bT ? N * ldbT : K * ldb) + 7, 41);
                float[] c1 = random(M * ldc + 3, 42), c2 = c1.clone();
                for (boolean acc : new boolean[] {false, true}) {
                    vec.gemmSerial(c1, 3, ldc, a, 7, aT ? ldaT : lda, aT, b, 7, bT ? ldbT : ldb, bT, M, K, N, acc);
                    ref.gemmSerial(c2, 3, ldc, a, 7, aT ? ldaT : lda, aT, b, 7, bT ? ldbT : ldb, bT, M, K, N, acc);
                    Close.assertClose(
                            "gemm aT=" + aT + " bT=" + bT + " acc=" + acc, c1, c2, 2e-5 * Math.sqrt(K) * 2, 1e-5);
                }
            }
    }

    /** AdamW lane by lane is the scalar loop bit for bit: moments and parameters, over ragged ranges. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 13, 33, 257, 4099})
    void adamwEqualsScalarBitForBit(int n) {
        int from = 3, to = from + n;
        float[] g = random(to + 2, 31);
        float[][] p = new float[2][], m = new float[2][], v = new float[2][];
        Kernels[] kernels = {vec, ref};
        for (int j = 0; j < 2; j++) {
            p[j] = random(to + 2, 32);
            m[j] = random(to + 9, 33);
            v[j] = random(to + 9, 34);
            for (int i = 0; i < v[j].length; i++) v[j][i] *= v[j][i]; // second moments are not negative
            var ms = java.lang.foreign.MemorySegment.ofArray(m[j]);
            var vs = java.lang.foreign.MemorySegment.ofArray(v[j]);
            for (int step = 0; step < 3; step++)
                kernels[j].adamw(p[j], g, ms, vs, 5, from, to, 0.9f, 0.95f, 1e-8f, 0.999f, 1e-3f, 0.3f);
        }
        assertThat(p[0]).containsExactly(p[1]);
        assertThat(m[0]).containsExactly(m[1]);
        assertThat(v[0]).containsExactly(v[1]);
        float[] before = random(to + 2, 32);
        for (int i = 0; i < from; i++)
            assertThat(p[0][i]).as("before the range").isEqualTo(before[i]);
        assertThat(p[0][from]).as("updated").isNotEqualTo(before[from]);
    }
}
