package dev.topiary.io;

import dev.topiary.format.GgufFile;
import dev.topiary.format.ModelFormatException;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.NonFinite;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.Tokenizer;
import dev.topiary.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens a model from any supported source: a Hugging Face folder, a {@code .gguf} file or a
 * llama2.c {@code .bin} checkpoint. The command line goes through here.
 */
public final class Models {
    private Models() {}

    public enum Format {
        HF,
        GGUF,
        LLAMA2C
    }

    /**
     * An opened model: its config and tokenizer (null if none found), and its weights two ways:
     * {@link #inference()} maps them in their stored types (HF folders and GGUF files open in
     * milliseconds whatever their size), {@link #requireWeights()} reads them into fp32 arrays, one per
     * tensor, for training and surgery. Each is made on first use. A malformed tokenizer
     * file is kept as {@code tokenizerError}, which {@link #requireTokenizer} throws.
     */
    public static final class Loaded implements AutoCloseable {
        private final Path path;
        private final Format format;
        private final LlamaConfig config;
        private final Tokenizer tokenizer;
        private final boolean hasWeights;
        private final ModelFormatException tokenizerError;
        private LlamaWeights weights;
        private Weights mapped;

        Loaded(
                Path path,
                Format format,
                LlamaConfig config,
                LlamaWeights weights,
                Tokenizer tokenizer,
                boolean hasWeights,
                ModelFormatException tokenizerError) {
            this.tokenizerError = tokenizerError;
            this.path = path;
            this.format = format;
            this.config = config;
            this.weights = weights;
            this.tokenizer = tokenizer;
            this.hasWeights = hasWeights;
        }

        public Path path() {
            return path;
        }

        public Format format() {
            return format;
        }

        public LlamaConfig config() {
            return config;
        }

        public Tokenizer tokenizer() {
            return tokenizer;
        }

        /** Why the tokenizer could not be read, or null. */
        public ModelFormatException tokenizerError() {
            return tokenizerError;
        }

        public Tokenizer requireTokenizer() {
            if (tokenizerError != null) throw tokenizerError;
            if (tokenizer == null)
                throw new ModelFormatException(
                        path, "no tokenizer found (tokenizer.json, GGUF vocabulary or tok512.bin)");
            return tokenizer;
        }

        /** The fp32 weights (read on first call), or null for a weightless vocabulary GGUF. */
        public synchronized LlamaWeights weights() {
            if (weights == null && hasWeights) {
                weights = switch (format) {
                    case HF -> HfCheckpoint.load(path);
                    case GGUF -> GgufModel.load(path);
                    case LLAMA2C -> Llama2c.load(path);
                };
                checkFinite(path, weights);
            }
            return weights;
        }

        /** The weights as one fp32 buffer, for training and surgery. */
        public LlamaWeights requireWeights() {
            if (!hasWeights) throw new ModelFormatException(path, "holds no weights (a vocabulary-only file?)");
            return weights();
        }

        /** The weights for inference: memory-mapped in their stored types (the fp32 buffer for llama2.c files). */
        public synchronized Weights inference() {
            if (!hasWeights) throw new ModelFormatException(path, "holds no weights (a vocabulary-only file?)");
            if (mapped == null) {
                mapped = weights != null || format == Format.LLAMA2C ? requireWeights() : MappedModel.open(path);
                checkFinite(path, mapped); // scans the mapped weights once: the OS reads them from disk
            }
            return mapped;
        }

        /**
         * Unmaps the weights (their pages leave the process now rather than at a later collection) and drops
         * the fp32 copy; neither may be used afterwards. The tokenizer and config stay.
         */
        @Override
        public synchronized void close() {
            if (mapped instanceof MappedModel m) m.close();
            mapped = null;
            weights = null;
        }
    }

    public static Format detect(Path p) {
        if (!Files.exists(p)) throw new ModelFormatException(p, "does not exist");
        if (Files.isDirectory(p)) {
            if (!Files.isRegularFile(p.resolve("config.json")))
                throw new ModelFormatException(
                        p, "is a folder without config.json (expected a Hugging Face model folder)");
            return Format.HF;
        }
        String name = p.getFileName().toString().toLowerCase();
        if (name.endsWith(".gguf")) return Format.GGUF;
        if (name.endsWith(".bin")) return Format.LLAMA2C;
        throw new ModelFormatException(
                p, "unknown model format (expected a Hugging Face folder, a .gguf or a llama2.c .bin file)");
    }

    /** Loads weights and tokenizer. */
    public static Loaded load(Path p) {
        return load(p, true);
    }

    public static Loaded load(Path p, boolean weights) {
        Loaded m = read(p, weights);
        if (m.weights != null) checkFinite(p, m.weights); // read eagerly (llama2.c)
        return m;
    }

    /** Refuses weights holding NaN or infinity (naming the tensor and index) unless --allow-nonfinite. */
    static void checkFinite(Path p, dev.topiary.model.Weights w) {
        if (NonFinite.allowed()) return;
        String bad = NonFinite.find(w);
        if (bad != null)
            throw new ModelFormatException(
                    p, bad + "; the model computes NaN from it. Pass --allow-nonfinite to load it anyway");
    }

    private static Loaded read(Path p, boolean weights) {
        Format f = detect(p);
        try {
            return switch (f) {
                case HF -> withTokenizer(p, f, HfCheckpoint.readConfig(p), null, true);
                case LLAMA2C -> {
                    LlamaWeights w = Llama2c.load(p);
                    yield withTokenizer(p, f, w.config, w, true);
                }
                case GGUF -> {
                    try (GgufFile g = GgufFile.open(p)) {
                        boolean hasWeights = g.tensor("token_embd.weight").isPresent();
                        LlamaConfig c = hasWeights ? GgufModel.readConfig(g) : null;
                        Tokenizer t = g.has("tokenizer.ggml.tokens") ? Tokenizers.fromGguf(g) : null;
                        yield new Loaded(p, f, c, null, t, hasWeights, null);
                    }
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tokenizer alone (no weights are read). */
    public static Tokenizer tokenizer(Path p) {
        detect(p);
        try {
            return Tokenizers.load(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The loaded model with its tokenizer; a malformed tokenizer file is kept as the error to report when needed. */
    private static Loaded withTokenizer(Path p, Format f, LlamaConfig config, LlamaWeights w, boolean hasWeights)
            throws IOException {
        try {
            return new Loaded(p, f, config, w, Tokenizers.loadIfPresent(p).orElse(null), hasWeights, null);
        } catch (ModelFormatException e) {
            return new Loaded(p, f, config, w, null, hasWeights, e);
        }
    }
}
