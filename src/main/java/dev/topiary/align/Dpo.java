package dev.topiary.align;

import dev.topiary.model.LlamaTrain;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.Weights;
import dev.topiary.nn.CrossEntropy;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenDataset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Direct Preference Optimization (Rafailov et al. 2023). Each dataset sequence holds one pair:
 * the prompt and chosen answer in its first half, the prompt and rejected answer in its second
 * (two documents that do not attend to each other), with targets only on the answers. With
 * log-probabilities summed over the answer tokens, policy pi and reference ref:
 * <pre>
 *   h = (pi(chosen) - ref(chosen)) - (pi(rejected) - ref(rejected))
 *   sigmoid:  L = -(1 - eps) log sigmoid(beta h) - eps log sigmoid(-beta h)   (eps: label smoothing)
 *   ipo:      L = (h - 1 / (2 beta))^2
 * </pre>
 * The reference log-probabilities are computed once, for every pair, when the objective is made
 * (and kept in checkpoints). Reward margin = beta h; preference accuracy = share of pairs with h > 0.
 */
public final class Dpo implements Objective {
    public enum Variant {
        SIGMOID,
        IPO
    }

    private final float beta, eps;
    private final Variant variant;
    private final int half; // T of each half: chosen in [0, half), rejected in [half, 2 half)
    private final float[] refLogp; // [2 * pairs]: reference log-probabilities of chosen, rejected
    /** Reward margins and accuracy of the last micro-batch. */
    public double lastMargin, lastAccuracy;

    public Dpo(float beta, Variant variant, float eps, Weights reference, TokenDataset pairs, int pairsPerStep) {
        this.pairsPerStep = pairsPerStep;
        if (!(beta > 0)) throw new IllegalArgumentException("--beta must be > 0, got " + beta);
        if (eps < 0 || eps >= 0.5f)
            throw new IllegalArgumentException("--label-smoothing must be in [0, 0.5), got " + eps);
        this.beta = beta;
        this.variant = variant;
        this.eps = eps;
        this.half = pairs.seqLen / 2;
        int n = pairs.sequences();
        refLogp = new float[2 * n];
        int[] in = new int[pairs.seqLen], tg = new int[pairs.seqLen], seg = new int[pairs.seqLen];
        LlamaTrain.Activations a = new LlamaTrain.Activations(reference.config(), 1, pairs.seqLen);
        a.segStart = seg;
        for (int s = 0; s < n; s++) {
            pairs.copySequence(s, 0, in, tg);
            pairs.segStarts(s, 0, seg);
            double[] lp = logps(reference, a, in, tg);
            refLogp[2 * s] = (float) lp[0];
            refLogp[2 * s + 1] = (float) lp[1];
        }
    }

    /**
     * Summed log-probabilities of the targets in each half of a row (forward only), the logits made
     * {@link LlamaTrain#LOGIT_ROWS} rows at a time; w may be a mapped reference model in its stored type.
     */
    double[] logps(Weights w, LlamaTrain.Activations a, int[] inputs, int[] targets) {
        LlamaTrain.forward(w, a, inputs);
        double[] out = new double[2 * (inputs.length / (2 * half))];
        int V = w.config().vocab(), R = a.rows(), chunk = Math.min(R, LlamaTrain.LOGIT_ROWS);
        if (logits == null || logits.length < chunk * V) logits = new float[chunk * V];
        for (int r0 = 0; r0 < R; r0 += chunk) {
            int rows = Math.min(chunk, R - r0);
            LlamaTrain.logits(w, a, r0, rows, logits);
            for (int r = 0; r < rows; r++) out[(r0 + r) / half] -= rowLoss(logits, r * V, V, targets[r0 + r]);
        }
        return out;
    }

    private float[] logits; // (LOGIT_ROWS, V) scratch of logps

    private static double rowLoss(float[] logits, int off, int V, int target) {
        if (target == CrossEntropy.IGNORE) return 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < V; i++) sum += Math.exp(logits[off + i] - max);
        return max + Math.log(sum) - logits[off + target];
    }

    /** The loss and dL/dh for one pair. */
    static double[] loss(double h, float beta, Variant v, float eps) {
        if (v == Variant.IPO) {
            double d = h - 1 / (2.0 * beta);
            return new double[] {d * d, 2 * d};
        }
        double z = beta * h;
        double lossPos = softplus(-z), lossNeg = softplus(z); // -log sigmoid(z), -log sigmoid(-z)
        double sig = 1 / (1 + Math.exp(-z));
        double l = (1 - eps) * lossPos + eps * lossNeg;
        double dz = (1 - eps) * (sig - 1) + eps * sig; // d/dz
        return new double[] {l, beta * dz};
    }

    private static double softplus(double x) {
        return x > 30 ? x : Math.log1p(Math.exp(x));
    }

    @Override
    public double microStep(
            LlamaWeights w,
            LlamaWeights grads,
            LlamaTrain.Activations a,
            int[] inputs,
            int[] targets,
            int[] sequences,
            float scale) {
        int B = sequences.length;
        double[] lp = logps(w, a, inputs, targets); // also leaves the forward activations in a
        double total = 0, margin = 0, acc = 0;
        float[] coef = new float[2 * B]; // dL/dlogp of each half, per pair of the step
        for (int b = 0; b < B; b++) {
            int s = sequences[b];
            double h = (lp[2 * b] - refLogp[2 * s]) - (lp[2 * b + 1] - refLogp[2 * s + 1]);
            double[] l = loss(h, beta, variant, eps);
            total += l[0];
            margin += beta * h;
            if (h > 0) acc++;
            coef[2 * b] = (float) (l[1] / pairsPerStep);
            coef[2 * b + 1] = (float) (-l[1] / pairsPerStep);
        }
        lastMargin = margin / B;
        lastAccuracy = acc / B;
        if (grads != null) {
            // d logp / d logits = onehot - softmax, so d L / d logits = -coef * (softmax - onehot)
            LlamaTrain.head(w, grads, a, (logits, r0, rows, V, grad) -> {
                for (int r = 0; r < rows; r++) logpGradient(logits, r * V, V, targets[r0 + r], coef[(r0 + r) / half]);
                return 0;
            });
            LlamaTrain.backward(w, grads, a, inputs, null);
        }
        // The Trainer divides the step's summed loss by its target count (scale = 1 / count): return what
        // makes that the mean loss per pair.
        return total / pairsPerStep / scale;
    }

    private final int pairsPerStep;

    /** Replaces a row of logits by c * d logp(target) / d logits = c * (onehot - softmax); 0 for an ignored target. */
    static void logpGradient(float[] logits, int off, int V, int target, float c) {
        if (target == CrossEntropy.IGNORE) {
            java.util.Arrays.fill(logits, off, off + V, 0f);
            return;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < V; i++) sum += Math.exp(logits[off + i] - max);
        for (int i = 0; i < V; i++) logits[off + i] = (float) (-c * Math.exp(logits[off + i] - max) / sum);
        logits[off + target] += c;
    }

    /** A preference pair, tokenized: the prompt (template applied) and the two answers. */
    public record Pair(int[] prompt, int[] chosen, int[] rejected) {}

    /**
     * Packs pairs into sequences of 2T: [prompt chosen] padded to T, then [prompt rejected] padded
     * to T; targets only on the answers; the halves do not attend to each other. A half longer than T
     * keeps its first T tokens (counted in the second element of the result).
     */
    public static Map.Entry<TokenDataset, Integer> pairs(
            java.util.List<Pair> pairs, int T, int padId, double valFraction, long seed) {
        int n = pairs.size(), truncated = 0;
        int[] in = new int[n * 2 * T], tg = new int[n * 2 * T], seg = new int[n * 2 * T];
        java.util.Arrays.fill(in, padId);
        java.util.Arrays.fill(tg, CrossEntropy.IGNORE);
        for (int i = 0; i < n; i++) {
            Pair p = pairs.get(i);
            for (int h = 0; h < 2; h++) {
                int[] answer = h == 0 ? p.chosen() : p.rejected();
                int base = (2 * i + h) * T, len = p.prompt().length + answer.length;
                if (len > T) truncated++;
                for (int t = 0; t < Math.min(T, len); t++) {
                    in[base + t] = t < p.prompt().length ? p.prompt()[t] : answer[t - p.prompt().length];
                    if (t + 1 < Math.min(T, len) && t + 1 >= p.prompt().length)
                        tg[base + t] = answer[t + 1 - p.prompt().length];
                }
                for (int t = 0; t < T; t++) seg[base + t] = h * T + (t < len ? 0 : Math.min(T, len));
            }
        }
        return Map.entry(TokenDataset.packed(in, tg, seg, 2 * T, valFraction, seed), truncated);
    }

    @Override
    public Map<String, Double> stepMetrics() {
        return Map.of("reward_margin", lastMargin, "preference_accuracy", lastAccuracy);
    }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("dpo_ref_logp", refLogp);
        return m;
    }

    @Override
    public void restore(Map<String, float[]> state) {
        float[] r = state.get("dpo_ref_logp");
        if (r != null) System.arraycopy(r, 0, refLogp, 0, refLogp.length);
    }
}
