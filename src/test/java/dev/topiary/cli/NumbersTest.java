package dev.topiary.cli;

import static dev.topiary.cli.FailuresTest.assertOneLine;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.SharedFiles;
import dev.topiary.format.AtomicFiles;
import dev.topiary.io.DType;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.model.LlamaWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Non-finite weights, sizes and values checked before any work (docs/failures.md, "Files,
 * numbers and runs"): one line naming the option or file and the value, exit 2.
 */
class NumbersTest {
    @TempDir
    Path tmp;

    static Path model() {
        return SharedFiles.require("models/stories260K-hf");
    }

    Path corpus(int chars) throws IOException {
        String text = Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"));
        return Files.writeString(tmp.resolve("corpus.txt"), text.substring(0, chars));
    }

    /** stories260K with one NaN weight, in model.layers.1.mlp.up_proj.weight. */
    Path nanModel() throws IOException {
        LlamaWeights w = HfCheckpoint.load(model());
        LlamaWeights.View v = w.views().stream()
                .filter(x -> x.name().equals("model.layers.1.mlp.up_proj.weight"))
                .findFirst()
                .orElseThrow();
        v.array()[70] = Float.NaN;
        Path out = tmp.resolve("nan-model");
        HfCheckpoint.save(out, w, DType.F32, 0, model());
        return out;
    }

    @Test
    void aModelWithANaNWeightIsRefusedNamingTheTensor() throws IOException {
        Path nan = nanModel();
        for (String[] args : new String[][] {
            {"generate", nan.toString(), "--max-tokens", "3"},
            {"eval", nan.toString(), "--data", corpus(3000).toString()}
        }) {
            var r = assertOneLine(CommandsTest.run(args), 2);
            assertThat(r.err())
                    .contains("tensor 'model.layers.1.mlp.up_proj.weight' holds NaN at index 70 (row 1, column 6)")
                    .contains("--allow-nonfinite");
        }
    }

    @Test
    void withAllowNonFiniteEvalStillRefusesANaNPerplexity() throws IOException {
        var r = assertOneLine(
                CommandsTest.run(
                        "eval", nanModel().toString(), "--data", corpus(3000).toString(), "--allow-nonfinite"),
                2);
        assertThat(r.err()).contains("log-likelihood is NaN").contains("not finite");
    }

    @Test
    void trainingANaNModelStopsAtTheFirstStepAndWritesNoModel() throws IOException {
        Path out = tmp.resolve("run");
        var r = assertOneLine(
                CommandsTest.run(
                        "--allow-nonfinite",
                        "train",
                        "--model",
                        nanModel().toString(),
                        "--data",
                        corpus(20_000).toString(),
                        "--out",
                        out.toString(),
                        "--steps",
                        "5",
                        "--seq-len",
                        "32",
                        "--batch",
                        "2",
                        "--checkpoint-every",
                        "1"),
                2);
        assertThat(r.err())
                .contains("training loss is NaN at step 1, before any finite step")
                .contains("no model written");
        assertThat(out.resolve("model")).doesNotExist();
        assertThat(out.resolve("checkpoint/checkpoint.safetensors")).doesNotExist();
    }

    @Test
    void perplexityOfAnEmptyFileIsAnError() throws IOException {
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        var r = assertOneLine(CommandsTest.run("eval", model().toString(), "--data", empty.toString()), 2);
        assertThat(r.err()).contains(empty + ": no text to score");
    }

    @Test
    void sizesBeyondTheHeapOrTheContextAreRefusedFirst() throws IOException {
        Path data = corpus(3000);
        var r = assertOneLine(
                CommandsTest.run("eval", model().toString(), "--data", data.toString(), "--seq-len", "2048"), 2);
        assertThat(r.err())
                .contains("--seq-len 2048 is longer than the model's context (max_position_embeddings 512)")
                .contains("--beyond-context");
        r = assertOneLine(
                CommandsTest.run(
                        "eval",
                        model().toString(),
                        "--data",
                        data.toString(),
                        "--seq-len",
                        "1000000000",
                        "--beyond-context"),
                2);
        assertThat(r.err())
                .contains("--seq-len 1000000000 needs about")
                .contains("logits")
                .contains("lower --seq-len");
        r = assertOneLine(
                CommandsTest.run(
                        "train",
                        "--model",
                        model().toString(),
                        "--data",
                        data.toString(),
                        "--out",
                        tmp.resolve("t").toString(),
                        "--seq-len",
                        "100000"),
                2);
        assertThat(r.err())
                .contains("training with --seq-len 100000 --batch 8 needs about")
                .contains("attention probabilities");
        assertThat(tmp.resolve("t/checkpoint")).doesNotExist();
    }

    @Test
    void badValuesAndConfigsAreOneLine() throws IOException {
        Path data = corpus(20_000);
        var r = assertOneLine(
                CommandsTest.run(
                        "train",
                        "--model",
                        model().toString(),
                        "--data",
                        data.toString(),
                        "--out",
                        tmp.resolve("v").toString(),
                        "--val-fraction",
                        "1.5"),
                2);
        assertThat(r.err()).contains("--val-fraction").contains("[0, 1)").contains("1.5");
        Path bin = Files.write(tmp.resolve("bin.txt"), new byte[] {'a', 'b', (byte) 0xC3, (byte) 0x28, 0, 1, 2});
        r = assertOneLine(CommandsTest.run("eval", model().toString(), "--data", bin.toString()), 2);
        assertThat(r.err()).contains(bin + ": not UTF-8 text (invalid byte at offset 2)");

        ObjectMapper json = new ObjectMapper();
        for (String[] c : new String[][] {
            {"vocab_size", "2147483647", "a model of 137439180672 parameters needs about 512.0 GiB"},
            {"num_hidden_layers", "0", "invalid num_hidden_layers (at least 1) = 0"},
            {"hidden_size", "64.5", "non-integer field 'hidden_size' (got 64.5)"}
        }) {
            ObjectNode cfg =
                    (ObjectNode) json.readTree(model().resolve("config.json").toFile());
            cfg.set(c[0], json.readTree(c[1]));
            Path f = tmp.resolve(c[0] + ".json");
            AtomicFiles.writeString(f, cfg.toString());
            r = assertOneLine(
                    CommandsTest.run(
                            "train",
                            "--config",
                            f.toString(),
                            "--tokenizer",
                            model().toString(),
                            "--data",
                            data.toString(),
                            "--out",
                            tmp.resolve("c").toString(),
                            "--steps",
                            "1"),
                    2);
            assertThat(r.err()).contains(c[2]);
        }
    }

    @Test
    void planAndMetricsFilesAreCheckedFieldByField() throws IOException {
        String base = "\"model\": \"m\", \"data\": [\"d\"], \"targetParams\": 100, \"candidates\": 6,"
                + " \"correctTokens\": 0, \"distillTokens\": 1000, \"calibSamples\": 8, \"seqLen\": 64, \"batch\": 8,"
                + " \"lr\": 0.002, \"evalItems\": 20";
        String runDir = tmp.resolve("c").toString();
        Path missing = Files.writeString(tmp.resolve("missing.json"), "{" + base + "}");
        var r = assertOneLine(CommandsTest.run("compress", "--plan", missing.toString(), "--out", runDir), 2);
        assertThat(r.err()).contains(missing + ": missing field 'seed'");
        Path unknown = Files.writeString(tmp.resolve("unknown.json"), "{" + base + ", \"seed\": 1, \"colour\": 3}");
        r = assertOneLine(CommandsTest.run("compress", "--plan", unknown.toString(), "--out", runDir), 2);
        assertThat(r.err()).contains(unknown + ": unknown field 'colour'");
        String typedPlan = base.replace("\"seqLen\": 64", "\"seqLen\": \"x\"");
        Path typed = Files.writeString(tmp.resolve("typed.json"), "{" + typedPlan + ", \"seed\": 1}");
        r = assertOneLine(CommandsTest.run("compress", "--plan", typed.toString(), "--out", runDir), 2);
        assertThat(r.err()).contains(typed + ": field 'seqLen' has the wrong type (got \"x\")");
        assertThat(tmp.resolve("c")).doesNotExist();

        Path notMetrics = Files.writeString(tmp.resolve("story.txt"), "Once upon a time");
        r = assertOneLine(
                CommandsTest.run(
                        "plot",
                        notMetrics.toString(),
                        "--out",
                        tmp.resolve("p.svg").toString()),
                2);
        assertThat(r.err()).contains(notMetrics + ": line 1 is not JSON");
        assertThat(tmp.resolve("p.svg")).doesNotExist();
    }
}
