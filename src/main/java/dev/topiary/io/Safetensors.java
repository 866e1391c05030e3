package dev.topiary.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.format.AtomicFiles;
import dev.topiary.format.ModelFormatException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader and writer for the safetensors format (https://github.com/huggingface/safetensors).
 *
 * <pre>
 *   u64 LE   N                    length of the JSON header
 *   u8[N]    header               {"name": {"dtype": "F32", "shape": [r, c], "data_offsets": [b, e]}, ...,
 *                                  "__metadata__": {"format": "pt"}}   (padded with spaces)
 *   u8[...]  data section         offsets are relative to its start; tensors must not overlap
 * </pre>
 *
 * The file is memory-mapped as one {@link MemorySegment} (long offsets, so files over 2 GiB work).
 * Every header is validated before any tensor is read; each failure is a {@link ModelFormatException}
 * naming the file, the tensor and the value.
 */
public final class Safetensors implements AutoCloseable {
    /** Headers larger than this are rejected (the format's own reference implementation uses 100 MB). */
    static final long MAX_HEADER = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    private final Path file;
    private final Arena arena;
    private final MemorySegment data; // the data section only
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private Safetensors(
            Path file, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static Safetensors open(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
        }
        if (size < 8)
            throw new ModelFormatException(
                    file, "truncated: " + size + " bytes, shorter than the 8-byte header length");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen < 2 || headerLen > MAX_HEADER)
                throw new ModelFormatException(
                        file,
                        "header length " + Long.toUnsignedString(headerLen) + " is out of bounds (2 .. " + MAX_HEADER
                                + ")");
            if (8 + headerLen > size)
                throw new ModelFormatException(
                        file,
                        "header length " + headerLen + " runs past the end of the file (" + size
                                + " bytes): truncated file?");
            byte[] header = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = all.asSlice(8 + headerLen);
            var parsed = parseHeader(file, new String(header, StandardCharsets.UTF_8), data.byteSize());
            return new Safetensors(file, arena, data, parsed.tensors, parsed.metadata);
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException(file, "cannot map: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

    private static Header parseHeader(Path file, String json, long dataBytes) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file, "header is not a JSON object");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new ModelFormatException(file, "__metadata__ is not an object");
                v.fields()
                        .forEachRemaining(
                                m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, parseTensor(file, name, v, dataBytes));
        }
        // Offsets must tile the data section without overlaps.
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo a = byOffset.get(i - 1), b = byOffset.get(i);
            if (b.begin() < a.end())
                throw new ModelFormatException(
                        file,
                        "tensor '" + b.name() + "': data_offsets [" + b.begin() + ", " + b.end() + "] overlap tensor '"
                                + a.name() + "' [" + a.begin() + ", " + a.end() + "]");
        }
        return new Header(tensors, metadata);
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode v, long dataBytes) {
        String where = "tensor '" + name + "': ";
        if (!v.isObject()) throw new ModelFormatException(file, where + "entry is not an object");
        JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw new ModelFormatException(file, where + "missing field 'dtype'");
        DType dtype = DType.parse(dt.asText());
        if (dtype == null)
            throw new ModelFormatException(
                    file, where + "dtype '" + dt.asText() + "' is not supported (F32, F16, BF16)");
        if (sh == null || !sh.isArray()) throw new ModelFormatException(file, where + "missing field 'shape'");
        long[] shape = new long[sh.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0)
                throw new ModelFormatException(file, where + "shape " + sh + " has an invalid dimension " + d);
            shape[i] = d.asLong();
        }
        long bytes;
        try {
            for (long d : shape) elements = Math.multiplyExact(elements, d);
            bytes = Math.multiplyExact(elements, (long) dtype.bytes);
        } catch (ArithmeticException e) {
            throw new ModelFormatException(file, where + "shape " + sh + " overflows 64-bit sizes");
        }
        if (off == null
                || !off.isArray()
                || off.size() != 2
                || !off.get(0).canConvertToLong()
                || !off.get(1).canConvertToLong())
            throw new ModelFormatException(file, where + "field 'data_offsets' must be two integers, got " + off);
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin)
            throw new ModelFormatException(
                    file, where + "data_offsets [" + begin + ", " + end + "] are not an increasing pair");
        if (end > dataBytes)
            throw new ModelFormatException(
                    file,
                    where + "data_offsets [" + begin + ", " + end + "] end beyond the data section (" + dataBytes
                            + " bytes): truncated file?");
        if (end - begin != bytes)
            throw new ModelFormatException(
                    file,
                    where + "dtype " + dtype + " x shape " + Arrays.toString(shape) + " = " + bytes
                            + " bytes, but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    public Path file() {
        return file;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new ModelFormatException(file, "no tensor named '" + name + "'");
        return t;
    }

    /** The tensor in its stored type over the mapping (valid until {@link #close()}); nothing is read. */
    public dev.topiary.tensor.Tensor tensor(String name) {
        TensorInfo t = info(name);
        return dev.topiary.tensor.Tensor.of(
                t.dtype().weightType(), data.asSlice(t.begin(), t.end() - t.begin()), t.shape());
    }

    /** The tensor's stored bytes over the mapping (valid until {@link #close()}); nothing is read. */
    public MemorySegment bytes(String name) {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.end() - t.begin());
    }

    /** The tensor's elements converted to fp32, in the file's (row-major) order. */
    public float[] readFloats(String name) {
        TensorInfo t = info(name);
        long n = t.elements();
        if (n > Integer.MAX_VALUE - 8)
            throw new ModelFormatException(
                    file, "tensor '" + name + "' has " + n + " elements, more than one Java array holds");
        float[] out = new float[(int) n];
        MemorySegment s = data.asSlice(t.begin(), t.end() - t.begin());
        switch (t.dtype()) {
            case F32 ->
                MemorySegment.copy(
                        s, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, out, 0, out.length);
            case BF16 -> {
                var layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < out.length; i++) out[i] = DType.bf16ToFloat(s.getAtIndex(layout, i));
            }
            case F16 -> {
                var layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < out.length; i++) out[i] = Float.float16ToFloat(s.getAtIndex(layout, i));
            }
        }
        return out;
    }

    @Override
    public void close() {
        arena.close();
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /** One tensor to write: fp32 values stored as {@code dtype}, with the given shape. */
    public record Entry(String name, DType dtype, long[] shape, float[] values) {
        public Entry {
            long n = 1;
            for (long d : shape) n *= d;
            if (n != values.length)
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds "
                        + n + " values, got " + values.length);
        }
    }

    /**
     * Writes a safetensors file atomically (a temporary file beside it, then a rename). Tensors are
     * laid out in name order, the header is padded with spaces to a multiple of 8, metadata gets
     * {@code "format": "pt"} unless given.
     */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) throws IOException {
        Map<String, Entry> byName = new LinkedHashMap<>();
        List<Spec> specs = new ArrayList<>();
        for (Entry e : entries) {
            byName.put(e.name(), e);
            specs.add(new Spec(e.name(), e.dtype(), e.shape()));
        }
        write(file, specs, metadata, (spec, sink) -> {
            float[] v = byName.get(spec.name()).values();
            sink.floats(v, 0, v.length);
        });
    }

    /** A tensor to write: its name, stored type and shape; the bytes come from a {@link Body}. */
    public record Spec(String name, DType dtype, long[] shape) {
        public long elements() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        public long bytes() {
            return elements() * dtype.bytes;
        }
    }

    /** Produces each tensor's bytes, in the order the writer asks (name order), into a sink. */
    @FunctionalInterface
    public interface Body {
        void write(Spec spec, Sink sink) throws IOException;
    }

    /**
     * Where a tensor's bytes go: stored bytes as they are ({@link #raw}), or fp32 values encoded to
     * the tensor's type ({@link #floats}: round to nearest even for BF16/F16). Buffered; the writer
     * checks that each tensor got exactly its size.
     */
    public static final class Sink {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        /** All of buf's bytes from index 0 (MemorySegment.ofBuffer would start at its position). */
        private final MemorySegment whole = MemorySegment.ofArray(buf.array());

        private DType dtype;
        private long written;

        Sink(FileChannel ch) {
            this.ch = ch;
        }

        public void raw(MemorySegment bytes) throws IOException {
            long n = bytes.byteSize(), off = 0;
            while (off < n) {
                if (!buf.hasRemaining()) flush();
                int k = (int) Math.min(buf.remaining(), n - off);
                MemorySegment.copy(bytes, off, whole, buf.position(), k);
                buf.position(buf.position() + k);
                off += k;
            }
            written += n;
        }

        public void floats(float[] v, int off, int n) throws IOException {
            for (int i = off; i < off + n; i++) {
                if (buf.remaining() < 4) flush();
                switch (dtype) {
                    case F32 -> buf.putFloat(v[i]);
                    case BF16 -> buf.putShort(DType.floatToBf16(v[i]));
                    case F16 -> buf.putShort(Float.floatToFloat16(v[i]));
                }
            }
            written += (long) n * dtype.bytes;
        }

        void flush() throws IOException {
            writeFully(ch, buf.flip());
            buf.clear();
        }
    }

    /** Writes a safetensors file atomically, each tensor's bytes produced by {@code body}; see {@link #write(Path, List, Map)}. */
    public static void write(Path file, List<Spec> specs, Map<String, String> metadata, Body body) throws IOException {
        List<Spec> sorted = new ArrayList<>(specs);
        sorted.sort(Comparator.comparing(Spec::name));
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        if (metadata != null) m.putAll(metadata);
        m.forEach(meta::put);
        long offset = 0;
        for (Spec e : sorted) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype().name());
            var shape = t.putArray("shape");
            for (long d : e.shape()) shape.add(d);
            long bytes = e.bytes();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        AtomicFiles.write(file, tmp -> {
            try (FileChannel ch =
                    FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(padded)
                        .flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(headerBytes));
                Sink sink = new Sink(ch);
                for (Spec e : sorted) {
                    sink.dtype = e.dtype();
                    sink.written = 0;
                    body.write(e, sink);
                    if (sink.written != e.bytes())
                        throw new IllegalStateException("tensor '" + e.name() + "': " + sink.written
                                + " bytes produced, " + e.bytes() + " expected");
                }
                sink.flush();
                ch.force(true);
            }
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
