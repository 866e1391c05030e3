package dev.topiary.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.format.ModelFormatException;
import dev.topiary.io.DType;
import dev.topiary.io.Safetensors;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training checkpoint: one safetensors file holding each fp32 parameter tensor and its two AdamW
 * moments ({@code params.NAME}, {@code adam_m.NAME}, {@code adam_v.NAME}), with the step, the model's config.json, the options' trajectory key and the
 * dataset fingerprint in its metadata. Written atomically (temporary file, then rename), so a
 * crash or a full disk mid-write leaves the previous checkpoint intact.
 *
 * <p>Integrity: the metadata holds a CRC32C of every tensor's data ({@code crc32c.NAME}) and one of
 * the other metadata entries ({@code crc32c.__metadata__}); {@link #load} verifies them all and
 * refuses a checkpoint in which one bit changed, instead of resuming from it silently.
 */
public final class Checkpoint {
    private Checkpoint() {}

    private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);

    public static final String FILE = "checkpoint.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param extra objective state (e.g. a distillation projection) and "loss_ema" of the spike guard */
    public record State(
            long step, String trajectoryKey, long dataFingerprint, String configJson, Map<String, float[]> extra) {
        public State(long step, String trajectoryKey, long dataFingerprint, String configJson) {
            this(step, trajectoryKey, dataFingerprint, configJson, Map.of());
        }
    }

    public static void save(Path dir, LlamaWeights w, AdamW opt, State s) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("topiary_checkpoint", VERSION);
        meta.put("step", Long.toString(s.step()));
        meta.put("trajectory", s.trajectoryKey());
        meta.put("data_fingerprint", Long.toString(s.dataFingerprint()));
        meta.put("config", s.configJson());
        // Each tensor's bytes as they will be stored (fp32, little-endian), never copied whole to the heap.
        Map<String, MemorySegment> bodies = new LinkedHashMap<>();
        List<Safetensors.Spec> specs = new ArrayList<>();
        List<LlamaWeights.View> views = w.views();
        for (int i = 0; i < views.size(); i++) {
            LlamaWeights.View v = views.get(i);
            long[] shape = Arrays.stream(v.shape()).asLongStream().toArray();
            long bytes = 4L * v.size();
            bodies.put(PARAMS + v.name(), MemorySegment.ofArray(v.array()));
            bodies.put(M + v.name(), opt.firstMoment().asSlice(4 * opt.offset(i), bytes));
            bodies.put(V + v.name(), opt.secondMoment().asSlice(4 * opt.offset(i), bytes));
            for (String prefix : List.of(PARAMS, M, V))
                specs.add(new Safetensors.Spec(prefix + v.name(), DType.F32, shape));
        }
        s.extra().forEach((name, values) -> {
            bodies.put(EXTRA + name, MemorySegment.ofArray(values));
            specs.add(new Safetensors.Spec(EXTRA + name, DType.F32, new long[] {values.length}));
        });
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new IllegalStateException("checkpoints are written on little-endian machines only");
        String metaCrc = crc(meta);
        bodies.forEach((name, body) -> meta.put(CRC + name, crc(body)));
        meta.put(CRC + "__metadata__", metaCrc);
        Safetensors.write(dir.resolve(FILE), specs, meta, (spec, sink) -> sink.raw(bodies.get(spec.name())));
    }

    /** Version 2: one tensor per model tensor and moment ("params.NAME", "adam_m.NAME", "adam_v.NAME"). */
    static final String VERSION = "2";

    private static final String PARAMS = "params.", M = "adam_m.", V = "adam_v.", EXTRA = "extra.";

    private static final String CRC = "crc32c.";

    /** CRC32C of bytes as stored, as 8 hex digits. */
    static String crc(MemorySegment bytes) {
        CRC32C c = new CRC32C();
        byte[] chunk = CRC_CHUNK.get();
        MemorySegment dst = MemorySegment.ofArray(chunk);
        for (long off = 0; off < bytes.byteSize(); off += chunk.length) {
            int n = (int) Math.min(chunk.length, bytes.byteSize() - off);
            MemorySegment.copy(bytes, off, dst, 0, n);
            c.update(chunk, 0, n);
        }
        return "%08x".formatted(c.getValue());
    }

    /** One reused buffer per thread: a save or a resume checksums hundreds of tensors. */
    private static final ThreadLocal<byte[]> CRC_CHUNK = ThreadLocal.withInitial(() -> new byte[1 << 20]);

    /** CRC32C of the metadata entries other than checksums, in key order. */
    static String crc(Map<String, String> meta) {
        CRC32C c = new CRC32C();
        new TreeMap<>(meta).forEach((k, v) -> {
            if (!k.startsWith(CRC) && !k.equals("format"))
                c.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8));
        });
        return "%08x".formatted(c.getValue());
    }

    /** Refuses a checkpoint whose data or metadata no longer match the checksums written with them. */
    private static void verify(Path f, Safetensors st, Map<String, String> meta) {
        if (meta.keySet().stream().noneMatch(k -> k.startsWith(CRC))) {
            LOG.warn("{}: written without checksums (an older Topiary); resuming without an integrity check", f);
            return;
        }
        String m = meta.get(CRC + "__metadata__");
        if (m == null || !m.equals(crc(meta))) throw corrupt(f, "its metadata (step, options, config)");
        for (String name : st.tensors().keySet()) {
            String want = meta.get(CRC + name);
            if (want == null || !want.equals(crc(st.bytes(name)))) throw corrupt(f, "tensor '" + name + "'");
        }
    }

    private static ModelFormatException corrupt(Path f, String what) {
        return new ModelFormatException(
                f,
                "corrupt checkpoint: " + what
                        + " does not match its CRC32C checksum (a changed bit on disk?);"
                        + " restore a copy, or delete it to start the run over");
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    /** The model configuration a checkpoint was written for. */
    public static LlamaConfig config(Path dir) throws IOException {
        try (Safetensors st = Safetensors.open(dir.resolve(FILE))) {
            String cfg = st.metadata().get("config");
            if (cfg == null)
                throw new ModelFormatException(dir.resolve(FILE), "not a Topiary checkpoint (no 'config' metadata)");
            Path tmp = Files.createTempFile("topiary-config", ".json");
            try {
                Files.writeString(tmp, cfg);
                return LlamaConfig.readHf(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Restores parameters and moments into w and opt; returns the saved state. */
    public static State load(Path dir, LlamaWeights w, AdamW opt) {
        Path f = dir.resolve(FILE);
        try (Safetensors st = Safetensors.open(f)) {
            Map<String, String> meta = st.metadata();
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
                throw new IllegalStateException("checkpoints are read on little-endian machines only");
            String version = meta.get("topiary_checkpoint");
            if (!VERSION.equals(version) && !"1".equals(version))
                throw new ModelFormatException(f, "not a Topiary training checkpoint");
            verify(f, st, meta);
            List<LlamaWeights.View> views = w.views();
            if (version.equals("1")) loadFlat(f, st, w, opt); // one flat tensor each (Topiary before 2026-12)
            else {
                long stored = st.tensors().keySet().stream()
                        .filter(n -> n.startsWith(PARAMS))
                        .count();
                if (stored != views.size())
                    throw new ModelFormatException(
                            f,
                            "holds " + stored + " parameter tensors, the model has " + views.size()
                                    + ": a checkpoint of another model?");
                for (int i = 0; i < views.size(); i++) {
                    LlamaWeights.View v = views.get(i);
                    for (String prefix : List.of(PARAMS, M, V)) {
                        String name = prefix + v.name();
                        if (!st.tensors().containsKey(name))
                            throw new ModelFormatException(
                                    f, "no tensor '" + name + "': a checkpoint of another model?");
                        if (st.info(name).dtype() != DType.F32)
                            throw new ModelFormatException(
                                    f,
                                    "tensor '" + name + "' is " + st.info(name).dtype() + ", not F32");
                        long n = st.info(name).elements();
                        if (n != v.size())
                            throw new ModelFormatException(
                                    f,
                                    "tensor '" + name + "' has " + n + " values, the model's " + v.name() + " has "
                                            + v.size() + ": a checkpoint of another model?");
                    }
                }
                for (int i = 0; i < views.size(); i++) {
                    LlamaWeights.View v = views.get(i);
                    long bytes = 4L * v.size();
                    MemorySegment.copy(st.bytes(PARAMS + v.name()), LE, 0, v.array(), 0, v.size());
                    MemorySegment.copy(st.bytes(M + v.name()), 0, opt.firstMoment(), 4 * opt.offset(i), bytes);
                    MemorySegment.copy(st.bytes(V + v.name()), 0, opt.secondMoment(), 4 * opt.offset(i), bytes);
                }
            }
            Map<String, float[]> extra = new LinkedHashMap<>();
            for (String name : st.tensors().keySet())
                if (name.startsWith(EXTRA)) extra.put(name.substring(EXTRA.length()), st.readFloats(name));
            State s = new State(
                    Long.parseLong(meta.get("step")),
                    meta.get("trajectory"),
                    Long.parseLong(meta.get("data_fingerprint")),
                    meta.get("config"),
                    extra);
            opt.step = s.step();
            return s;
        }
    }

    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A version-1 checkpoint: "params", "adam_m" and "adam_v" flat, tensors back to back in storage order. */
    private static void loadFlat(Path f, Safetensors st, LlamaWeights w, AdamW opt) {
        for (String name : List.of("params", "adam_m", "adam_v")) {
            long n = st.info(name).elements();
            if (n != w.parameterCount())
                throw new ModelFormatException(
                        f,
                        "tensor '" + name + "' has " + n + " values, the model has " + w.parameterCount()
                                + " parameters: a checkpoint of another model?");
        }
        long at = 0;
        List<LlamaWeights.View> views = w.views();
        for (int i = 0; i < views.size(); i++) {
            LlamaWeights.View v = views.get(i);
            long bytes = 4L * v.size();
            MemorySegment.copy(st.bytes("params"), LE, at, v.array(), 0, v.size());
            MemorySegment.copy(st.bytes("adam_m"), at, opt.firstMoment(), 4 * opt.offset(i), bytes);
            MemorySegment.copy(st.bytes("adam_v"), at, opt.secondMoment(), 4 * opt.offset(i), bytes);
            at += bytes;
        }
    }

    static String configJson(LlamaConfig c) {
        try {
            return JSON.writeValueAsString(c.toHfJson("float32"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
