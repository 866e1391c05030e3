package dev.topiary.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.model.Init;
import dev.topiary.model.LlamaTrain;
import dev.topiary.model.LlamaWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A step with a NaN or spiking loss is skipped; three in a row roll back to the last checkpoint. */
class SpikeGuardTest {
    @TempDir
    Path tmp;

    /** Cross-entropy, except that the given steps report a NaN loss and poison the gradients. */
    static Objective faulty(long[] step, List<Long> bad) {
        return (w, grads, a, inputs, targets, sequences, scale) -> {
            double loss = LlamaTrain.step(w, grads, a, inputs, targets, scale);
            if (bad.contains(step[0])) {
                for (var v : grads.views()) java.util.Arrays.fill(v.array(), Float.NaN);
                return Double.NaN;
            }
            return loss;
        };
    }

    @Test
    void badStepsAreSkippedAndRolledBack() throws Exception {
        long[] step = {0};
        LlamaWeights w = Init.normal(ResumeTest.TINY, 1, 0.05);
        TrainOptions o =
                new TrainOptions(12, 3, 1, 16, 3e-3f, 3e-4f, 2, 0.1f, 0.9f, 0.95f, 1e-8f, 0.5f, 11, 0, 2, 4, false);
        Trainer t = new Trainer(
                w,
                ResumeTest.data(),
                o,
                tmp.resolve("ck"),
                tmp.resolve("m.jsonl"),
                faulty(step, List.of(6L, 9L, 10L, 11L)));
        t.run(new Trainer.Listener() {
            @Override
            public void step(long s, double loss, float lr, double gn, double tps) {
                step[0] = s; // the objective sees the index of the step being computed
            }
        });
        List<String> lines = Files.readAllLines(tmp.resolve("m.jsonl"));
        assertThat(lines.stream().filter(l -> l.contains("\"skipped\":true"))).hasSize(4);
        assertThat(lines.stream().filter(l -> l.contains("rollback"))).hasSize(1);
        for (float x : w.flat()) assertThat(Float.isFinite(x)).isTrue();
        assertThat(t.step()).isEqualTo(16);
    }
}
