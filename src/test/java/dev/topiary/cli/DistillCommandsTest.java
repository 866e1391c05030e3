package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * distill, correct and synth end to end: stories260K pruned to about half its parameters and
 * distilled for a few thousand tokens gets closer to its teacher.
 */
class DistillCommandsTest {
    @TempDir
    Path tmp;

    static List<JsonNode> vals(Path metrics) throws Exception {
        ObjectMapper json = new ObjectMapper();
        return Files.readAllLines(metrics).stream()
                .map(l -> {
                    try {
                        return json.readTree(l);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                })
                .filter(n -> n.has("val_loss"))
                .toList();
    }

    @Test
    void prunedHalfThenDistilledApproachesTheTeacher() throws Exception {
        String teacher = SharedFiles.require("models/stories260K-hf").toString();
        String text = Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"));
        Path corpus = tmp.resolve("corpus.txt");
        Files.writeString(corpus, text.substring(0, 80_000));
        Path student = tmp.resolve("student");
        CommandsTest.Run r = CommandsTest.run(
                "prune",
                teacher,
                "--scores",
                "src/test/resources/fixtures/stories260k-pruned/scores.json",
                "--hidden",
                "48",
                "--ffn",
                "128",
                "--heads",
                "4",
                "--out",
                student.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Path out = tmp.resolve("run");
        r = CommandsTest.run(
                "distill",
                "--teacher",
                teacher,
                "--student",
                student.toString(),
                "--data",
                corpus.toString(),
                "--out",
                out.toString(),
                "--tokens",
                "6000",
                "--seq-len",
                "64",
                "--batch",
                "4",
                "--lr",
                "2e-3",
                "--eval-every",
                "12",
                "--val-batches",
                "4");
        assertThat(r.code()).as(r.err()).isZero();
        List<JsonNode> v = vals(out.resolve("metrics.jsonl"));
        JsonNode first = v.getFirst(), last = v.getLast();
        assertThat(last.get("val_kl").asDouble())
                .isLessThan(0.7 * first.get("val_kl").asDouble());
        assertThat(last.get("val_loss").asDouble())
                .isLessThan(first.get("val_loss").asDouble());
        assertThat(out.resolve("model/model.safetensors")).exists();

        // the same with a teacher cache and the top-k loss: the cache is written once, then read
        Path cache = tmp.resolve("teacher.kd");
        String[] topk = {
            "distill",
            "--teacher",
            teacher,
            "--student",
            student.toString(),
            "--data",
            corpus.toString(),
            "--out",
            tmp.resolve("run2").toString(),
            "--steps",
            "3",
            "--seq-len",
            "64",
            "--batch",
            "4",
            "--loss",
            "topk",
            "--top-k",
            "16",
            "--teacher-cache",
            cache.toString()
        };
        CommandsTest.Run once = CommandsTest.run(topk);
        assertThat(once.code()).as(once.err() + once.out()).isZero();
        assertThat(cache).exists();
        long size = Files.size(cache);
        topk[8] = tmp.resolve("run3").toString();
        assertThat(CommandsTest.run(topk).code()).isZero();
        assertThat(Files.size(cache)).isEqualTo(size);
    }

    @Test
    void synthAndCorrect() throws Exception {
        String teacher = SharedFiles.require("models/stories260K-hf").toString();
        Path corpus = tmp.resolve("synth.jsonl");
        CommandsTest.Run r = CommandsTest.run(
                "synth", teacher, "--samples", "6", "--max-tokens", "80", "--out", corpus.toString(), "--seed", "4");
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(corpus);
        assertThat(lines).hasSize(6);
        assertThat(new ObjectMapper().readTree(lines.getFirst()).get("text").asText())
                .isNotBlank();
        Path again = tmp.resolve("again.jsonl");
        CommandsTest.run(
                "synth", teacher, "--samples", "6", "--max-tokens", "80", "--out", again.toString(), "--seed", "4");
        assertThat(Files.readAllLines(again)).isEqualTo(lines); // reproducible

        r = CommandsTest.run(
                "correct",
                teacher,
                "--data",
                corpus.toString(),
                "--out",
                tmp.resolve("corrected").toString(),
                "--steps",
                "2",
                "--seq-len",
                "32",
                "--batch",
                "2",
                "--val-fraction",
                "0.2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(tmp.resolve("corrected/model/tokenizer.json")).exists();
    }

    @Test
    void teacherAndStudentMustShareATokenizer() {
        CommandsTest.Run r = CommandsTest.run(
                "distill",
                "--teacher",
                SharedFiles.require("data/tokenizer-vectors/ggml-vocab-llama-spm.gguf")
                        .toString(),
                "--student",
                SharedFiles.require("models/stories260K-hf").toString(),
                "--data",
                "x.txt",
                "--out",
                tmp.resolve("o").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("tokenizers differ").contains("32000").contains("512");
    }
}
