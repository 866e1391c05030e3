package dev.topiary.model;

/**
 * Finds NaN and infinite weights. A model holding one computes NaN logits everywhere it reaches:
 * generation prints {@code <unk>}, perplexity is NaN and training skips every step, all without a
 * word. Loading refuses such a model (the model readers call {@link #find}) unless
 * {@code --allow-nonfinite} was given, which sets {@link #allow(boolean)} for the process.
 */
public final class NonFinite {
    private NonFinite() {}

    private static volatile boolean allowed;

    /** Lets models with non-finite weights load (the command line's {@code --allow-nonfinite}). */
    public static void allow(boolean allow) {
        allowed = allow;
    }

    public static boolean allowed() {
        return allowed;
    }

    /**
     * As {@link #find(LlamaWeights)} for weights in any stored type (memory-mapped: the scan reads
     * 8 bytes at a time and tests every element's exponent at once, at about the disk's or memory's speed).
     */
    public static String find(Weights w) {
        if (w instanceof LlamaWeights lw) return find(lw);
        LlamaConfig c = w.config();
        for (TensorKind k : TensorKind.values()) {
            if (!k.present(c) || k == TensorKind.LM_HEAD && c.tieEmbeddings()) continue;
            for (int l = 0; l < (k.perLayer ? c.layers() : 1); l++) {
                dev.topiary.tensor.Tensor t = w.tensor(k, l);
                long i = firstNonFinite(t);
                if (i >= 0) {
                    long cols = t.cols();
                    return "tensor '" + k.hfName(l) + "' holds " + t.get(i) + " at index " + i
                            + (t.shape().length == 2 ? " (row " + i / cols + ", column " + i % cols + ")" : "");
                }
            }
        }
        return null;
    }

    /** The index of the first NaN or infinity in {@code t}, or -1. */
    static long firstNonFinite(dev.topiary.tensor.Tensor t) {
        if (t.array() != null) {
            float[] a = t.array();
            for (long i = 0; i < t.elements(); i++) if (!Float.isFinite(a[t.arrayOffset() + (int) i])) return i;
            return -1;
        }
        java.lang.foreign.MemorySegment s = t.segment();
        var longs = java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
        switch (t.type()) {
            case BF16, F16, F32 -> {
                // an element is NaN or infinite when its exponent bits are all ones
                long exp = switch (t.type()) {
                    case BF16 -> 0x7F807F807F807F80L;
                    case F16 -> 0x7C007C007C007C00L;
                    default -> 0x7F8000007F800000L;
                };
                int size = t.type() == dev.topiary.tensor.WeightType.F32 ? 4 : 2;
                long n = s.byteSize() / 8;
                for (long i = 0; i < n; i++) {
                    long x = s.get(longs, 8 * i) & exp;
                    if (x == 0) continue;
                    for (int lane = 0; lane < 8 / size; lane++) {
                        long laneMask = size == 4 ? 0xFFFFFFFFL << (32 * lane) : 0xFFFFL << (16 * lane);
                        if ((x & laneMask) == (exp & laneMask)) return (8 * i) / size + lane;
                    }
                }
                for (long e = n * 8 / size; e < t.elements(); e++) if (!Float.isFinite(t.get(e))) return e;
                return -1;
            }
            case Q8_0 -> {
                for (long b = 0; b < t.elements() / 32; b++) if (!Float.isFinite(t.get(32 * b))) return 32 * b;
                return -1;
            }
        }
        return -1;
    }

    /**
     * The first non-finite weight, described as "tensor 'NAME' holds NaN at index I (row R, column
     * C); N non-finite values in all", or null when every weight is finite.
     */
    public static String find(LlamaWeights w) {
        LlamaWeights.View at = null;
        int first = -1;
        long count = 0;
        for (LlamaWeights.View v : w.views()) {
            float[] d = v.array();
            for (int i = 0; i < d.length; i++) {
                if (!Float.isFinite(d[i])) {
                    if (at == null) {
                        at = v;
                        first = i;
                    }
                    count++;
                }
            }
        }
        if (at == null) return null;
        int[] s = at.shape();
        String where = s.length == 2 ? " (row " + first / s[1] + ", column " + first % s[1] + ")" : "";
        return "tensor '" + at.name() + "' holds " + at.array()[first] + " at index " + first + where + "; " + count
                + " non-finite value" + (count == 1 ? "" : "s") + " in all";
    }
}
