// Tokenizers: finds and loads the tokenizer of a model: HF folder, GGUF file, or llama2.c checkpoint.
package dev.topiary.tokenizer;

import dev.topiary.format.GgufFile;
import dev.topiary.format.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Entry points for loading a {@link Tokenizer}. */
public final class Tokenizers {
    private static final int GGUF_MAGIC = 0x46554747;

    private Tokenizers() {}

    /**
     * The tokenizer of the model at {@code modelPath}:
     * <ul>
     *   <li>a folder: its {@code tokenizer.json} (Hugging Face layout, with tokenizer_config.json and
     *       special_tokens_map.json when present);</li>
     *   <li>a {@code tokenizer.json} file;</li>
     *   <li>a GGUF file (by magic): the vocabulary in its metadata (weightless vocabulary files too);</li>
     *   <li>a llama2.c tokenizer ({@code tokenizer.bin}, {@code tok*.bin});</li>
     *   <li>a llama2.c checkpoint {@code .bin}: the {@code tok<vocab_size>.bin} or {@code tokenizer.bin} beside it.</li>
     * </ul>
     *
     * @throws ModelFormatException when no tokenizer is found (naming the files looked for) or it is malformed
     */
    public static Tokenizer load(Path modelPath) throws IOException {
        return find(modelPath, true);
    }

    /**
     * Like {@link #load}, but empty when the model has no tokenizer file at all. A tokenizer file that
     * is there but malformed is still reported, with the file, field and value.
     */
    public static Optional<Tokenizer> loadIfPresent(Path modelPath) throws IOException {
        return Optional.ofNullable(find(modelPath, false));
    }

    private static Tokenizer find(Path modelPath, boolean required) throws IOException {
        if (Files.isDirectory(modelPath)) {
            Path json = requireOne(modelPath, List.of(modelPath.resolve("tokenizer.json")), required);
            return json == null ? null : fromTokenizerJson(json);
        }
        if (!Files.isRegularFile(modelPath)) {
            throw new ModelFormatException(modelPath, "no such model file or folder");
        }
        String name = modelPath.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) {
            return fromTokenizerJson(modelPath);
        }
        if (startsWithGgufMagic(modelPath)) {
            try (GgufFile gguf = GgufFile.open(modelPath)) {
                return fromGguf(gguf);
            }
        }
        if (name.endsWith(".bin")) {
            boolean isTokenizer = name.equals("tokenizer.bin") || name.startsWith("tok") && !name.startsWith("token");
            return isTokenizer ? fromLlama2c(modelPath) : llama2cBeside(modelPath, required);
        }
        throw new ModelFormatException(
                modelPath,
                "not a tokenizer source: expected a folder with tokenizer.json, "
                        + "a .gguf file, or a llama2.c .bin model or tokenizer");
    }

    /** The tokenizer stored in a GGUF file's {@code tokenizer.ggml.*} metadata. */
    public static Tokenizer fromGguf(GgufFile gguf) {
        return GgufTokenizerReader.read(gguf);
    }

    /** A Hugging Face {@code tokenizer.json}; tokenizer_config.json and special_tokens_map.json beside it are read too. */
    public static Tokenizer fromTokenizerJson(Path tokenizerJson) throws IOException {
        return TokenizerJsonReader.read(tokenizerJson);
    }

    /** A llama2.c tokenizer file ({@code tokenizer.bin}, {@code tok512.bin}, ...). */
    public static Tokenizer fromLlama2c(Path tokBin) throws IOException {
        return Llama2cTokenizerReader.read(tokBin);
    }

    /** For a llama2.c checkpoint: tok{vocab_size}.bin or tokenizer.bin beside it, checked against the header's vocab_size. */
    private static Tokenizer llama2cBeside(Path model, boolean required) throws IOException {
        int vocabSize = llama2cVocabSize(model);
        List<Path> candidates = new ArrayList<>();
        if (vocabSize > 0) {
            candidates.add(model.resolveSibling("tok" + vocabSize + ".bin"));
        }
        candidates.add(model.resolveSibling("tokenizer.bin"));
        Path tokBin = requireOne(model, candidates, required);
        if (tokBin == null) return null;
        Tokenizer t = fromLlama2c(tokBin);
        if (vocabSize > 0 && t.vocabSize() != vocabSize) {
            throw new ModelFormatException(
                    tokBin,
                    "has " + t.vocabSize() + " tokens but the model " + model.getFileName() + " has vocab_size "
                            + vocabSize);
        }
        return t;
    }

    /** |vocab_size| from a llama2.c header (7 int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len), or -1. */
    private static int llama2cVocabSize(Path model) throws IOException {
        byte[] header = readPrefix(model, 28);
        if (header.length < 28) {
            return -1;
        }
        int v = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(20);
        return v == Integer.MIN_VALUE ? -1 : Math.abs(v);
    }

    /** The first candidate that exists; when none does, null or (required) an error naming them. */
    private static Path requireOne(Path model, List<Path> candidates, boolean required) {
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        if (!required) return null;
        throw new ModelFormatException(model, "no tokenizer found; looked for " + candidates);
    }

    private static boolean startsWithGgufMagic(Path file) throws IOException {
        byte[] head = readPrefix(file, 4);
        return head.length == 4
                && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt() == GGUF_MAGIC;
    }

    private static byte[] readPrefix(Path file, int n) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        }
    }
}
