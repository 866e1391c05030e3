package dev.topiary.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Sampling against distributions written down by hand: greedy is argmax, top-p keeps exactly the nucleus,
 * draws follow the probabilities (a chi-square bound over many draws with a fixed seed), seeds reproduce.
 */
class SamplerTest {
    /** chi-square critical values at p = 0.001 by degrees of freedom 1..7: a fixed-seed test far from the edge. */
    private static final double[] CHI2_999 = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32};

    private static float[] logitsOf(double... probs) {
        float[] z = new float[probs.length];
        for (int i = 0; i < probs.length; i++) z[i] = (float) Math.log(probs[i]);
        return z;
    }

    private static int[] counts(Sampler s, float[] logits, int draws) {
        int[] c = new int[logits.length];
        for (int i = 0; i < draws; i++) c[s.sample(logits)]++;
        return c;
    }

    /** Pearson's statistic of observed counts against expected probabilities (those with probability 0 skipped). */
    private static double chiSquare(int[] observed, double[] expected) {
        long n = Arrays.stream(observed).sum();
        double x = 0;
        for (int i = 0; i < observed.length; i++) {
            if (expected[i] == 0) continue;
            double e = n * expected[i];
            x += (observed[i] - e) * (observed[i] - e) / e;
        }
        return x;
    }

    @Test
    void temperatureZeroIsArgmaxWithTheLowestIdOnTies() {
        Sampler s = new Sampler(0f, 0.5f, 1);
        float[] z = {1, 3, 3, 2, -7};
        for (int i = 0; i < 5; i++) assertThat(s.sample(z)).isEqualTo(1);
        assertThat(Sampler.argmax(new float[] {9, 1, 3, 3, 2}, 1, 4)).isEqualTo(1); // relative to off
    }

    @Test
    void topPKeepsExactlyTheNucleus() {
        double[] p = {0.05, 0.5, 0.1, 0.3, 0.05};
        float[] z = logitsOf(p);
        // 0.45: token 1 alone (0.5); 0.75: tokens 1, 3 (0.8); 0.85: tokens 1, 3, 2 (0.9)
        assertThat(counts(new Sampler(1f, 0.45f, 3), z, 2000)).containsExactly(0, 2000, 0, 0, 0);
        int[] two = counts(new Sampler(1f, 0.75f, 3), z, 40_000);
        assertThat(two[0] + two[2] + two[4]).isZero();
        assertThat(chiSquare(two, new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8, 0})).isLessThan(CHI2_999[1]);
        int[] three = counts(new Sampler(1f, 0.85f, 3), z, 40_000);
        assertThat(three[0] + three[4]).isZero();
        assertThat(chiSquare(three, new double[] {0, 0.5 / 0.9, 0.1 / 0.9, 0.3 / 0.9, 0}))
                .isLessThan(CHI2_999[2]);
    }

    @Test
    void topPOneSamplesEveryTokenWithItsProbability() {
        double[] p = {0.01, 0.2, 0.05, 0.3, 0.14, 0.1, 0.15, 0.05};
        int[] c = counts(new Sampler(1f, 1f, 11), logitsOf(p), 100_000);
        assertThat(Arrays.stream(c).min().getAsInt()).isPositive();
        assertThat(chiSquare(c, p)).isLessThan(CHI2_999[7]);
    }

    @Test
    void temperatureDividesTheLogits() {
        double[] p = {0.64, 0.16, 0.16, 0.04};
        double[] sqrt = {0.8 / 1.8, 0.4 / 1.8, 0.4 / 1.8, 0.2 / 1.8}; // temperature 2: p^(1/2), renormalized
        int[] c = counts(new Sampler(2f, 1f, 5), logitsOf(p), 50_000);
        assertThat(chiSquare(c, sqrt)).isLessThan(CHI2_999[3]);
    }

    @Test
    void equalSeedsDrawEqualTokens() {
        float[] z = new float[300];
        Random r = new Random(42);
        for (int i = 0; i < z.length; i++) z[i] = (float) (3 * r.nextGaussian());
        int[] a = draws(new Sampler(0.9f, 0.95f, 17), z), b = draws(new Sampler(0.9f, 0.95f, 17), z);
        int[] c = draws(new Sampler(0.9f, 0.95f, 18), z);
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    private static int[] draws(Sampler s, float[] z) {
        return IntStream.range(0, 500).map(i -> s.sample(z)).toArray();
    }

    /** The heap selection draws what sorting every token by probability would, token for token. */
    @Test
    void nucleusSelectionMatchesAFullSort() {
        Random r = new Random(7);
        for (int vocab : new int[] {1, 2, 17, 1000, 5}) { // sizes up and down: the buffers are reused
            float[] z = new float[vocab];
            for (int i = 0; i < vocab; i++) z[i] = (float) (2 * r.nextGaussian());
            if (vocab > 4) z[3] = z[1] = z[2]; // ties: the lower id first
            for (float topP : new float[] {0.1f, 0.5f, 0.9f, 0.999f}) {
                Sampler s = new Sampler(0.7f, topP, 99);
                SplittableRandom ref = new SplittableRandom(99);
                for (int k = 0; k < 200; k++) {
                    assertThat(s.sample(z))
                            .as("vocab %d, top-p %s, draw %d", vocab, topP, k)
                            .isEqualTo(bySorting(z, 0.7f, topP, ref.nextDouble()));
                }
            }
        }
    }

    /** The nucleus draw by its definition: sort all tokens by probability, keep the shortest prefix reaching topP. */
    private static int bySorting(float[] z, float temperature, float topP, double r) {
        int n = z.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) max = Math.max(max, v);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp((z[i] - max) / temperature);
        for (int i = 0; i < n; i++) p[i] /= sum;
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
        double mass = 0;
        int keep = 0;
        while (keep < n && mass < topP) mass += p[order[keep++]];
        double c = 0;
        for (int i = 0; i < keep; i++) if ((c += p[order[i]]) > r * mass) return order[i];
        return order[keep - 1];
    }

    @Test
    void badOptionsAreRefused() {
        assertThatThrownBy(() -> new Sampler(-0.1f, 0.9f, 0)).hasMessageContaining("--temperature");
        assertThatThrownBy(() -> new Sampler(Float.NaN, 0.9f, 0)).hasMessageContaining("--temperature");
        assertThatThrownBy(() -> new Sampler(1f, 0f, 0)).hasMessageContaining("--top-p");
        assertThatThrownBy(() -> new Sampler(1f, 1.5f, 0)).hasMessageContaining("--top-p");
    }
}
