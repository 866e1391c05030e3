package dev.topiary.model;

/**
 * Memory a job will need, estimated from sizes known before it starts, so that a request too large
 * for the Java heap is refused up front with the numbers instead of ending in an
 * {@link OutOfMemoryError} (or an array size that overflows) minutes later.
 */
public final class Memory {
    private Memory() {}

    /** Largest Java array, in elements. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** An estimate: total bytes, the largest single array in elements, and what it is made of. */
    public record Need(long bytes, long largestArray, String parts) {}

    /**
     * Inference over one sequence ({@link Llama.State}): a KV cache of {@code capacity} positions,
     * activations for {@code rows} tokens at once, and logits for every row (allLogits) or the last.
     */
    public static Need inference(LlamaConfig c, long capacity, long rows, boolean allLogits) {
        long kv = 2L * c.layers() * capacity * c.kvDim();
        long rope = capacity * c.headDim();
        long act = rows * (3L * c.hidden() + 2L * c.qDim() + 2L * c.intermediate());
        long logits = (allLogits ? rows : 1) * c.vocab();
        long largest = Math.max(Math.max(capacity * c.kvDim(), logits), rows * c.intermediate());
        return new Need(
                4 * (kv + rope + act + logits),
                largest,
                "logits " + human(4 * logits) + ", KV cache " + human(4 * kv) + ", activations " + human(4 * act));
    }

    /**
     * Training on (batch, seqLen) sequences: {@link LlamaTrain.Activations} (attention probabilities
     * grow as seqLen squared; one layer's worth with recompute), plus the gradients (4 bytes per
     * parameter; the weights themselves are already loaded, and the AdamW moments live off the heap).
     */
    public static Need training(LlamaConfig c, long batch, long seqLen, boolean recompute) {
        long L = c.layers(), C = c.hidden(), F = c.intermediate(), Q = c.qDim(), KV = c.kvDim(), R = batch * seqLen;
        long probsPerLayer = saturating(batch * c.heads() * seqLen, seqLen);
        if (probsPerLayer == Long.MAX_VALUE)
            return new Need(
                    Long.MAX_VALUE,
                    Long.MAX_VALUE,
                    "attention probabilities of " + batch + " x " + c.heads() + " x " + seqLen + " x " + seqLen
                            + " values");
        long saved = (L + 1) * R * C + 3 * L * R * C + 2 * L * R + 2 * L * R * Q + 2 * L * R * KV + 3 * L * R * F;
        long probs = probsPerLayer * (recompute ? 1 : L);
        long scratch = 3 * R * C
                + R
                + 2 * R * Q
                + 2 * R * KV
                + 3 * R * F
                + Math.min(R, 256) * c.vocab()
                + seqLen * c.headDim();
        long optimizer = c.parameterCount();
        long largest = Math.max(Math.max(probsPerLayer, R * F), Math.max(R * Q, Math.min(R, 256) * c.vocab()));
        return new Need(
                4 * (saved + probs + scratch + optimizer),
                largest,
                "attention probabilities " + human(4 * probs) + ", other activations " + human(4 * (saved + scratch))
                        + ", gradients " + human(4 * optimizer));
    }

    /**
     * Refuses (IllegalArgumentException) when {@code need} does not fit the heap still free, or an
     * array would exceed Java's limit. {@code what} says what asked for it (e.g. "eval --seq-len
     * 1000000"), {@code advice} what makes it smaller ("lower --seq-len").
     */
    public static void require(Need need, String what, String advice) {
        long free = free();
        if (need.bytes() > free) {
            System.gc(); // garbage is not a reason to refuse
            free = free();
        }
        if (need.bytes() > free)
            throw new IllegalArgumentException(what + " needs about " + human(need.bytes()) + " (" + need.parts()
                    + "), but the Java heap has " + human(free) + " free; " + advice
                    + ", or give the JVM more memory (TOPIARY_JAVA_OPTS=-Xmx...)");
        if (need.largestArray() > MAX_ARRAY)
            throw new IllegalArgumentException(what + " needs an array of " + need.largestArray()
                    + " values, more than Java's limit of " + MAX_ARRAY + " (" + need.parts() + "); " + advice);
    }

    private static long saturating(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long free() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Bytes in B, KiB, MiB, GiB or TiB. */
    public static String human(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? b + " B" : String.format("%.1f %s", v, units[u]);
    }
}
