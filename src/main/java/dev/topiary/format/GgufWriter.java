// GgufWriter: writes a GGUF v3 file (metadata, tensor infos, aligned tensor data in F32, F16, BF16 or Q8_0),
// atomically.
package dev.topiary.format;

import dev.topiary.tensor.WeightType;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a GGUF v3 file in memory (metadata and references to the tensors' floats) and writes it in
 * one go to a temporary file beside the target, which is then renamed over it, so that a reader never
 * sees a half-written file.
 *
 * <p>Layout written (little-endian; the same structs as {@link GgufFile} reads):
 * <pre>
 * struct gguf_file {
 *     uint32 magic;               // "GGUF" = bytes 47 47 55 46
 *     uint32 version;             // 3
 *     uint64 tensor_count;
 *     uint64 metadata_kv_count;
 *     gguf_metadata_kv metadata[metadata_kv_count];   // in the order they were put
 *     gguf_tensor_info tensor_infos[tensor_count];    // in the order they were added
 *     uint8  padding[];           // zeros up to a multiple of 32 (general.alignment is not written: 32 is the default)
 *     uint8  tensor_data[];       // each tensor at data_start + its offset, offsets multiples of 32, zero padded
 * }
 * struct gguf_string      { uint64 len; char utf8[len]; }
 * struct gguf_metadata_kv { gguf_string key; uint32 value_type; value; }
 *     // value_type written: 4 uint32, 5 int32, 6 float32, 7 bool, 8 string,
 *     //                     9 array { uint32 type; uint64 n; values[n] } of strings, float32 or int32, 10 uint64
 * struct gguf_tensor_info { gguf_string name; uint32 n_dims; uint64 dims[n_dims]; uint32 ggml_type; uint64 offset; }
 * </pre>
 *
 * <p>Tensor types: {@link GgmlType#F32}, {@link GgmlType#F16} (IEEE half, round to nearest even) and
 * {@link GgmlType#Q8_0}: blocks of 32 values, each {@code block_q8_0 { fp16 d; int8 qs[32]; }} with
 * {@code d = max|x| / 127} and {@code qs[i] = round(x[i] / d)} (halves away from zero; 0 when the block is
 * all zeros), as llama.cpp's {@code quantize_row_q8_0_ref}. As in llama.cpp, Q8_0 is used only for 2-D
 * tensors whose rows ({@code dims[0]}) are a multiple of 32; any other tensor asked for in Q8_0 is written
 * as F32 ({@link #storedType}).
 */
public final class GgufWriter {
    /** Alignment of the tensor data: GGUF's default, so general.alignment need not be written. */
    public static final int ALIGNMENT = GgufFile.DEFAULT_ALIGNMENT;

    private static final int VERSION = 3;

    private record Value(int type, Object value) {}

    /** Produces a tensor's elements (dims[0] fastest) as fp32, in order, in any chunks. */
    @FunctionalInterface
    public interface Source {
        void write(FloatSink sink) throws IOException;
    }

    /** Takes fp32 values and stores them in the tensor's type. */
    public interface FloatSink {
        void accept(float[] values, int off, int n) throws IOException;
    }

    private record Tensor(String name, long[] dims, GgmlType type, long elements, Source source) {
        long byteSize() {
            return type.byteSize(elements);
        }
    }

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    // ---- metadata ----

    public GgufWriter putString(String key, String value) {
        return put(key, 8, requireNonNull(key, value));
    }

    /** A uint32; {@code value} must lie in [0, 2^32). */
    public GgufWriter putU32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL)
            throw new IllegalArgumentException(key + ": " + value + " does not fit in a uint32");
        return put(key, 4, value);
    }

    public GgufWriter putI32(String key, int value) {
        return put(key, 5, value);
    }

    public GgufWriter putF32(String key, float value) {
        return put(key, 6, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, 7, value);
    }

    /** A uint64 (the bits of {@code value}; negative values stand for those above {@code Long.MAX_VALUE}). */
    public GgufWriter putU64(String key, long value) {
        return put(key, 10, value);
    }

    public GgufWriter putStrings(String key, List<String> values) {
        List<String> copy = List.copyOf(requireNonNull(key, values));
        return put(key, 9, new Value(8, copy));
    }

    public GgufWriter putF32s(String key, float[] values) {
        return put(key, 9, new Value(6, requireNonNull(key, values).clone()));
    }

    public GgufWriter putI32s(String key, int[] values) {
        return put(key, 9, new Value(5, requireNonNull(key, values).clone()));
    }

    private GgufWriter put(String key, int type, Object value) {
        if (key == null || key.isEmpty()) throw new IllegalArgumentException("metadata key is empty");
        if (metadata.putIfAbsent(key, new Value(type, value)) != null)
            throw new IllegalArgumentException("metadata key '" + key + "' is put twice");
        return this;
    }

    private static <T> T requireNonNull(String key, T value) {
        if (value == null) throw new IllegalArgumentException("metadata '" + key + "': null value");
        return value;
    }

    // ---- tensors ----

    /**
     * The type a tensor of {@code dims} asked for in {@code requested} is stored in: Q8_0 only for 2-D
     * tensors whose {@code dims[0]} is a multiple of 32, else F32; F32 and F16 as asked.
     *
     * @throws IllegalArgumentException for types the writer cannot produce
     */
    public static GgmlType storedType(GgmlType requested, long[] dims) {
        return switch (requested) {
            case F32, F16, BF16 -> requested;
            case Q8_0 -> dims.length == 2 && dims[0] % GgmlType.Q8_0.blockSize() == 0 ? GgmlType.Q8_0 : GgmlType.F32;
            default ->
                throw new IllegalArgumentException(
                        "cannot write tensors of type " + requested + " (F32, F16, BF16, Q8_0)");
        };
    }

    /**
     * Adds a tensor. {@code data} (kept by reference until {@link #write}) holds the elements with
     * {@code dims[0]} fastest, i.e. a PyTorch (rows, cols) matrix row-major has {@code dims = [cols, rows]}.
     *
     * @return the type it will be stored in ({@link #storedType})
     */
    public GgmlType addTensor(String name, long[] dims, GgmlType type, float[] data) {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, Math.max(d, 0));
        if (n != data.length)
            throw new IllegalArgumentException(
                    name + ": dims " + Arrays.toString(dims) + " hold " + n + " values, got " + data.length);
        return addTensor(name, dims, type, sink -> sink.accept(data, 0, data.length));
    }

    /**
     * Adds a tensor whose values {@code source} produces when the file is written (streamed: a model
     * larger than memory can be exported from mapped weights).
     */
    public GgmlType addTensor(String name, long[] dims, GgmlType type, Source source) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor name is empty");
        if (dims.length == 0 || dims.length > 4)
            throw new IllegalArgumentException(name + ": " + dims.length + " dims (1..4)");
        long n = 1;
        for (long d : dims) {
            if (d <= 0)
                throw new IllegalArgumentException(name + ": dims " + Arrays.toString(dims) + " are not all positive");
            n = Math.multiplyExact(n, d);
        }
        GgmlType stored = storedType(type, dims);
        if (tensors.putIfAbsent(name, new Tensor(name, dims.clone(), stored, n, source)) != null)
            throw new IllegalArgumentException("tensor '" + name + "' is added twice");
        return stored;
    }

    // ---- writing ----

    /** Writes the file atomically ({@link AtomicFiles}): a temporary beside it, renamed when complete. */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, tmp -> {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                Out out = new Out(new BufferedOutputStream(os, 1 << 16));
                writeTo(out);
                out.flush();
            }
        });
    }

    private void writeTo(Out out) throws IOException {
        out.i32(GgufFile.MAGIC); // uint32 magic
        out.i32(VERSION); // uint32 version
        out.i64(tensors.size()); // uint64 tensor_count
        out.i64(metadata.size()); // uint64 metadata_kv_count
        for (Map.Entry<String, Value> kv : metadata.entrySet()) { // gguf_metadata_kv[kv_count]
            out.string(kv.getKey()); //   gguf_string key
            out.i32(kv.getValue().type()); //   uint32 value_type
            writeValue(out, kv.getValue().type(), kv.getValue().value()); // value
        }
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (Tensor t : tensors.values()) { // gguf_tensor_info[tensor_count]
            out.string(t.name()); //   gguf_string name
            out.i32(t.dims().length); //   uint32 n_dims
            for (long d : t.dims()) out.i64(d); //   uint64 dims[n_dims]
            out.i32(t.type().id()); //   uint32 ggml_type
            out.i64(offset); //   uint64 offset, from data start
            offsets.add(offset);
            offset = alignUp(offset + t.byteSize());
        }
        out.pad(); // padding to the alignment
        for (Tensor t : tensors.values()) { // tensor_data
            long start = out.written;
            Encoder enc = new Encoder(out, t.type());
            t.source().write(enc);
            enc.finish();
            if (out.written - start != t.byteSize())
                throw new IllegalStateException("tensor '" + t.name() + "': " + (out.written - start)
                        + " bytes produced, " + t.byteSize() + " expected");
            out.pad();
        }
    }

    private static void writeValue(Out out, int type, Object v) throws IOException {
        switch (type) {
            case 4, 5 -> out.i32(((Number) v).intValue()); // uint32 (low 32 bits), int32
            case 6 -> out.i32(Float.floatToRawIntBits((Float) v)); // float32
            case 7 -> out.i8((Boolean) v ? 1 : 0); // bool: one byte
            case 8 -> out.string((String) v); // string
            case 10 -> out.i64((Long) v); // uint64
            case 9 -> { // array: uint32 type; uint64 n; values
                Value a = (Value) v;
                out.i32(a.type());
                switch (a.type()) {
                    case 8 -> {
                        List<?> list = (List<?>) a.value();
                        out.i64(list.size());
                        for (Object s : list) out.string((String) s);
                    }
                    case 6 -> {
                        float[] f = (float[]) a.value();
                        out.i64(f.length);
                        for (float x : f) out.i32(Float.floatToRawIntBits(x));
                    }
                    case 5 -> {
                        int[] ints = (int[]) a.value();
                        out.i64(ints.length);
                        for (int x : ints) out.i32(x);
                    }
                    default -> throw new AssertionError(a.type());
                }
            }
            default -> throw new AssertionError(type);
        }
    }

    private static long alignUp(long x) {
        return (x + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Encodes fp32 values into a tensor's stored type, in chunks; Q8_0 in whole blocks of 32. */
    private static final class Encoder implements FloatSink {
        private final Out out;
        private final GgmlType type;
        private final ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private final float[] block = new float[32];
        private int pending;

        Encoder(Out out, GgmlType type) {
            this.out = out;
            this.type = type;
        }

        @Override
        public void accept(float[] values, int off, int n) throws IOException {
            for (int i = off; i < off + n; i++) {
                float v = values[i];
                switch (type) {
                    case F32 -> chunk.putFloat(v);
                    case F16 -> chunk.putShort(Float.floatToFloat16(v));
                    case BF16 -> chunk.putShort(WeightType.floatToBf16(v));
                    case Q8_0 -> {
                        block[pending++] = v;
                        if (pending == 32) {
                            chunk.put(quantizeQ8_0(block));
                            pending = 0;
                        }
                    }
                    default -> throw new AssertionError(type);
                }
                if (chunk.remaining() < 64) flush();
            }
        }

        void flush() throws IOException {
            out.os.write(chunk.array(), 0, chunk.position());
            out.written += chunk.position();
            chunk.clear();
        }

        void finish() throws IOException {
            if (pending != 0) throw new IllegalStateException("Q8_0 tensor ended inside a block of 32");
            flush();
        }
    }

    // ---- Q8_0 ----

    /**
     * Quantizes {@code x} (a multiple of 32 values) to Q8_0 blocks: per block {@code fp16 d = max|x| / 127}
     * (little-endian), then 32 int8 {@code round(x * (1/d))}, halves rounded away from zero (0 when d is 0).
     */
    public static byte[] quantizeQ8_0(float[] x) {
        int bs = GgmlType.Q8_0.blockSize(), bytes = GgmlType.Q8_0.bytesPerBlock();
        if (x.length % bs != 0)
            throw new IllegalArgumentException(x.length + " values are not a multiple of the Q8_0 block size 32");
        byte[] out = new byte[x.length / bs * bytes];
        for (int b = 0; b < x.length / bs; b++) {
            float amax = 0;
            for (int i = 0; i < bs; i++) amax = Math.max(amax, Math.abs(x[b * bs + i]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            short h = Float.floatToFloat16(d);
            int o = b * bytes;
            out[o] = (byte) h;
            out[o + 1] = (byte) (h >> 8);
            for (int i = 0; i < bs; i++) {
                float v = x[b * bs + i] * id;
                out[o + 2 + i] = (byte) (v < 0 ? -Math.round(-v) : Math.round(v));
            }
        }
        return out;
    }

    /** The inverse of {@link #quantizeQ8_0}: {@code x = fp16 d * qs[i]} (as {@link GgufFile#readFloats} reads it). */
    public static float[] dequantizeQ8_0(byte[] q) {
        int bs = GgmlType.Q8_0.blockSize(), bytes = GgmlType.Q8_0.bytesPerBlock();
        if (q.length % bytes != 0)
            throw new IllegalArgumentException(q.length + " bytes are not whole Q8_0 blocks of 34");
        float[] out = new float[q.length / bytes * bs];
        for (int b = 0; b < q.length / bytes; b++) {
            int o = b * bytes;
            float d = Float.float16ToFloat((short) ((q[o] & 0xFF) | (q[o + 1] << 8)));
            for (int i = 0; i < bs; i++) out[b * bs + i] = d * q[o + 2 + i];
        }
        return out;
    }

    // ---- little-endian output ----

    /** Little-endian primitive writes that count the bytes, for the padding. */
    private static final class Out {
        private final OutputStream os;
        private final byte[] buf = new byte[8];
        private long written;

        Out(OutputStream os) {
            this.os = os;
        }

        void i8(int v) throws IOException {
            os.write(v);
            written++;
        }

        void i32(int v) throws IOException {
            for (int i = 0; i < 4; i++) buf[i] = (byte) (v >>> (8 * i));
            os.write(buf, 0, 4);
            written += 4;
        }

        void i64(long v) throws IOException {
            for (int i = 0; i < 8; i++) buf[i] = (byte) (v >>> (8 * i));
            os.write(buf, 0, 8);
            written += 8;
        }

        void bytes(byte[] b) throws IOException {
            os.write(b);
            written += b.length;
        }

        /** gguf_string: uint64 len, then the UTF-8 bytes (no terminator). */
        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void pad() throws IOException {
            while (written % ALIGNMENT != 0) i8(0);
        }

        void flush() throws IOException {
            os.flush();
        }
    }
}
