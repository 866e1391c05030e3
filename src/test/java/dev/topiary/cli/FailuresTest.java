package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import dev.topiary.io.SmallDisk;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one error path of the command line (docs/failures.md, "Files, numbers and runs"): each case
 * ends in one line naming the file or option, exit 2, and leaves nothing half-written.
 */
class FailuresTest {
    @TempDir
    Path tmp;

    /** One line on stderr, no stack trace, the given exit code. */
    static CommandsTest.Run assertOneLine(CommandsTest.Run r, int code) {
        assertThat(r.code()).as(r.err()).isEqualTo(code);
        assertThat(r.err().strip()).as("one line").doesNotContain("\n").startsWith("topiary ");
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
        return r;
    }

    static Path model() {
        return SharedFiles.require("models/stories260K-hf");
    }

    Path corpus(int chars) throws IOException {
        String text = Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"));
        return Files.writeString(tmp.resolve("corpus.txt"), text.substring(0, chars));
    }

    static boolean anyTemporary(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().contains(".tmp"));
        }
    }

    @Test
    void outThatIsAFileIsOneLine() throws IOException {
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        var r = assertOneLine(
                CommandsTest.run(
                        "train",
                        "--model",
                        model().toString(),
                        "--data",
                        corpus(5000).toString(),
                        "--out",
                        file.toString(),
                        "--steps",
                        "1"),
                2);
        assertThat(r.err()).contains(file.toString()).contains("as a file where a folder is needed");
    }

    @Test
    void aFullDiskDuringTrainingIsOneLineAndLeavesNoTemporary() throws Exception {
        Path data = corpus(20_000);
        try (SmallDisk disk = SmallDisk.mount(tmp, 2048)) { // the checkpoint of stories260K is about 3 MB
            Path out = disk.dir.resolve("r");
            var r = assertOneLine(
                    CommandsTest.run(
                            "train",
                            "--model",
                            model().toString(),
                            "--data",
                            data.toString(),
                            "--out",
                            out.toString(),
                            "--checkpoint-every",
                            "2",
                            "--steps",
                            "2",
                            "--seq-len",
                            "32",
                            "--batch",
                            "2"),
                    2);
            assertThat(r.err())
                    .contains("no space left on device while writing "
                            + out.resolve("checkpoint/checkpoint.safetensors"));
            assertThat(anyTemporary(disk.dir)).isFalse();
            assertThat(out.resolve("model")).doesNotExist();
            assertThat(out.resolve("checkpoint/checkpoint.safetensors")).doesNotExist();
        }
    }

    @Test
    void aReadOnlyDiskIsOneLine() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(tmp, 64)) {
            new ProcessBuilder("mount", "-o", "remount,ro", disk.dir.toString())
                    .start()
                    .waitFor();
            var r = assertOneLine(
                    CommandsTest.run(
                            "export",
                            model().toString(),
                            "--format",
                            "gguf",
                            "--out",
                            disk.dir.resolve("m.gguf").toString()),
                    2);
            assertThat(r.err())
                    .contains(disk.dir.resolve("m.gguf") + ": the file system is read-only; choose another --out");
        }
    }

    @Test
    void fileSystemExceptionsNameTheFileAndWhatToDo() {
        assertThat(Failures.of(new AccessDeniedException("/srv/out")).line())
                .isEqualTo("/srv/out: permission denied; choose a place you may write to, or change its permissions");
        assertThat(Failures.of(new java.io.UncheckedIOException(new NoSuchFileException("x.txt")))
                        .line())
                .isEqualTo("no such file or folder: x.txt; check the path");
        assertThat(Failures.of(new NotDirectoryException("/a/b")).line())
                .isEqualTo("/a/b is not a folder; a folder is needed there");
        assertThat(Failures.of(new FileSystemException("/mnt/f/r/x", null, "No space left on device"))
                        .line())
                .startsWith("no space left on device while writing /mnt/f/r/x; free some space");
        assertThat(Failures.of(new java.nio.charset.MalformedInputException(1)).line())
                .contains("not UTF-8 text");
        assertThat(Failures.of(new OutOfMemoryError("Java heap space")).code()).isEqualTo(Failures.USER);
        assertThat(Failures.of(new NullPointerException("boom"))).satisfies(o -> {
            assertThat(o.code()).isEqualTo(Failures.BUG);
            assertThat(o.line())
                    .startsWith("internal error: java.lang.NullPointerException: boom")
                    .contains("-Dtopiary.trace=true");
        });
    }

    @Test
    void malformedJsonNamesTheLine() throws IOException {
        Path f = Files.writeString(tmp.resolve("p.json"), "{\"model\": \n");
        try {
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            assertThat(Failures.of(e).line()).startsWith("line 2, column 1: not the JSON expected");
            return;
        }
        throw new AssertionError("no exception");
    }
}
