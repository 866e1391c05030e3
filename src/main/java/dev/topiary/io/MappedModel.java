package dev.topiary.io;

import dev.topiary.format.GgufFile;
import dev.topiary.format.ModelFormatException;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.TensorKind;
import dev.topiary.model.Weights;
import dev.topiary.tensor.Tensor;
import dev.topiary.tensor.WeightType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A model's weights in their stored types over memory-mapped files: the safetensors shards of a
 * Hugging Face folder or one GGUF file. Opening reads headers only (milliseconds for an 8B model);
 * the kernels read BF16/F16/F32/Q8_0 in place, and the OS pages weights in as they are used.
 * Norm weights and biases (a few KB a layer) are widened to fp32 on the heap at open.
 *
 * <p>Shapes are checked against config.json at open, so a forward pass cannot read out of bounds.
 * A llama-architecture GGUF keeps llama.cpp's interleaved q/k rows ({@link #interleavedRope()}).
 */
public final class MappedModel implements Weights, AutoCloseable {
    private final Path path;
    private final LlamaConfig config;
    private final Tensor[][] perLayer; // [L][TensorKind]
    private final Tensor embed, norm, lmHead;
    private final boolean interleaved;
    private final List<AutoCloseable> files;

    private MappedModel(
            Path path,
            LlamaConfig config,
            Map<String, Tensor> byHfName,
            boolean interleaved,
            List<AutoCloseable> files) {
        this.path = path;
        this.config = config;
        this.interleaved = interleaved;
        this.files = files;
        perLayer = new Tensor[config.layers()][TensorKind.values().length];
        for (int l = 0; l < config.layers(); l++)
            for (TensorKind k : TensorKind.values())
                if (k.perLayer && k.present(config)) perLayer[l][k.ordinal()] = byHfName.get(k.hfName(l));
        embed = byHfName.get(TensorKind.EMBED.hfName(0));
        norm = byHfName.get(TensorKind.NORM.hfName(0));
        lmHead = config.tieEmbeddings() ? embed : byHfName.get(TensorKind.LM_HEAD.hfName(0));
    }

    /** Opens a Hugging Face folder or a .gguf file. */
    public static MappedModel open(Path p) {
        return switch (Models.detect(p)) {
            case HF -> openHf(p);
            case GGUF -> openGguf(p);
            case LLAMA2C ->
                throw new ModelFormatException(
                        p,
                        "llama2.c checkpoints are not memory-mapped (they are fp32 and small): " + "load them whole");
        };
    }

    /**
     * A Hugging Face folder: config.json and one model.safetensors or the shards of its index. Refuses a
     * config.json that describes more values than the files hold, a missing tensor (saying what in
     * config.json asks for it) and a tensor of the wrong shape; warns of tensors the architecture does not use.
     */
    public static MappedModel openHf(Path dir) {
        LlamaConfig config = HfCheckpoint.readConfig(dir);
        Map<String, Path> where = HfCheckpoint.tensorFiles(dir);
        Map<Path, Safetensors> open = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new HashMap<>();
        try {
            // the files must hold at least as many values as config.json describes (a clear message, before
            // anyone sizes buffers from the config)
            long stored = 0;
            for (Path f : new TreeSet<>(where.values()))
                for (Safetensors.TensorInfo t :
                        open.computeIfAbsent(f, Safetensors::open).tensors().values())
                    stored = Math.addExact(stored, t.elements());
            long needed = config.parameterCount();
            if (needed > stored)
                throw new ModelFormatException(
                        dir.resolve("config.json"),
                        "describes a model of "
                                + (needed == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(needed))
                                + " parameters, but the safetensors files hold only " + stored + " values");
            for (TensorKind k : TensorKind.values()) {
                if (!k.present(config)) continue;
                for (int l = 0; l < (k.perLayer ? config.layers() : 1); l++) {
                    String name = k.hfName(l);
                    Path f = where.get(name);
                    if (f == null)
                        throw new ModelFormatException(
                                dir,
                                "tensor '" + name + "' is missing (config.json " + describe(k, config)
                                        + "); files read: "
                                        + new TreeSet<>(where.values())
                                                .stream()
                                                        .map(x ->
                                                                x.getFileName().toString())
                                                        .toList());
                    Safetensors st = open.computeIfAbsent(f, Safetensors::open);
                    Tensor t = st.tensor(name);
                    long[] expected =
                            Arrays.stream(k.shape(config)).asLongStream().toArray();
                    if (!Arrays.equals(t.shape(), expected))
                        throw new ModelFormatException(
                                f,
                                "tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                                        + " but config.json implies " + Arrays.toString(expected));
                    tensors.put(name, small(k) ? heap(t) : t);
                }
            }
        } catch (RuntimeException e) {
            open.values().forEach(Safetensors::close);
            throw e;
        }
        List<String> extra = where.keySet().stream()
                .filter(n -> !tensors.containsKey(n) && !n.endsWith("rotary_emb.inv_freq"))
                .filter(n ->
                        !(config.tieEmbeddings() && n.equals(TensorKind.LM_HEAD.hfName(0)))) // saved anyway by some
                .sorted()
                .toList();
        if (!extra.isEmpty())
            LOG.warn(
                    "{}: ignoring {} tensors this architecture does not use, e.g. {}",
                    dir,
                    extra.size(),
                    extra.getFirst());
        return new MappedModel(dir, config, tensors, false, new ArrayList<>(open.values()));
    }

    /** What in config.json asks for a tensor of kind k, for the message when it is missing. */
    private static String describe(TensorKind k, LlamaConfig c) {
        return switch (k) {
            case BQ, BK, BV -> "says q/k/v have biases";
            case BO -> "has attention_bias = true";
            case LM_HEAD -> "has tie_word_embeddings = false";
            default -> "model_type " + c.modelType();
        };
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MappedModel.class);

    public static MappedModel openGguf(Path file) {
        GgufFile g;
        try {
            g = GgufFile.open(file);
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
        }
        try {
            LlamaConfig config = GgufModel.readConfig(g);
            Map<String, Tensor> tensors = new HashMap<>();
            for (TensorKind k : TensorKind.values()) {
                if (!k.present(config)) continue;
                for (int l = 0; l < (k.perLayer ? config.layers() : 1); l++) {
                    String name = k.ggufName(l);
                    GgufFile.TensorInfo info =
                            g.tensor(name).orElseThrow(() -> new ModelFormatException(file, "missing tensor " + name));
                    int[] shape = k.shape(config);
                    long[] dims = new long[shape.length];
                    for (int i = 0; i < dims.length; i++) dims[i] = shape[shape.length - 1 - i]; // GGUF: fastest first
                    if (!Arrays.equals(info.dims(), dims))
                        throw new ModelFormatException(
                                file,
                                "tensor " + name + " has dims " + Arrays.toString(info.dims())
                                        + ", the metadata implies " + Arrays.toString(dims));
                    WeightType type = switch (info.type()) {
                        case F32 -> WeightType.F32;
                        case F16 -> WeightType.F16;
                        case BF16 -> WeightType.BF16;
                        case Q8_0 -> WeightType.Q8_0;
                        default ->
                            throw new ModelFormatException(
                                    file,
                                    "tensor " + name + " is " + info.type()
                                            + ", which Topiary does not compute with (F32, F16, BF16, Q8_0)");
                    };
                    Tensor t = Tensor.of(
                            type,
                            g.tensorData(name),
                            Arrays.stream(shape).asLongStream().toArray());
                    tensors.put(k.hfName(l), small(k) ? heap(t) : t);
                }
            }
            return new MappedModel(file, config, tensors, config.modelType().equals("llama"), List.of(g));
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
    }

    private static boolean small(TensorKind k) {
        return k.isNormOrBias();
    }

    private static Tensor heap(Tensor t) {
        return Tensor.of(t.toFloats(), 0, t.shape());
    }

    public Path path() {
        return path;
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    @Override
    public Tensor tensor(TensorKind kind, int layer) {
        return switch (kind) {
            case EMBED -> embed;
            case NORM -> norm;
            case LM_HEAD -> lmHead;
            default -> perLayer[layer][kind.ordinal()];
        };
    }

    @Override
    public boolean interleavedRope() {
        return interleaved;
    }

    /** The stored type of the big matrices (that of layer 0's q_proj). */
    public WeightType weightType() {
        return perLayer.length > 0 ? perLayer[0][TensorKind.WQ.ordinal()].type() : embed.type();
    }

    /** Unmaps the files; the tensors must not be used afterwards. */
    @Override
    public void close() {
        for (AutoCloseable f : files) {
            try {
                f.close();
            } catch (Exception ignored) {
                // unmapping does not fail in practice
            }
        }
    }
}
