package dev.topiary.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.format.ModelFormatException;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaTrain;
import dev.topiary.model.TensorKind;
import dev.topiary.model.Weights;
import dev.topiary.nn.KdLoss;
import dev.topiary.train.TokenDataset;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.IntConsumer;

/**
 * The teacher's top-k log-probabilities for every token of a dataset, written once and memory-
 * mapped by later runs, so distillation need not run the teacher again:
 * <pre>
 *   "TOPIARYKD1\n", u32 LE header length, JSON header {teacher_hash, data_fingerprint, k, tau,
 *   seq_len, sequences, vocab}, padded to 8 bytes, then per token (sequence-major, seq_len per sequence):
 *   k x i32 ids, k x f32 log-probabilities, f32 tail mass (1 - sum of the k probabilities)
 * </pre>
 * The key (hash of the teacher's weights, the data's fingerprint, k, tau, seq_len) must match, or
 * the file is refused with a message saying which part differs.
 */
public final class TeacherCache implements AutoCloseable {
    private static final byte[] MAGIC = "TOPIARYKD1\n".getBytes(StandardCharsets.US_ASCII);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public record Key(long teacherHash, long dataFingerprint, int k, float tau, int seqLen) {}

    public final Key key;
    private final Arena arena;
    private final MemorySegment records;
    private final int recordBytes;

    private TeacherCache(Key key, Arena arena, MemorySegment records) {
        this.key = key;
        this.arena = arena;
        this.records = records;
        this.recordBytes = 8 * key.k() + 4;
    }

    /**
     * FNV-1a over the config and every tensor's stored bytes, 4 at a time (for fp32 weights: each
     * float's bits), in storage order.
     */
    public static long hash(Weights w) {
        LlamaConfig c = w.config();
        long h = 1469598103934665603L ^ c.toHfJson("float32").toString().hashCode();
        var ints = java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (TensorKind k : TensorKind.STORAGE_ORDER) {
            if (!k.present(c)) continue;
            for (int l = 0; l < (k.perLayer ? c.layers() : 1); l++) {
                dev.topiary.tensor.Tensor t = w.tensor(k, l);
                if (t.array() != null) {
                    for (long i = 0; i < t.elements(); i++)
                        h = (h ^ Float.floatToRawIntBits(t.array()[t.arrayOffset() + (int) i])) * 1099511628211L;
                    continue;
                }
                java.lang.foreign.MemorySegment s = t.segment();
                long n = s.byteSize() / 4;
                for (long i = 0; i < n; i++) h = (h ^ s.get(ints, 4 * i)) * 1099511628211L;
                for (long i = 4 * n; i < s.byteSize(); i++)
                    h = (h ^ s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i)) * 1099511628211L;
            }
        }
        return h;
    }

    /** Opens a cache for this key, computing it first (one teacher pass) if the file does not exist. */
    public static TeacherCache openOrBuild(
            Path file, Key key, Weights teacher, TokenDataset data, int batch, IntConsumer progress)
            throws IOException {
        if (!Files.exists(file)) build(file, key, teacher, data, batch, progress);
        return open(file, key);
    }

    public static TeacherCache open(Path file, Key expected) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            byte[] magic =
                    all.asSlice(0, Math.min(MAGIC.length, all.byteSize())).toArray(ValueLayout.JAVA_BYTE);
            if (!java.util.Arrays.equals(magic, MAGIC))
                throw new ModelFormatException(file, "not a Topiary teacher cache (bad magic)");
            int len = all.get(I32, MAGIC.length);
            long start = align8(MAGIC.length + 4L + len);
            if (len <= 0 || start > all.byteSize())
                throw new ModelFormatException(file, "header length " + len + " out of range");
            JsonNode h = new ObjectMapper()
                    .readTree(new String(
                            all.asSlice(MAGIC.length + 4, len).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            Key found = new Key(
                    h.get("teacher_hash").asLong(),
                    h.get("data_fingerprint").asLong(),
                    h.get("k").asInt(),
                    (float) h.get("tau").asDouble(),
                    h.get("seq_len").asInt());
            if (!found.equals(expected))
                throw new ModelFormatException(
                        file,
                        "was made for another " + difference(found, expected)
                                + "; delete it or choose another --teacher-cache");
            long need = (long) h.get("sequences").asInt() * found.seqLen() * (8L * found.k() + 4);
            if (all.byteSize() - start != need)
                throw new ModelFormatException(
                        file,
                        "holds " + (all.byteSize() - start) + " bytes of records, the header implies " + need
                                + ": truncated?");
            return new TeacherCache(found, arena, all.asSlice(start));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static String difference(Key a, Key b) {
        if (a.teacherHash() != b.teacherHash()) return "teacher (its weights differ)";
        if (a.dataFingerprint() != b.dataFingerprint()) return "dataset";
        if (a.k() != b.k()) return "top-k (" + a.k() + ", now " + b.k() + ")";
        if (a.tau() != b.tau()) return "temperature (" + a.tau() + ", now " + b.tau() + ")";
        return "sequence length (" + a.seqLen() + ", now " + b.seqLen() + ")";
    }

    private static long align8(long n) {
        return (n + 7) / 8 * 8;
    }

    /** One teacher pass over every sequence of the dataset, written atomically. */
    static void build(Path file, Key key, Weights teacher, TokenDataset data, int batch, IntConsumer progress)
            throws IOException {
        int T = data.seqLen, V = teacher.config().vocab(), k = key.k(), n = data.sequences();
        ObjectNode h = new ObjectMapper()
                .createObjectNode()
                .put("teacher_hash", key.teacherHash())
                .put("data_fingerprint", key.dataFingerprint())
                .put("k", k)
                .put("tau", key.tau())
                .put("seq_len", T)
                .put("sequences", n)
                .put("vocab", V);
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        long start = align8(MAGIC.length + 4L + header.length), recordBytes = 8L * k + 4;
        dev.topiary.format.AtomicFiles.write(file, tmp -> {
            try {
                try (FileChannel ch = FileChannel.open(
                                tmp,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.READ,
                                StandardOpenOption.WRITE,
                                StandardOpenOption.TRUNCATE_EXISTING);
                        Arena arena = Arena.ofConfined()) {
                    MemorySegment out =
                            ch.map(FileChannel.MapMode.READ_WRITE, 0, start + (long) n * T * recordBytes, arena);
                    MemorySegment.copy(MemorySegment.ofArray(MAGIC), 0, out, 0, MAGIC.length);
                    out.set(I32, MAGIC.length, header.length);
                    MemorySegment.copy(MemorySegment.ofArray(header), 0, out, MAGIC.length + 4, header.length);
                    LlamaTrain.Activations a = new LlamaTrain.Activations(teacher.config(), batch, T);
                    int[] inputs = new int[batch * T], targets = new int[batch * T], ids = new int[k];
                    float[] logits = new float[Math.min(batch * T, 256) * V], logp = new float[k];
                    double[] scratch = new double[V];
                    for (int s0 = 0; s0 < n; s0 += batch) {
                        int b = Math.min(batch, n - s0);
                        java.util.Arrays.fill(inputs, 0);
                        for (int i = 0; i < b; i++) data.copySequence(s0 + i, i, inputs, targets);
                        LlamaTrain.forward(teacher, a, inputs);
                        for (int r0 = 0; r0 < b * T; r0 += 256) {
                            int rows = Math.min(256, b * T - r0);
                            LlamaTrain.logits(teacher, a, r0, rows, logits);
                            for (int r = 0; r < rows; r++) {
                                float tail = KdLoss.topKOf(logits, r * V, V, k, key.tau(), ids, 0, logp, 0, scratch);
                                long o = start + ((long) s0 * T + r0 + r) * recordBytes;
                                for (int i = 0; i < k; i++) {
                                    out.set(I32, o + 4L * i, ids[i]);
                                    out.set(F32, o + 4L * k + 4L * i, logp[i]);
                                }
                                out.set(F32, o + 8L * k, tail);
                            }
                        }
                        if (progress != null) progress.accept(b);
                    }
                    out.force();
                }
            } catch (InternalError e) { // a store into the mapped file failed: the disk is full
                throw new java.nio.file.FileSystemException(
                        tmp.toString(), null, "No space left on device (" + e.getMessage() + ")");
            }
        });
    }

    /** The record of token t of dataset sequence s: ids and log-probabilities into the arrays; returns the tail mass. */
    public float read(int sequence, int t, int[] ids, int idOff, float[] logp, int lpOff) {
        long o = ((long) sequence * key.seqLen() + t) * recordBytes;
        int k = key.k();
        for (int i = 0; i < k; i++) {
            ids[idOff + i] = records.get(I32, o + 4L * i);
            logp[lpOff + i] = records.get(F32, o + 4L * k + 4L * i);
        }
        return records.get(F32, o + 8L * k);
    }

    @Override
    public void close() {
        arena.close();
    }
}
