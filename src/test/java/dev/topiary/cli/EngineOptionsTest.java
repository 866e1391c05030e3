package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.kernels.Parallel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** --threads and --verbose: in a fresh JVM, as a user runs topiary, and their errors in this one. */
class EngineOptionsTest {
    record Process(int code, String out, String err) {}

    /** {@code topiary args...} in a new JVM with the engine's flags; slf4j's level is left to Main. */
    static Process topiary(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        Path err = Files.createTempFile("topiary", ".err");
        try {
            java.lang.Process p =
                    new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            return new Process(p.exitValue(), out, Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    @Test
    void theEngineLogsOnlyWhenAskedAndTakesTheThreadCount() throws Exception {
        String model = CommandsTest.model("hf");
        Process quiet = topiary("generate", model, "--temperature", "0", "--max-tokens", "5", "--threads", "3");
        assertThat(quiet.code()).as(quiet.err()).isZero();
        assertThat(quiet.err()).doesNotContain("INFO").doesNotContain("ignored");
        Process verbose =
                topiary("generate", model, "--temperature", "0", "--max-tokens", "5", "--threads", "3", "--verbose");
        assertThat(verbose.code()).as(verbose.err()).isZero();
        assertThat(verbose.err())
                .contains("INFO dev.topiary.kernels.Kernels - kernels:")
                .contains("engine: 3 threads");
        assertThat(verbose.out()).isEqualTo(quiet.out()).isNotBlank();
    }

    @Test
    void badOrLateThreadCountsAreSaid() {
        var r = CommandsTest.run("generate", CommandsTest.model("hf"), "--threads", "0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--threads must be >= 1, got 0");
        // in this JVM the engine already runs: a different count cannot apply, and says so
        int running = Parallel.threads();
        java.io.PrintStream old = System.err;
        var bytes = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(bytes, true, StandardCharsets.UTF_8));
            CommandsTest.run(
                    "generate",
                    CommandsTest.model("hf"),
                    "--temperature",
                    "0",
                    "--max-tokens",
                    "1",
                    "--threads",
                    Integer.toString(running + 1));
        } finally {
            System.setErr(old);
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("--threads " + (running + 1) + " is ignored");
    }

    @Test
    void helpShowsTheEngineOptionsOnComputingCommandsOnly() {
        assertThat(CommandsTest.run("generate", "--help").out())
                .contains("--threads=N")
                .contains("--verbose");
        assertThat(CommandsTest.run("train", "--help").out()).contains("--threads=N");
        assertThat(CommandsTest.run("tokenize", "--help").out()).doesNotContain("--threads");
    }
}
