package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import dev.topiary.prune.Scores;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** importance, prune (and --dry-run) and search end to end on stories260K. */
class PruneCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void importanceThenPruneThenSearch() throws Exception {
        String model = SharedFiles.require("models/stories260K-hf").toString();
        String data = SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt")
                .toString();
        Path scores = tmp.resolve("scores.json");
        CommandsTest.Run r = CommandsTest.run(
                "importance",
                model,
                "--data",
                data,
                "--samples",
                "4",
                "--seq-len",
                "64",
                "--out",
                scores.toString(),
                "--layer-loss");
        assertThat(r.code()).as(r.err()).isZero();
        Scores s = Scores.read(scores);
        assertThat(s.samples()).isEqualTo(4);
        assertThat(s.hidden()).hasSize(64);
        assertThat(s.heads()).hasDimensions(5, 8);
        assertThat(s.neurons()[0]).hasSize(172);
        assertThat(s.layerLoss()).hasSize(5);
        assertThat(r.out()).contains("block-influence");

        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, Files.readString(Path.of(data)).substring(0, 30_000));
        r = CommandsTest.run(
                "search",
                model,
                "--scores",
                scores.toString(),
                "--target-params",
                "150000",
                "--data",
                corpus.toString(),
                "--candidates",
                "3",
                "--retrain-tokens",
                "0",
                "--seq-len",
                "64",
                "--out",
                tmp.resolve("zs").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("zero-shot only").contains("rank").contains("proportional");
        assertThat(Files.readString(tmp.resolve("zs/search.json")))
                .contains("\"rank\" : 3")
                .contains("zero-shot held-out loss");

        r = CommandsTest.run(
                "search",
                model,
                "--scores",
                scores.toString(),
                "--target-params",
                "150000",
                "--data",
                corpus.toString(),
                "--candidates",
                "2",
                "--retrain-tokens",
                "512",
                "--batch",
                "4",
                "--seq-len",
                "64",
                "--out",
                tmp.resolve("rt").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("retrained")
                .contains("winner (held-out loss after 512 tokens")
                .contains("1,024 tokens");
        String json = Files.readString(tmp.resolve("rt/search.json"));
        assertThat(json)
                .contains("\"zero_shot\"")
                .contains("\"retrained\"")
                .contains("\"winner\"")
                .contains("seconds_total");
    }

    @Test
    void layerMetricsChooseWhichLayersGo() throws Exception {
        String model = SharedFiles.require("models/stories260K-hf").toString();
        String data = SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt")
                .toString();
        Path scores = tmp.resolve("scores.json");
        CommandsTest.Run r = CommandsTest.run(
                "importance",
                model,
                "--data",
                data,
                "--samples",
                "4",
                "--seq-len",
                "64",
                "--out",
                scores.toString(),
                "--layer-loss",
                "--window",
                "2");
        assertThat(r.code()).as(r.err()).isZero();
        double[] inc = Scores.read(scores).layerLoss();
        int argmin = 0;
        for (int i = 1; i < inc.length; i++) if (inc[i] < inc[argmin]) argmin = i;
        r = CommandsTest.run(
                "prune",
                model,
                "--scores",
                scores.toString(),
                "--layers",
                "3",
                "--layer-metric",
                "loss",
                "--out",
                tmp.resolve("loss").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("dropping layers [" + argmin + ", " + (argmin + 1) + "]")
                .contains("raises the calibration loss least");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        int[] kept = json.treeToValue(
                json.readTree(tmp.resolve("loss/pruning.json").toFile()).get("kept_layers"), int[].class);
        assertThat(kept).doesNotContain(argmin, argmin + 1).hasSize(3);

        r = CommandsTest.run(
                "prune",
                model,
                "--scores",
                scores.toString(),
                "--layers",
                "4",
                "--layer-metric",
                "loss",
                "--out",
                tmp.resolve("x").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--window 1");

        Path task = tmp.resolve("task.jsonl");
        Files.writeString(task, """
                {"context": "Once upon a time, there was a little", "choices": ["girl", "table", "ran"], "gold": 0}
                {"context": "Lily went to the park with her", "choices": ["mom", "blue", "sky"], "gold": 0}
                {"context": "The dog wagged its", "choices": ["house", "tail", "apple"], "gold": 1}
                """);
        r = CommandsTest.run(
                "prune",
                model,
                "--layers",
                "3",
                "--layer-metric",
                "task",
                "--task",
                task.toString(),
                "--out",
                tmp.resolve("task").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("keeps the task accuracy highest").contains("on 3 items");

        r = CommandsTest.run(
                "prune",
                model,
                "--scores",
                scores.toString(),
                "--layers",
                "3",
                "--out",
                tmp.resolve("bi").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("lowest Block Influence");
    }

    @Test
    void searchDryRunOnLlama31_8BFindsTheMinitronWidthShape() throws Exception {
        Path dir = tmp.resolve("8b");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), dev.topiary.model.LlamaConfigTest.LLAMA_31_8B);
        CommandsTest.Run r = CommandsTest.run("search", dir.toString(), "--dry-run", "--target-params", "4.52e9");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("steps: hidden 256, ffn 512, layers 2 (the reference implementation's)")
                .contains("heads kept (32, GQA)")
                .containsPattern("\\s3072\\s+9216\\s+32\\s+32\\s+4,512,746,496")
                .containsPattern("candidates: \\d+");
    }

    @Test
    void dryRunNeedsOnlyAConfig() throws Exception {
        Path dir = tmp.resolve("only-config");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), dev.topiary.model.LlamaConfigTest.LLAMA_31_8B);
        CommandsTest.Run r =
                CommandsTest.run("prune", dir.toString(), "--dry-run", "--hidden", "3072", "--ffn", "9216");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("4,512,746,496 parameters");
        r = CommandsTest.run(
                "prune",
                dir.toString(),
                "--dry-run",
                "--drop-layers",
                "15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30");
        assertThat(r.out()).contains("layers 16").contains("4,540,469,248 parameters");
        r = CommandsTest.run("prune", dir.toString(), "--dry-run", "--heads", "12");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--heads 12 is not a multiple of the 8 KV heads");
        r = CommandsTest.run(
                "prune",
                dir.toString(),
                "--hidden",
                "3072",
                "--out",
                tmp.resolve("x").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--scores");
    }
}
