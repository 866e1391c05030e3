package dev.topiary.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.io.DType;
import dev.topiary.io.ModelFormatException;
import dev.topiary.io.Safetensors;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint: one safetensors file holding the fp32 parameters and both AdamW moments
 * as flat tensors, with the step, the model's config.json, the options' trajectory key and the
 * dataset fingerprint in its metadata. Written atomically (temporary file, then rename), so a
 * crash mid-write leaves the previous checkpoint intact.
 */
public final class Checkpoint {
    private Checkpoint() {}

    public static final String FILE = "checkpoint.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param extra objective state (e.g. a distillation projection) and "loss_ema" of the spike guard */
    public record State(long step, String trajectoryKey, long dataFingerprint, String configJson, Map<String, float[]> extra) {
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
        s.extra().forEach((name, values) -> entries.add(new Safetensors.Entry("extra." + name, DType.F32, new long[] {values.length}, values)));
        Safetensors.write(dir.resolve(FILE), entries, meta);
    }

    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    /** The model configuration a checkpoint was written for. */
    public static LlamaConfig config(Path dir) throws IOException {
        try (Safetensors st = Safetensors.open(dir.resolve(FILE))) {
            String cfg = st.metadata().get("config");
            if (cfg == null) throw new ModelFormatException(dir.resolve(FILE), "not a Topiary checkpoint (no 'config' metadata)");
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
            if (!"1".equals(meta.get("topiary_checkpoint"))) throw new ModelFormatException(f, "not a Topiary training checkpoint");
            for (String name : List.of("params", "adam_m", "adam_v")) {
                long n = st.info(name).elements();
                if (n != w.data.length)
                    throw new ModelFormatException(f, "tensor '" + name + "' has " + n + " values, the model has " + w.data.length
                            + " parameters: a checkpoint of another model?");
            }
            System.arraycopy(st.readFloats("params"), 0, w.data, 0, w.data.length);
            System.arraycopy(st.readFloats("adam_m"), 0, opt.m, 0, opt.m.length);
            System.arraycopy(st.readFloats("adam_v"), 0, opt.v, 0, opt.v.length);
            Map<String, float[]> extra = new LinkedHashMap<>();
            for (String name : st.tensors().keySet())
                if (name.startsWith("extra.")) extra.put(name.substring(6), st.readFloats(name));
            State s = new State(Long.parseLong(meta.get("step")), meta.get("trajectory"), Long.parseLong(meta.get("data_fingerprint")),
                    meta.get("config"), extra);
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
