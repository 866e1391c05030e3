package dev.topiary.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.Close;
import dev.topiary.tensor.Tensor;
import dev.topiary.tensor.WeightType;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The typed-weight matmul (BF16, F16, Q8_0, and F32 from a segment) against its scalar twin, and
 * both against the fp32 matmul over the same values widened, over awkward sizes: few rows take the
 * GEMV, many the packed GEMM with several K blocks and ragged panels.
 */
class TypedKernelsTest {
    final Kernels vec = VectorKernels.create(), ref = Kernels.scalar();

    static Stream<Arguments> shapes() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (WeightType t : WeightType.values())
            for (int b : new int[] {1, 3, 4, 7, 33})
                for (int k : new int[] {1, 7, 32, 33, 96, 352, 1000})
                    for (int n : new int[] {1, 13, 33, 70}) {
                        if (t == WeightType.Q8_0 && k % 32 != 0) continue;
                        s.add(Arguments.of(t, b, k, n));
                    }
        s.add(Arguments.of(WeightType.BF16, 257, 640, 70));
        s.add(Arguments.of(WeightType.Q8_0, 257, 672, 40));
        return s.build();
    }

    @ParameterizedTest(name = "{0} B={1} K={2} N={3}")
    @MethodSource("shapes")
    void typedMatmulEqualsScalarAndWidenedFp32(WeightType type, int B, int K, int N) {
        float[] x = KernelsTest.random(B * K + 5, 20), values = KernelsTest.random(N * K, 21), bias = KernelsTest.random(N + 1, 22);
        Tensor w = Tensor.encode(type, values, N, K);
        float[] widened = w.toFloats();
        for (boolean withBias : new boolean[] {false, true}) {
            float[] o1 = new float[B * N + 2], o2 = new float[B * N + 2], o3 = new float[B * N + 2];
            vec.matmul(o1, 1, x, 5, w, withBias ? bias : null, 1, B, K, N);
            ref.matmul(o2, 1, x, 5, w, withBias ? bias : null, 1, B, K, N);
            ref.matmul(o3, 1, x, 5, widened, 0, withBias ? bias : null, 1, B, K, N);
            String what = type + " B=" + B + " K=" + K + " N=" + N;
            Close.assertClose(what + " vector vs scalar", o1, o2, 2e-5 * Math.sqrt(K), 1e-5);
            Close.assertClose(what + " scalar vs widened fp32", o2, o3, 1e-6 * Math.sqrt(K), 1e-6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void encodingRoundsAsReferenceDoes(WeightType type) {
        float[] v = KernelsTest.random(64, 5);
        float[] back = Tensor.encode(type, v, 2, 32).toFloats();
        for (int i = 0; i < v.length; i++) {
            float expected = switch (type) {
                case F32 -> v[i];
                case BF16 -> WeightType.bf16ToFloat(WeightType.floatToBf16(v[i]));
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(v[i]));
                case Q8_0 -> v[i]; // checked with a tolerance below
            };
            if (type == WeightType.Q8_0) {
                float amax = 0;
                for (int j = i / 32 * 32; j < i / 32 * 32 + 32; j++) amax = Math.max(amax, Math.abs(v[j]));
                assertThat(Math.abs(back[i] - v[i])).isLessThanOrEqualTo(amax / 127f * 0.51f + 1e-3f);
            } else {
                assertThat(back[i]).isEqualTo(expected);
            }
        }
    }

    static Stream<WeightType> types() {
        return Stream.of(WeightType.values());
    }
}
