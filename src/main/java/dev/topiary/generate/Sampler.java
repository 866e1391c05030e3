package dev.topiary.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Next-token sampling: temperature 0 is greedy (argmax, lowest id on ties); otherwise softmax of
 * logits / temperature, restricted to the smallest set of most likely tokens whose mass reaches
 * top-p (nucleus sampling; top-p 1 samples the whole distribution), drawn with a seeded RNG.
 */
public final class Sampler {
    private final float temperature, topP;
    private final SplittableRandom random;

    public Sampler(float temperature, float topP, long seed) {
        if (!(temperature >= 0)) throw new IllegalArgumentException("--temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        this.temperature = temperature;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }

    public int sample(float[] logits) {
        int n = logits.length;
        if (temperature == 0f) return argmax(logits, 0, n);
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
        for (int i = 0; i < n; i++) p[i] /= sum;
        double r = random.nextDouble();
        if (topP >= 1f) {
            double c = 0;
            for (int i = 0; i < n; i++) if ((c += p[i]) > r) return i;
            return n - 1;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double mass = 0;
        int keep = 0;
        while (keep < n && mass < topP) mass += p[order[keep++]];
        double c = 0, target = r * mass;
        for (int i = 0; i < keep; i++) if ((c += p[order[i]]) > target) return order[i];
        return order[keep - 1];
    }
}
