package dev.topiary.train;

import dev.topiary.model.LlamaWeights;
import dev.topiary.model.TensorKind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    public final float beta1, beta2, eps, weightDecay;
    private final Arena arena = Arena.ofShared();
    /** Moments, fp32 in native byte order; the i-th tensor's at element {@link #offset(int)}. */
    private final MemorySegment m, v;

    private final long[] offsets; // per View, in elements
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
        offsets = new long[views.size()];
        long n = 0;
        for (int i = 0; i < decay.length; i++) {
            TensorKind k = views.get(i).kind();
            decay[i] = !k.isNormOrBias() && (k != TensorKind.EMBED || decayEmbeddings);
            offsets[i] = n;
            n += views.get(i).size();
        }
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
        for (int t = 0; t < views.size(); t++) {
            float shrink = decay[t] ? 1f - lr * weightDecay : 1f;
            update(views.get(t).array(), grads.get(t).array(), m, v, offsets[t], shrink, stepSize, sqrtBc2);
        }
    }

    /** The update of p from g, its moments at elements [o, o + p.length) of m and v. */
    private void update(
            float[] p,
            float[] g,
            MemorySegment m,
            MemorySegment v,
            long o,
            float shrink,
            float stepSize,
            float sqrtBc2) {
        for (int i = 0; i < p.length; i++) {
            float gi = g[i];
            float mi = beta1 * m.getAtIndex(F, o + i) + (1 - beta1) * gi;
            float vi = beta2 * v.getAtIndex(F, o + i) + (1 - beta2) * gi * gi;
            m.setAtIndex(F, o + i, mi);
            v.setAtIndex(F, o + i, vi);
            p[i] = p[i] * shrink - stepSize * mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps);
        }
    }

    /**
     * One update, with these betas and eps and without weight decay, of parameters outside the model
     * that an objective trains beside it (the distillation projection): p, its gradients g and its own
     * moments m and v have the same length; {@code t} counts the updates of p, this one included.
     */
    public void update(float[] p, float[] g, float[] m, float[] v, long t, float lr) {
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        update(p, g, MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, 1f, (float) (lr / bc1), (float)
                Math.sqrt(bc2));
    }

    /** Scales g so that its global L2 norm is at most maxNorm; returns the norm before clipping. */
    public static double clipGradNorm(LlamaWeights g, double maxNorm) {
        double ss = 0;
        for (LlamaWeights.View t : g.views()) for (float x : t.array()) ss += (double) x * x;
        double norm = Math.sqrt(ss);
        if (maxNorm > 0 && norm > maxNorm) {
            float s = (float) (maxNorm / (norm + 1e-6));
            for (LlamaWeights.View t : g.views()) {
                float[] a = t.array();
                for (int i = 0; i < a.length; i++) a[i] *= s;
            }
        }
        return norm;
    }

    /** Frees the moments; the optimizer must not be used afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
