package dev.topiary.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The register transpose of a weight panel against its definition, packed[k * nrMax + j] =
 * src[srcOff + j * ld + k], over k-lengths below, at and past whole L x L blocks, with a row stride
 * longer than the panel and an offset into the source: every value lands where it should and nothing
 * past the panel is written.
 */
class PanelTransposeTest {
    static final int L = VectorKernels.floatSpecies().length();

    @ParameterizedTest(name = "kc={0}")
    @ValueSource(ints = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 320})
    void packEqualsTheDefinition(int kc) {
        for (int nrMax : new int[] {L, 2 * L}) {
            int ld = kc + 5, srcOff = 3;
            float[] src = new float[srcOff + nrMax * ld + 4];
            for (int i = 0; i < src.length; i++) src[i] = i * 0.25f - 7f; // every value distinct
            float[] packed = new float[kc * nrMax + 3];
            java.util.Arrays.fill(packed, Float.NaN);
            PanelTranspose.pack(packed, nrMax, src, srcOff, ld, kc);
            for (int k = 0; k < kc; k++)
                for (int j = 0; j < nrMax; j++)
                    assertThat(packed[k * nrMax + j])
                            .as("kc=%d nrMax=%d k=%d j=%d", kc, nrMax, k, j)
                            .isEqualTo(src[srcOff + j * ld + k]);
            for (int i = kc * nrMax; i < packed.length; i++)
                assertThat(packed[i]).as("past the panel").isNaN();
        }
    }

    /** The six-row interleave (x's micro-panels): dst[d + k * 6 + r] = src[o + r * ld + k] for k < kv. */
    @ParameterizedTest(name = "blocks={0}")
    @ValueSource(ints = {1, 2, 3, 20})
    void interleave6EqualsTheDefinition(int blocks) {
        int kv = blocks * L, ld = kv + 7, o = 5, d = 2;
        float[] src = new float[o + 6 * ld];
        for (int i = 0; i < src.length; i++) src[i] = i * 0.5f + 1f;
        float[] dst = new float[d + 6 * kv + 3];
        java.util.Arrays.fill(dst, Float.NaN);
        PanelTranspose.interleave6(dst, d, src, o, ld, kv);
        for (int k = 0; k < kv; k++)
            for (int r = 0; r < 6; r++)
                assertThat(dst[d + k * 6 + r]).as("k=%d r=%d", k, r).isEqualTo(src[o + r * ld + k]);
        for (int i = 0; i < d; i++) assertThat(dst[i]).as("before").isNaN();
        for (int i = d + 6 * kv; i < dst.length; i++)
            assertThat(dst[i]).as("past").isNaN();
    }
}
