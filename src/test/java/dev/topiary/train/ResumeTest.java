package dev.topiary.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.model.Init;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 20 uninterrupted steps and 10 + stop + resume 10 end with identical weights and moments. */
class ResumeTest {
    @TempDir
    Path tmp;

    static final LlamaConfig TINY = new LlamaConfig(
            "llama", 16, 24, 2, 4, 2, 6, 37, 1e-5f, 10000, null, true, false, false, 64, 1, List.of(2), "float32");

    static TokenDataset data() {
        int[] tokens = new int[900];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * i + 7 * i) % 37;
        return new TokenDataset(tokens, 12, 0.1, 3);
    }

    static TrainOptions options() {
        // 5 steps of warmup, then cosine; accumulation of 2; clipping; checkpoints every 4 steps
        return new TrainOptions(12, 3, 2, 20, 3e-3f, 3e-4f, 5, 0.1f, 0.9f, 0.95f, 1e-8f, 0.5f, 11, 5, 2, 4, false);
    }

    @Test
    void stopAndResumeIsBitIdentical() throws Exception {
        LlamaWeights straight = Init.normal(TINY, 1, 0.05);
        Trainer a = new Trainer(straight, data(), options(), tmp.resolve("a"), tmp.resolve("a.jsonl"));
        assertThat(a.run(new Trainer.Listener() {})).isTrue();

        LlamaWeights first = Init.normal(TINY, 1, 0.05);
        Trainer b = new Trainer(first, data(), options(), tmp.resolve("b"), tmp.resolve("b.jsonl"));
        boolean finished = b.run(new Trainer.Listener() {
            @Override
            public void step(long step, double loss, float lr, double gradNorm, double tps) {
                if (step == 10) b.requestStop();
            }
        });
        assertThat(finished).isFalse();
        assertThat(b.step()).isEqualTo(10);

        LlamaWeights resumed =
                Init.normal(TINY, 999, 0.05); // different start: everything must come from the checkpoint
        Trainer c = new Trainer(resumed, data(), options(), tmp.resolve("b"), tmp.resolve("b.jsonl"));
        c.resume();
        assertThat(c.step()).isEqualTo(10);
        assertThat(c.run(new Trainer.Listener() {})).isTrue();

        assertThat(resumed.flat()).containsExactly(straight.flat());
        assertThat(c.optimizer.firstMoment().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT))
                .containsExactly(a.optimizer.firstMoment().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT));
        assertThat(c.optimizer.secondMoment().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT))
                .containsExactly(a.optimizer.secondMoment().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT));
        // the metrics of both runs agree line for line
        assertThat(Files.readAllLines(tmp.resolve("b.jsonl")))
                .hasSize(21) // the start, then one line per step
                .zipSatisfy(
                        Files.readAllLines(tmp.resolve("a.jsonl")),
                        (x, y) -> assertThat(x.replaceAll("\"tokens_per_s\":[^,}]*", ""))
                                .isEqualTo(y.replaceAll("\"tokens_per_s\":[^,}]*", "")));
    }

    @Test
    void resumeWithOtherOptionsIsRefused() throws Exception {
        LlamaWeights w = Init.normal(TINY, 1, 0.05);
        TrainOptions o = options();
        Trainer t = new Trainer(
                w,
                data(),
                new TrainOptions(12, 3, 2, 2, 3e-3f, 3e-4f, 1, 0.1f, 0.9f, 0.95f, 1e-8f, 0.5f, 11, 0, 1, 0, false),
                tmp.resolve("c"),
                null);
        t.run(new Trainer.Listener() {});
        Trainer other = new Trainer(Init.normal(TINY, 1, 0.05), data(), o, tmp.resolve("c"), null);
        assertThatThrownBy(other::resume)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("other options");
    }

    @Test
    void trainingLowersValidationLoss() throws Exception {
        LlamaWeights w = Init.normal(TINY, 1, 0.05);
        Trainer t = new Trainer(w, data(), options(), tmp.resolve("d"), null);
        double before = t.validationLoss();
        t.run(new Trainer.Listener() {});
        assertThat(t.lastValidationLoss()).isLessThan(before - 0.5);
    }
}
