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
    static final int LANES = VectorKernels.floatSpecies().length();

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
        float[] x = KernelsTest.random(B * K + 5, 20),
                values = KernelsTest.random(N * K, 21),
                bias = KernelsTest.random(N + 1, 22);
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

    /**
     * A BF16 tensor and its widened fp32 copy give the same bits: whole panels are packed from the raw
     * BF16 rows (two values per int gather), ragged ones through the widened rows, and both must equal
     * the fp32 panels. Odd K takes the widened path throughout.
     */
    @org.junit.jupiter.api.Test
    void bf16PanelsEqualTheWidenedCopyBitForBit() {
        for (int[] s : new int[][] {{64, 640, 96}, {130, 770, 100}, {9, 2048, 64}, {6, 65, 40}, {64, 4096, 33}}) {
            int B = s[0], K = s[1], N = s[2];
            float[] x = KernelsTest.random(B * K, 32), values = KernelsTest.random(N * K, 33);
            Tensor bf16 = Tensor.encode(WeightType.BF16, values, N, K);
            float[] wide = new float[N * K];
            for (int n = 0; n < N; n++) bf16.readRow(n, 0, K, wide, n * K);
            float[] o1 = new float[B * N], o2 = new float[B * N];
            vec.matmul(o1, 0, x, 0, bf16, null, 0, B, K, N);
            vec.matmul(o2, 0, x, 0, wide, 0, null, 0, B, K, N);
            assertThat(o1).as("B=%d K=%d N=%d", B, K, N).containsExactly(o2);
        }
    }

    /**
     * Decoding (one row of x) dots row n beside row n + half in two streams (three for BF16); every output
     * must still be the one-row dot's bits: heap fp32 and mapped F32 against the widened rows' dot, BF16
     * against the scalar twin of its even/odd order, odd row counts, short and ragged K, with and without
     * bias, one piece and several.
     */
    @org.junit.jupiter.api.Test
    void decodeGemvEqualsTheOneRowDotBitForBit() {
        for (int K : new int[] {1, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 700})
            for (int N : new int[] {1, 2, 3, 7, 33, 257, 1001}) {
                float[] x = KernelsTest.random(K + 3, 50 + K), values = KernelsTest.random(N * K, 51 + N);
                float[] bias = KernelsTest.random(N + 2, 52);
                Tensor heap = Tensor.of(values, 0, N, K);
                for (Tensor w : new Tensor[] {
                    heap, Tensor.encode(WeightType.F32, values, N, K), Tensor.encode(WeightType.BF16, values, N, K)
                }) {
                    float[] wide = new float[N * K];
                    for (int n = 0; n < N; n++) w.readRow(n, 0, K, wide, n * K);
                    for (boolean withBias : new boolean[] {false, true}) {
                        float[] got = new float[N + 4], want = new float[N + 4];
                        vec.matmul(got, 4, x, 3, w, withBias ? bias : null, 2, 1, K, N);
                        for (int n = 0; n < N; n++)
                            want[4 + n] = (w.type() == WeightType.BF16 && w.array() == null
                                            ? ScalarKernels.dotBf16EvenOdd(wide, n * K, x, 3, K, LANES)
                                            : VectorKernels.dotArrays(x, 3, wide, n * K, K))
                                    + (withBias ? bias[2 + n] : 0f);
                        assertThat(got)
                                .as("%s K=%d N=%d bias=%s", w.array() != null ? "heap" : w.type(), K, N, withBias)
                                .containsExactly(want);
                    }
                }
            }
    }

    /**
     * Decoding a Q8_0 matrix takes four rows a quarter of a piece apart at a time; every output must be what the
     * one-row dot gives (the same rows through the few-rows path, x given twice), with and without bias.
     */
    @org.junit.jupiter.api.Test
    void q8DecodeGemvEqualsTheOneRowDotBitForBit() {
        for (int K : new int[] {32, 64, 96, 2048, 2080})
            for (int N : new int[] {1, 2, 3, 7, 33, 257, 1001}) {
                float[] x = KernelsTest.random(K, 60 + K), values = KernelsTest.random(N * K, 61 + N);
                float[] bias = KernelsTest.random(N, 62), twice = new float[2 * K];
                System.arraycopy(x, 0, twice, 0, K);
                System.arraycopy(x, 0, twice, K, K);
                Tensor w = Tensor.encode(WeightType.Q8_0, values, N, K);
                for (boolean withBias : new boolean[] {false, true}) {
                    float[] got = new float[N], want = new float[2 * N];
                    vec.matmul(got, 0, x, 0, w, withBias ? bias : null, 0, 1, K, N);
                    vec.matmul(want, 0, twice, 0, w, withBias ? bias : null, 0, 2, K, N);
                    assertThat(got)
                            .as("Q8_0 K=%d N=%d bias=%s", K, N, withBias)
                            .containsExactly(java.util.Arrays.copyOf(want, N));
                }
            }
    }

    /** A mapped fp32 tensor and its heap copy give the same bits (same K blocks, same panels), GEMM and GEMV. */
    @org.junit.jupiter.api.Test
    void fp32FromASegmentEqualsTheHeapArrayBitForBit() {
        for (int[] s : new int[][] {{64, 700, 70}, {257, 2048, 40}, {3, 1000, 33}}) {
            int B = s[0], K = s[1], N = s[2];
            float[] x = KernelsTest.random(B * K, 30), values = KernelsTest.random(N * K, 31);
            Tensor mapped = Tensor.encode(WeightType.F32, values, N, K), heap = Tensor.of(values, 0, N, K);
            assertThat(mapped.array()).isNull();
            float[] o1 = new float[B * N], o2 = new float[B * N];
            vec.matmul(o1, 0, x, 0, mapped, null, 0, B, K, N);
            vec.matmul(o2, 0, x, 0, heap, null, 0, B, K, N);
            assertThat(o1).as("B=%d K=%d N=%d", B, K, N).containsExactly(o2);
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

    /** The fused GEMV of several matrices (decoding's q/k/v, gate/up) against one scalar matmul each. */
    @ParameterizedTest(name = "B={0} K={1}")
    @MethodSource("manyShapes")
    void matmulManyEqualsScalarPerMatrix(int B, int K) {
        float[] x = KernelsTest.random(B * K + 3, 30);
        int[] rows = {13, 33, 4, 70, 1};
        WeightType[] types = {WeightType.F32, WeightType.BF16, WeightType.F16, WeightType.Q8_0, WeightType.F32};
        int n = rows.length;
        Tensor[] w = new Tensor[n];
        float[][] bias = new float[n][], out1 = new float[n][], out2 = new float[n][];
        int[] biasOff = new int[n], outOff = new int[n];
        for (int i = 0; i < n; i++) {
            float[] v = KernelsTest.random(rows[i] * K, 31 + i);
            WeightType t = types[i] == WeightType.Q8_0 && K % 32 != 0 ? WeightType.BF16 : types[i];
            w[i] = i == 0 ? Tensor.of(v, 0, rows[i], K) : Tensor.encode(t, v, rows[i], K); // 0: a heap fp32 matrix
            if (i % 2 == 1) {
                bias[i] = KernelsTest.random(rows[i] + 2, 40 + i);
                biasOff[i] = 2;
            }
            outOff[i] = i;
            out1[i] = new float[B * rows[i] + i];
            out2[i] = new float[B * rows[i] + i];
        }
        vec.matmulMany(x, 3, B, K, w, bias, biasOff, out1, outOff);
        for (int i = 0; i < n; i++) {
            ref.matmul(out2[i], outOff[i], x, 3, w[i], bias[i], biasOff[i], B, K, rows[i]);
            Close.assertClose("matmulMany " + i + " B=" + B + " K=" + K, out1[i], out2[i], 2e-5 * Math.sqrt(K), 1e-5);
        }
    }

    static Stream<Arguments> manyShapes() {
        Stream.Builder<Arguments> s = Stream.builder();
        for (int b : new int[] {1, 2, 3, 4, 9})
            for (int k : new int[] {1, 7, 32, 33, 96, 352, 1000}) s.add(Arguments.of(b, k));
        return s.build();
    }

    static Stream<WeightType> types() {
        return Stream.of(WeightType.values());
    }
}
