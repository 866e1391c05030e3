package dev.topiary.cli;

import static dev.topiary.cli.FailuresTest.assertOneLine;
import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import dev.topiary.io.Safetensors;
import dev.topiary.io.SmallDisk;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints carry CRC32C checksums that {@code --resume} verifies; a new checkpoint replaces the
 * previous one only once it is complete (docs/failures.md, "Files, numbers and runs").
 */
class CheckpointIntegrityTest {
    @TempDir
    Path tmp;

    String[] args(Path out, String steps, String... more) throws IOException {
        String text = Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"));
        Path corpus = tmp.resolve("corpus.txt");
        if (!Files.exists(corpus)) Files.writeString(corpus, text.substring(0, 20_000));
        String[] base = {
            "train",
            "--model",
            SharedFiles.require("models/stories260K-hf").toString(),
            "--data",
            corpus.toString(),
            "--out",
            out.toString(),
            "--steps",
            steps,
            "--seq-len",
            "32",
            "--batch",
            "2",
            "--checkpoint-every",
            "2",
            "--eval-every",
            "2",
            "--val-batches",
            "1"
        };
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    static void flipBit(Path file, long offset) throws IOException {
        flipBit(file, offset, 0x10);
    }

    static void flipBit(Path file, long offset, int mask) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ mask);
        }
    }

    static long dataStart(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] len = new byte[8];
            f.readFully(len);
            return 8
                    + java.nio.ByteBuffer.wrap(len)
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .getLong();
        }
    }

    @Test
    void aFlippedBitInTheCheckpointIsRefusedOnResume() throws IOException {
        Path out = tmp.resolve("run");
        assertThat(CommandsTest.run(args(out, "2")).code()).isZero();
        Path ck = out.resolve("checkpoint/checkpoint.safetensors");
        assertThat(CommandsTest.run(args(out, "2", "--resume")).code())
                .as("an intact checkpoint resumes")
                .isZero();

        flipBit(ck, dataStart(ck) + 4 * 1000 + 1); // one bit of parameter 1000
        var r = assertOneLine(CommandsTest.run(args(out, "2", "--resume")), 2);
        assertThat(r.err()).contains(ck + ": corrupt checkpoint: tensor").contains("CRC32C");
        flipBit(ck, dataStart(ck) + 4 * 1000 + 1); // back as it was
        assertThat(CommandsTest.run(args(out, "2", "--resume")).code()).isZero();

        long step = Files.readString(ck, java.nio.charset.StandardCharsets.ISO_8859_1)
                .indexOf("\"step\":\"2\"");
        assertThat(step).isPositive();
        flipBit(ck, step + 8, 0x01); // step "2" becomes "3": the metadata no longer matches
        r = assertOneLine(CommandsTest.run(args(out, "2", "--resume")), 2);
        assertThat(r.err()).contains("corrupt checkpoint");
    }

    @Test
    void thePreviousCheckpointStaysUntilTheNextIsComplete() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(tmp, 5000)) { // one checkpoint (3.1 MB) fits, not two
            Path out = disk.dir.resolve("run");
            var r = assertOneLine(CommandsTest.run(args(out, "4")), 2);
            assertThat(r.err()).contains("no space left on device");
            Path ck = out.resolve("checkpoint/checkpoint.safetensors");
            try (Safetensors st = Safetensors.open(ck)) {
                assertThat(st.metadata().get("step")).isEqualTo("2");
            }
            assertThat(FailuresTest.anyTemporary(disk.dir)).isFalse();
        }
    }
}
