package dev.topiary.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stage runner: done stages are skipped, a lost artifact is made again with what reads it, stops resume. */
class StageRunnerTest {
    @TempDir
    Path tmp;

    private final List<String> ran = new ArrayList<>();
    private boolean stopB;

    private Stage stage(String name, List<String> inputs) {
        return new Stage(name, inputs, name + ".txt", () -> {
            if (name.equals("b") && stopB) return false;
            ran.add(name);
            Files.writeString(tmp.resolve(name + ".txt"), name);
            return true;
        });
    }

    private List<Stage> stages() {
        return List.of(
                stage("a", List.of()), stage("b", List.of("a")), stage("c", List.of()), stage("d", List.of("b")));
    }

    private boolean run(ObjectNode state, String fingerprint) throws Exception {
        return new StageRunner(tmp, state, s -> {}, () -> false).run(stages(), fingerprint);
    }

    @Test
    void stagesRunOnceAndAgainOnlyWhenTheirArtifactOrAnInputIsRedone() throws Exception {
        ObjectNode state = new ObjectMapper().createObjectNode();
        stopB = true;
        assertThat(run(state, "p")).isFalse(); // b stopped: a done, the rest not run
        assertThat(ran).containsExactly("a");
        stopB = false;
        assertThat(run(state, "p")).isTrue();
        assertThat(ran).containsExactly("a", "b", "c", "d");
        assertThat(new ObjectMapper()
                        .readTree(tmp.resolve("state.json").toFile())
                        .get("done")
                        .toString())
                .isEqualTo("[\"a\",\"b\",\"c\",\"d\"]");

        ran.clear();
        assertThat(run(state, "p")).isTrue();
        assertThat(ran).isEmpty();

        Files.delete(tmp.resolve("a.txt")); // a lost artifact: a, and b and d after it
        assertThat(run(state, "p")).isTrue();
        assertThat(ran).containsExactly("a", "b", "d");

        ran.clear();
        assertThat(run(state, "other")).isTrue(); // another pipeline fingerprint: everything
        assertThat(ran).containsExactly("a", "b", "c", "d");
    }

    @Test
    void aStopRequestedBeforeAStageRunsNothing() throws Exception {
        ObjectNode state = new ObjectMapper().createObjectNode();
        assertThat(new StageRunner(tmp, state, s -> {}, () -> true).run(stages(), "p"))
                .isFalse();
        assertThat(ran).isEmpty();
    }
}
