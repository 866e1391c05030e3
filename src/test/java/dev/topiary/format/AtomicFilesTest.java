package dev.topiary.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.io.DType;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.SmallDisk;
import dev.topiary.model.LlamaWeights;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outputs appear whole or not at all: files, folders, and what a full disk leaves behind. */
class AtomicFilesTest {
    @TempDir
    Path tmp;

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static LlamaWeights tinyModel() {
        return dev.topiary.model.Init.normal(dev.topiary.model.LlamaConfig.preset("stories260K"), 1, 0.02);
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndLeavesNoTemporary() throws IOException {
        Path f = tmp.resolve("a.json");
        AtomicFiles.writeString(f, "old");
        assertThatThrownBy(() -> AtomicFiles.write(f, t -> {
                    Files.writeString(t, "half");
                    throw new IOException("No space left on device");
                }))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("No space left");
        assertThat(Files.readString(f)).isEqualTo("old");
        assertThat(names(tmp)).containsExactly("a.json");
    }

    @Test
    void aFolderAppearsWholeOrNotAtAll() throws IOException {
        Path dir = tmp.resolve("model");
        assertThatThrownBy(() -> AtomicFiles.writeFolder(dir, t -> {
                    Files.writeString(t.resolve("config.json"), "{}");
                    throw new IOException("No space left on device");
                }))
                .hasMessageContaining("No space left");
        assertThat(names(tmp)).isEmpty();

        AtomicFiles.writeFolder(dir, t -> Files.writeString(t.resolve("config.json"), "{\"v\": 1}"));
        // a failed rewrite keeps the previous folder as it was
        assertThatThrownBy(() -> AtomicFiles.writeFolder(dir, t -> {
                    throw new IOException("No space left on device");
                }))
                .isInstanceOf(IOException.class);
        assertThat(Files.readString(dir.resolve("config.json"))).isEqualTo("{\"v\": 1}");
        AtomicFiles.writeFolder(dir, t -> Files.writeString(t.resolve("config.json"), "{\"v\": 2}"));
        assertThat(Files.readString(dir.resolve("config.json"))).isEqualTo("{\"v\": 2}");
        assertThat(names(tmp)).containsExactly("model");
    }

    @Test
    void anUnrelatedFolderOrAFileIsNeverReplaced() throws IOException {
        Path other = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(other.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> AtomicFiles.writeFolder(other, t -> Files.writeString(t.resolve("config.json"), "{}")))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("is a folder of other files (no config.json)");
        assertThat(names(other)).containsExactly("notes.txt");
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        assertThatThrownBy(() -> AtomicFiles.writeFolder(file, t -> {})).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(names(tmp)).containsExactly("afile", "home");
    }

    @Test
    void anHfFolderOnAFullDiskLeavesNothing() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(tmp, 600)) { // the fp32 model is about 1 MB
            Path out = disk.dir.resolve("model");
            assertThatThrownBy(() -> HfCheckpoint.save(out, tinyModel(), DType.F32, 0))
                    .isInstanceOf(FileSystemException.class)
                    .hasMessageContaining("No space left on device")
                    .hasMessageContaining(out.resolve("model.safetensors").toString());
            assertThat(names(disk.dir)).isEmpty();
        }
    }

    @Test
    void aGgufOnAFullDiskLeavesNothing() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(tmp, 600)) {
            GgufWriter g = new GgufWriter();
            g.addTensor("t", new long[] {300_000}, GgmlType.F32, new float[300_000]);
            assertThatThrownBy(() -> g.write(disk.dir.resolve("m.gguf")))
                    .hasMessageContaining("No space left on device");
            assertThat(names(disk.dir)).isEmpty();
        }
    }
}
