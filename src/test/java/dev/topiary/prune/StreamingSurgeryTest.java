package dev.topiary.prune;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.Close;
import dev.topiary.SharedFiles;
import dev.topiary.format.GgmlType;
import dev.topiary.io.DType;
import dev.topiary.io.GgufExport;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.MappedModel;
import dev.topiary.io.Models;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Streaming surgery from mapped weights writes the same bytes as the in-memory surgery and save,
 * in F32 and BF16; small shard sizes give several shards with a correct index; a GGUF source
 * (interleaved q/k rows, heads pruned) gives the model the HF source gives.
 */
class StreamingSurgeryTest {
    @TempDir
    Path tmp;

    static Surgery.Keep keep(LlamaWeights w) throws Exception {
        Scores s = Scores.read(Path.of("src/test/resources/fixtures/stories260k-pruned/scores.json"));
        return new PruneTarget(48, 128, 4, 4, null).keep(w.config, s);
    }

    static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "BF16"})
    void sameBytesAsInMemorySurgery(String dtype) throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf");
        DType type = DType.valueOf(dtype);
        Path source = tmp.resolve("source");
        HfCheckpoint.save(source, HfCheckpoint.load(src), type, 0);
        LlamaWeights w = HfCheckpoint.load(source);
        Surgery.Keep keep = keep(w);

        Path old = tmp.resolve("old"), streamed = tmp.resolve("streamed");
        HfCheckpoint.save(old, Surgery.apply(w, keep), type, 0);
        try (MappedModel m = MappedModel.openHf(source)) {
            StreamingSurgery.write(m, keep, streamed, type, 0);
        }
        for (Path f : files(old))
            assertThat(Files.readAllBytes(streamed.resolve(f.getFileName())))
                    .as(f.getFileName().toString())
                    .isEqualTo(Files.readAllBytes(f));
        assertThat(files(streamed)).hasSameSizeAs(files(old));
    }

    /** Whole rows in the source's type are copied as stored bytes, one after another: depth pruning and re-export. */
    @ParameterizedTest
    @ValueSource(strings = {"F32", "BF16"})
    void keptLayersAreTheSourceBytes(String dtype) throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf");
        DType type = DType.valueOf(dtype);
        Path source = tmp.resolve("source");
        HfCheckpoint.save(source, HfCheckpoint.load(src), type, 0);
        LlamaWeights w = HfCheckpoint.load(source);
        for (int[] layers : new int[][] {{0, 2, 4}, {0, 1, 2, 3, 4}}) {
            Path old = tmp.resolve("old" + layers.length), streamed = tmp.resolve("streamed" + layers.length);
            HfCheckpoint.save(old, Surgery.keepLayers(w, layers), type, 0);
            try (MappedModel m = MappedModel.openHf(source)) {
                StreamingSurgery.write(m, Surgery.all(w.config, layers), streamed, type, 0);
            }
            assertThat(Files.readAllBytes(streamed.resolve("model.safetensors")))
                    .as("layers %s", java.util.Arrays.toString(layers))
                    .isEqualTo(Files.readAllBytes(old.resolve("model.safetensors")));
        }
    }

    @Test
    void smallShardsGiveAnIndexThatCoversEveryTensor() throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf");
        LlamaWeights w = HfCheckpoint.load(src);
        Surgery.Keep keep = keep(w);
        Path out = tmp.resolve("sharded");
        try (MappedModel m = MappedModel.openHf(src)) {
            StreamingSurgery.write(m, keep, out, DType.F32, 60_000);
        }
        JsonNode index =
                new ObjectMapper().readTree(out.resolve(HfCheckpoint.INDEX).toFile());
        long shards = files(out).stream()
                .filter(p -> p.toString().endsWith(".safetensors"))
                .count();
        assertThat(shards).isGreaterThan(2);
        var names = new java.util.TreeSet<String>();
        index.get("weight_map").fieldNames().forEachRemaining(names::add);
        LlamaWeights back = HfCheckpoint.load(out), expected = Surgery.apply(w, keep);
        assertThat(names).hasSize(expected.views().size());
        assertThat(back.flat()).containsExactly(expected.flat());
        long total = 0;
        for (var v : expected.views()) total += 4L * v.size();
        assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(total);
    }

    @Test
    void ggufSourceWithInterleavedRowsGivesTheHfResult() throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf");
        LlamaWeights w = HfCheckpoint.load(src);
        Path gguf = tmp.resolve("m.gguf");
        GgufExport.write(gguf, w, Models.tokenizer(src), GgmlType.F32, "stories260K");
        Surgery.Keep keep = keep(w);
        Path out = tmp.resolve("from-gguf");
        try (MappedModel m = MappedModel.openGguf(gguf)) {
            StreamingSurgery.write(m, keep, out, DType.F32, 0);
        }
        LlamaWeights back = HfCheckpoint.load(out), expected = Surgery.apply(w, keep);
        int[] ids = {1, 403, 407, 261, 378, 275, 259, 411};
        Close.assertClose("pruned from GGUF", Llama.logits(back, ids), Llama.logits(expected, ids), 1e-5, 1e-5);
    }
}
