package dev.topiary.train;

import dev.topiary.kernels.Kernels;
import dev.topiary.kernels.Parallel;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.TensorKind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter) over the model's tensors, as torch.optim.AdamW computes it:
 * <pre>
 *   p *= 1 - lr * wd                       (decoupled weight decay, only where decay applies)
 *   m  = b1 m + (1 - b1) g
 *   v  = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Weight decay applies to projection matrices and the untied lm_head; norm weights, biases and
 * the embedding are excluded by default (and the tied head with it).
 *
 * <p>The two moments, half of a training run's memory (8 bytes a parameter), live off the Java heap in
 * one native segment each (no 2^31 limit), tensor after tensor in {@link LlamaWeights#views()} order;
 * {@link #close()} gives them back to the operating system at once instead of at the next full
 * collection, so the stages after training (evaluation, export) do not carry them.
 */
public final class AdamW implements AutoCloseable {
    public final float beta1, beta2, eps, weightDecay;
    private final Arena arena = Arena.ofShared();
    /** Moments, fp32 in native byte order; the i-th tensor's at element {@link #offset(int)}. */
    private final MemorySegment m, v;

    private final long[] offsets; // per View, in elements, and the total at the end (see starts)
    private final boolean[] decay; // per View, in LlamaWeights.views() order
    private final LlamaWeights w;
    public long step; // updates done so far

    public AdamW(LlamaWeights w, float beta1, float beta2, float eps, float weightDecay, boolean decayEmbeddings) {
        this.w = w;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        List<LlamaWeights.View> views = w.views();
        decay = new boolean[views.size()];
        for (int i = 0; i < decay.length; i++) {
            TensorKind k = views.get(i).kind();
            decay[i] = !k.isNormOrBias() && (k != TensorKind.EMBED || decayEmbeddings);
        }
        offsets = starts(views);
        long n = offsets[views.size()];
        long bytes = 4 * Math.max(1, n);
        try {
            m = arena.allocate(bytes, 64); // zeroed
            v = arena.allocate(bytes, 64);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new IllegalArgumentException("the AdamW moments of " + n + " parameters need 2 x "
                    + dev.topiary.model.Memory.human(bytes) + " of memory outside the Java heap, which the machine"
                    + " does not have free; choose a smaller model");
        }
    }

    /** Whether weight decay applies to the i-th tensor of {@link LlamaWeights#views()}. */
    public boolean decays(int i) {
        return decay[i];
    }

    /** Where the i-th tensor's moments start, in elements of {@link #firstMoment()} and {@link #secondMoment()}. */
    public long offset(int i) {
        return offsets[i];
    }

    /** The first moments of every tensor, fp32 in native byte order (valid until {@link #close()}). */
    public MemorySegment firstMoment() {
        return m;
    }

    /** The second moments, laid out as {@link #firstMoment()}. */
    public MemorySegment secondMoment() {
        return v;
    }

    /** One update with learning rate lr from the gradients g (a {@link LlamaWeights} of the same config). */
    public void update(LlamaWeights g, float lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr / bc1), sqrtBc2 = (float) Math.sqrt(bc2);
        var views = w.views();
        var grads = g.views();
        float[] shrink = new float[views.size()];
        for (int t = 0; t < shrink.length; t++) shrink[t] = decay[t] ? 1f - lr * weightDecay : 1f;
        Kernels k = Kernels.get();
        // element-wise: the same bits on any thread count
        inBlocks(
                views,
                offsets,
                (b, t, lo, hi) -> k.adamw(
                        views.get(t).array(),
                        grads.get(t).array(),
                        m,
                        v,
                        offsets[t],
                        lo,
                        hi,
                        beta1,
                        beta2,
                        eps,
                        shrink[t],
                        stepSize,
                        sqrtBc2));
    }

    /** Elements per unit of the loops over all parameters (the order of the sum of squares is per block). */
    private static final int BLOCK = 1 << 14;

    /** Where each tensor of views starts in all of them laid end to end, and (last) their total size. */
    private static long[] starts(List<LlamaWeights.View> views) {
        long[] start = new long[views.size() + 1];
        for (int t = 0; t < views.size(); t++)
            start[t + 1] = start[t] + views.get(t).size();
        return start;
    }

    /** A piece [lo, hi) of tensor t that lies in block b. */
    private interface Piece {
        void run(int b, int t, int lo, int hi);
    }

    /**
     * All tensors laid end to end (tensor t from start[t]) cut into blocks of {@link #BLOCK} elements, the
     * blocks split among the threads; each block's pieces, tensor by tensor in order, go to body.
     */
    private static void inBlocks(List<LlamaWeights.View> views, long[] start, Piece body) {
        long total = start[views.size()];
        int blocks = Math.toIntExact((total + BLOCK - 1) / BLOCK);
        Parallel.forRange(blocks, total * 8, (chunk, b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                long from = b * (long) BLOCK, to = Math.min(total, from + BLOCK);
                for (int t = 0; t < views.size(); t++) {
                    long lo = Math.max(from, start[t]), hi = Math.min(to, start[t + 1]);
                    if (lo < hi) body.run(b, t, (int) (lo - start[t]), (int) (hi - start[t]));
                }
            }
        });
    }

    /**
     * One update, with these betas and eps and without weight decay, of parameters outside the model
     * that an objective trains beside it (the distillation projection): p, its gradients g and its own
     * moments m and v have the same length; {@code t} counts the updates of p, this one included.
     */
    public void update(float[] p, float[] g, float[] m, float[] v, long t, float lr) {
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        Kernels.get()
                .adamw(
                        p,
                        g,
                        MemorySegment.ofArray(m),
                        MemorySegment.ofArray(v),
                        0,
                        0,
                        p.length,
                        beta1,
                        beta2,
                        eps,
                        1f,
                        (float) (lr / bc1),
                        (float) Math.sqrt(bc2));
    }

    /**
     * Scales g so that its global L2 norm is at most maxNorm; returns the norm before clipping. The squares
     * are summed in double in blocks of {@link #BLOCK} elements (four running sums each), the blocks in
     * parallel and their sums in order: the same norm on any thread count.
     */
    public static double clipGradNorm(LlamaWeights g, double maxNorm) {
        List<LlamaWeights.View> views = g.views();
        long[] start = starts(views);
        // four running sums per block, carried across its pieces (which come in order, from one thread)
        double[] acc = new double[4 * Math.toIntExact((start[views.size()] + BLOCK - 1) / BLOCK)];
        inBlocks(views, start, (b, t, lo, hi) -> {
            float[] a = views.get(t).array();
            double s0 = acc[4 * b], s1 = acc[4 * b + 1], s2 = acc[4 * b + 2], s3 = acc[4 * b + 3];
            int i = lo;
            for (; i + 3 < hi; i += 4) {
                s0 += (double) a[i] * a[i];
                s1 += (double) a[i + 1] * a[i + 1];
                s2 += (double) a[i + 2] * a[i + 2];
                s3 += (double) a[i + 3] * a[i + 3];
            }
            for (; i < hi; i++) s0 += (double) a[i] * a[i];
            acc[4 * b] = s0;
            acc[4 * b + 1] = s1;
            acc[4 * b + 2] = s2;
            acc[4 * b + 3] = s3;
        });
        double ss = 0;
        for (int b = 0; b < acc.length; b += 4) ss += (acc[b] + acc[b + 1]) + (acc[b + 2] + acc[b + 3]);
        double norm = Math.sqrt(ss);
        if (maxNorm > 0 && norm > maxNorm) {
            float s = (float) (maxNorm / (norm + 1e-6));
            Kernels k = Kernels.get();
            inBlocks(views, start, (b, t, lo, hi) -> k.scale(views.get(t).array(), lo, hi - lo, s));
        }
        return norm;
    }

    /** Frees the moments; the optimizer must not be used afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
