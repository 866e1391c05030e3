package dev.topiary.prune;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.eval.Perplexity;
import dev.topiary.model.LayerSubset;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.Weights;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One calibration pass collecting every score Minitron needs (spec sections 3 and 4), through a
 * {@link Llama.Probe} on the inference forward pass: one sequence at a time, so memory stays at
 * one layer's activations for one sample. Statistics accumulate in double:
 * <pre>
 *   per sample n, channel k:  m[n,k] = seqAgg over the sample's tokens      (default mean |a|)
 *   over samples:             score[k] = batchAgg of m[., k]                (default sqrt(sum m^2), root taken once)
 *   MLP neurons:   down_proj input, per layer
 *   heads:         o_proj input per channel, then sqrt(sum of squares) over each head's D channels
 *   hidden:        sum over the 2L norm outputs (input_layernorm, post_attention_layernorm) of each one's score
 *   layers:        Block Influence 1 - cos(x_in, x_out), averaged over all tokens of all samples
 * </pre>
 */
public final class Importance implements Llama.Probe {
    private final LlamaConfig c;
    private final Aggregation.Seq seqAgg;
    private final Aggregation.Batch batchAgg;
    // per hook: sum and sum of squares over samples of the per-sample statistic
    private final double[][] normSum, normSq; // [2L][C]
    private final double[][] attSum, attSq; // [L][H*D]
    private final double[][] mlpSum, mlpSq; // [L][F]
    private final double[] bi; // [L] sum over tokens of 1 - cos
    private long samples, tokens;

    public Importance(LlamaConfig c, Aggregation.Seq seqAgg, Aggregation.Batch batchAgg) {
        this.c = c;
        this.seqAgg = seqAgg;
        this.batchAgg = batchAgg;
        int L = c.layers();
        normSum = new double[2 * L][c.hidden()];
        normSq = new double[2 * L][c.hidden()];
        attSum = new double[L][c.qDim()];
        attSq = new double[L][c.qDim()];
        mlpSum = new double[L][c.intermediate()];
        mlpSq = new double[L][c.intermediate()];
        bi = new double[L];
    }

    /**
     * Runs the calibration samples (each a full sequence; BOS included by the caller if wanted) one
     * layer at a time: every sample passes layer l before any enters layer l + 1, so each layer's
     * weights are read once for the whole batch (an 8B model's mapped weights stream through once).
     * Memory: the batch's activations and KV caches. The statistics accumulate in the same order as a
     * sample-by-sample pass, so the scores are the same to the bit. {@code progress} counts layers.
     */
    public static Scores score(
            Weights w,
            List<int[]> samples,
            Aggregation.Seq seqAgg,
            Aggregation.Batch batchAgg,
            JsonNode config,
            String data,
            IntConsumer progress) {
        LlamaConfig c = w.config();
        Importance imp = new Importance(c, seqAgg, batchAgg);
        int maxLen = samples.stream()
                .mapToInt(a -> a.length)
                .max()
                .orElseThrow(() -> new IllegalArgumentException("no calibration samples"));
        List<Llama.State> states = new java.util.ArrayList<>();
        for (int[] s : samples) {
            Llama.State state = new Llama.State(c, s.length);
            Llama.embed(w, state, s, 0, s.length);
            states.add(state);
        }
        for (int l = 0; l < c.layers(); l++) {
            for (Llama.State state : states) Llama.layer(w, state, l, imp);
            if (progress != null) progress.accept(1);
        }
        for (int[] s : samples) {
            imp.samples++;
            imp.tokens += s.length;
        }
        return imp.scores(config, data, samples.size(), maxLen);
    }

    private static void accumulate(double[] sum, double[] sq, float[] x, int T, int n, Aggregation.Seq agg) {
        for (int k = 0; k < n; k++) {
            double m = agg.reduce(x, T, n, k);
            sum[k] += m;
            sq[k] += m * m;
        }
    }

    @Override
    public void normOut(int layer, int which, float[] y, int T, int C) {
        accumulate(normSum[2 * layer + which], normSq[2 * layer + which], y, T, C, seqAgg);
    }

    @Override
    public void attentionOut(int layer, float[] att, int T, int width) {
        accumulate(attSum[layer], attSq[layer], att, T, width, seqAgg);
    }

    @Override
    public void mlpHidden(int layer, float[] h, int T, int F) {
        accumulate(mlpSum[layer], mlpSq[layer], h, T, F, seqAgg);
    }

    @Override
    public void layer(int layer, float[] in, float[] out, int T, int C) {
        for (int t = 0; t < T; t++) {
            double dot = 0, a = 0, b = 0;
            for (int i = 0; i < C; i++) {
                double x = in[t * C + i], y = out[t * C + i];
                dot += x * y;
                a += x * x;
                b += y * y;
            }
            double cos = a == 0 || b == 0 ? 1 : dot / Math.sqrt(a * b);
            bi[layer] += 1 - cos;
        }
    }

    Scores scores(JsonNode config, String data, int n, int seqLen) {
        int L = c.layers(), C = c.hidden(), H = c.heads(), D = c.headDim();
        double[] hidden = new double[C];
        for (int m = 0; m < 2 * L; m++)
            for (int i = 0; i < C; i++) hidden[i] += batchAgg.finish(normSum[m][i], normSq[m][i], samples);
        double[][] heads = new double[L][H], neurons = new double[L][c.intermediate()];
        double[] blockInfluence = new double[L];
        for (int l = 0; l < L; l++) {
            for (int h = 0; h < H; h++) {
                double ss = 0;
                for (int k = h * D; k < (h + 1) * D; k++) {
                    double s = batchAgg.finish(attSum[l][k], attSq[l][k], samples);
                    ss += s * s;
                }
                heads[l][h] = Math.sqrt(ss);
            }
            for (int j = 0; j < neurons[l].length; j++)
                neurons[l][j] = batchAgg.finish(mlpSum[l][j], mlpSq[l][j], samples);
            blockInfluence[l] = bi[l] / tokens;
        }
        return new Scores(
                config,
                data,
                n,
                seqLen,
                seqAgg.name(),
                batchAgg.name(),
                hidden,
                heads,
                neurons,
                blockInfluence,
                null,
                0,
                null);
    }

    /**
     * The LM-loss increase when each window of {@code window} contiguous layers is dropped
     * (the model is cut and re-run; costs L - window + 1 extra passes).
     */
    public static Scores withLayerLoss(Scores s, Weights w, List<int[]> samples, int window, IntConsumer progress) {
        int L = w.config().layers();
        if (window < 1 || window >= L)
            throw new IllegalArgumentException("--window must be in [1, " + (L - 1) + "], got " + window);
        double base = meanLoss(w, samples);
        double[] inc = new double[L - window + 1];
        for (int start = 0; start + window <= L; start++) {
            int[] keep = new int[L - window];
            for (int l = 0, j = 0; l < L; l++) if (l < start || l >= start + window) keep[j++] = l;
            inc[start] = meanLoss(new LayerSubset(w, keep), samples) - base;
            if (progress != null) progress.accept(1);
        }
        return new Scores(
                s.config(),
                s.data(),
                s.samples(),
                s.seqLen(),
                s.seqAgg(),
                s.batchAgg(),
                s.hidden(),
                s.heads(),
                s.neurons(),
                s.blockInfluence(),
                base,
                window,
                inc);
    }

    /** Mean next-token cross-entropy over the samples (each one window). */
    public static double meanLoss(Weights w, List<int[]> samples) {
        int max = samples.stream().mapToInt(a -> a.length).max().orElse(2);
        return Perplexity.evaluate(w, samples, max, max, null).meanNll();
    }
}
