package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import dev.topiary.io.Models;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `topiary train` end to end: from scratch on real text, outputs, refusal to overwrite, resume. */
class TrainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void trainsFromScratchWritesAnHfFolderAndResumes() throws Exception {
        Path tok = SharedFiles.require("models/stories260K-hf");
        String text = Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"));
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, text.substring(0, 30_000));
        Path config = tmp.resolve("config.json");
        Files.writeString(config, """
                {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 512, "rms_norm_eps": 1e-5,
                 "tie_word_embeddings": true, "max_position_embeddings": 256}
                """);
        Path out = tmp.resolve("run");
        String[] args = {
            "train",
            "--config",
            config.toString(),
            "--tokenizer",
            tok.toString(),
            "--data",
            corpus.toString(),
            "--out",
            out.toString(),
            "--seq-len",
            "32",
            "--batch",
            "4",
            "--steps",
            "20",
            "--lr",
            "1e-2",
            "--eval-every",
            "10",
            "--checkpoint-every",
            "10"
        };
        CommandsTest.Run r = CommandsTest.run(args);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("done: validation loss").contains("model written to");
        for (String f : new String[] {
            "model/config.json", "model/model.safetensors", "model/tokenizer.json", "checkpoint/checkpoint.safetensors"
        }) assertThat(out.resolve(f)).exists();
        var lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(21).first().asString().contains("\"step\":0");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        double first = json.readTree(lines.getFirst()).get("val_loss").asDouble(),
                last = json.readTree(lines.getLast()).get("val_loss").asDouble();
        assertThat(last).as("validation loss falls from scratch").isLessThan(first - 0.3);
        Models.Loaded m = Models.load(out.resolve("model"));
        assertThat(m.config().hidden()).isEqualTo(32);
        assertThat(m.tokenizer().vocabSize()).isEqualTo(512);
        assertThat(CommandsTest.run("generate", out.resolve("model").toString(), "--max-tokens", "5")
                        .code())
                .isZero();

        // the run folder is not overwritten by accident
        CommandsTest.Run again = CommandsTest.run(args);
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("already holds a run").contains("--resume");
        // a resume of a finished run changes nothing and succeeds
        String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
        resume[args.length] = "--resume";
        byte[] before = Files.readAllBytes(out.resolve("model/model.safetensors"));
        assertThat(CommandsTest.run(resume).code()).isZero();
        assertThat(Files.readAllBytes(out.resolve("model/model.safetensors"))).isEqualTo(before);
    }

    @Test
    void badOptionsAreRefusedBeforeAnyWork() {
        CommandsTest.Run r =
                CommandsTest.run("train", "--config", "stories260K", "--data", "x.txt", "--out", tmp.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--tokenizer");
        r = CommandsTest.run(
                "train",
                "--config",
                "nope",
                "--tokenizer",
                SharedFiles.require("models/stories260K-hf").toString(),
                "--data",
                "x.txt",
                "--out",
                tmp.resolve("o").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("nope").contains("preset");
    }

    @Test
    void fineTuningALlama2cFileWritesTokenizerFilesToo() throws Exception {
        String text = Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"));
        Path corpus = tmp.resolve("c.txt");
        Files.writeString(corpus, text.substring(0, 20_000));
        Path out = tmp.resolve("ft");
        CommandsTest.Run r = CommandsTest.run(
                "train",
                "--model",
                SharedFiles.require("models/stories260K/stories260K.bin").toString(),
                "--data",
                corpus.toString(),
                "--out",
                out.toString(),
                "--seq-len",
                "64",
                "--batch",
                "2",
                "--steps",
                "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("model/tokenizer.json")).exists();
        assertThat(CommandsTest.run("tokenize", out.resolve("model").toString(), "--text", "Hello world")
                        .out()
                        .strip())
                .isEqualTo("1 346 306 414 263 304 341");
    }
}
