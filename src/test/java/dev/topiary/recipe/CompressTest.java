package dev.topiary.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline end to end on stories260K, and its resumption after a stop during distillation. */
class CompressTest {
    @TempDir
    Path tmp;

    Compress.Plan plan(Path corpus, Long target) {
        return new Compress.Plan(
                SharedFiles.require("models/stories260K-hf").toString(),
                List.of(corpus.toString()),
                target == null ? 48 : null,
                target == null ? 128 : null,
                target == null ? 4 : null,
                null,
                target,
                3,
                2048,
                8192,
                8,
                64,
                4,
                2e-3f,
                20,
                1);
    }

    Path corpus() throws Exception {
        String text = Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"));
        Path c = tmp.resolve("corpus.txt");
        Files.writeString(c, text.substring(0, 60_000));
        return c;
    }

    @Test
    void stoppedDuringDistillationAndStartedAgainEndsWithTheSameModel() throws Exception {
        Path corpus = corpus();
        List<String> log = new ArrayList<>();
        Path straight = tmp.resolve("straight");
        assertThat(new Compress(plan(corpus, null), straight, log::add).run()).isTrue();
        for (String f : List.of(
                "correct/model/config.json",
                "scores.json",
                "pruned/config.json",
                "distill/model/model.safetensors",
                "eval.json",
                "export/README.md",
                "export/model.safetensors",
                "export/model.gguf",
                "export/readback.json",
                "report.html",
                "metrics.json")) assertThat(straight.resolve(f)).as(f).exists();
        String html = Files.readString(straight.resolve("report.html"));
        assertThat(html)
                .contains("<svg")
                .contains("Before and after")
                .contains("Block Influence")
                .contains("Attention head importance");
        assertThat(Files.readString(straight.resolve("export/README.md")))
                .contains("Source model")
                .contains("hidden 48");

        Path resumed = tmp.resolve("resumed");
        Compress first = new Compress(plan(corpus, null), resumed, log::add);
        first.stopDistillAfterForTests = 5;
        assertThat(first.run()).isFalse();
        assertThat(resumed.resolve("distill/checkpoint/checkpoint.safetensors")).exists();
        assertThat(resumed.resolve("eval.json")).doesNotExist();
        log.clear();
        assertThat(new Compress(plan(corpus, null), resumed, log::add).run()).isTrue();
        assertThat(log)
                .anyMatch(l -> l.contains("[importance] done earlier, skipped"))
                .anyMatch(l -> l.contains("resuming at step 5"));
        assertThat(Files.readAllBytes(resumed.resolve("distill/model/model.safetensors")))
                .isEqualTo(Files.readAllBytes(straight.resolve("distill/model/model.safetensors")));

        // a finished run does nothing again; another plan in the same folder is refused
        log.clear();
        assertThat(new Compress(plan(corpus, null), resumed, log::add).run()).isTrue();
        assertThat(log).allMatch(l -> l.contains("skipped"));
        assertThatThrownBy(() -> new Compress(plan(corpus, 150_000L), resumed, log::add).run())
                .hasMessageContaining("another plan");
    }

    @Test
    void searchUnderAParameterBudget() throws Exception {
        Path run = tmp.resolve("search");
        assertThat(new Compress(plan(corpus(), 150_000L), run, s -> {}).run()).isTrue();
        assertThat(Files.readString(run.resolve("search.json")))
                .contains("\"zero_shot\"")
                .contains("\"retrained\"")
                .contains("held-out loss after 512 tokens of logit KD");
        assertThat(Files.readString(run.resolve("report.html"))).contains("Candidates");
        var p = Files.readString(run.resolve("pruned/pruning.json"));
        long after = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(p)
                .get("parameters_after")
                .asLong();
        assertThat(after).isLessThanOrEqualTo(150_000L);
    }
}
