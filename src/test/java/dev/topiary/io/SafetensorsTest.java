package dev.topiary.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.format.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void writeThenReadIsBitExact() throws Exception {
        float[] a = {1f, -2.5f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 3.14159265f};
        float[] bf = {1f, -2.5f, 0.15625f, 65280f}; // exactly representable in bf16
        float[] hf = {1f, -2.5f, 0.000061035156f, 65504f}; // exactly representable in f16
        Path f = dir.resolve("t.safetensors");
        Safetensors.write(
                f,
                List.of(
                        new Safetensors.Entry("b.weight", DType.BF16, new long[] {2, 2}, bf),
                        new Safetensors.Entry("a.weight", DType.F32, new long[] {2, 3}, a),
                        new Safetensors.Entry("h", DType.F16, new long[] {4}, hf)),
                Map.of("note", "x"));
        assertThat(Files.exists(dir.resolve("t.safetensors.tmp"))).isFalse();
        try (Safetensors st = Safetensors.open(f)) {
            assertThat(st.tensors().keySet()).containsExactlyInAnyOrder("a.weight", "b.weight", "h");
            assertThat(st.metadata()).containsEntry("format", "pt").containsEntry("note", "x");
            assertThat(st.readFloats("a.weight")).containsExactly(a);
            assertThat(st.readFloats("b.weight")).containsExactly(bf);
            assertThat(st.readFloats("h")).containsExactly(hf);
            assertThat(st.info("a.weight").shape()).containsExactly(2, 3);
        }
        // header length is a multiple of 8 and the tensors are in name order
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bb.getLong(0) % 8).isZero();
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(DType.bf16ToFloat(DType.floatToBf16(1.00390625f))).isEqualTo(1f); // halfway, rounds to even
        assertThat(DType.bf16ToFloat(DType.floatToBf16(1.01171875f)))
                .isEqualTo(1.015625f); // halfway, rounds up to even
        assertThat(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.NaN)))).isTrue();
    }

    private Path raw(String name, String header, int dataBytes, Long lengthOverride) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(lengthOverride != null ? lengthOverride : h.length).put(h);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private void rejects(Path f, String... fragments) {
        assertThatThrownBy(() -> Safetensors.open(f).close())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(f.toString())
                .satisfies(e -> {
                    for (String s : fragments) assertThat(e.getMessage()).contains(s);
                });
    }

    @Test
    void malformedFilesGetTheirOwnClearError() throws Exception {
        String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, new byte[] {1, 2, 3});
        rejects(truncated, "truncated", "3 bytes");
        rejects(raw("huge.safetensors", ok, 8, 1L << 40), "header length", "out of bounds");
        rejects(raw("past.safetensors", ok, 8, 4000L), "header length 4000", "past the end");
        rejects(raw("json.safetensors", "{\"w\": [1, 2", 8, null), "not valid JSON");
        rejects(raw("dtype.safetensors", ok.replace("F32", "I4"), 8, null), "tensor 'w'", "dtype 'I4'");
        rejects(raw("shape.safetensors", ok.replace("[2]", "[3]"), 8, null), "tensor 'w'", "12 bytes", "hold 8");
        rejects(raw("range.safetensors", ok, 4, null), "tensor 'w'", "[0, 8]", "beyond the data section (4 bytes)");
        rejects(
                raw("order.safetensors", ok.replace("[0,8]", "[8,0]"), 8, null),
                "tensor 'w'",
                "not an increasing pair");
        String two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        rejects(raw("overlap.safetensors", two, 12, null), "tensor 'b'", "overlap tensor 'a'");
        rejects(
                raw("missing.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, null),
                "tensor 'w'",
                "data_offsets");
    }

    @Test
    void tensorsBeyondTwoGiBAreReachable() throws Exception {
        // A sparse file: the only tensor starts 2.5 GiB into the data section.
        long begin = 5L << 29;
        String header =
                "{\"far\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + begin + "," + (begin + 8) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("sparse.safetensors");
        try (var raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            ByteBuffer b = ByteBuffer.allocate(8 + h.length)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(h.length)
                    .put(h);
            raf.write(b.array());
            raf.seek(8 + h.length + begin);
            raf.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat(1.5f)
                    .putFloat(-2f)
                    .array());
        }
        try (Safetensors st = Safetensors.open(f)) {
            assertThat(st.readFloats("far")).containsExactly(1.5f, -2f);
        }
    }
}
