package dev.topiary.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.format.AtomicFiles;
import dev.topiary.format.ModelFormatException;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.LlamaWeights.View;
import dev.topiary.model.TensorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hugging Face model folders: {@code config.json} plus {@code model.safetensors}, or shards listed
 * in {@code model.safetensors.index.json}. Tensor names come from {@link TensorKind}, the same
 * table the writer uses.
 */
public final class HfCheckpoint {
    private static final Logger LOG = LoggerFactory.getLogger(HfCheckpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final String INDEX = "model.safetensors.index.json";

    private HfCheckpoint() {}

    public static LlamaConfig readConfig(Path dir) {
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) throw new ModelFormatException(dir, "no config.json in this folder");
        return LlamaConfig.readHf(cfg);
    }

    /** Loads config and weights; bf16/f16 weights are widened to fp32. */
    public static LlamaWeights load(Path dir) {
        try (MappedModel m = MappedModel.openHf(dir)) { // names, shapes and sizes are checked there
            LlamaWeights w;
            try {
                w = new LlamaWeights(m.config());
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(dir.resolve("config.json"), e.getMessage());
            }
            for (View v : w.views()) m.tensor(v.kind(), v.layer()).copyTo(v.array());
            return w;
        }
    }

    /** Tensor name to the file holding it: one model.safetensors, or the index's weight_map. */
    static Map<String, Path> tensorFiles(Path dir) {
        Path index = dir.resolve(INDEX);
        Map<String, Path> out = new LinkedHashMap<>();
        if (Files.isRegularFile(index)) {
            JsonNode n;
            try {
                n = JSON.readTree(index.toFile());
            } catch (IOException e) {
                throw new ModelFormatException(index, "not valid JSON: " + e.getMessage(), e);
            }
            JsonNode map = n.get("weight_map");
            if (map == null || !map.isObject()) throw new ModelFormatException(index, "missing object 'weight_map'");
            map.fields().forEachRemaining(e -> {
                Path f = dir.resolve(e.getValue().asText());
                if (!Files.isRegularFile(f))
                    throw new ModelFormatException(
                            index,
                            "weight_map sends '" + e.getKey() + "' to "
                                    + e.getValue().asText() + ", which does not exist");
                out.put(e.getKey(), f);
            });
            return out;
        }
        Path single = dir.resolve("model.safetensors");
        if (!Files.isRegularFile(single))
            throw new ModelFormatException(dir, "neither model.safetensors nor " + INDEX + " is present");
        try (Safetensors st = Safetensors.open(single)) {
            st.tensors().keySet().forEach(n -> out.put(n, single));
        }
        return out;
    }

    /**
     * Writes config.json and the weights as safetensors in {@code dtype}, split into shards of at most
     * {@code shardBytes} (0: one file) with an index. The folder appears whole or not at all
     * ({@link AtomicFiles#writeFolder}); a model folder already there is replaced.
     */
    public static void save(Path dir, LlamaWeights w, DType dtype, long shardBytes) throws IOException {
        save(dir, w, dtype, shardBytes, null);
    }

    /**
     * As {@link #save(Path, LlamaWeights, DType, long)}, with the tokenizer files of
     * {@code tokenizerSource} (see {@link #copyTokenizerFiles}; null: none) in the same folder.
     */
    public static void save(Path dir, LlamaWeights w, DType dtype, long shardBytes, Path tokenizerSource)
            throws IOException {
        List<Tensor> tensors = new ArrayList<>();
        for (View v : w.views()) {
            long[] shape = Arrays.stream(v.shape()).asLongStream().toArray();
            tensors.add(new Tensor(v.name(), shape, (spec, sink) -> sink.floats(v.array(), 0, v.size())));
        }
        save(dir, w.config, tensors, dtype, shardBytes, tokenizerSource);
    }

    /** A tensor to write: its HF name, shape, and the body that produces its bytes. */
    public record Tensor(String name, long[] shape, Safetensors.Body body) {}

    /**
     * Writes config.json and {@code tensors} (in storage order) as safetensors in {@code dtype},
     * streamed tensor by tensor: shards of at most {@code shardBytes} (0: one file; a tensor larger than
     * a shard gets one of its own) named like Hugging Face's, with model.safetensors.index.json, and the
     * tokenizer files of {@code tokenizerSource} (null: none). The folder appears whole or not at all.
     */
    public static void save(
            Path dir, LlamaConfig config, List<Tensor> tensors, DType dtype, long shardBytes, Path tokenizerSource)
            throws IOException {
        AtomicFiles.writeFolder(dir, tmp -> {
            writeWeights(tmp, config, tensors, dtype, shardBytes);
            if (tokenizerSource != null) copyTokenizerFiles(tokenizerSource, tmp);
        });
    }

    private static void writeWeights(Path dir, LlamaConfig config, List<Tensor> tensors, DType dtype, long shardBytes)
            throws IOException {
        String torchDtype = switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        };
        writeJson(dir.resolve("config.json"), config.toHfJson(torchDtype));
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long bytes = 0, total = 0;
        for (Tensor t : tensors) {
            long size = new Safetensors.Spec(t.name(), dtype, t.shape()).bytes();
            if (shardBytes > 0 && !current.isEmpty() && bytes + size > shardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(t);
            bytes += size;
            total += size;
        }
        shards.add(current);
        if (shards.size() == 1) {
            writeShard(dir.resolve("model.safetensors"), current, dtype);
            return;
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = "model-%05d-of-%05d.safetensors".formatted(i + 1, shards.size());
            writeShard(dir.resolve(name), shards.get(i), dtype);
            for (Tensor t : shards.get(i)) map.put(t.name(), name);
        }
        writeJson(dir.resolve(INDEX), index);
    }

    private static void writeShard(Path file, List<Tensor> tensors, DType dtype) throws IOException {
        Map<String, Safetensors.Body> bodies = new HashMap<>();
        List<Safetensors.Spec> specs = new ArrayList<>();
        for (Tensor t : tensors) {
            specs.add(new Safetensors.Spec(t.name(), dtype, t.shape()));
            bodies.put(t.name(), t.body());
        }
        Safetensors.write(
                file, specs, Map.of(), (spec, sink) -> bodies.get(spec.name()).write(spec, sink));
    }

    /** Tokenizer files an HF folder may hold, copied beside weights written from it. */
    public static final List<String> TOKENIZER_FILES = List.of(
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "generation_config.json",
            "tokenizer.model");

    /**
     * Puts the tokenizer of {@code source} beside weights written to dir: the files of an HF folder
     * are copied; the vocabulary of a GGUF or llama2.c file is written as tokenizer.json and
     * tokenizer_config.json ({@link dev.topiary.tokenizer.TokenizerJsonWriter}).
     */
    public static void copyTokenizerFiles(Path source, Path dir) throws IOException {
        if (Files.isDirectory(source)) {
            for (String f : TOKENIZER_FILES)
                if (Files.isRegularFile(source.resolve(f)))
                    Files.copy(source.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        } else {
            dev.topiary.tokenizer.TokenizerJsonWriter.write(dir, dev.topiary.tokenizer.Tokenizers.load(source));
        }
    }

    /** Writes JSON atomically ({@link AtomicFiles}: a temporary file, then a rename). */
    public static void writeJson(Path file, JsonNode node) throws IOException {
        AtomicFiles.writeBytes(file, JSON.writeValueAsBytes(node));
    }
}
