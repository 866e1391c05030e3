package dev.topiary.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.Close;
import dev.topiary.model.Init;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaConfigTest;
import dev.topiary.model.LlamaWeights;
import dev.topiary.nn.Rope;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Exact symmetries of the model that pruning relies on, and the targets' validation. */
class SurgeryTest {
    static LlamaConfig config(boolean tied) {
        // GQA 6 heads in 2 groups, head_dim 5 != 16/6, biases on q/k/v/o, llama3 RoPE
        return new LlamaConfig(
                "llama",
                16,
                22,
                3,
                6,
                2,
                5,
                29,
                1e-5f,
                500000,
                new Rope.Scaling("llama3", 8, 1, 4, 8),
                tied,
                true,
                true,
                64,
                1,
                List.of(2),
                "float32");
    }

    static final int[] TOKENS = {1, 5, 9, 3, 17, 28, 4, 11, 0, 21, 8};

    static LlamaWeights model(boolean tied) {
        LlamaWeights w = Init.normal(config(tied), 3, 0.4);
        int offset = 0; // of the tensor in storage order
        for (LlamaWeights.View v : w.views()) {
            if (v.kind().isNormOrBias())
                for (int i = 0; i < v.size(); i++) v.array()[i] += (float) (0.3 * Math.sin(7 * i + offset));
            offset += v.size();
        }
        return w;
    }

    static int[] permutation(int n, Random r) {
        int[] p = Surgery.range(n);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void pruningToTheOriginalShapeGivesIdenticalLogits(boolean tied) {
        LlamaWeights w = model(tied);
        LlamaWeights same = Surgery.apply(w, Surgery.all(w.config, Surgery.range(w.config.layers())));
        assertThat(same.flat()).containsExactly(w.flat());
        assertThat(Llama.logits(same, TOKENS)).containsExactly(Llama.logits(w, TOKENS));
        // and through scores and a target equal to the original shape
        Scores s = new Scores(
                null,
                "",
                1,
                1,
                "MEAN_ABS",
                "L2",
                new double[16],
                new double[3][6],
                new double[3][22],
                new double[3],
                null,
                0,
                null);
        LlamaWeights viaTarget = Surgery.apply(w, new PruneTarget(null, null, null, null, null).keep(w.config, s));
        assertThat(viaTarget.flat()).containsExactly(w.flat());
    }

    @ParameterizedTest
    @ValueSource(strings = {"hidden", "neurons", "heads"})
    void consistentPermutationsLeaveLogitsUnchanged(String axis) {
        for (boolean tied : new boolean[] {true, false}) {
            LlamaWeights w = model(tied);
            LlamaConfig c = w.config;
            Random r = new Random(axis.hashCode());
            Surgery.Keep all = Surgery.all(c, Surgery.range(c.layers()));
            int[] hidden = all.hidden();
            int[][] neurons = all.neurons(), heads = all.heads();
            switch (axis) {
                case "hidden" -> hidden = permutation(c.hidden(), r);
                case "neurons" -> {
                    for (int l = 0; l < c.layers(); l++) neurons[l] = permutation(c.intermediate(), r);
                }
                default -> {
                    int per = c.heads() / c.kvHeads();
                    for (int l = 0; l < c.layers(); l++)
                        for (int g = 0; g < c.kvHeads(); g++) {
                            int[] p = permutation(per, r);
                            for (int i = 0; i < per; i++) heads[l][g * per + i] = g * per + p[i];
                        }
                }
            }
            LlamaWeights permuted = Surgery.apply(w, new Surgery.Keep(hidden, neurons, heads, all.layers()));
            assertThat(permuted.flat()).isNotEqualTo(w.flat());
            Close.assertClose(
                    axis + " permutation, tied " + tied,
                    Llama.logits(permuted, TOKENS),
                    Llama.logits(w, TOKENS),
                    2e-5,
                    1e-5);
        }
    }

    @Test
    void headsMovedAcrossKvGroupsAreRefused() {
        LlamaWeights w = model(false);
        Surgery.Keep all = Surgery.all(w.config, Surgery.range(3));
        all.heads()[1] = new int[] {3, 1, 2, 0, 4, 5}; // head 3 belongs to group 1
        assertThatThrownBy(() -> Surgery.apply(w, all))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kept head 3")
                .hasMessageContaining("KV group 0");
    }

    @Test
    void prunedShapeAndKeptOrder() {
        LlamaWeights w = model(false);
        double[] hidden = new double[16];
        for (int i = 0; i < 16; i++) hidden[i] = i % 5; // 4, 9, 14 score highest, then 3, 8, 13
        double[][] heads = new double[3][6], neurons = new double[3][22];
        for (int l = 0; l < 3; l++) {
            heads[l] = new double[] {1, 3, 2, 9, 7, 8}; // group 0 keeps 1 (and 2), group 1 keeps 3 (and 5)
            for (int j = 0; j < 22; j++) neurons[l][j] = -Math.abs(j - 10);
        }
        Scores s = new Scores(
                null, "", 1, 1, "MEAN_ABS", "L2", hidden, heads, neurons, new double[] {0.5, 0.1, 0.9}, null, 0, null);
        Surgery.Keep k = new PruneTarget(6, 5, 4, 2, null).keep(w.config, s);
        assertThat(k.hidden()).containsExactly(3, 4, 8, 9, 13, 14);
        assertThat(k.heads()[0]).containsExactly(1, 2, 3, 5);
        assertThat(k.neurons()[0]).containsExactly(8, 9, 10, 11, 12);
        assertThat(k.layers()).containsExactly(0, 2); // the two highest Block Influence, in order
        LlamaWeights p = Surgery.apply(w, k);
        assertThat(p.config.hidden()).isEqualTo(6);
        assertThat(p.config.heads()).isEqualTo(4);
        assertThat(p.config.headDim()).isEqualTo(5);
        assertThat(p.config.kvDim()).isEqualTo(10);
        assertThat(p.layer(1, dev.topiary.model.TensorKind.WQ).shape()).containsExactly(20, 6);
        assertThat(p.layer(1, dev.topiary.model.TensorKind.WO).shape()).containsExactly(6, 20);
        // a kept entry is the original one: o_proj row 2 = hidden channel 8, column 5 = head 2's channel 0 (2*5+0) of
        // layer 2
        float[] ro = p.layer(1, dev.topiary.model.TensorKind.WO).array(),
                so = w.layer(2, dev.topiary.model.TensorKind.WO).array();
        assertThat(ro[2 * 20 + 5]).isEqualTo(so[8 * 30 + 2 * 5]);
        assertThat(new PruneTarget(null, null, null, null, new int[] {1})
                        .keep(w.config, s)
                        .layers())
                .containsExactly(0, 2);
    }

    @Test
    void badTargetsFailBeforeAnyCompute() {
        LlamaConfig c = config(false);
        assertThatThrownBy(() -> new PruneTarget(null, null, 5, null, null).validate(c))
                .hasMessageContaining("--heads 5")
                .hasMessageContaining("multiple of the 2 KV heads");
        assertThatThrownBy(() -> new PruneTarget(17, null, null, null, null).validate(c))
                .hasMessageContaining("--hidden 17")
                .hasMessageContaining("larger than the model's 16");
        assertThatThrownBy(() -> new PruneTarget(null, 0, null, null, null).validate(c))
                .hasMessageContaining("--ffn must be at least 1");
        assertThatThrownBy(() -> new PruneTarget(null, null, null, null, new int[] {3}).validate(c))
                .hasMessageContaining("layer 3 does not exist")
                .hasMessageContaining("0..2");
        assertThatThrownBy(() -> new PruneTarget(null, null, null, null, new int[] {0, 1, 2}).validate(c))
                .hasMessageContaining("every layer");
        assertThatThrownBy(() -> new PruneTarget(null, null, null, 2, new int[] {0}).validate(c))
                .hasMessageContaining("not both");
        LlamaConfig empty = c.withShape(16, 22, 0, 6);
        assertThatThrownBy(() -> new PruneTarget(null, null, null, null, null).validate(empty))
                .hasMessageContaining("no layers");
    }

    @Test
    void minitronShapesCountedFromTheLlama31Config() throws Exception {
        var dir = java.nio.file.Files.createTempDirectory("cfg");
        var f = dir.resolve("config.json");
        java.nio.file.Files.writeString(f, LlamaConfigTest.LLAMA_31_8B);
        LlamaConfig c = LlamaConfig.readHf(f);
        assertThat(new PruneTarget(3072, 9216, null, null, null).validate(c).parameterCount())
                .isEqualTo(4_512_746_496L);
        int[] drop = new int[16];
        for (int i = 0; i < 16; i++) drop[i] = 15 + i; // keep HF layers 0-14 and 31
        assertThat(new PruneTarget(null, null, null, null, drop).validate(c).parameterCount())
                .isEqualTo(4_540_469_248L);
    }
}
