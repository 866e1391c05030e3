package dev.topiary.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.verify.AlignTaskFile.Item;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlignmentEvalTest {
    @TempDir
    Path dir;

    List<Item> items(String... lines) throws Exception {
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, String.join("\n", lines));
        return AlignTaskFile.read(f);
    }

    @Test
    void scoresEveryKind() throws Exception {
        String call = AlignTaskFileTest.CALL;
        List<Item> items = items(
                AlignTaskFileTest.IFEVAL,
                AlignTaskFileTest.IFEVAL,
                call,
                call,
                call,
                call,
                AlignTaskFileTest.QA,
                AlignTaskFileTest.QA);
        List<String> responses = List.of(
                "paris is lovely in spring", // ifeval: strict 2/2
                "Paris:\nlovely, old and grand", // strict 1/2 (upper case), loose 2/2
                "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"paris\"}}", // match, schema-valid
                "get_weather(city='Paris', unit='k')", // no match (unit), schema-invalid (enum)
                "get_weather(town='Paris')", // no match, schema-invalid
                "The weather tool would help here.", // unparseable
                "the eiffel tower", // EM 1, F1 1
                "a tower in paris"); // EM 0; best F1 vs "The Eiffel Tower": [tower, in, paris] vs [eiffel, tower] =
        // 2*(1/3)(1/2)/(5/6) = 0.4
        AlignmentEval.Result r = AlignmentEval.score(items, responses);

        IfEval.Score s = r.ifeval().orElseThrow();
        assertThat(s.prompts()).isEqualTo(2);
        assertThat(s.promptStrict()).isEqualTo(0.5);
        assertThat(s.promptLoose()).isEqualTo(1.0);
        assertThat(s.instructionStrict()).isEqualTo(0.75);
        assertThat(s.instructionLoose()).isEqualTo(1.0);

        AlignmentEval.FunctionCallScore f = r.functionCalls().orElseThrow();
        assertThat(f.calls()).isEqualTo(4);
        assertThat(f.accuracy()).isEqualTo(0.25);
        assertThat(f.unparseable()).isEqualTo(0.25);
        assertThat(f.schemaValid()).isEqualTo(0.25);

        SquadMetrics.Score q = r.qa().orElseThrow();
        assertThat(q.questions()).isEqualTo(2);
        assertThat(q.exactMatch()).isEqualTo(0.5);
        assertThat(q.f1()).isCloseTo((1 + 0.4) / 2, within(1e-12));

        assertThat(r.verdicts()).hasSize(8);
        assertThat(r.verdicts().get(1).detail()).contains("all_lowercase (loose ok)");
        assertThat(r.verdicts().get(3).detail()).contains("argument 'unit'");
        assertThat(r.verdicts().get(5).detail()).isEqualTo("not parseable as a call");

        String table = r.table();
        assertThat(table)
                .contains("ifeval prompt-level strict", "0.5000", "function-call unparseable", "qa token F1", "0.7000");
        assertThat(table.lines()).hasSize(1 + 4 + 3 + 2);
    }

    @Test
    void onlyThePresentKindsAreReported() throws Exception {
        AlignmentEval.Result r = AlignmentEval.score(items(AlignTaskFileTest.QA), List.of("Eiffel"));
        assertThat(r.ifeval()).isEmpty();
        assertThat(r.functionCalls()).isEmpty();
        assertThat(r.qa().orElseThrow().exactMatch()).isEqualTo(1.0);
        assertThat(r.table())
                .doesNotContain("ifeval")
                .doesNotContain("function-call")
                .contains("qa exact match");
        assertThat(r.table().lines()).hasSize(3);
    }

    @Test
    void responsesMustPairWithItems() throws Exception {
        List<Item> items = items(AlignTaskFileTest.QA);
        assertThatThrownBy(() -> AlignmentEval.score(items, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 responses for 1 items");
    }
}
