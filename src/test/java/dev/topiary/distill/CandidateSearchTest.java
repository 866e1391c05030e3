package dev.topiary.distill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import dev.topiary.io.Models;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.prune.Aggregation;
import dev.topiary.prune.Calibration;
import dev.topiary.prune.Importance;
import dev.topiary.prune.Scores;
import dev.topiary.train.TokenDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retrained ranking on stories260K: it reverses the zero-shot one, and the winner follows it. */
class CandidateSearchTest {
    @TempDir
    Path tmp;

    @Test
    void shortRetrainingReversesTheZeroShotRankingAndPicksItsOwnWinner() throws Exception {
        Models.Loaded m = Models.load(SharedFiles.require("models/stories260K-hf"));
        Path text = tmp.resolve("corpus.txt");
        Files.writeString(
                text,
                Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"))
                        .substring(0, 40_000));
        LlamaWeights w = m.requireWeights();
        Scores s = Importance.score(
                w,
                Calibration.samples(text, "text", m.requireTokenizer(), 32, 64, 1),
                Aggregation.Seq.MEAN_ABS,
                Aggregation.Batch.L2,
                null,
                "",
                null);
        TokenDataset ds = TokenDataset.load(text, "text", m.requireTokenizer(), 64, 0.05, 1);
        // both under 130,016 parameters: the zero-shot favourite (narrow, 8 heads) and a wide one with fewer heads
        LlamaConfig narrow = w.config.withShape(40, 162, 4, 8), wide = w.config.withShape(52, 122, 4, 4);
        var search = new CandidateSearch(
                w, s, ds, new CandidateSearch.Settings(8 * 64 * 8, 64, 8, 2e-3f, 1), tmp.resolve("s"), l -> {});
        List<CandidateSearch.Result> r = search.run(List.of(narrow, wide));
        assertThat(CandidateSearch.byZeroShot(r).getFirst().shape()).isEqualTo(narrow);
        assertThat(CandidateSearch.byRetrained(r).getFirst().shape()).isEqualTo(wide);
        var summary = search.summary(r, new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode());
        assertThat(summary.get("winner").get("hidden").asInt()).isEqualTo(52);
        assertThat(summary.get("zero_shot").get(0).get("hidden").asInt()).isEqualTo(40);
        assertThat(summary.get("tokens_total").asLong()).isEqualTo(2L * 8 * 64 * 8);
        assertThat(CandidateSearch.table(r)).contains("(2)");
    }

    @Test
    void aSearchStoppedBetweenAndDuringCandidatesEndsWithTheSameRankings() throws Exception {
        Models.Loaded m = Models.load(SharedFiles.require("models/stories260K-hf"));
        Path text = tmp.resolve("corpus.txt");
        Files.writeString(
                text,
                Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"))
                        .substring(0, 20_000));
        LlamaWeights w = m.requireWeights();
        Scores s = Importance.score(
                w,
                Calibration.samples(text, "text", m.requireTokenizer(), 8, 64, 1),
                Aggregation.Seq.MEAN_ABS,
                Aggregation.Batch.L2,
                null,
                "",
                null);
        TokenDataset ds = TokenDataset.load(text, "text", m.requireTokenizer(), 64, 0.05, 1);
        var settings = new CandidateSearch.Settings(4 * 64 * 4, 64, 4, 2e-3f, 3);
        List<LlamaConfig> shapes = List.of(
                w.config.withShape(48, 140, 5, 8),
                w.config.withShape(56, 120, 4, 8),
                w.config.withShape(64, 100, 3, 8));
        List<CandidateSearch.Result> straight =
                new CandidateSearch(w, s, ds, settings, tmp.resolve("a"), l -> {}).run(shapes);

        Path dir = tmp.resolve("b");
        var first = new CandidateSearch(w, s, ds, settings, dir, l -> {});
        first.stopAfterCandidatesForTests = 1; // killed after the first candidate
        assertThat(first.run(shapes)).isNull();
        assertThat(dir.resolve("candidates/" + CandidateSearch.name(shapes.get(0)) + ".json"))
                .exists();
        assertThat(dir.resolve("candidates/" + CandidateSearch.name(shapes.get(1)) + ".json"))
                .doesNotExist();
        var second = new CandidateSearch(w, s, ds, settings, dir, l -> {});
        second.stopAfterStepsForTests = 2; // and again in the middle of the second one's retraining
        assertThat(second.run(shapes)).isNull();
        assertThat(dir.resolve("candidates/" + CandidateSearch.name(shapes.get(1)) + ".checkpoint"))
                .isDirectory();
        List<String> log = new java.util.ArrayList<>();
        List<CandidateSearch.Result> resumed = new CandidateSearch(w, s, ds, settings, dir, log::add).run(shapes);
        assertThat(log)
                .anyMatch(l -> l.contains("done earlier"))
                .anyMatch(l -> l.contains("resuming") && l.contains("step 2"));
        for (int i = 0; i < shapes.size(); i++) {
            assertThat(resumed.get(i).zeroShot()).isEqualTo(straight.get(i).zeroShot());
            assertThat(resumed.get(i).retrained()).isEqualTo(straight.get(i).retrained());
        }
        assertThat(CandidateSearch.byRetrained(resumed).stream()
                        .map(CandidateSearch.Result::shape)
                        .toList())
                .isEqualTo(CandidateSearch.byRetrained(straight).stream()
                        .map(CandidateSearch.Result::shape)
                        .toList());
        // another search over the same folder is refused
        var other = new CandidateSearch(w, s, ds, new CandidateSearch.Settings(512, 64, 4, 1e-3f, 3), dir, l -> {});
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> other.run(shapes))
                .hasMessageContaining("another search");
    }
}
