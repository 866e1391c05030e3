package dev.topiary.generate;

import java.util.SplittableRandom;

/**
 * Next-token sampling: temperature 0 is greedy (argmax, lowest id on ties); otherwise softmax of
 * logits / temperature, restricted to the smallest set of most likely tokens whose mass reaches
 * top-p (nucleus sampling; top-p 1 samples the whole distribution), drawn with a seeded RNG.
 *
 * <p>The nucleus is taken in order of decreasing probability, lower id first among equals, and the
 * draw walks it in that order. Its tokens are found by partial selection: a max-heap of token ids
 * built in place in O(vocab), popped only until the mass reaches top-p. The buffers are allocated on
 * the first call and reused, so a sampler draws without allocating; it is not thread-safe.
 */
public final class Sampler {
    private final float temperature, topP;
    private final SplittableRandom random;
    private double[] p = new double[0]; // probabilities by token id
    private int[] heap = new int[0]; // token ids, a max-heap by (p desc, id asc) while selecting the nucleus

    /**
     * @param temperature 0 for greedy decoding, else the softmax temperature
     * @param topP        the nucleus mass, in (0, 1]
     * @param seed        the random generator's seed: equal seeds draw equal tokens from equal logits
     */
    public Sampler(float temperature, float topP, long seed) {
        if (!(temperature >= 0)) throw new IllegalArgumentException("--temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        this.temperature = temperature;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    /** The index of the largest of {@code logits[off .. off + n)}, relative to off; the first on ties. */
    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (logits[off + i] > logits[off + best]) best = i;
        return best;
    }

    /** The next token for a row of logits (one per vocabulary id). */
    public int sample(float[] logits) {
        int n = logits.length;
        if (temperature == 0f) return argmax(logits, 0, n);
        if (p.length < n) {
            p = new double[n];
            heap = new int[n];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
        for (int i = 0; i < n; i++) p[i] /= sum;
        double r = random.nextDouble();
        if (topP >= 1f) {
            double c = 0;
            for (int i = 0; i < n; i++) if ((c += p[i]) > r) return i;
            return n - 1;
        }
        int from = nucleus(n);
        double c = 0, mass = 0;
        for (int i = from; i < n; i++) mass += p[heap[i]];
        double target = r * mass;
        for (int i = from; i < n; i++) if ((c += p[heap[i]]) > target) return heap[i];
        return heap[n - 1];
    }

    /**
     * Puts the nucleus in {@code heap[from .. n)}, most likely first, and returns from: the nucleus is the
     * fewest tokens whose probabilities, added in that order, reach top-p (all n if they never do).
     */
    private int nucleus(int n) {
        for (int i = 0; i < n; i++) heap[i] = i;
        for (int i = n / 2 - 1; i >= 0; i--) siftDown(i, n);
        // Pop the most likely token to the end of the shrinking heap: heap[size .. n) holds the popped ones,
        // the least likely first.
        int size = n;
        double mass = 0;
        while (size > 0 && mass < topP) {
            int top = heap[0];
            mass += p[top];
            heap[0] = heap[--size];
            heap[size] = top;
            siftDown(0, size);
        }
        for (int i = size, j = n - 1; i < j; i++, j--) { // reverse: the most likely first
            int t = heap[i];
            heap[i] = heap[j];
            heap[j] = t;
        }
        return size;
    }

    /** Whether token a comes before token b: more likely, or as likely and a lower id. */
    private boolean before(int a, int b) {
        return p[a] > p[b] || p[a] == p[b] && a < b;
    }

    private void siftDown(int i, int size) {
        int x = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) break;
            if (child + 1 < size && before(heap[child + 1], heap[child])) child++;
            if (!before(heap[child], x)) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = x;
    }
}
