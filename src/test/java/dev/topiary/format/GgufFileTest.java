// GgufFileTest: GgufFile on the real stories260K.gguf, on small files written here, and on broken ones.
package dev.topiary.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.topiary.SharedFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Also home of {@link Writer}, which the tokenizer tests use to write small GGUF vocabularies. */
public class GgufFileTest {
    @TempDir
    Path dir;

    // ---- the real file ----

    @Test
    void opensStories260K() throws IOException {
        try (GgufFile g = GgufFile.open(SharedFiles.require("models/stories260K/stories260K.gguf"))) {
            assertThat(g.version()).isEqualTo(3);
            assertThat(g.tensors()).hasSize(48);
            assertThat(g.alignment()).isEqualTo(32);
            assertThat(g.string("general.architecture")).isEqualTo("llama");
            assertThat(g.getLong("llama.embedding_length", -1)).isEqualTo(64);
            assertThat(g.getLong("llama.feed_forward_length", -1)).isEqualTo(172);
            assertThat(g.getLong("llama.block_count", -1)).isEqualTo(5);
            assertThat(g.getLong("llama.attention.head_count", -1)).isEqualTo(8);
            assertThat(g.getLong("llama.attention.head_count_kv", -1)).isEqualTo(4);
            assertThat(g.getLong("llama.context_length", -1)).isEqualTo(2048);
            assertThat(g.getLong("tokenizer.ggml.padding_token_id", -1)).isEqualTo(4294967295L);
            assertThat(g.getDouble("llama.attention.layer_norm_rms_epsilon", 0)).isEqualTo(1e-5, offset(1e-11));
            assertThat(g.metadata().get("llama.embedding_length")).isEqualTo(64L);
            assertThat(g.metadata().get("tokenizer.ggml.scores"))
                    .asInstanceOf(InstanceOfAssertFactories.LIST)
                    .hasSize(512)
                    .element(300)
                    .isInstanceOf(Double.class);
            assertThat(g.stringArray("tokenizer.ggml.tokens"))
                    .hasSize(512)
                    .startsWith("<unk>", "<s>", "</s>", "<0x00>");
            assertThat(g.floatArray("tokenizer.ggml.scores")[300]).isEqualTo(-41f);
            assertThat(g.intArray("tokenizer.ggml.token_type")).startsWith(2, 3, 3, 6);
            assertThat(g.getLong("no.such.key", 7)).isEqualTo(7);
            assertThat(g.optionalString("no.such.key")).isEmpty();
        }
    }

    @Test
    void stories260KEmbeddingMatchesTheLlama2cExport() throws IOException {
        Path bin = SharedFiles.require("models/stories260K/stories260K.bin");
        try (GgufFile g = GgufFile.open(SharedFiles.require("models/stories260K/stories260K.gguf"))) {
            GgufFile.TensorInfo t = g.tensor("token_embd.weight").orElseThrow();
            assertThat(t.dims()).containsExactly(64, 512);
            assertThat(t.type()).isEqualTo(GgmlType.F32);
            assertThat(t.byteSize()).isEqualTo(64 * 512 * 4);
            assertThat(t.offset() % 32).isZero();
            float[] emb = g.readFloats("token_embd.weight");
            // stories260K.bin: 7 int32 header, then token_embedding (vocab, dim) row-major float32.
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
            float[] expected = new float[64 * 512];
            b.position(28).asFloatBuffer().get(expected);
            assertThat(emb).containsExactly(expected);
        }
    }

    // ---- small files written here ----

    @Test
    void readsEveryValueType() throws IOException {
        Writer w = new Writer()
                .header(3, 0, 14)
                .kv("u8", 0)
                .u8(200)
                .kv("i8", 1)
                .u8(-5)
                .kv("u16", 2)
                .u16(60000)
                .kv("i16", 3)
                .u16(-3)
                .kv("u32", 4)
                .u32(4000000000L)
                .kv("i32", 5)
                .u32(-7)
                .kv("f32", 6)
                .f32(0.25f)
                .kv("bool", 7)
                .u8(1)
                .kv("str", 8)
                .str("héllo")
                .kv("u64", 10)
                .u64(1L << 40)
                .kv("i64", 11)
                .u64(-9)
                .kv("f64", 12)
                .f64(0.1)
                .kv("strs", 9)
                .u32(8)
                .u64(2)
                .str("a")
                .str("▁b")
                .kv("nested", 9)
                .u32(9)
                .u64(2)
                .u32(5)
                .u64(1)
                .u32(42)
                .u32(6)
                .u64(2)
                .f32(1.5f)
                .f32(-2f);
        try (GgufFile g = GgufFile.open(w.write(dir.resolve("types.gguf")))) {
            assertThat(g.metadata())
                    .containsEntry("u8", 200L)
                    .containsEntry("i8", -5L)
                    .containsEntry("u16", 60000L)
                    .containsEntry("i16", -3L)
                    .containsEntry("u32", 4000000000L)
                    .containsEntry("i32", -7L)
                    .containsEntry("f32", 0.25)
                    .containsEntry("bool", true)
                    .containsEntry("str", "héllo")
                    .containsEntry("u64", 1L << 40)
                    .containsEntry("i64", -9L)
                    .containsEntry("f64", 0.1);
            assertThat(g.stringArray("strs")).containsExactly("a", "▁b");
            assertThat(g.metadata().get("nested")).isEqualTo(List.of(List.of(42L), List.of(1.5, -2.0)));
            assertThat(g.getDouble("i32", 0)).isEqualTo(-7.0);
            assertThat(g.getBoolean("bool", false)).isTrue();
            assertThat(g.tensors()).isEmpty();
        }
    }

    @Test
    void typedAccessorsRejectOtherTypesNamingTheKey() throws IOException {
        Writer w = new Writer()
                .header(3, 0, 3)
                .kv("s", 8)
                .str("x")
                .kv("big", 9)
                .u32(10)
                .u64(1)
                .u64(1L << 40)
                .kv("floats", 9)
                .u32(6)
                .u64(1)
                .f32(1f);
        Path f = w.write(dir.resolve("typed.gguf"));
        try (GgufFile g = GgufFile.open(f)) {
            assertThatThrownBy(() -> g.getLong("s", 0))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining(f.toString())
                    .hasMessageContaining("'s'")
                    .hasMessageContaining("integer");
            assertThatThrownBy(() -> g.intArray("big")).hasMessageContaining("'big'[0] = 1099511627776");
            assertThatThrownBy(() -> g.stringArray("floats")).hasMessageContaining("'floats'");
            assertThatThrownBy(() -> g.string("missing"))
                    .hasMessageContaining("'missing'")
                    .hasMessageContaining("missing");
        }
    }

    @Test
    void dequantizesF16Bf16AndQ8_0Exactly() throws IOException {
        float[] halfValues = {1.5f, -2f, 0.333251953125f, 65504f, 0f, -0.0009765625f, 3f, 1023.5f};
        float[] bf16Values = {1f, -3.5f, 1.0078125f, -0.0001220703125f};
        byte[] q8 = new byte[34];
        ByteBuffer.wrap(q8).order(ByteOrder.LITTLE_ENDIAN).putShort(Float.floatToFloat16(0.5f));
        for (int i = 0; i < 32; i++) {
            q8[2 + i] = (byte) (i * 9 - 128);
        }
        Writer w = new Writer()
                .header(3, 4, 1)
                .kv("general.alignment", 4)
                .u32(64)
                .tensor("half", new long[] {4, 2}, 1, 0)
                .tensor("bf", new long[] {4}, 30, 64)
                .tensor("q8", new long[] {32, 1}, 8, 128)
                .tensor("f32", new long[] {2}, 0, 192)
                .pad(64);
        long dataStart = w.size();
        for (float v : halfValues) {
            w.u16(Float.floatToFloat16(v));
        }
        w.pad(64);
        for (float v : bf16Values) {
            w.u16((short) (Float.floatToIntBits(v) >>> 16));
        }
        w.pad(64).bytes(q8).pad(64).f32(7f).f32(-1f);
        try (GgufFile g = GgufFile.open(w.write(dir.resolve("quant.gguf")))) {
            assertThat(g.alignment()).isEqualTo(64);
            assertThat(g.dataStart()).isEqualTo(dataStart);
            assertThat(g.tensor("q8").orElseThrow().offset()).isEqualTo(dataStart + 128);
            assertThat(g.tensor("q8").orElseThrow().byteSize()).isEqualTo(34);
            assertThat(g.readFloats("half")).containsExactly(halfValues);
            assertThat(g.readFloats("bf")).containsExactly(bf16Values);
            float[] expectedQ8 = new float[32];
            for (int i = 0; i < 32; i++) {
                expectedQ8[i] = 0.5f * (byte) (i * 9 - 128);
            }
            assertThat(g.readFloats("q8")).containsExactly(expectedQ8);
            assertThat(g.readFloats("f32")).containsExactly(7f, -1f);
        }
    }

    /** A sparse file of just over 3 GiB: the tensor beyond 2 GiB is mapped and read. */
    @Test
    void readsTensorsBeyondTwoGigabytes() throws IOException {
        long far = 3L << 30;
        Writer w = new Writer()
                .header(3, 2, 0)
                .tensor("near", new long[] {2}, 0, 0)
                .tensor("far", new long[] {2}, 0, far)
                .pad(32);
        long dataStart = w.size();
        w.f32(1f).f32(2f);
        Path f = w.write(dir.resolve("big.gguf"));
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(
                    ByteBuffer.allocate(8)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putFloat(3f)
                            .putFloat(-4f)
                            .flip(),
                    dataStart + far);
        }
        try (GgufFile g = GgufFile.open(f)) {
            assertThat(g.tensor("far").orElseThrow().offset()).isEqualTo(dataStart + far);
            assertThat(g.readFloats("near")).containsExactly(1f, 2f);
            assertThat(g.readFloats("far")).containsExactly(3f, -4f);
        }
    }

    @Test
    void acceptsVersion2() throws IOException {
        Writer w = new Writer().header(2, 0, 1).kv("general.name", 8).str("v2");
        try (GgufFile g = GgufFile.open(w.write(dir.resolve("v2.gguf")))) {
            assertThat(g.version()).isEqualTo(2);
            assertThat(g.string("general.name")).isEqualTo("v2");
        }
    }

    @Test
    void readFloatsRejectsUnsupportedTypesAndUnknownNames() throws IOException {
        Writer w = new Writer()
                .header(3, 1, 0)
                .tensor("q4", new long[] {32}, 2, 0)
                .pad(32)
                .bytes(new byte[18]);
        Path f = w.write(dir.resolve("q4.gguf"));
        try (GgufFile g = GgufFile.open(f)) {
            assertThatThrownBy(() -> g.readFloats("q4"))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("'q4'")
                    .hasMessageContaining("Q4_0");
            assertThatThrownBy(() -> g.readFloats("nope")).hasMessageContaining("'nope'");
        }
    }

    // ---- broken files ----

    @Nested
    class Malformed {
        @Test
        void badMagic() {
            expectError(
                    "magic.gguf",
                    w -> w.bytes("GGML".getBytes(StandardCharsets.US_ASCII))
                            .u32(3)
                            .u64(0)
                            .u64(0),
                    "bad magic",
                    "not a GGUF file");
        }

        @Test
        void version1() {
            expectError("v1.gguf", w -> w.header(1, 0, 0), "version 1 is not supported");
        }

        @Test
        void unknownVersion() {
            expectError("v9.gguf", w -> w.header(9, 0, 0), "unsupported GGUF version 9");
        }

        @Test
        void bigEndian() {
            expectError("be.gguf", w -> w.header(Integer.reverseBytes(3), 0, 0), "big-endian");
        }

        @Test
        void truncatedHeader() {
            expectError("short.gguf", w -> w.u32(GgufFile.MAGIC).u32(3).u32(0), "tensor_count", "truncated");
        }

        @Test
        void emptyFile() {
            expectError("empty.gguf", w -> {}, "magic", "truncated");
        }

        @Test
        void absurdTensorCount() {
            expectError("count.gguf", w -> w.header(3, 1L << 40, 0), "tensor_count", "1099511627776", "impossible");
        }

        @Test
        void absurdKeyValueCount() {
            expectError("kvcount.gguf", w -> w.header(3, 0, 1000), "metadata_kv_count", "1000");
        }

        @Test
        void stringLengthBeyondFile() {
            expectError(
                    "strlen.gguf",
                    w -> w.header(3, 0, 1).kv("general.name", 8).u64(1000).bytes(new byte[4]),
                    "metadata 'general.name' length",
                    "1000");
        }

        @Test
        void keyLengthBeyondFile() {
            expectError(
                    "keylen.gguf",
                    w -> w.header(3, 0, 1).u64(500).bytes(new byte[20]),
                    "metadata key #0 length",
                    "500");
        }

        @Test
        void invalidUtf8() {
            expectError(
                    "utf8.gguf",
                    w -> w.header(3, 0, 1).kv("k", 8).u64(2).bytes(new byte[] {(byte) 0xC3, 0x28}),
                    "metadata 'k'",
                    "UTF-8");
        }

        @Test
        void unknownValueType() {
            expectError(
                    "vtype.gguf", w -> w.header(3, 0, 1).kv("k", 13).u32(0), "metadata 'k'", "unknown value type 13");
        }

        @Test
        void badBool() {
            expectError("bool.gguf", w -> w.header(3, 0, 1).kv("flag", 7).u8(2), "metadata 'flag'", "bool byte is 2");
        }

        @Test
        void arrayLengthBeyondFile() {
            expectError(
                    "arr.gguf",
                    w -> w.header(3, 0, 1).kv("tokens", 9).u32(8).u64(1L << 33),
                    "'tokens' array length",
                    "8589934592");
        }

        @Test
        void duplicateKey() {
            expectError(
                    "dup.gguf",
                    w -> w.header(3, 0, 2).kv("k", 4).u32(1).kv("k", 4).u32(2),
                    "'k' appears twice");
        }

        @Test
        void alignmentNotPowerOfTwo() {
            expectError(
                    "align.gguf",
                    w -> w.header(3, 0, 1).kv("general.alignment", 4).u32(24),
                    "general.alignment",
                    "24");
        }

        @Test
        void unknownGgmlType() {
            expectError(
                    "type.gguf",
                    w -> w.header(3, 1, 0)
                            .tensor("blk.0.weird", new long[] {4}, 31, 0)
                            .pad(32)
                            .bytes(new byte[16]),
                    "tensor 'blk.0.weird'",
                    "unknown ggml type id 31");
        }

        @Test
        void tooManyDims() {
            expectError(
                    "dims.gguf",
                    w -> w.header(3, 1, 0).tensor("t", new long[] {1, 1, 1, 1, 1}, 0, 0),
                    "tensor 't'",
                    "n_dims 5");
        }

        @Test
        void tensorOffsetOutOfRange() {
            expectError(
                    "offset.gguf",
                    w -> w.header(3, 1, 0)
                            .tensor("output.weight", new long[] {8, 2}, 0, 4096)
                            .pad(32)
                            .bytes(new byte[64]),
                    "tensor 'output.weight'",
                    "offset 4096",
                    "beyond the end of the file");
        }

        @Test
        void tensorDataTruncated() {
            expectError(
                    "trunc.gguf",
                    w -> w.header(3, 1, 0)
                            .tensor("t", new long[] {64}, 0, 0)
                            .pad(32)
                            .bytes(new byte[100]),
                    "tensor 't'",
                    "256 bytes",
                    "beyond the end of the file");
        }

        @Test
        void tensorOffsetMisaligned() {
            expectError(
                    "misaligned.gguf",
                    w -> w.header(3, 1, 0)
                            .tensor("t", new long[] {2}, 0, 4)
                            .pad(32)
                            .bytes(new byte[64]),
                    "tensor 't'",
                    "offset 4",
                    "alignment 32");
        }

        @Test
        void rowNotWholeBlocks() {
            expectError(
                    "blocks.gguf",
                    w -> w.header(3, 1, 0)
                            .tensor("q", new long[] {16, 2}, 8, 0)
                            .pad(32)
                            .bytes(new byte[68]),
                    "tensor 'q'",
                    "dims[0] = 16",
                    "Q8_0 block size 32");
        }

        @Test
        void overlappingTensors() {
            expectError(
                    "overlap.gguf",
                    w -> w.header(3, 2, 0)
                            .tensor("a", new long[] {16}, 0, 0)
                            .tensor("b", new long[] {16}, 0, 32)
                            .pad(32)
                            .bytes(new byte[96]),
                    "tensor 'b'",
                    "overlaps tensor 'a'");
        }

        @Test
        void duplicateTensorName() {
            expectError(
                    "duptensor.gguf",
                    w -> w.header(3, 2, 0)
                            .tensor("a", new long[] {8}, 0, 0)
                            .tensor("a", new long[] {8}, 0, 32)
                            .pad(32)
                            .bytes(new byte[64]),
                    "tensor 'a' appears twice");
        }

        private void expectError(String name, Consumer<Writer> content, String... fragments) {
            Writer w = new Writer();
            content.accept(w);
            Path f = w.write(dir.resolve(name));
            assertThatThrownBy(() -> GgufFile.open(f).close())
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageStartingWith(f + ": ")
                    .hasMessageContainingAll(fragments);
        }
    }

    /** Writes GGUF bytes field by field, so tests can also write broken files. */
    public static final class Writer {
        private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);

        /** magic, version, tensor_count, metadata_kv_count. */
        public Writer header(int version, long tensorCount, long kvCount) {
            return u32(GgufFile.MAGIC).u32(version).u64(tensorCount).u64(kvCount);
        }

        /** A key and its value type; the caller writes the value. */
        public Writer kv(String key, int valueType) {
            return str(key).u32(valueType);
        }

        /** name, n_dims, dims, type, offset (relative to the data start). */
        public Writer tensor(String name, long[] dims, int type, long offset) {
            str(name).u32(dims.length);
            for (long d : dims) {
                u64(d);
            }
            return u32(type).u64(offset);
        }

        public Writer str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).bytes(b);
        }

        public Writer u8(int v) {
            room(1).put((byte) v);
            return this;
        }

        public Writer u16(int v) {
            room(2).putShort((short) v);
            return this;
        }

        public Writer u32(long v) {
            room(4).putInt((int) v);
            return this;
        }

        public Writer u64(long v) {
            room(8).putLong(v);
            return this;
        }

        public Writer f32(float v) {
            room(4).putFloat(v);
            return this;
        }

        public Writer f64(double v) {
            room(8).putDouble(v);
            return this;
        }

        public Writer bytes(byte[] b) {
            room(b.length).put(b);
            return this;
        }

        public Writer pad(int alignment) {
            while (buf.position() % alignment != 0) {
                u8(0);
            }
            return this;
        }

        public int size() {
            return buf.position();
        }

        public Path write(Path file) {
            try {
                return Files.write(file, Arrays.copyOf(buf.array(), buf.position()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private ByteBuffer room(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n))
                        .order(ByteOrder.LITTLE_ENDIAN);
                bigger.put(buf.flip());
                buf = bigger;
            }
            return buf;
        }
    }
}
