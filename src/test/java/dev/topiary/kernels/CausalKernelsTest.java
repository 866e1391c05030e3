package dev.topiary.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.Close;
import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The causal attention kernels (vector) against their scalar twins: head sizes that are and are not
 * multiples of the lane count, lengths around the four-row blocks and the vector width, strided
 * rows, tight arrays (a read or write past the last row would throw), and NaN above the diagonal
 * (a kernel that read it would return NaN).
 */
class CausalKernelsTest {
    final Kernels vec = VectorKernels.create(), ref = Kernels.scalar();

    static Stream<Arguments> shapes() {
        int[] ts = {1, 2, 3, 4, 5, 7, 16, 17, 33, 70};
        int[] ds = {1, 3, 4, 8, 12, 16, 24, 48, 64, 65};
        return IntStream.of(ts).boxed().flatMap(t -> IntStream.of(ds).mapToObj(d -> Arguments.of(t, d)));
    }

    @ParameterizedTest(name = "T={0} D={1}")
    @MethodSource("shapes")
    void scoresEqualScalarOnTheLowerTriangle(int T, int D) {
        int ldq = 3 * D + 1, ldk = 2 * D, qOff = 5, kOff = D;
        float[] q = KernelsTest.random(qOff + (T - 1) * ldq + D, 1),
                k = KernelsTest.random(kOff + (T - 1) * ldk + D, 2);
        for (int lds : new int[] {T, T + 9}) {
            int sOff = 3;
            float[] s1 = new float[sOff + T * lds], s2 = new float[sOff + T * lds];
            Arrays.fill(s1, 7f);
            Arrays.fill(s2, 7f);
            vec.causalScores(s1, sOff, lds, q, qOff, ldq, k, kOff, ldk, T, D);
            ref.causalScores(s2, sOff, lds, q, qOff, ldq, k, kOff, ldk, T, D);
            for (int i = 0; i < sOff; i++)
                assertThat(s1[i]).as("before the first row").isEqualTo(7f);
            for (int t = 0; t < T; t++)
                for (int j = 0; j <= t; j++) {
                    int o = sOff + t * lds + j;
                    assertThat((double) s1[o])
                            .as("S[%d, %d] T=%d D=%d lds=%d", t, j, T, D, lds)
                            .isCloseTo(
                                    s2[o],
                                    org.assertj.core.data.Offset.offset(1e-5 * Math.sqrt(D) + 1e-5 * Math.abs(s2[o])));
                }
        }
    }

    @ParameterizedTest(name = "T={0} D={1}")
    @MethodSource("shapes")
    void mixesEqualScalarAndReadNothingAboveTheDiagonal(int T, int D) {
        int ldp = T + 2, ldv = 2 * D + 3, ldo = D + 5, pOff = 4, vOff = 2, outOff = 1;
        float[] p = KernelsTest.random(pOff + (T - 1) * ldp + T, 3);
        for (int t = 0; t < T; t++) for (int j = t + 1; j < T; j++) p[pOff + t * ldp + j] = Float.NaN;
        float[] v = KernelsTest.random(vOff + (T - 1) * ldv + D, 4);
        float[] start = KernelsTest.random(outOff + (T - 1) * ldo + D, 5);
        for (boolean acc : new boolean[] {false, true}) {
            float[] o1 = start.clone(), o2 = start.clone();
            vec.causalMix(o1, outOff, ldo, p, pOff, ldp, false, v, vOff, ldv, T, D, acc);
            ref.causalMix(o2, outOff, ldo, p, pOff, ldp, false, v, vOff, ldv, T, D, acc);
            Close.assertClose("mix T=" + T + " D=" + D + " acc=" + acc, o1, o2, 1e-5 * Math.sqrt(T), 1e-5);
            float[] t1 = start.clone(), t2 = start.clone();
            vec.causalMix(t1, outOff, ldo, p, pOff, ldp, true, v, vOff, ldv, T, D, acc);
            ref.causalMix(t2, outOff, ldo, p, pOff, ldp, true, v, vOff, ldv, T, D, acc);
            Close.assertClose("mixT T=" + T + " D=" + D + " acc=" + acc, t1, t2, 1e-5 * Math.sqrt(T), 1e-5);
        }
    }

    static Stream<Arguments> softmaxLengths() {
        return IntStream.of(1, 2, 5, 15, 16, 17, 31, 33, 48, 70, 130).mapToObj(Arguments::of);
    }

    /**
     * The fused causal softmax and its backward against the passes they fuse, run on the same (vector) kernels:
     * the same bits on the padded stretch of every row (scores of earlier packed documents already -infinity, a
     * row length that is and is not a multiple of the padding), nothing past it written.
     */
    @ParameterizedTest(name = "T={0}")
    @MethodSource("softmaxLengths")
    void causalSoftmaxIsItsPassesBitForBit(int T) {
        float scale = 0.3535f;
        int off = 3;
        float[] scores = KernelsTest.random(off + T * T, 6);
        for (int t = 0; t < T; t++) for (int j = 0; j < t / 3; j++) scores[off + t * T + j] = Float.NEGATIVE_INFINITY;
        float[] fused = scores.clone(), passes = scores.clone();
        vec.causalSoftmax(fused, off, T, scale);
        for (int t = 0; t < T; t++) {
            int o = off + t * T, n = Kernels.causalPadded(t + 1, T);
            Arrays.fill(passes, o + t + 1, o + n, Float.NEGATIVE_INFINITY);
            vec.scale(passes, o, n, scale);
            double sum = vec.expShiftSum(passes, o, n, vec.max(passes, o, n), passes, o);
            vec.scale(passes, o, n, (float) (1.0 / sum));
        }
        assertThat(fused).as("T=%d", T).isEqualTo(passes);
        float[] viaScalar = scores.clone();
        ref.causalSoftmax(viaScalar, off, T, scale);
        for (int t = 0; t < T; t++) {
            int o = off + t * T, n = Kernels.causalPadded(t + 1, T);
            float[] a = Arrays.copyOfRange(fused, o, o + n), b = Arrays.copyOfRange(viaScalar, o, o + n);
            Close.assertClose("row " + t + " against the scalar kernels", a, b, 1e-6, 1e-5);
            for (int j = t + 1; j < n; j++)
                assertThat(fused[o + j]).as("padding of row %d", t).isZero();
            for (int j = n; j < T; j++)
                assertThat(fused[o + j]).as("past the padding").isEqualTo(scores[o + j]);
        }

        float[] grad = KernelsTest.random(off + T * T, 7);
        for (int t = 0; t < T; t++) for (int j = t + 1; j < T; j++) grad[off + t * T + j] = Float.NaN;
        float[] dFused = grad.clone(), dPasses = grad.clone(), dScalar = grad.clone();
        vec.causalSoftmaxBackward(dFused, off, fused, off, T, scale);
        for (int t = 0; t < T; t++) {
            int o = off + t * T, n = Kernels.causalPadded(t + 1, T);
            Arrays.fill(dPasses, o + t + 1, o + n, 0f);
            vec.softmaxBackward(dPasses, o, fused, o, n, vec.dot(fused, o, dPasses, o, n), scale);
        }
        assertThat(dFused)
                .as("backward T=%d", T)
                .usingElementComparator(Float::compare)
                .containsExactly(dPasses);
        ref.causalSoftmaxBackward(dScalar, off, fused, off, T, scale);
        for (int t = 0; t < T; t++) {
            int o = off + t * T, n = Kernels.causalPadded(t + 1, T);
            Close.assertClose(
                    "backward row " + t + " against the scalar kernels",
                    Arrays.copyOfRange(dFused, o, o + n),
                    Arrays.copyOfRange(dScalar, o, o + n),
                    1e-6,
                    1e-5);
        }
    }
}
