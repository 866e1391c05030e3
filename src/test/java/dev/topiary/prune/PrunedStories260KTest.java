package dev.topiary.prune;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.Close;
import dev.topiary.SharedFiles;
import dev.topiary.cli.Main;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * stories260K pruned by `topiary prune` (width, heads, depth by Block Influence, explicit drop, all
 * axes at once) loads back in Topiary with the logits that the independent PyTorch reader
 * (scripts/reference/check_pruned.py) computed from the same output folder.
 */
class PrunedStories260KTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/stories260k-pruned");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"width", "heads", "depth-bi", "depth-drop", "all-axes"})
    void prunedModelMatchesThePyTorchReader(String name) throws Exception {
        JsonNode ref = new ObjectMapper().readTree(DIR.resolve("reference.json").toFile());
        JsonNode t = ref.get("targets").get(name);
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of(
                "prune",
                SharedFiles.require("models/stories260K-hf").toString(),
                "--scores",
                DIR.resolve("scores.json").toString(),
                "--out",
                out.toString()));
        t.get("args").forEach(a -> args.add(a.asText()));
        assertThat(Main.commandLine().execute(args.toArray(String[]::new))).isZero();

        LlamaWeights w = HfCheckpoint.load(out);
        assertThat(w.config.hidden()).isEqualTo(t.get("hidden_size").asInt());
        assertThat(w.config.layers()).isEqualTo(t.get("num_hidden_layers").asInt());
        assertThat(w.config.headDim()).isEqualTo(8);
        int[] ids = new ObjectMapper().convertValue(ref.get("ids"), int[].class);
        Close.assertClose(
                name,
                Llama.logits(w, ids),
                Close.readF32(DIR.resolve(t.get("logits").asText())),
                1e-4,
                1e-5);
        assertThat(out.resolve("tokenizer.json")).exists();
        JsonNode record =
                new ObjectMapper().readTree(out.resolve("pruning.json").toFile());
        assertThat(record.get("parameters_after").asLong()).isEqualTo(w.config.parameterCount());
        assertThat(Files.readString(out.resolve("config.json"))).contains("\"head_dim\" : 8");
    }
}
