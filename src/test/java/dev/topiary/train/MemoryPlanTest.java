package dev.topiary.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.SharedFiles;
import dev.topiary.cli.Main;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaTrain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory plan: estimates that match what is allocated, and refusals before anything is allocated or written. */
class MemoryPlanTest {
    @TempDir
    Path tmp;

    @Test
    void activationEstimateEqualsWhatIsAllocated() {
        LlamaConfig c = LlamaConfig.preset("stories260K");
        for (boolean recompute : new boolean[] {false, true}) {
            var a = new LlamaTrain.Activations(c, 3, 17, recompute);
            assertThat(LlamaTrain.Activations.estimateBytes(c, 3, 17, recompute))
                    .isEqualTo(a.bytes());
        }
    }

    @Test
    void aOneBillionModelWithHugeBatchesIsRefusedWithThePlan() {
        MemoryPlan plan = MemoryPlan.of(LlamaConfig.preset("Llama-3.2-1B"), 64, 4096, false, null);
        assertThat(plan.parameters()).isEqualTo(1_235_814_400L);
        assertThat(plan.weights() + plan.gradients() + plan.moments()).isEqualTo(16 * 1_235_814_400L);
        assertThatThrownBy(plan::check)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weights")
                .hasMessageContaining("activations")
                .hasMessageContaining("--recompute")
                .hasMessageContaining("--accum");
    }

    @Test
    void trainRefusesBeforeWritingAnything() {
        Path model = SharedFiles.require("models/stories260K-hf");
        Path data = SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt");
        Path out = tmp.resolve("run");
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(
                "train",
                "--model",
                model.toString(),
                "--data",
                data.toString(),
                "--out",
                out.toString(),
                "--batch",
                "4096",
                "--seq-len",
                "512",
                "--steps",
                "1");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("needs").contains("activations").contains("--recompute");
        assertThat(Files.exists(out)).isFalse();
    }
}
