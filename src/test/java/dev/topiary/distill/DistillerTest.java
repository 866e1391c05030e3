package dev.topiary.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.GradCheck;
import dev.topiary.model.Init;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaTrain;
import dev.topiary.model.LlamaWeights;
import dev.topiary.nn.CrossEntropy;
import dev.topiary.train.AdamW;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import dev.topiary.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillerTest {
    @TempDir
    Path tmp;

    static LlamaConfig cfg(int hidden, int layers) {
        return new LlamaConfig(
                "llama",
                hidden,
                20,
                layers,
                4,
                2,
                5,
                31,
                1e-5f,
                10000,
                null,
                false,
                false,
                false,
                64,
                1,
                List.of(2),
                "float32");
    }

    final LlamaWeights teacher = Init.normal(cfg(16, 3), 1, 0.3), student = Init.normal(cfg(12, 2), 2, 0.3);
    final int B = 2, T = 5;
    final int[] inputs = {1, 5, 9, 3, 17, 28, 4, 11, 0, 21},
            targets = {5, 9, 3, CrossEntropy.IGNORE, 2, 4, 11, 0, 21, 7},
            seqs = {0, 1};

    double loss(Distiller d, dev.topiary.model.LlamaWeights grads, LlamaTrain.Activations a) {
        return d.microStep(student, grads, a, inputs, targets, seqs, 1f);
    }

    @Test
    void gradientsOfEveryLossMatchFiniteDifferences() {
        int[][] pairs = {{0, 0}, {1, 2}, {2, 3}};
        for (var kind : Distiller.Kind.values())
            for (var inter : Distiller.Intermediate.values()) {
                var o = new Distiller.Options(
                        kind == Distiller.Kind.REVERSE ? 2f : 1f,
                        kind,
                        6,
                        kind == Distiller.Kind.FORWARD ? 0.3f : 0f,
                        inter,
                        pairs,
                        5);
                Distiller d = new Distiller(teacher, 12, 31, o, null);
                d.fixedLambdaForTests = 0.7;
                var a = new LlamaTrain.Activations(student.config, B, T);
                dev.topiary.model.LlamaWeights g = new dev.topiary.model.LlamaWeights(student.config);
                loss(d, g, a);
                for (var v : student.views())
                    GradCheck.check(
                            kind + "/" + inter + " " + v.name(),
                            v.array(),
                            0,
                            g.view(v.kind(), v.layer()).array(),
                            0,
                            v.size(),
                            6,
                            1e-2,
                            () -> loss(d, null, a));
                if (inter != Distiller.Intermediate.NONE) {
                    float[] p = d.projection(), pg = d.projectionGrad().clone();
                    assertThat(p).hasSize(16 * 12);
                    GradCheck.check(
                            kind + "/" + inter + " projection",
                            p,
                            0,
                            pg,
                            0,
                            p.length,
                            20,
                            1e-2,
                            () -> loss(d, null, a));
                    float[] b = d.projectionBias(), bg = d.projectionBiasGrad().clone();
                    java.util.Arrays.fill(b, 0.05f); // away from zero, where the bias starts
                    java.util.Arrays.fill(d.projectionBiasGrad(), 0f);
                    loss(d, new dev.topiary.model.LlamaWeights(student.config), a);
                    bg = d.projectionBiasGrad().clone();
                    GradCheck.check(
                            kind + "/" + inter + " projection bias",
                            b,
                            0,
                            bg,
                            0,
                            b.length,
                            16,
                            1e-2,
                            () -> loss(d, null, a));
                }
            }
    }

    /** The projection is updated by the trainer's AdamW: its betas and eps, checked against the formula by hand. */
    @Test
    void theProjectionIsUpdatedWithTheGivenBetas() {
        Distiller d = new Distiller(
                teacher,
                12,
                31,
                new Distiller.Options(
                        1, Distiller.Kind.FORWARD, 0, 0, Distiller.Intermediate.COSINE, new int[][] {{1, 1}}, 1),
                null);
        float b1 = 0.5f, b2 = 0.7f, eps = 1e-3f, lr = 0.01f;
        AdamW optimizer = new AdamW(student, b1, b2, eps, 0.1f, false); // weight decay does not reach the projection
        float[] p = d.projection();
        // by hand with the given betas, and with the ones Distiller once hard-coded (0.9, 0.95, eps 1e-8)
        double[] expected = new double[p.length], m = new double[p.length], v = new double[p.length];
        double[] other = new double[p.length], mo = new double[p.length], vo = new double[p.length];
        for (int i = 0; i < p.length; i++) expected[i] = other[i] = p[i];
        for (int t = 1; t <= 3; t++) {
            float[] g = d.projectionGrad();
            for (int i = 0; i < g.length; i++) g[i] = (float) Math.sin(i + 3 * t); // a different gradient each step
            for (int i = 0; i < p.length; i++) {
                expected[i] -= adamStep(m, v, i, g[i], b1, b2, eps, lr, t);
                other[i] -= adamStep(mo, vo, i, g[i], 0.9, 0.95, 1e-8, lr, t);
            }
            d.afterStep(optimizer, lr);
            assertThat(d.projectionGrad()).containsOnly(0f); // cleared for the next step
        }
        double apart = 0;
        for (int i = 0; i < p.length; i++) {
            assertThat((double) p[i]).as("p[%d]", i).isCloseTo(expected[i], within(1e-6));
            apart = Math.max(apart, Math.abs(expected[i] - other[i]));
        }
        assertThat(apart).isGreaterThan(1e-3); // the tolerance tells the betas apart
    }

    /** The AdamW step of element i at step t (from 1), as torch.optim.AdamW computes it; updates m and v. */
    private static double adamStep(
            double[] m, double[] v, int i, double g, double b1, double b2, double eps, double lr, int t) {
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double mHat = m[i] / (1 - Math.pow(b1, t)), vHat = v[i] / (1 - Math.pow(b2, t));
        return lr * mHat / (Math.sqrt(vHat) + eps);
    }

    @Test
    void aStudentEqualToItsTeacherHasZeroLoss() {
        LlamaWeights copy = Init.normal(cfg(16, 3), 1, 0.3);
        Distiller d = new Distiller(
                teacher,
                16,
                31,
                new Distiller.Options(
                        1, Distiller.Kind.FORWARD, 0, 0, Distiller.Intermediate.COSINE, new int[][] {{3, 3}}, 1),
                null);
        double l = d.microStep(copy, null, new LlamaTrain.Activations(copy.config, B, T), inputs, targets, seqs, 1f);
        assertThat(l).isLessThan(1e-9);
    }

    @Test
    void ignoredPositionsContributeNothing() {
        int[] none = new int[targets.length];
        java.util.Arrays.fill(none, CrossEntropy.IGNORE);
        Distiller d = new Distiller(
                teacher,
                12,
                31,
                new Distiller.Options(1, Distiller.Kind.FORWARD, 0, 0.5f, Distiller.Intermediate.NONE, new int[0][], 1),
                null);
        dev.topiary.model.LlamaWeights g = new dev.topiary.model.LlamaWeights(student.config);
        assertThat(d.microStep(student, g, new LlamaTrain.Activations(student.config, B, T), inputs, none, seqs, 1f))
                .isZero();
        for (float x : g.flat()) assertThat(x).isZero();
    }

    static TokenDataset data() {
        int[] tokens = new int[700];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * i + 7 * i) % 31;
        return new TokenDataset(tokens, 10, 0.1, 3);
    }

    @Test
    void distillationResumesExactlyAndApproachesTheTeacher() throws Exception {
        TrainOptions o =
                new TrainOptions(10, 3, 1, 16, 3e-3f, 3e-4f, 2, 0.1f, 0.9f, 0.95f, 1e-8f, 1f, 7, 4, 0, 4, false);
        var opts = new Distiller.Options(
                1, Distiller.Kind.FORWARD, 0, 0, Distiller.Intermediate.COSINE, new int[][] {{2, 3}}, 5);
        LlamaWeights a = Init.normal(cfg(12, 2), 2, 0.3);
        Trainer straight = new Trainer(
                a, data(), o, tmp.resolve("a"), tmp.resolve("a.jsonl"), new Distiller(teacher, 12, 31, opts, null));
        straight.run(new Trainer.Listener() {});

        LlamaWeights b = Init.normal(cfg(12, 2), 2, 0.3);
        Trainer first = new Trainer(
                b, data(), o, tmp.resolve("b"), tmp.resolve("b.jsonl"), new Distiller(teacher, 12, 31, opts, null));
        first.run(new Trainer.Listener() {
            @Override
            public void step(long step, double loss, float lr, double gn, double tps) {
                if (step == 8) first.requestStop();
            }
        });
        LlamaWeights c = Init.normal(cfg(12, 2), 99, 0.3);
        Distiller dc = new Distiller(teacher, 12, 31, opts, null);
        Trainer resumed = new Trainer(c, data(), o, tmp.resolve("b"), tmp.resolve("b.jsonl"), dc);
        resumed.resume();
        resumed.run(new Trainer.Listener() {});
        assertThat(c.flat()).containsExactly(a.flat());
        var lines = java.nio.file.Files.readAllLines(tmp.resolve("a.jsonl"));
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        double kl0 = json.readTree(lines.getFirst()).get("val_kl").asDouble(),
                kl1 = json.readTree(lines.getLast()).get("val_kl").asDouble();
        assertThat(kl1).isLessThan(kl0);
    }

    @Test
    void topKFromACacheEqualsTopKFromTheTeacher() throws Exception {
        TokenDataset ds = data();
        var key = new TeacherCache.Key(TeacherCache.hash(teacher), ds.fingerprint(), 5, 1.5f, 10);
        Path f = tmp.resolve("t.kd");
        try (TeacherCache cache = TeacherCache.openOrBuild(f, key, teacher, ds, 4, null)) {
            int[] in = new int[2 * 10], tg = new int[2 * 10], sq = new int[2];
            ds.trainBatch(0, 2, in, tg, sq);
            var o = new Distiller.Options(
                    1.5f, Distiller.Kind.TOPK, 5, 0, Distiller.Intermediate.NONE, new int[0][], 1);
            var act = new LlamaTrain.Activations(student.config, 2, 10);
            dev.topiary.model.LlamaWeights g1 = new dev.topiary.model.LlamaWeights(student.config),
                    g2 = new dev.topiary.model.LlamaWeights(student.config);
            double l1 = new Distiller(teacher, 12, 31, o, null).microStep(student, g1, act, in, tg, sq, 0.1f);
            double l2 = new Distiller(null, 12, 31, o, cache).microStep(student, g2, act, in, tg, sq, 0.1f);
            assertThat(l2).isCloseTo(l1, org.assertj.core.data.Offset.offset(1e-5));
            dev.topiary.Close.assertClose("grads", g2.flat(), g1.flat(), 1e-6, 1e-4);
        }
        // a different key is refused, naming what differs
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        TeacherCache.open(f, new TeacherCache.Key(key.teacherHash(), key.dataFingerprint(), 5, 1f, 10)))
                .hasMessageContaining("temperature");
    }

    @Test
    void aDepthPrunedStudentMatchesItsTeacherBelowTheCutAtStepZero() throws Exception {
        LlamaWeights t4 = Init.normal(cfg(16, 4), 3, 0.3);
        int[] kept = {0, 1, 3}; // layer 2 dropped
        LlamaWeights s3 = dev.topiary.prune.Surgery.keepLayers(t4, kept);
        int[][] fromKept = LayerMap.fromKept(kept);
        assertThat(fromKept).isDeepEqualTo(new int[][] {{1, 1}, {2, 2}, {3, 4}});
        int[][] pairs = {{0, 0}, fromKept[0], fromKept[1], fromKept[2]};
        Distiller d = new Distiller(
                t4,
                16,
                31,
                new Distiller.Options(1, Distiller.Kind.FORWARD, 0, 0, Distiller.Intermediate.COSINE, pairs, 1),
                null);
        d.microStep(
                s3,
                new dev.topiary.model.LlamaWeights(s3.config),
                new LlamaTrain.Activations(s3.config, B, T),
                inputs,
                targets,
                seqs,
                1f);
        assertThat(d.projection()).isNull(); // equal widths: the identity map
        for (int p = 0; p < 3; p++)
            assertThat(d.lastPairLoss[p]).as("pair " + p).isLessThan(1e-9);
        assertThat(d.lastPairLoss[3]).isGreaterThan(1e-3); // above the cut the states differ
        var m = d.stepMetrics();
        assertThat(m).containsKeys("kd", "ce", "inter");
        assertThat(m.get("inter")).isGreaterThan(0);

        // the default map of a pruned folder comes from its pruning.json
        java.nio.file.Files.writeString(tmp.resolve("pruning.json"), "{\"kept_layers\": [0, 1, 3]}");
        assertThat(LayerMap.resolve(null, tmp, 3, 4).pairs()).isDeepEqualTo(fromKept);
        assertThat(LayerMap.resolve(null, tmp.resolve("elsewhere"), 3, 4).source())
                .contains("evenly");
        assertThat(LayerMap.resolve("0:0,3:4", tmp, 3, 4).pairs()).isDeepEqualTo(new int[][] {{0, 0}, {3, 4}});
    }

    @Test
    void withATeacherCacheValidationStillReportsKlToTheTeacher() throws Exception {
        TokenDataset ds = data();
        var key = new TeacherCache.Key(TeacherCache.hash(teacher), ds.fingerprint(), 5, 1f, 10);
        try (TeacherCache cache = TeacherCache.openOrBuild(tmp.resolve("t.kd"), key, teacher, ds, 4, null)) {
            var o = new Distiller.Options(1f, Distiller.Kind.TOPK, 5, 0, Distiller.Intermediate.NONE, new int[0][], 1);
            TrainOptions to =
                    new TrainOptions(10, 3, 1, 2, 1e-3f, 1e-4f, 1, 0.1f, 0.9f, 0.95f, 1e-8f, 1f, 7, 1, 0, 0, false);
            LlamaWeights s = Init.normal(cfg(12, 2), 2, 0.3);
            Trainer tr = new Trainer(
                    s, ds, to, tmp.resolve("c"), tmp.resolve("c.jsonl"), new Distiller(teacher, 12, 31, o, cache));
            tr.run(new Trainer.Listener() {});
            var lines = java.nio.file.Files.readAllLines(tmp.resolve("c.jsonl"));
            assertThat(lines.getLast()).contains("val_kl").contains("\"kd\"");
        }
    }
}
