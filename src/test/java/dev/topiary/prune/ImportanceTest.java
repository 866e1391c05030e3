package dev.topiary.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.model.Llama;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.TensorKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scores against a hand computation of the spec's formulas, over several calibration samples. */
class ImportanceTest {
    final LlamaWeights w = SurgeryTest.model(false);
    final LlamaConfig c = w.config;
    final List<int[]> samples =
            List.of(new int[] {1, 4, 7, 2, 9}, new int[] {1, 12, 3, 3, 28, 6, 0}, new int[] {1, 20, 5});

    /** Raw activations of every hook, per sample. */
    static final class Recorder implements Llama.Probe {
        final List<float[][]> norm = new ArrayList<>(), att = new ArrayList<>(), mlp = new ArrayList<>();
        final List<double[]> cosines = new ArrayList<>(); // per sample: sum over tokens of (1 - cos) per layer
        float[][] n, a, m;
        double[] cs;
        int T;

        void begin(LlamaConfig c, int T) {
            this.T = T;
            n = new float[2 * c.layers()][];
            a = new float[c.layers()][];
            m = new float[c.layers()][];
            cs = new double[c.layers()];
            norm.add(n);
            att.add(a);
            mlp.add(m);
            cosines.add(cs);
        }

        @Override
        public void normOut(int layer, int which, float[] y, int T, int C) {
            n[2 * layer + which] = java.util.Arrays.copyOf(y, T * C);
        }

        @Override
        public void attentionOut(int layer, float[] x, int T, int width) {
            a[layer] = java.util.Arrays.copyOf(x, T * width);
        }

        @Override
        public void mlpHidden(int layer, float[] h, int T, int F) {
            m[layer] = java.util.Arrays.copyOf(h, T * F);
        }

        @Override
        public void layer(int layer, float[] in, float[] out, int T, int C) {
            for (int t = 0; t < T; t++) {
                double d = 0, p = 0, q = 0;
                for (int i = 0; i < C; i++) {
                    d += in[t * C + i] * (double) out[t * C + i];
                    p += in[t * C + i] * (double) in[t * C + i];
                    q += out[t * C + i] * (double) out[t * C + i];
                }
                cs[layer] += 1 - d / Math.sqrt(p * q);
            }
        }
    }

    /** sqrt(sum over samples of (mean over tokens of |x[., k]|)^2) */
    static double meanAbsL2(List<float[]> perSample, List<Integer> lengths, int width, int k) {
        double ss = 0;
        for (int n = 0; n < perSample.size(); n++) {
            double m = 0;
            for (int t = 0; t < lengths.get(n); t++) m += Math.abs(perSample.get(n)[t * width + k]);
            m /= lengths.get(n);
            ss += m * m;
        }
        return Math.sqrt(ss);
    }

    @Test
    void scoresEqualTheSpecFormulas() {
        Recorder rec = new Recorder();
        List<Integer> lengths = new ArrayList<>();
        for (int[] s : samples) {
            rec.begin(c, s.length);
            lengths.add(s.length);
            Llama.forward(w, new Llama.State(c, s.length), s, 0, s.length, Llama.Logits.NONE, rec);
        }
        Scores got = Importance.score(w, samples, Aggregation.Seq.MEAN_ABS, Aggregation.Batch.L2, null, "test", null);
        int L = c.layers(), C = c.hidden(), D = c.headDim(), Q = c.qDim(), F = c.intermediate();
        for (int i = 0; i < C; i++) {
            double expected = 0;
            for (int m = 0; m < 2 * L; m++) {
                final int hook = m;
                expected += meanAbsL2(rec.norm.stream().map(x -> x[hook]).toList(), lengths, C, i);
            }
            assertThat(got.hidden()[i]).as("hidden %d", i).isCloseTo(expected, within(1e-9 * (1 + expected)));
        }
        for (int l = 0; l < L; l++) {
            final int layer = l;
            for (int h = 0; h < c.heads(); h++) {
                double ss = 0;
                for (int k = h * D; k < (h + 1) * D; k++) {
                    double s = meanAbsL2(rec.att.stream().map(x -> x[layer]).toList(), lengths, Q, k);
                    ss += s * s;
                }
                assertThat(got.heads()[l][h]).isCloseTo(Math.sqrt(ss), within(1e-9));
            }
            for (int j = 0; j < F; j++)
                assertThat(got.neurons()[l][j])
                        .isCloseTo(
                                meanAbsL2(rec.mlp.stream().map(x -> x[layer]).toList(), lengths, F, j), within(1e-9));
            double bi = 0;
            for (double[] cs : rec.cosines) bi += cs[l];
            assertThat(got.blockInfluence()[l])
                    .isCloseTo(bi / lengths.stream().mapToInt(Integer::intValue).sum(), within(1e-9));
        }
    }

    @Test
    void otherAggregationsFollowTheirDefinitions() {
        Scores mean = Importance.score(w, samples, Aggregation.Seq.L2, Aggregation.Batch.MEAN, null, "t", null);
        Recorder rec = new Recorder();
        for (int[] s : samples) {
            rec.begin(c, s.length);
            Llama.forward(w, new Llama.State(c, s.length), s, 0, s.length, Llama.Logits.NONE, rec);
        }
        int F = c.intermediate();
        double expected = 0;
        for (int n = 0; n < samples.size(); n++) {
            double ss = 0;
            for (int t = 0; t < samples.get(n).length; t++)
                ss += Math.pow(rec.mlp.get(n)[1][t * F + 4], 2);
            expected += Math.sqrt(ss) / samples.size();
        }
        assertThat(mean.neurons()[1][4]).isCloseTo(expected, within(1e-9));
    }

    @Test
    void aLayerWhoseOutputEqualsItsInputHasBlockInfluenceZero() {
        LlamaWeights id = SurgeryTest.model(false);
        for (TensorKind k : new TensorKind[] {TensorKind.WO, TensorKind.BO, TensorKind.W_DOWN}) {
            var v = id.layer(1, k);
            java.util.Arrays.fill(v.array(), 0f);
        }
        Scores s = Importance.score(id, samples, Aggregation.Seq.MEAN_ABS, Aggregation.Batch.L2, null, "t", null);
        assertThat(s.blockInfluence()[1]).isCloseTo(0.0, within(1e-12));
        assertThat(s.blockInfluence()[0]).isGreaterThan(1e-3);
        assertThat(s.blockInfluence()[2]).isGreaterThan(1e-3);
        // and dropping it changes nothing: the LM-loss increase of that layer is 0
        Scores ll = Importance.withLayerLoss(s, id, samples, 1, null);
        assertThat(ll.layerLoss()[1]).isCloseTo(0.0, within(1e-6));
        assertThat(ll.layerLoss()).hasSize(3);
    }
}
