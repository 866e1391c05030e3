package dev.topiary.model;

import dev.topiary.GradCheck;
import dev.topiary.nn.CrossEntropy;
import dev.topiary.nn.Rope;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Finite differences through a whole tiny model, for every tensor it has. */
class ModelGradientTest {
    static LlamaConfig config(String variant) {
        return switch (variant) {
            // GQA, head_dim 6 != 16/4, untied head, q/k/v/o biases, llama3 RoPE
            case "untied-bias" ->
                new LlamaConfig(
                        "llama",
                        16,
                        20,
                        2,
                        4,
                        2,
                        6,
                        23,
                        1e-5f,
                        500000,
                        new Rope.Scaling("llama3", 8, 1, 4, 8),
                        false,
                        true,
                        true,
                        64,
                        1,
                        List.of(2),
                        "float32");
            // tied embeddings, multi-query (1 kv head), Qwen2-style q/k/v bias only
            case "tied-mqa" ->
                new LlamaConfig(
                        "qwen2",
                        12,
                        18,
                        2,
                        3,
                        1,
                        4,
                        19,
                        1e-6f,
                        10000,
                        null,
                        true,
                        true,
                        false,
                        64,
                        1,
                        List.of(2),
                        "float32");
            default -> throw new IllegalArgumentException(variant);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"untied-bias", "tied-mqa"})
    void everyTensorsGradientMatchesFiniteDifferences(String variant) {
        LlamaConfig c = config(variant);
        LlamaWeights w = Init.normal(c, 5, 0.3);
        int offset = 0; // of the tensor in storage order
        for (LlamaWeights.View v : w.views()) { // non-trivial norms and biases
            if (v.kind().isNormOrBias())
                for (int i = 0; i < v.size(); i++) v.array()[i] += (float) (0.2 * Math.sin(i + offset));
            offset += v.size();
        }
        int B = 2, T = 5;
        int[] inputs = new int[B * T], targets = new int[B * T];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = (i * 7 + 3) % c.vocab();
            targets[i] = i % 4 == 2 ? CrossEntropy.IGNORE : (i * 5 + 1) % c.vocab();
        }
        LlamaTrain.Activations a = new LlamaTrain.Activations(c, B, T);
        dev.topiary.model.LlamaWeights grads = new dev.topiary.model.LlamaWeights(w.config);
        LlamaTrain.step(w, grads, a, inputs, targets, 1f);
        for (LlamaWeights.View v : w.views()) {
            GradCheck.check(
                    variant + " " + v.name(),
                    v.array(),
                    0,
                    grads.view(v.kind(), v.layer()).array(),
                    0,
                    v.size(),
                    12,
                    1e-2,
                    () -> LlamaTrain.step(w, null, a, inputs, targets, 1f));
        }
    }

    @org.junit.jupiter.api.Test
    void recomputationGivesTheSameGradients() {
        LlamaConfig c = config("untied-bias");
        LlamaWeights w = Init.normal(c, 5, 0.3);
        int B = 2, T = 6;
        int[] inputs = new int[B * T], targets = new int[B * T];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = (i * 7 + 3) % c.vocab();
            targets[i] = (i * 5 + 1) % c.vocab();
        }
        dev.topiary.model.LlamaWeights g1 = new dev.topiary.model.LlamaWeights(w.config),
                g2 = new dev.topiary.model.LlamaWeights(w.config);
        double l1 = LlamaTrain.step(w, g1, new LlamaTrain.Activations(c, B, T, false), inputs, targets, 1f);
        double l2 = LlamaTrain.step(w, g2, new LlamaTrain.Activations(c, B, T, true), inputs, targets, 1f);
        org.assertj.core.api.Assertions.assertThat(l2).isEqualTo(l1);
        org.assertj.core.api.Assertions.assertThat(g2.flat()).containsExactly(g1.flat());
    }
}
