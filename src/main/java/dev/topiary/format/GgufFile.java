// GgufFile: reads a GGUF model file (v2/v3): metadata, tensor infos, and the tensor data mapped in place.
package dev.topiary.format;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A GGUF file, opened read-only and memory-mapped (files over 2 GiB work).
 *
 * <p>Layout (little-endian; llama.cpp's gguf.h and docs/gguf.md), read in this order:
 * <pre>
 * struct gguf_file {
 *     uint32 magic;               // "GGUF" = bytes 47 47 55 46
 *     uint32 version;             // 2 or 3 (v1 used 32-bit counts and is not read)
 *     uint64 tensor_count;
 *     uint64 metadata_kv_count;
 *     gguf_metadata_kv metadata[metadata_kv_count];
 *     gguf_tensor_info tensor_infos[tensor_count];
 *     uint8  padding[];           // up to a multiple of general.alignment (default 32)
 *     uint8  tensor_data[];       // each tensor at data_start + its offset, offsets aligned
 * }
 * struct gguf_string      { uint64 len; char utf8[len]; }
 * struct gguf_metadata_kv { gguf_string key; uint32 value_type; value; }
 *     // value_type: 0 uint8, 1 int8, 2 uint16, 3 int16, 4 uint32, 5 int32, 6 float32, 7 bool,
 *     //             8 string, 9 array { uint32 type; uint64 n; values[n] }, 10 uint64, 11 int64, 12 float64
 * struct gguf_tensor_info { gguf_string name; uint32 n_dims; uint64 dims[n_dims]; uint32 ggml_type; uint64 offset; }
 * </pre>
 *
 * <p>Metadata values appear in {@link #metadata()} as {@code String}, {@code Long} (every integer
 * type; uint64 above {@code Long.MAX_VALUE} keeps its bits), {@code Double} (float32/64),
 * {@code Boolean}, or {@code List<Object>} for arrays. Numeric arrays are kept in primitive form;
 * {@link #intArray}, {@link #floatArray} and {@link #stringArray} read them without boxing.
 *
 * <p>Every problem with the bytes is a {@link ModelFormatException} naming the file, the key or
 * tensor, and the offending value.
 */
public final class GgufFile implements AutoCloseable {
    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;

    static final int DEFAULT_ALIGNMENT = 32;
    /** GGML_MAX_DIMS. */
    private static final int MAX_DIMS = 4;
    /** Nesting limit for arrays of arrays, so a hostile file cannot recurse deeply. */
    private static final int MAX_ARRAY_DEPTH = 8;
    /** Smallest possible tensor info: name length, n_dims, type, offset. */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;
    /** Smallest possible key/value: key length, value type, one byte of value. */
    private static final int MIN_KV_BYTES = 8 + 4 + 1;

    private static final ValueLayout.OfShort F16_LAYOUT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32_LAYOUT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * One tensor's description.
     *
     * @param dims     sizes in GGUF order: {@code dims[0]} varies fastest, so a matrix is
     *                 {@code [cols, rows]} (e.g. token_embd.weight of a 512-token, 64-wide model is [64, 512])
     * @param offset   absolute byte offset of the data in the file
     * @param byteSize bytes the data takes
     */
    public record TensorInfo(String name, long[] dims, GgmlType type, long offset, long byteSize) {
        public TensorInfo {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }

        /** Number of elements (product of the dims; 1 for a scalar). */
        public long elementCount() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(dims) + " " + type + " @" + offset + " (" + byteSize + " bytes)";
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final int version;
    private final Map<String, Object> metadata;
    private final int alignment;
    private final long dataStart;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> tensorsByName;

    private GgufFile(Path path, Arena arena, MemorySegment data) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        GgufCursor c = new GgufCursor(path, data);
        this.version = readHeader(c); // uint32 magic, version
        long tensorCount = c.count("tensor_count", MIN_TENSOR_INFO_BYTES); // uint64 tensor_count
        long kvCount = c.count("metadata_kv_count", MIN_KV_BYTES); // uint64 metadata_kv_count
        this.metadata = Collections.unmodifiableMap(readMetadata(c, kvCount)); // gguf_metadata_kv[kv_count]
        this.alignment = readAlignment();
        List<PendingTensor> pending = readTensorInfos(c, tensorCount); // gguf_tensor_info[tensor_count]
        this.dataStart = alignUp(c.position(), alignment); // padding, then tensor_data
        this.tensors = List.copyOf(placeTensors(pending));
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = Collections.unmodifiableMap(byName);
    }

    /**
     * Opens and validates {@code file}; the data stays mapped until {@link #close()}.
     *
     * @throws ModelFormatException when the file is not a readable GGUF v2/v3 file
     * @throws IOException          when it cannot be read at all
     */
    public static GgufFile open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new GgufFile(file, arena, seg);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    // ---- header ----

    private static int readHeader(GgufCursor c) {
        int magic = c.i32("magic"); // uint32 magic
        if (magic != MAGIC) {
            throw c.error("bad magic 0x" + Integer.toHexString(Integer.reverseBytes(magic))
                    + " (expected 0x47475546, \"GGUF\"): not a GGUF file");
        }
        int version = c.i32("version"); // uint32 version
        if (version == 1) {
            throw c.error("GGUF version 1 is not supported (it uses 32-bit counts; re-convert the model to v3)");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? " (a big-endian GGUF file, which is not supported)"
                    : "";
            throw c.error("unsupported GGUF version " + Integer.toUnsignedString(version) + hint);
        }
        return version;
    }

    // ---- metadata ----

    private static Map<String, Object> readMetadata(GgufCursor c, long kvCount) {
        Map<String, Object> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = c.string("metadata key #" + i); // gguf_string key
            int type = c.i32("metadata '" + key + "' value type"); // uint32 value_type
            Object value = readValue(c, type, key, 0); // the value
            if (kv.put(key, value) != null) {
                throw c.error("metadata key '" + key + "' appears twice");
            }
        }
        return kv;
    }

    private static Object readValue(GgufCursor c, int type, String key, int depth) {
        String what = "metadata '" + key + "'";
        return switch (type) {
            case 0, 1, 2, 3, 4, 5, 10, 11 -> readInteger(c, type, what);
            case 6 -> (double) c.f32(what); // float32
            case 7 -> readBool(c, what); // bool: one byte, 0 or 1
            case 8 -> c.string(what); // string
            case 9 -> readArray(c, key, depth); // array
            case 12 -> c.f64(what); // float64
            default -> throw c.error(what + ": unknown value type " + Integer.toUnsignedString(type));
        };
    }

    private static long readInteger(GgufCursor c, int type, String what) {
        return switch (type) {
            case 0 -> Byte.toUnsignedInt(c.i8(what)); // uint8
            case 1 -> c.i8(what); // int8
            case 2 -> Short.toUnsignedInt(c.i16(what)); // uint16
            case 3 -> c.i16(what); // int16
            case 4 -> c.u32(what); // uint32
            case 5 -> c.i32(what); // int32
            default -> c.i64(what); // 10 uint64, 11 int64
        };
    }

    private static boolean readBool(GgufCursor c, String what) {
        byte b = c.i8(what);
        if (b != 0 && b != 1) {
            throw c.error(what + ": bool byte is " + b + ", not 0 or 1");
        }
        return b == 1;
    }

    /** array: {@code uint32 element_type; uint64 n; values[n]}. */
    private static List<Object> readArray(GgufCursor c, String key, int depth) {
        String what = "metadata '" + key + "'";
        if (depth >= MAX_ARRAY_DEPTH) {
            throw c.error(what + ": arrays nested deeper than " + MAX_ARRAY_DEPTH);
        }
        int type = c.i32(what + " array element type"); // uint32 element type
        int elementBytes = switch (type) {
            case 0, 1, 7 -> 1;
            case 2, 3 -> 2;
            case 4, 5, 6 -> 4;
            case 8, 10, 11, 12 -> 8;
            case 9 -> 12;
            default -> throw c.error(what + ": unknown array element type " + Integer.toUnsignedString(type));
        };
        long n = c.count(what + " array length", elementBytes); // uint64 n
        if (n > Integer.MAX_VALUE - 8) {
            throw c.error(what + ": array length " + n + " is too long");
        }
        return switch (type) {
            case 0, 1, 2, 3, 4, 5, 10, 11 -> new LongList(readLongs(c, type, key, (int) n));
            case 6, 12 -> new DoubleList(readDoubles(c, type, key, (int) n));
            default -> readObjects(c, type, key, (int) n, depth);
        };
    }

    private static long[] readLongs(GgufCursor c, int type, String key, int n) {
        String what = "metadata '" + key + "' element";
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = readInteger(c, type, what);
        }
        return out;
    }

    private static double[] readDoubles(GgufCursor c, int type, String key, int n) {
        String what = "metadata '" + key + "' element";
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = type == 6 ? c.f32(what) : c.f64(what);
        }
        return out;
    }

    private static List<Object> readObjects(GgufCursor c, int type, String key, int n, int depth) {
        List<Object> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(readValue(c, type, key + "[" + i + "]", depth + 1));
        }
        return Collections.unmodifiableList(out);
    }

    private int readAlignment() {
        long a = getLong("general.alignment", DEFAULT_ALIGNMENT);
        if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
            throw new ModelFormatException(path, "metadata 'general.alignment' = " + a + " is not a power of two");
        }
        return (int) a;
    }

    // ---- tensor infos ----

    /** A tensor info before its offset is made absolute. */
    private record PendingTensor(String name, long[] dims, GgmlType type, long relativeOffset, long byteSize) {}

    private static List<PendingTensor> readTensorInfos(GgufCursor c, long count) {
        List<PendingTensor> out = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            out.add(readTensorInfo(c, i));
        }
        return out;
    }

    /** gguf_tensor_info: {@code string name; uint32 n_dims; uint64 dims[n_dims]; uint32 type; uint64 offset}. */
    private static PendingTensor readTensorInfo(GgufCursor c, long index) {
        String name = c.string("tensor #" + index + " name"); // gguf_string name
        String what = "tensor '" + name + "'";
        long nDims = c.u32(what + " n_dims"); // uint32 n_dims
        if (nDims > MAX_DIMS) {
            throw c.error(what + ": n_dims " + nDims + " exceeds " + MAX_DIMS);
        }
        long[] dims = new long[(int) nDims];
        for (int d = 0; d < nDims; d++) {
            dims[d] = c.i64(what + " dims[" + d + "]"); // uint64 dims[d]
            if (dims[d] < 0) {
                throw c.error(
                        what + ": dims[" + d + "] = " + Long.toUnsignedString(dims[d]) + " is negative or absurd");
            }
        }
        GgmlType type = GgmlType.fromId(c.u32(what + " type"), c.file(), name); // uint32 ggml_type
        long offset = c.i64(what + " offset"); // uint64 offset, from data start
        return new PendingTensor(name, dims, type, offset, byteSize(c, what, dims, type));
    }

    private static long byteSize(GgufCursor c, String what, long[] dims, GgmlType type) {
        long elements = 1;
        try {
            for (long d : dims) {
                elements = Math.multiplyExact(elements, d);
            }
            if (dims.length > 0 && dims[0] % type.blockSize() != 0) {
                throw c.error(what + ": dims[0] = " + dims[0] + " is not a multiple of the " + type + " block size "
                        + type.blockSize());
            }
            return type.byteSize(elements);
        } catch (ArithmeticException e) {
            throw c.error(what + ": dims " + Arrays.toString(dims) + " overflow 64-bit sizes");
        }
    }

    private List<TensorInfo> placeTensors(List<PendingTensor> pending) {
        List<TensorInfo> out = new ArrayList<>(pending.size());
        Set<String> names = new HashSet<>();
        for (PendingTensor p : pending) {
            if (!names.add(p.name())) {
                throw new ModelFormatException(path, "tensor '" + p.name() + "' appears twice");
            }
            out.add(place(p));
        }
        checkNoOverlap(out);
        return out;
    }

    /** Makes the offset absolute; it must be aligned and the data must lie inside the file. */
    private TensorInfo place(PendingTensor p) {
        String what = "tensor '" + p.name() + "'";
        long rel = p.relativeOffset();
        if (rel < 0 || rel % alignment != 0) {
            throw new ModelFormatException(
                    path,
                    what + ": offset " + Long.toUnsignedString(rel) + " is not a multiple of the alignment "
                            + alignment);
        }
        long fileSize = data.byteSize();
        boolean fits = rel <= fileSize && dataStart + rel <= fileSize - p.byteSize();
        if (p.byteSize() > 0 && !fits) {
            throw new ModelFormatException(
                    path,
                    what + ": data at offset " + rel + " (absolute " + (dataStart + rel) + ") + " + p.byteSize()
                            + " bytes lies beyond the end of the file (" + fileSize + " bytes)");
        }
        return new TensorInfo(p.name(), p.dims(), p.type(), dataStart + rel, p.byteSize());
    }

    private void checkNoOverlap(List<TensorInfo> list) {
        List<TensorInfo> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingLong(TensorInfo::offset));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (a.byteSize() > 0 && a.offset() + a.byteSize() > b.offset()) {
                throw new ModelFormatException(
                        path,
                        "tensor '" + b.name() + "' at " + b.offset() + " overlaps tensor '" + a.name() + "' ("
                                + a.offset() + " + " + a.byteSize() + " bytes)");
            }
        }
    }

    private static long alignUp(long x, long a) {
        return (x + a - 1) / a * a;
    }

    // ---- accessors ----

    public Path path() {
        return path;
    }

    /** 2 or 3. */
    public int version() {
        return version;
    }

    /** general.alignment, or 32. */
    public int alignment() {
        return alignment;
    }

    /** Absolute offset where tensor data starts (tensor offsets in the file are relative to it). */
    public long dataStart() {
        return dataStart;
    }

    /** All metadata, in file order; see the class comment for the value types. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    /** The string value of {@code key}; fails when it is missing or not a string. */
    public String string(String key) {
        return optionalString(key).orElseThrow(() -> missing(key, "a string"));
    }

    /** The string value of {@code key}, empty when absent; fails when present but not a string. */
    public Optional<String> optionalString(String key) {
        return Optional.ofNullable(typed(key, String.class, "a string"));
    }

    /** An integer value (any GGUF integer type), or {@code dflt} when absent. */
    public long getLong(String key, long dflt) {
        Long v = typed(key, Long.class, "an integer");
        return v == null ? dflt : v;
    }

    /** A float or integer value, or {@code dflt} when absent. */
    public double getDouble(String key, double dflt) {
        Number v = typed(key, Number.class, "a number");
        return v == null ? dflt : v.doubleValue();
    }

    /** A bool value, or {@code dflt} when absent. */
    public boolean getBoolean(String key, boolean dflt) {
        Boolean v = typed(key, Boolean.class, "a bool");
        return v == null ? dflt : v;
    }

    /** An array of strings; fails when missing or of another element type. */
    @SuppressWarnings("unchecked")
    public List<String> stringArray(String key) {
        List<?> list = array(key);
        if (list instanceof LongList
                || list instanceof DoubleList
                || !list.isEmpty() && !(list.getFirst() instanceof String)) {
            throw wrongType(key, "an array of strings");
        }
        return (List<String>) list;
    }

    /** An array of float32/float64 (or integers), as floats. */
    public float[] floatArray(String key) {
        List<?> list = array(key);
        if (list instanceof DoubleList d) {
            float[] out = new float[d.values.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) d.values[i];
            }
            return out;
        }
        if (list instanceof LongList l) {
            float[] out = new float[l.values.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = l.values[i];
            }
            return out;
        }
        return emptyOr(list, key, "an array of numbers", new float[0]);
    }

    /** An array of integers that all fit in an int. */
    public int[] intArray(String key) {
        List<?> list = array(key);
        if (!(list instanceof LongList l)) {
            return emptyOr(list, key, "an array of integers", new int[0]);
        }
        int[] out = new int[l.values.length];
        for (int i = 0; i < out.length; i++) {
            long v = l.values[i];
            if (v != (int) v) {
                throw new ModelFormatException(
                        path, "metadata '" + key + "'[" + i + "] = " + v + " does not fit in an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    private <T> T emptyOr(List<?> list, String key, String expected, T empty) {
        if (!list.isEmpty()) {
            throw wrongType(key, expected);
        }
        return empty;
    }

    private List<?> array(String key) {
        List<?> v = typed(key, List.class, "an array");
        if (v == null) {
            throw missing(key, "an array");
        }
        return v;
    }

    private <T> T typed(String key, Class<T> type, String expected) {
        Object v = metadata.get(key);
        if (v != null && !type.isInstance(v)) {
            throw wrongType(key, expected);
        }
        return type.cast(v);
    }

    private ModelFormatException missing(String key, String expected) {
        return new ModelFormatException(path, "metadata key '" + key + "' (" + expected + ") is missing");
    }

    private ModelFormatException wrongType(String key, String expected) {
        return new ModelFormatException(
                path, "metadata '" + key + "' should be " + expected + " but is " + describe(metadata.get(key)));
    }

    private static String describe(Object v) {
        if (v instanceof List<?> l) {
            String element = l.isEmpty() ? "" : " of " + l.getFirst().getClass().getSimpleName();
            return "an array of " + l.size() + element;
        }
        String s = String.valueOf(v);
        return v.getClass().getSimpleName() + " " + (s.length() > 60 ? s.substring(0, 60) + "..." : s);
    }

    // ---- tensors ----

    /** Tensor infos in file order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    public Optional<TensorInfo> tensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    /** The raw bytes of a tensor, as a slice of the mapping (valid until {@link #close()}). */
    public MemorySegment tensorData(String name) {
        TensorInfo t = requireTensor(name);
        return data.asSlice(t.offset(), t.byteSize());
    }

    /**
     * The tensor's elements as fp32, in file order (dims[0] fastest: a [rows = dims[1], cols = dims[0]]
     * matrix comes out row-major). F32, F16, BF16 and Q8_0 are supported.
     */
    public float[] readFloats(String name) {
        TensorInfo t = requireTensor(name);
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(path, "tensor '" + name + "': " + n + " elements do not fit in a float[]");
        }
        MemorySegment src = tensorData(name);
        float[] out = new float[(int) n];
        switch (t.type()) {
            case F32 -> MemorySegment.copy(src, F32_LAYOUT, 0, out, 0, out.length);
            case F16 -> readF16(src, out);
            case BF16 -> readBf16(src, out);
            case Q8_0 -> readQ8_0(src, out);
            default ->
                throw new ModelFormatException(
                        path,
                        "tensor '" + name + "': type " + t.type()
                                + " cannot be read as floats (supported: F32, F16, BF16, Q8_0)");
        }
        return out;
    }

    private TensorInfo requireTensor(String name) {
        TensorInfo t = tensorsByName.get(name);
        if (t == null) {
            throw new ModelFormatException(path, "no tensor named '" + name + "'");
        }
        return t;
    }

    private static void readF16(MemorySegment src, float[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.float16ToFloat(src.get(F16_LAYOUT, 2L * i));
        }
    }

    /** bfloat16 is the top half of a float32. */
    private static void readBf16(MemorySegment src, float[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.intBitsToFloat(src.get(F16_LAYOUT, 2L * i) << 16);
        }
    }

    /** block_q8_0 { fp16 d; int8 qs[32]; }: x[i] = d * qs[i]. */
    private static void readQ8_0(MemorySegment src, float[] out) {
        int blockSize = GgmlType.Q8_0.blockSize();
        for (int b = 0; b < out.length / blockSize; b++) {
            long base = (long) b * GgmlType.Q8_0.bytesPerBlock();
            float d = Float.float16ToFloat(src.get(F16_LAYOUT, base));
            for (int i = 0; i < blockSize; i++) {
                out[b * blockSize + i] = d * src.get(ValueLayout.JAVA_BYTE, base + 2 + i);
            }
        }
    }

    /** Unmaps the file; metadata and tensor infos stay readable, tensor data does not. */
    @Override
    public void close() {
        arena.close();
    }

    // ---- primitive-backed metadata arrays ----

    /** An integer array, stored as long[] and seen as a List of Long. */
    private static final class LongList extends AbstractList<Object> {
        final long[] values;

        LongList(long[] values) {
            this.values = values;
        }

        @Override
        public Object get(int i) {
            return values[i];
        }

        @Override
        public int size() {
            return values.length;
        }
    }

    /** A float array, stored as double[] and seen as a List of Double. */
    private static final class DoubleList extends AbstractList<Object> {
        final double[] values;

        DoubleList(double[] values) {
            this.values = values;
        }

        @Override
        public Object get(int i) {
            return values[i];
        }

        @Override
        public int size() {
            return values.length;
        }
    }
}
