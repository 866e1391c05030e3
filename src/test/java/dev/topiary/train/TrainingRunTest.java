package dev.topiary.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.io.DType;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.model.Init;
import dev.topiary.model.LlamaWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training driver: run folders, stop and continue, the final model, and the options' defaults. */
class TrainingRunTest {
    @TempDir
    Path tmp;

    private static TrainingRun run(Path dir, TrainingRun.Start start) {
        return new TrainingRun(TrainingRun.Folder.of(dir), start, Trainer.DEFAULT_SPIKE_FACTOR, DType.F32);
    }

    @Test
    void aStoppedRunContinuesBitIdenticallyAndWritesTheModel() throws Exception {
        LlamaWeights straight = Init.normal(ResumeTest.TINY, 1, 0.05);
        TrainingRun.Result a = run(tmp.resolve("a"), TrainingRun.Start.FRESH)
                .run(
                        straight,
                        ResumeTest.data(),
                        ResumeTest.options(),
                        Objective.CROSS_ENTROPY,
                        null,
                        new TrainingRun.Listener() {});
        assertThat(a.finished()).isTrue();
        assertThat(a.step()).isEqualTo(20);
        assertThat(tmp.resolve("a/model/config.json")).exists();
        assertThat(tmp.resolve("a/metrics.jsonl")).exists();

        LlamaWeights first = Init.normal(ResumeTest.TINY, 1, 0.05);
        TrainingRun b = run(tmp.resolve("b"), TrainingRun.Start.CONTINUE);
        TrainingRun.Result stopped = b.run(
                first,
                ResumeTest.data(),
                ResumeTest.options(),
                Objective.CROSS_ENTROPY,
                null,
                new TrainingRun.Listener() {
                    @Override
                    public void step(long step, double loss, float lr, double gradNorm, double tps) {
                        if (step == 7) b.requestStop();
                    }
                });
        assertThat(stopped.finished()).isFalse();
        assertThat(stopped.step()).isEqualTo(7);
        assertThat(tmp.resolve("b/model")).doesNotExist();

        assertThatThrownBy(() -> run(tmp.resolve("b"), TrainingRun.Start.FRESH).checkFolder())
                .hasMessageContaining("already holds a run");
        LlamaWeights resumed = Init.normal(ResumeTest.TINY, 999, 0.05);
        boolean[] wasResumed = new boolean[1];
        TrainingRun.Result c = run(tmp.resolve("b"), TrainingRun.Start.RESUME)
                .run(
                        resumed,
                        ResumeTest.data(),
                        ResumeTest.options(),
                        Objective.CROSS_ENTROPY,
                        null,
                        new TrainingRun.Listener() {
                            @Override
                            public void started(Trainer trainer, boolean r) {
                                wasResumed[0] = r && trainer.step() == 7;
                            }
                        });
        assertThat(wasResumed[0]).isTrue();
        assertThat(c.finished()).isTrue();
        assertThat(c.startStep()).isEqualTo(7);
        assertThat(resumed.flat()).containsExactly(straight.flat());
        assertThat(HfCheckpoint.load(tmp.resolve("b/model")).flat()).containsExactly(straight.flat());
    }

    @Test
    void aStopBeforeTheStartEndsAtTheFirstCheckpoint() throws Exception {
        TrainingRun r = run(tmp.resolve("s"), TrainingRun.Start.FRESH);
        r.requestStop();
        TrainingRun.Result res = r.run(
                Init.normal(ResumeTest.TINY, 1, 0.05),
                ResumeTest.data(),
                ResumeTest.options(),
                Objective.CROSS_ENTROPY,
                null,
                new TrainingRun.Listener() {});
        assertThat(res.finished()).isFalse();
        assertThat(res.step()).isEqualTo(1);
        assertThat(Checkpoint.exists(tmp.resolve("s/checkpoint"))).isTrue();
    }

    @Test
    void resumingAFolderWithoutARunIsRefused() throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() ->
                        run(tmp.resolve("empty"), TrainingRun.Start.RESUME).checkFolder())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--resume: no checkpoint in");
    }

    @Test
    void aMemoryPlanThatCannotFitIsRefusedBeforeAnythingIsWritten() {
        TrainOptions o = TrainOptions.defaults().withSeqLen(12).withBatch(1 << 20);
        assertThatThrownBy(() -> run(tmp.resolve("big"), TrainingRun.Start.FRESH)
                        .run(
                                Init.normal(ResumeTest.TINY, 1, 0.05),
                                ResumeTest.data(),
                                o,
                                Objective.CROSS_ENTROPY,
                                null,
                                new TrainingRun.Listener() {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Java heap");
        assertThat(tmp.resolve("big")).doesNotExist();
    }

    @Test
    void optionsHaveNamedDefaultsAndWithers() {
        TrainOptions o = TrainOptions.defaults().withSteps(100).withLr(1e-3f);
        assertThat(o.steps()).isEqualTo(100);
        assertThat(o.lr()).isEqualTo(1e-3f);
        assertThat(o.seqLen()).isEqualTo(256);
        assertThat(o.batch()).isEqualTo(8);
        TrainOptions s = o.withSchedule(200, 2e-3f);
        assertThat(s.minLr()).isEqualTo(2e-3f / 10);
        assertThat(s.warmup()).isEqualTo(10);
        assertThat(TrainOptions.defaults().withSeqLen(10).withBatch(2).stepsFor(41))
                .isEqualTo(3);
        assertThatThrownBy(() -> o.withBatch(0)).hasMessageContaining("--batch must be >= 1");
    }
}
