package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.io.Models;
import dev.topiary.model.LlamaConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code topiary bench --model}: options, output layout and JSON on stories260K (no timing is asserted). */
class BenchModelTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"hf", "gguf", "llama2c"})
    void printsPrefillAndDecodeRowsForEveryFormat(String format) {
        var r = CommandsTest.run(
                "bench",
                "--model",
                CommandsTest.model(format),
                "-p",
                "16",
                "-n",
                "8",
                "-r",
                "3",
                "--warmup",
                "1",
                "--no-bandwidth");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("F32", "0.3M parameters")
                .containsPattern("(?m)^pp16 +\\| +\\d+ \\| +[0-9.]+ \\|")
                .containsPattern("(?m)^tg8 +\\| +\\d+ \\| +[0-9.]+ \\|")
                .contains("peak RSS (VmHWM)")
                .contains("decode reads")
                .doesNotContain("memory bandwidth");
    }

    @Test
    void writesJsonWithRunsAndBandwidthShare() throws Exception {
        Path json = tmp.resolve("b.json");
        var r = CommandsTest.run(
                "bench",
                "--model",
                CommandsTest.model("gguf"),
                "--prompt-tokens",
                "12",
                "--gen-tokens",
                "4",
                "--repeat",
                "2",
                "--warmup",
                "0",
                "--json",
                json.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("memory bandwidth (copy").contains("of the copy bandwidth");
        JsonNode n = new ObjectMapper().readTree(json.toFile());
        assertThat(n.path("prefill").path("test").asText()).isEqualTo("pp12");
        assertThat(n.path("prefill").path("runs")).hasSize(2);
        assertThat(n.path("decode").path("test").asText()).isEqualTo("tg4");
        assertThat(n.path("decode").path("tokens_per_s_median").asDouble()).isPositive();
        assertThat(n.path("copy_bandwidth_bytes_per_s").asDouble()).isPositive();
        assertThat(n.path("decode_bandwidth_fraction").asDouble()).isPositive();
        assertThat(n.path("peak_rss_bytes").asLong()).isPositive();
    }

    @Test
    void skipsATestAtZeroTokensAndRejectsBadOptions() {
        var r = CommandsTest.run(
                "bench", "--model", CommandsTest.model("hf"), "-p", "0", "-n", "4", "-r", "1", "--no-bandwidth");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("pp0").contains("tg4");
        assertThat(CommandsTest.run("bench", "--model", CommandsTest.model("hf"), "-r", "0")
                        .code())
                .isNotZero();
        assertThat(CommandsTest.run("bench", "--model", CommandsTest.model("hf"), "-p", "0", "-n", "0")
                        .code())
                .isNotZero();
        assertThat(CommandsTest.run("bench", "--model", CommandsTest.model("hf"), "--only", "matmul")
                        .code())
                .isNotZero();
    }

    @Test
    void bytesPerTokenCountsTheOutputLayerOnceAndOneEmbeddingRow() {
        var w = Models.load(Path.of(CommandsTest.model("hf"))).inference();
        LlamaConfig c = w.config();
        long perToken = ModelBench.bytesPerToken(w);
        long emb = 4L * c.vocab() * c.hidden();
        // stories260K ties its embeddings: the matrix is read once per token as the output layer
        assertThat(c.tieEmbeddings()).isTrue();
        assertThat(perToken).isEqualTo(w.storedBytes() + 4L * c.hidden());
        assertThat(perToken).isGreaterThan(emb);
    }
}
