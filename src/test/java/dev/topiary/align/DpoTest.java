package dev.topiary.align;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.GradCheck;
import dev.topiary.model.Init;
import dev.topiary.model.LlamaTrain;
import dev.topiary.model.LlamaWeights;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import dev.topiary.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpoTest {
    @TempDir
    Path tmp;

    final LlamaWeights w = Init.normal(SftPackerTest.C, 3, 0.3);
    final List<Dpo.Pair> pairs = List.of(
            new Dpo.Pair(new int[] {1, 5, 6}, new int[] {20, 21, 2}, new int[] {30, 2}),
            new Dpo.Pair(new int[] {1, 9}, new int[] {22, 23, 24, 2}, new int[] {31, 32, 2}),
            new Dpo.Pair(new int[] {1, 7, 8, 3}, new int[] {25, 2}, new int[] {33, 34, 2}),
            new Dpo.Pair(new int[] {1, 4}, new int[] {26, 27, 2}, new int[] {35, 2}));

    TokenDataset data() {
        return Dpo.pairs(pairs, 8, 0, 0.25, 1).getKey();
    }

    @Test
    void handComputedLosses() {
        for (var v : new float[] {0.1f, 0.5f})
            assertThat(Dpo.loss(0, v, Dpo.Variant.SIGMOID, 0)[0]).isCloseTo(Math.log(2), within(1e-12));
        assertThat(Dpo.loss(0, 0.1f, Dpo.Variant.SIGMOID, 0.2f)[0]).isCloseTo(Math.log(2), within(1e-7));
        // h = 1: -log sigmoid(beta) at beta 0.1 and 0.5
        assertThat(Dpo.loss(1, 0.1f, Dpo.Variant.SIGMOID, 0)[0]).isCloseTo(Math.log(1 + Math.exp(-0.1)), within(1e-7));
        assertThat(Dpo.loss(1, 0.5f, Dpo.Variant.SIGMOID, 0)[0]).isCloseTo(Math.log(1 + Math.exp(-0.5)), within(1e-7));
        // IPO: (h - 1/(2 beta))^2
        assertThat(Dpo.loss(3, 0.25f, Dpo.Variant.IPO, 0)[0]).isCloseTo(1.0, within(1e-12));
        // derivatives by finite differences
        for (var variant : Dpo.Variant.values())
            for (double h : new double[] {-2, 0.3, 4}) {
                double d = (Dpo.loss(h + 1e-6, 0.5f, variant, 0.1f)[0] - Dpo.loss(h - 1e-6, 0.5f, variant, 0.1f)[0])
                        / 2e-6;
                assertThat(Dpo.loss(h, 0.5f, variant, 0.1f)[1]).isCloseTo(d, within(1e-6));
            }
    }

    @Test
    void policyEqualToReferenceGivesLogTwo() {
        TokenDataset ds = data();
        Dpo dpo = new Dpo(0.1f, Dpo.Variant.SIGMOID, 0, w, ds, 2);
        var a = new LlamaTrain.Activations(w.config, 2, 16);
        int[] in = new int[32], tg = new int[32], sq = new int[2], seg = new int[32];
        a.segStart = seg;
        ds.trainBatch(0, 2, in, tg, sq);
        for (int b = 0; b < 2; b++) ds.segStarts(sq[b], b, seg);
        double perPair = dpo.microStep(w, null, a, in, tg, sq, 1f) / 1; // scale 1: returns total / pairs
        assertThat(perPair).isCloseTo(Math.log(2), within(1e-6));
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        TokenDataset ds = data();
        LlamaWeights ref = Init.normal(SftPackerTest.C, 9, 0.3); // a different reference: h != 0
        for (var variant : Dpo.Variant.values()) {
            Dpo dpo = new Dpo(0.5f, variant, variant == Dpo.Variant.SIGMOID ? 0.1f : 0f, ref, ds, 2);
            var a = new LlamaTrain.Activations(w.config, 2, 16);
            int[] in = new int[32], tg = new int[32], sq = new int[2], seg = new int[32];
            a.segStart = seg;
            ds.trainBatch(0, 2, in, tg, sq);
            for (int b = 0; b < 2; b++) ds.segStarts(sq[b], b, seg);
            dev.topiary.model.LlamaWeights g = new dev.topiary.model.LlamaWeights(w.config);
            dpo.microStep(w, g, a, in, tg, sq, 1f);
            for (var v : w.views())
                GradCheck.check(
                        variant + " " + v.name(),
                        v.array(),
                        0,
                        g.view(v.kind(), v.layer()).array(),
                        0,
                        v.size(),
                        5,
                        1e-2,
                        () -> dpo.microStep(w, null, a, in, tg, sq, 1f) * 2 / 2); // returns sum / pairsPerStep
        }
    }

    @Test
    void trainingPrefersTheChosenAnswersAndResumesExactly() throws Exception {
        TrainOptions o = new TrainOptions(16, 2, 1, 12, 1e-2f, 1e-3f, 1, 0f, 0.9f, 0.95f, 1e-8f, 1f, 3, 0, 0, 4, false);
        LlamaWeights p1 = Init.normal(SftPackerTest.C, 3, 0.3);
        Dpo d1 = new Dpo(0.5f, Dpo.Variant.SIGMOID, 0, Init.normal(SftPackerTest.C, 3, 0.3), data(), 2);
        new Trainer(p1, data(), o, tmp.resolve("a"), null, d1).run(new Trainer.Listener() {});
        assertThat(d1.lastAccuracy).isEqualTo(1.0);
        assertThat(d1.lastMargin).isGreaterThan(0.5);

        LlamaWeights p2 = Init.normal(SftPackerTest.C, 3, 0.3);
        Trainer t2 = new Trainer(
                p2,
                data(),
                o,
                tmp.resolve("b"),
                null,
                new Dpo(0.5f, Dpo.Variant.SIGMOID, 0, Init.normal(SftPackerTest.C, 3, 0.3), data(), 2));
        t2.run(new Trainer.Listener() {
            @Override
            public void step(long s, double l, float lr, double gn, double tps) {
                if (s == 5) t2.requestStop();
            }
        });
        LlamaWeights p3 = Init.normal(SftPackerTest.C, 77, 0.3);
        Trainer t3 = new Trainer(
                p3, data(), o, tmp.resolve("b"), null, new Dpo(0.5f, Dpo.Variant.SIGMOID, 0, p3, data(), 2));
        t3.resume(); // the reference log-probabilities come back from the checkpoint
        t3.run(new Trainer.Listener() {});
        assertThat(p3.flat()).containsExactly(p1.flat());
    }
}
