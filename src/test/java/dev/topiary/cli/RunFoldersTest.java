package dev.topiary.cli;

import static dev.topiary.cli.FailuresTest.assertOneLine;
import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import dev.topiary.recipe.Compress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run folders are reused only by the run that made them (docs/failures.md, "Files, numbers and
 * runs"): demo kinds, compress stages over edited data, and search output.
 */
class RunFoldersTest {
    @TempDir
    Path tmp;

    @Test
    void aDemoFolderOfAnotherKindIsRefused() throws Exception {
        Path out = tmp.resolve("demo");
        DemoCommand.claimRunFolder(out, "quick, shared stories260K");
        DemoCommand.claimRunFolder(out, "quick, shared stories260K"); // the same kind again: resumed
        Path shared = SharedFiles.require("models/stories260K-hf").getParent().getParent();
        var r = assertOneLine(CommandsTest.run("demo", "--out", out.toString(), "--shared", shared.toString()), 2);
        assertThat(r.err())
                .contains(out
                        + " holds a demo of another kind (quick, shared stories260K; now full, shared stories260K)");
        assertThat(out.resolve("compress")).doesNotExist();

        Path older = Files.createDirectories(tmp.resolve("older"));
        Files.writeString(older.resolve("corpus.txt"), "x");
        r = assertOneLine(CommandsTest.run("demo", "--quick", "--self-made", "--out", older.toString()), 2);
        assertThat(r.err()).contains("holds no demo.json");
    }

    @Test
    void eachDemoKindHasItsOwnDefaultFolder() {
        assertThat(DemoCommand.defaultOut(false, false)).isEqualTo(Path.of("runs/demo"));
        assertThat(DemoCommand.defaultOut(true, false)).isEqualTo(Path.of("runs/demo-quick"));
        assertThat(DemoCommand.defaultOut(false, true)).isEqualTo(Path.of("runs/demo-self-made"));
        assertThat(DemoCommand.defaultOut(true, true)).isEqualTo(Path.of("runs/demo-self-made-quick"));
    }

    @Test
    void compressRefusesFinishedStagesOverDataEditedInPlace() throws Exception {
        String text = Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"));
        Path data = Files.writeString(tmp.resolve("corpus.txt"), text.substring(0, 30_000));
        String model = SharedFiles.require("models/stories260K-hf").toString();
        Path run = tmp.resolve("run");
        Compress.Plan plan = new Compress.Plan(
                model,
                List.of(data.toString()),
                null,
                null,
                null,
                null,
                150_000L,
                6,
                0,
                1_000_000,
                256,
                128,
                8,
                2e-3f,
                200,
                1);
        Compress c = new Compress(plan, run, s -> {});
        c.requestStop(); // state.json written, no stage run
        assertThat(c.run()).isFalse();
        assertThat(Files.readString(run.resolve("state.json"))).contains("data_sha256");

        Files.writeString(data, text.substring(1, 30_001)); // edited in place, same name
        var r = assertOneLine(
                CommandsTest.run(
                        "compress",
                        model,
                        "--data",
                        data.toString(),
                        "--out",
                        run.toString(),
                        "--target-params",
                        "150000",
                        "--correct-tokens",
                        "0"),
                2);
        assertThat(r.err()).contains(data + " changed since the stages in " + run + " were made from it (SHA-256");
        assertThat(run.resolve("scores.json")).doesNotExist();
    }

    @Test
    void searchWritesIntoARunFolderNotTheCurrentOne() {
        SearchCommand s = new SearchCommand();
        s.model = Path.of("/models/stories260K-hf");
        s.targetParams = 130_000;
        assertThat(s.runFolder()).isEqualTo(Path.of("runs/search-stories260K-hf-130000"));
        s.out = Path.of("/tmp/x");
        assertThat(s.runFolder()).isEqualTo(Path.of("/tmp/x"));
    }
}
