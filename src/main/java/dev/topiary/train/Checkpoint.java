package dev.topiary.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.format.ModelFormatException;
import dev.topiary.io.DType;
import dev.topiary.io.Safetensors;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training checkpoint: one safetensors file holding the fp32 parameters and both AdamW moments
 * as flat tensors, with the step, the model's config.json, the options' trajectory key and the
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
        meta.put("topiary_checkpoint", "1");
        meta.put("step", Long.toString(s.step()));
        meta.put("trajectory", s.trajectoryKey());
        meta.put("data_fingerprint", Long.toString(s.dataFingerprint()));
        meta.put("config", s.configJson());
        long[] shape = {w.data.length};
        List<Safetensors.Entry> entries = new java.util.ArrayList<>(List.of(
                new Safetensors.Entry("params", DType.F32, shape, w.data),
                new Safetensors.Entry("adam_m", DType.F32, shape, opt.m),
                new Safetensors.Entry("adam_v", DType.F32, shape, opt.v)));
        s.extra()
                .forEach((name, values) -> entries.add(
                        new Safetensors.Entry("extra." + name, DType.F32, new long[] {values.length}, values)));
        String metaCrc = crc(meta);
        for (Safetensors.Entry e : entries) meta.put(CRC + e.name(), crc(e.values()));
        meta.put(CRC + "__metadata__", metaCrc);
        Safetensors.write(dir.resolve(FILE), entries, meta);
    }

    private static final String CRC = "crc32c.";

    /** CRC32C of the values as stored (fp32, little-endian), as 8 hex digits. */
    static String crc(float[] values) {
        CRC32C c = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            if (!buf.hasRemaining()) {
                c.update(buf.flip());
                buf.clear();
            }
            buf.putFloat(v);
        }
        c.update(buf.flip());
        return "%08x".formatted(c.getValue());
    }

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
            if (want == null || !want.equals(crc(st.readFloats(name)))) throw corrupt(f, "tensor '" + name + "'");
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
            if (!"1".equals(meta.get("topiary_checkpoint")))
                throw new ModelFormatException(f, "not a Topiary training checkpoint");
            verify(f, st, meta);
            for (String name : List.of("params", "adam_m", "adam_v")) {
                long n = st.info(name).elements();
                if (n != w.data.length)
                    throw new ModelFormatException(
                            f,
                            "tensor '" + name + "' has " + n + " values, the model has " + w.data.length
                                    + " parameters: a checkpoint of another model?");
            }
            System.arraycopy(st.readFloats("params"), 0, w.data, 0, w.data.length);
            System.arraycopy(st.readFloats("adam_m"), 0, opt.m, 0, opt.m.length);
            System.arraycopy(st.readFloats("adam_v"), 0, opt.v, 0, opt.v.length);
            Map<String, float[]> extra = new LinkedHashMap<>();
            for (String name : st.tensors().keySet())
                if (name.startsWith("extra.")) extra.put(name.substring(6), st.readFloats(name));
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

    static String configJson(LlamaConfig c) {
        try {
            return JSON.writeValueAsString(c.toHfJson("float32"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
