package dev.topiary.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.Close;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import java.util.stream.Stream;

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
        assertThat((double) vec.dot(a, 3, b, 5, n)).isCloseTo(ref.dot(a, 3, b, 5, n), org.assertj.core.data.Offset.offset(1e-5 * n));
        float[] y1 = random(n + 2, 3), y2 = y1.clone();
        vec.axpy(y1, 2, 0.37f, a, 3, n);
        ref.axpy(y2, 2, 0.37f, a, 3, n);
        Close.assertClose("axpy", y1, y2, 1e-6, 1e-6);
    }

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (int b : new int[] {1, 3, 4, 7, 13, 33}) for (int k : SIZES) for (int n : new int[] {1, 7, 8, 13, 33, 257}) {
            if ((long) b * k * n > 3_000_000) continue;
            s.add(Arguments.of(b, k, n));
        }
        s.add(Arguments.of(257, 300, 70)); // several K blocks, several row blocks, ragged edges
        s.add(Arguments.of(200, 13, 4099));
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
}
