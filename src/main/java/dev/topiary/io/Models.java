package dev.topiary.io;

import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
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

    public enum Format { HF, GGUF, LLAMA2C }

    /**
     * A loaded model: weights (null for a weightless vocabulary GGUF) and tokenizer (null if none found,
     * or if the tokenizer file is malformed: then {@code tokenizerError} says why, and
     * {@link #requireTokenizer} throws it).
     */
    public record Loaded(Path path, Format format, LlamaConfig config, LlamaWeights weights, Tokenizer tokenizer,
                         ModelFormatException tokenizerError) {
        public Loaded(Path path, Format format, LlamaConfig config, LlamaWeights weights, Tokenizer tokenizer) {
            this(path, format, config, weights, tokenizer, null);
        }

        public Tokenizer requireTokenizer() {
            if (tokenizerError != null) throw tokenizerError;
            if (tokenizer == null) throw new ModelFormatException(path, "no tokenizer found (tokenizer.json, GGUF vocabulary or tok512.bin)");
            return tokenizer;
        }

        public LlamaWeights requireWeights() {
            if (weights == null) throw new ModelFormatException(path, "holds no weights (a vocabulary-only file?)");
            return weights;
        }
    }

    public static Format detect(Path p) {
        if (!Files.exists(p)) throw new ModelFormatException(p, "does not exist");
        if (Files.isDirectory(p)) {
            if (!Files.isRegularFile(p.resolve("config.json")))
                throw new ModelFormatException(p, "is a folder without config.json (expected a Hugging Face model folder)");
            return Format.HF;
        }
        String name = p.getFileName().toString().toLowerCase();
        if (name.endsWith(".gguf")) return Format.GGUF;
        if (name.endsWith(".bin")) return Format.LLAMA2C;
        throw new ModelFormatException(p, "unknown model format (expected a Hugging Face folder, a .gguf or a llama2.c .bin file)");
    }

    /** Loads weights and tokenizer. */
    public static Loaded load(Path p) {
        return load(p, true);
    }

    public static Loaded load(Path p, boolean weights) {
        Format f = detect(p);
        try {
            return switch (f) {
                case HF -> withTokenizer(p, f, HfCheckpoint.readConfig(p), weights ? HfCheckpoint.load(p) : null);
                case LLAMA2C -> {
                    LlamaWeights w = Llama2c.load(p);
                    yield withTokenizer(p, f, w.config, w);
                }
                case GGUF -> {
                    try (GgufFile g = GgufFile.open(p)) {
                        boolean hasWeights = g.tensor("token_embd.weight").isPresent();
                        LlamaConfig c = hasWeights ? GgufModel.readConfig(g) : null;
                        Tokenizer t = g.has("tokenizer.ggml.tokens") ? Tokenizers.fromGguf(g) : null;
                        yield new Loaded(p, f, c, hasWeights && weights ? GgufModel.load(g) : null, t);
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
    private static Loaded withTokenizer(Path p, Format f, LlamaConfig config, LlamaWeights w) throws IOException {
        try {
            return new Loaded(p, f, config, w, Tokenizers.loadIfPresent(p).orElse(null), null);
        } catch (ModelFormatException e) {
            return new Loaded(p, f, config, w, null, e);
        }
    }
}
