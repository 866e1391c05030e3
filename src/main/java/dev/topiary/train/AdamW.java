package dev.topiary.train;

import dev.topiary.model.LlamaWeights;
import dev.topiary.model.TensorKind;

/**
 * AdamW (Loshchilov and Hutter) over the flat parameter buffer, as torch.optim.AdamW computes it:
 * <pre>
 *   p *= 1 - lr * wd                       (decoupled weight decay, only where decay applies)
 *   m  = b1 m + (1 - b1) g
 *   v  = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Weight decay applies to projection matrices and the untied lm_head; norm weights, biases and
 * the embedding are excluded by default (and the tied head with it).
 */
public final class AdamW {
    public final float beta1, beta2, eps, weightDecay;
    public final float[] m, v; // moments, same layout as the parameters
    private final boolean[] decay; // per View, in LlamaWeights.views() order
    private final LlamaWeights w;
    public long step; // updates done so far

    public AdamW(LlamaWeights w, float beta1, float beta2, float eps, float weightDecay, boolean decayEmbeddings) {
        this.w = w;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = new float[w.data.length];
        this.v = new float[w.data.length];
        var views = w.views();
        decay = new boolean[views.size()];
        for (int i = 0; i < decay.length; i++) {
            TensorKind k = views.get(i).kind();
            decay[i] = !k.isNormOrBias() && (k != TensorKind.EMBED || decayEmbeddings);
        }
    }

    /** Whether weight decay applies to the i-th tensor of {@link LlamaWeights#views()}. */
    public boolean decays(int i) {
        return decay[i];
    }

    /** One update with learning rate lr from the gradients g (same layout as the parameters). */
    public void update(float[] g, float lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr / bc1), sqrtBc2 = (float) Math.sqrt(bc2);
        var views = w.views();
        for (int t = 0; t < views.size(); t++) {
            LlamaWeights.View view = views.get(t);
            float shrink = decay[t] ? 1f - lr * weightDecay : 1f;
            update(w.data, g, m, v, view.offset(), view.offset() + view.size(), shrink, stepSize, sqrtBc2);
        }
    }

    /**
     * One update, with these betas and eps and without weight decay, of parameters outside the model
     * that an objective trains beside it (the distillation projection): p, its gradients g and its own
     * moments m and v have the same length; {@code t} counts the updates of p, this one included.
     */
    public void update(float[] p, float[] g, float[] m, float[] v, long t, float lr) {
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        update(p, g, m, v, 0, p.length, 1f, (float) (lr / bc1), (float) Math.sqrt(bc2));
    }

    private void update(
            float[] p, float[] g, float[] m, float[] v, int from, int to, float shrink, float stepSize, float sqrtBc2) {
        for (int i = from; i < to; i++) {
            float gi = g[i];
            float mi = m[i] = beta1 * m[i] + (1 - beta1) * gi;
            float vi = v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            p[i] = p[i] * shrink - stepSize * mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps);
        }
    }

    /** Scales g so that its global L2 norm is at most maxNorm; returns the norm before clipping. */
    public static double clipGradNorm(float[] g, double maxNorm) {
        double ss = 0;
        for (float x : g) ss += (double) x * x;
        double norm = Math.sqrt(ss);
        if (maxNorm > 0 && norm > maxNorm) {
            float s = (float) (maxNorm / (norm + 1e-6));
            for (int i = 0; i < g.length; i++) g[i] *= s;
        }
        return norm;
    }
}
