package dev.topiary.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.Close;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.Safetensors;
import dev.topiary.nn.CrossEntropy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Step 0 of training tiny-llama3 (GQA, head_dim != hidden/heads, q/k/v/o biases, untied head,
 * llama3 RoPE) against PyTorch autograd (scripts/reference/make_fixtures.py): the loss and every
 * parameter gradient.
 */
class LlamaTrainReferenceTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/tiny-train");

    static int[] flat(JsonNode rows) {
        int B = rows.size(), T = rows.get(0).size();
        int[] out = new int[B * T];
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) out[b * T + t] = rows.get(b).get(t).asInt();
        return out;
    }

    static int count(int[] targets) {
        int n = 0;
        for (int t : targets) if (t != CrossEntropy.IGNORE) n++;
        return n;
    }

    @Test
    void lossAndEveryGradientMatchPyTorch() throws Exception {
        JsonNode ref =
                new ObjectMapper().readTree(DIR.resolve("train_reference.json").toFile());
        LlamaWeights w = HfCheckpoint.load(Path.of("src/test/resources/fixtures/tiny-llama3"));
        int[] inputs = flat(ref.get("inputs")), targets = flat(ref.get("targets"));
        int B = ref.get("inputs").size(), T = inputs.length / B, n = count(targets);
        dev.topiary.model.LlamaWeights grads = new dev.topiary.model.LlamaWeights(w.config);
        LlamaTrain.Activations a = new LlamaTrain.Activations(w.config, B, T);
        double loss = LlamaTrain.step(w, grads, a, inputs, targets, 1f / n) / n;
        assertThat(loss).isCloseTo(ref.get("loss").asDouble(), within(1e-5));
        try (Safetensors st = Safetensors.open(DIR.resolve("grads.safetensors"))) {
            assertThat(st.tensors().keySet()).hasSize(w.views().size());
            for (LlamaWeights.View v : w.views()) {
                float[] expected = st.readFloats(v.name());
                float[] got = grads.view(v.kind(), v.layer()).array();
                Close.assertClose("d " + v.name(), got, expected, 2e-5, 1e-3);
            }
        }
        // the training forward's logits equal the inference path's (itself checked against PyTorch's logits)
        float[] trainLogits = LlamaTrain.logits(w, a, inputs);
        int V = w.config.vocab();
        for (int b = 0; b < B; b++) {
            float[] inf = Llama.logits(w, java.util.Arrays.copyOfRange(inputs, b * T, (b + 1) * T));
            Close.assertClose(
                    "logits of sequence " + b,
                    java.util.Arrays.copyOfRange(trainLogits, b * T * V, (b + 1) * T * V),
                    inf,
                    1e-5,
                    1e-5);
        }
        // the forward-only loss is the same
        assertThat(LlamaTrain.step(w, null, a, inputs, targets, 1f) / n).isCloseTo(loss, within(1e-9));
    }

    @Test
    void tenAdamWStepsFollowTheReferenceTrajectory() throws Exception {
        JsonNode ref =
                new ObjectMapper().readTree(DIR.resolve("train_reference.json").toFile());
        JsonNode opt = ref.get("adamw");
        LlamaWeights w = HfCheckpoint.load(Path.of("src/test/resources/fixtures/tiny-llama3"));
        int[] inputs = flat(ref.get("inputs")), targets = flat(ref.get("targets"));
        int B = ref.get("inputs").size(), T = inputs.length / B, n = count(targets);
        var adam = new dev.topiary.train.AdamW(
                w,
                (float) opt.get("betas").get(0).asDouble(),
                (float) opt.get("betas").get(1).asDouble(),
                (float) opt.get("eps").asDouble(),
                (float) opt.get("weight_decay").asDouble(),
                false);
        var decayed = new java.util.TreeSet<String>();
        opt.get("decayed").forEach(x -> decayed.add(x.asText()));
        var ours = new java.util.TreeSet<String>();
        for (int i = 0; i < w.views().size(); i++)
            if (adam.decays(i)) ours.add(w.views().get(i).name());
        assertThat(ours).isEqualTo(decayed);
        LlamaTrain.Activations a = new LlamaTrain.Activations(w.config, B, T);
        dev.topiary.model.LlamaWeights grads = new dev.topiary.model.LlamaWeights(w.config);
        JsonNode losses = ref.get("losses_10_steps");
        for (int s = 0; s < losses.size(); s++) {
            grads.zero();
            double loss = LlamaTrain.step(w, grads, a, inputs, targets, 1f / n) / n;
            assertThat(loss)
                    .as("loss before step %d", s)
                    .isCloseTo(losses.get(s).asDouble(), within(2e-4 * (1 + s)));
            adam.update(grads, (float) opt.get("lr").asDouble());
        }
        assertThat(LlamaTrain.step(w, null, a, inputs, targets, 1f) / n)
                .isCloseTo(ref.get("loss_after_10_steps").asDouble(), within(3e-3));
    }
}
