// GgufWriterTest: GgufWriter's files read back by GgufFile (metadata of every type, F32/F16/Q8_0 tensors), and Q8_0
// itself.
package dev.topiary.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    @TempDir
    Path dir;

    @Test
    void metadataOfEveryTypeReadsBack() throws IOException {
        GgufWriter g = new GgufWriter()
                .putString("s", "h\u00e9llo \u2581 \uD83D\uDE00")
                .putU32("u32", 0xFFFF_FFFFL)
                .putI32("i32", -5)
                .putF32("f32", 0.1f)
                .putBool("yes", true)
                .putBool("no", false)
                .putU64("u64", 1L << 40)
                .putStrings("strs", List.of("a", "", "\u2581b"))
                .putF32s("f32s", new float[] {1.5f, -2f, Float.MIN_VALUE})
                .putI32s("i32s", new int[] {1, -1, Integer.MAX_VALUE})
                .putStrings("empty", List.of());
        Path file = dir.resolve("m.gguf");
        g.write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.alignment()).isEqualTo(32);
            assertThat(f.metadata().keySet())
                    .containsExactly("s", "u32", "i32", "f32", "yes", "no", "u64", "strs", "f32s", "i32s", "empty");
            assertThat(f.string("s")).isEqualTo("h\u00e9llo \u2581 \uD83D\uDE00");
            assertThat(f.metadata().get("u32")).isEqualTo(4294967295L);
            assertThat(f.metadata().get("i32")).isEqualTo(-5L);
            assertThat(f.metadata().get("f32")).isEqualTo((double) 0.1f);
            assertThat(f.getBoolean("yes", false)).isTrue();
            assertThat(f.getBoolean("no", true)).isFalse();
            assertThat(f.getLong("u64", 0)).isEqualTo(1L << 40);
            assertThat(f.stringArray("strs")).containsExactly("a", "", "\u2581b");
            assertThat(f.floatArray("f32s")).containsExactly(1.5f, -2f, Float.MIN_VALUE);
            assertThat(f.intArray("i32s")).containsExactly(1, -1, Integer.MAX_VALUE);
            assertThat(f.stringArray("empty")).isEmpty();
            assertThat(f.tensors()).isEmpty();
        }
    }

    @Test
    void tensorsReadBackAlignedInTheirTypes() throws IOException {
        float[] vec = {1, 2, 3}; // 12 bytes: the next tensor is padded to 32
        float[] mat = new float[64 * 3];
        for (int i = 0; i < mat.length; i++) mat[i] = (float) Math.sin(i * 0.7) * 3;
        GgufWriter g = new GgufWriter();
        assertThat(g.addTensor("v", new long[] {3}, GgmlType.Q8_0, vec)).isEqualTo(GgmlType.F32);
        assertThat(g.addTensor("h", new long[] {64, 3}, GgmlType.F16, mat)).isEqualTo(GgmlType.F16);
        assertThat(g.addTensor("q", new long[] {64, 3}, GgmlType.Q8_0, mat)).isEqualTo(GgmlType.Q8_0);
        assertThat(g.addTensor("f", new long[] {64, 3}, GgmlType.F32, mat)).isEqualTo(GgmlType.F32);
        Path file = dir.resolve("t.gguf");
        Files.writeString(file, "an older file"); // replaced atomically
        g.write(file);
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList())
                .containsExactly("t.gguf");
        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.tensors()).extracting(GgufFile.TensorInfo::name).containsExactly("v", "h", "q", "f");
            for (GgufFile.TensorInfo t : f.tensors())
                assertThat((t.offset() - f.dataStart()) % 32).as(t.name()).isZero();
            assertThat(f.dataStart() % 32).isZero();
            assertThat(f.tensor("h").orElseThrow().dims()).containsExactly(64, 3);
            assertThat(f.readFloats("v")).containsExactly(vec);
            assertThat(f.readFloats("f")).containsExactly(mat);
            float[] half = f.readFloats("h");
            for (int i = 0; i < mat.length; i++)
                assertThat(half[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(mat[i])));
            assertThat(f.readFloats("q")).containsExactly(GgufWriter.dequantizeQ8_0(GgufWriter.quantizeQ8_0(mat)));
            assertThat(f.tensor("q").orElseThrow().byteSize()).isEqualTo(6 * 34);
        }
    }

    @Test
    void q8_0OnlyForMatricesWithRowsOfWholeBlocks() {
        assertThat(GgufWriter.storedType(GgmlType.Q8_0, new long[] {64, 172})).isEqualTo(GgmlType.Q8_0);
        assertThat(GgufWriter.storedType(GgmlType.Q8_0, new long[] {172, 64})).isEqualTo(GgmlType.F32);
        assertThat(GgufWriter.storedType(GgmlType.Q8_0, new long[] {64})).isEqualTo(GgmlType.F32);
        assertThat(GgufWriter.storedType(GgmlType.F16, new long[] {64})).isEqualTo(GgmlType.F16);
        assertThatThrownBy(() -> GgufWriter.storedType(GgmlType.Q4_0, new long[] {64, 2}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void q8_0BlocksQuantizeAsSpecified() {
        // Block 0: max |x| = 63.5, so d = 0.5 (exact in fp16) and q = round(x / 0.5), halves away from zero.
        float[] x = new float[64];
        x[0] = 63.5f; // 127
        x[1] = -63.5f; // -127
        x[2] = 0.25f; // 0.5 -> 1
        x[3] = -0.25f; // -0.5 -> -1
        x[4] = 0.75f; // 1.5 -> 2
        x[5] = -0.75f; // -1.5 -> -2
        x[6] = 0.2f; // 0.4 -> 0
        x[7] = 10f; // 20
        x[8] = -3.3f; // -6.6 -> -7
        // Block 1 (values 32..63) stays all zeros: d = 0, every q = 0.
        byte[] q = GgufWriter.quantizeQ8_0(x);
        assertThat(q).hasSize(2 * 34);
        assertThat(q[0]).isEqualTo((byte) 0x00); // fp16 0.5 = 0x3800, little-endian
        assertThat(q[1]).isEqualTo((byte) 0x38);
        assertThat(java.util.Arrays.copyOfRange(q, 2, 11)).containsExactly(127, -127, 1, -1, 2, -2, 0, 20, -7);
        for (int i = 11; i < 34; i++) assertThat(q[i]).isZero();
        for (int i = 34; i < 68; i++) assertThat(q[i]).isZero();
        float[] back = GgufWriter.dequantizeQ8_0(q);
        assertThat(java.util.Arrays.copyOf(back, 9))
                .containsExactly(63.5f, -63.5f, 0.5f, -0.5f, 1f, -1f, 0f, 10f, -3.5f);
        // A scale that fp16 rounds: d = 1/127 is stored as fp16, and values come back as fp16(d) * q.
        float[] y = new float[32];
        for (int i = 0; i < 32; i++) y[i] = (i - 16) / 16f; // max |y| = 1
        float[] yb = GgufWriter.dequantizeQ8_0(GgufWriter.quantizeQ8_0(y));
        float d = Float.float16ToFloat(Float.floatToFloat16(1f / 127));
        for (int i = 0; i < 32; i++) {
            float v = y[i] * (1f / (1f / 127));
            int qi = v < 0 ? -Math.round(-v) : Math.round(v);
            assertThat(yb[i]).isEqualTo(d * qi);
            assertThat(Math.abs(yb[i] - y[i])).isLessThanOrEqualTo(0.5f / 127 + 1e-3f);
        }
    }

    @Test
    void rejectsMistakes() {
        GgufWriter g = new GgufWriter().putU32("k", 1);
        assertThatThrownBy(() -> g.putString("k", "again")).hasMessageContaining("'k' is put twice");
        assertThatThrownBy(() -> g.putU32("neg", -1)).hasMessageContaining("uint32");
        assertThatThrownBy(() -> g.addTensor("t", new long[] {3, 2}, GgmlType.F32, new float[5]))
                .hasMessageContaining("hold 6 values");
    }
}
