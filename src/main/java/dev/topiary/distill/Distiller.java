package dev.topiary.distill;

import dev.topiary.kernels.Kernels;
import dev.topiary.model.LlamaTrain;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.Weights;
import dev.topiary.nn.CrossEntropy;
import dev.topiary.nn.KdLoss;
import dev.topiary.train.AdamW;
import dev.topiary.train.Objective;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The distillation objective (spec section 7). Per token with a target:
 * <pre>
 *   L = (1 - ceWeight) * KD(teacher || student) + ceWeight * CE(student, target)
 *       + lambda * mean over layer pairs of D(P x_S[s], x_T[t])       (optional intermediate-state loss)
 * </pre>
 * KD is forward KL (default), reverse KL or top-k KL with a tail bucket, at temperature tau with
 * the tau^2 convention ({@link KdLoss}). Intermediate states are the residual stream after a
 * student layer and after its mapped teacher layer; D is cosine distance (1 - cos) or mean squared
 * error; P is a learned affine map x W^T + b from the student's width to the teacher's (identity
 * when the widths are equal; b starts at zero), trained beside the student with the trainer's AdamW
 * (its betas and eps, no weight decay). Layer 0 is the embedding output, layer l the residual stream
 * after layer l; {@link LayerMap} gives the
 * default pairs (for a depth-pruned student, each layer maps to the teacher layer it came from).
 * lambda is set each micro-batch to (KD / intermediate loss), both detached, so both terms have the
 * same magnitude (P1, ModelOpt), but at most KD / ({@link #INTER_FLOOR} per token): pairs that
 * already match are not amplified into noise.
 *
 * <p>Teacher logits come from running the teacher, or from a {@link TeacherCache} (top-k only);
 * with a cache, a teacher given as well still serves validation (KL to the teacher).
 * {@link #stepMetrics()} reports the logit KD, the cross-entropy and the intermediate loss of each
 * step separately (means per token; the intermediate one before balancing).
 * Vocabularies may differ in padding rows: the KD compares the first {@code vocab} logits.
 */
public final class Distiller implements Objective {
    public enum Kind {
        FORWARD,
        REVERSE,
        TOPK
    }

    public enum Intermediate {
        NONE,
        COSINE,
        MSE
    }

    public record Options(
            float tau, Kind kind, int topK, float ceWeight, Intermediate intermediate, int[][] layerPairs, long seed) {
        public Options {
            if (!(tau > 0)) throw new IllegalArgumentException("--tau must be > 0, got " + tau);
            if (ceWeight < 0 || ceWeight > 1)
                throw new IllegalArgumentException("--ce-weight must be in [0, 1], got " + ceWeight);
            if (kind == Kind.TOPK && topK < 1) throw new IllegalArgumentException("--top-k must be >= 1, got " + topK);
        }
    }

    private final Weights teacher;
    private final Options o;
    private final TeacherCache cache;
    private final int vocab; // logits compared (shared vocabulary)
    private LlamaTrain.Activations ta;
    private final int Hs, Ht;
    private final float[] proj, projGrad, projM, projV; // (Ht, Hs), null when Hs == Ht
    private final float[] bias, biasGrad, biasM, biasV; // (Ht), null when Hs == Ht
    private long projSteps;
    // scratch
    private float[] tlogits, row;
    private double[] sa, sb;
    private boolean[] mask;
    private int[] ids;
    private float[] logp;
    /** Tests only (gradient checks): a fixed intermediate-loss weight instead of the detached KD / inter ratio. */
    Double fixedLambdaForTests;
    /** Per-token intermediate loss below which the balancing weight stops growing. */
    public static final double INTER_FLOOR = 0.01;
    /** Sums of the last micro-batch, for logging. */
    public double lastKd, lastCe, lastInter;
    /** Per layer pair: the last micro-batch's intermediate loss D summed over its tokens, before weighting. */
    public double[] lastPairLoss = new double[0];
    // sums over the micro-batches of the current step, for stepMetrics
    private double stepKd, stepCe, stepInter;
    private long stepTokens;

    /** The teacher run on each batch, or null when logits come from a cache. */
    @Override
    public Weights teacher() {
        return teacher;
    }

    public Distiller(Weights teacher, int studentHidden, int vocab, Options o, TeacherCache cache) {
        this.teacher = teacher;
        this.o = o;
        this.cache = cache;
        this.vocab = vocab;
        if (cache != null && o.kind() != Kind.TOPK)
            throw new IllegalArgumentException("a teacher cache holds top-k log-probabilities: use --loss topk");
        if (cache != null && o.intermediate() != Intermediate.NONE)
            throw new IllegalArgumentException(
                    "intermediate-state losses need the teacher's hidden states: they cannot come from a cache");
        if (teacher == null && cache == null)
            throw new IllegalArgumentException("a teacher or a teacher cache is needed");
        for (int[] p : o.layerPairs())
            if (p[0] < 0 || teacher != null && p[1] > teacher.config().layers() || p[1] < 0)
                throw new IllegalArgumentException("layer pair " + p[0] + ":" + p[1] + " is out of range");
        this.Hs = studentHidden;
        this.Ht = teacher != null ? teacher.config().hidden() : studentHidden;
        if (o.intermediate() != Intermediate.NONE && Hs != Ht) {
            proj = new float[Ht * Hs];
            SplittableRandom r = new SplittableRandom(o.seed());
            for (int i = 0; i < proj.length; i++) proj[i] = (float) (r.nextGaussian() / Math.sqrt(Hs));
            projGrad = new float[proj.length];
            projM = new float[proj.length];
            projV = new float[proj.length];
            bias = new float[Ht];
            biasGrad = new float[Ht];
            biasM = new float[Ht];
            biasV = new float[Ht];
        } else {
            proj = projGrad = projM = projV = null;
            bias = biasGrad = biasM = biasV = null;
        }
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
        int V = w.config.vocab(), T = inputs.length / sequences.length;
        ensureScratch(V);
        if (cache == null) {
            if (ta == null || ta.rows() != a.rows())
                ta = new LlamaTrain.Activations(teacher.config(), sequences.length, T);
            LlamaTrain.forward(teacher, ta, inputs);
        }
        LlamaTrain.forward(w, a, inputs);
        double[] sums = new double[2];
        double loss = LlamaTrain.head(w, grads, a, (logits, r0, rows, Vs, grad) -> {
            if (cache == null) LlamaTrain.logits(teacher, ta, r0, rows, tlogits);
            double total = 0;
            for (int r = 0; r < rows; r++) {
                int gr = r0 + r, target = targets[gr], lo = r * Vs;
                if (target == CrossEntropy.IGNORE) {
                    if (grad) java.util.Arrays.fill(logits, lo, lo + Vs, 0f);
                    continue;
                }
                System.arraycopy(logits, lo, row, 0, Vs);
                float kdScale = scale * (1 - o.ceWeight());
                double kd;
                if (cache != null) {
                    float tail = cache.read(sequences[gr / T], gr % T, ids, 0, logp, 0);
                    kd = KdLoss.topK(
                            grad ? logits : null,
                            lo,
                            row,
                            0,
                            vocab,
                            ids,
                            0,
                            logp,
                            0,
                            o.topK(),
                            tail,
                            o.tau(),
                            kdScale,
                            sa,
                            mask);
                } else if (o.kind() == Kind.TOPK) {
                    float tail = KdLoss.topKOf(
                            tlogits, r * teacher.config().vocab(), vocab, o.topK(), o.tau(), ids, 0, logp, 0, sb);
                    kd = KdLoss.topK(
                            grad ? logits : null,
                            lo,
                            row,
                            0,
                            vocab,
                            ids,
                            0,
                            logp,
                            0,
                            o.topK(),
                            tail,
                            o.tau(),
                            kdScale,
                            sa,
                            mask);
                } else {
                    kd = KdLoss.full(
                            grad ? logits : null,
                            lo,
                            row,
                            0,
                            tlogits,
                            r * teacher.config().vocab(),
                            vocab,
                            o.tau(),
                            o.kind() == Kind.REVERSE,
                            kdScale,
                            sa,
                            sb);
                }
                if (grad)
                    java.util.Arrays.fill(logits, lo + vocab, lo + Vs, 0f); // padded rows beyond the shared vocabulary
                // cross-entropy of the student (always measured; in the gradient with weight ceWeight)
                double ce = ceRow(grad && o.ceWeight() > 0 ? logits : null, lo, row, Vs, target, scale * o.ceWeight());
                sums[0] += kd;
                sums[1] += ce;
                total += (1 - o.ceWeight()) * kd + o.ceWeight() * ce;
            }
            return total;
        });
        lastKd = sums[0];
        lastCe = sums[1];
        float[][] extra = null;
        lastInter = 0;
        if (o.intermediate() != Intermediate.NONE) extra = intermediate(w, a, grads != null, lastKd, scale, targets);
        if (grads != null) {
            stepKd += lastKd;
            stepCe += lastCe;
            for (double pl : lastPairLoss) stepInter += pl / lastPairLoss.length;
            stepTokens += dev.topiary.train.TokenDataset.countTargets(targets);
        }
        if (grads != null) LlamaTrain.backward(w, grads, a, inputs, extra);
        return loss + lastInter;
    }

    /** CE of one row from the saved student logits; adds scale * (softmax - onehot) into dz when given. */
    private static double ceRow(float[] dz, int dOff, float[] z, int V, int target, float scale) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++) max = Math.max(max, z[i]);
        double sum = 0;
        for (int i = 0; i < V; i++) sum += Math.exp(z[i] - max);
        double lse = max + Math.log(sum);
        if (dz != null) {
            for (int i = 0; i < V; i++) dz[dOff + i] += (float) (Math.exp(z[i] - lse) * scale);
            dz[dOff + target] -= scale;
        }
        return lse - z[target];
    }

    /**
     * Intermediate-state losses on the residual stream: returns the extra gradients per student
     * layer boundary, scaled so the term matches the KD loss. Accumulates the projection's gradient.
     */
    private float[][] intermediate(
            LlamaWeights w, LlamaTrain.Activations a, boolean grad, double kdSum, float scale, int[] targets) {
        Kernels k = Kernels.get();
        int R = a.rows(), pairs = o.layerPairs().length;
        float[][] extra = new float[w.config.layers() + 1][];
        float[] ps = new float[R * Ht], dps = new float[R * Ht];
        double interSum = 0;
        int counted = 0;
        for (int r = 0; r < R; r++) if (targets[r] != CrossEntropy.IGNORE) counted++;
        float[][] dpsAll = new float[pairs][];
        lastPairLoss = new double[pairs];
        for (int p = 0; p < pairs; p++) {
            float[] xs = a.residual(o.layerPairs()[p][0]), xt = ta.residual(o.layerPairs()[p][1]);
            float[] src = xs;
            if (proj != null) {
                k.matmul(ps, 0, xs, 0, proj, 0, bias, 0, R, Hs, Ht);
                src = ps;
            }
            float[] d = new float[R * Ht];
            for (int r = 0; r < R; r++) {
                if (targets[r] == CrossEntropy.IGNORE) continue;
                double l = o.intermediate() == Intermediate.COSINE
                        ? cosineRow(d, src, xt, r * Ht, Ht)
                        : mseRow(d, src, xt, r * Ht, Ht);
                interSum += l;
                lastPairLoss[p] += l;
            }
            dpsAll[p] = d;
        }
        double inter = interSum / pairs; // summed over tokens, mean over pairs
        // detached: lambda * inter == kd, except that pairs already matching (below the cut of a depth-pruned
        // student they start identical) are not blown up: lambda <= kd / (INTER_FLOOR per token)
        double lambda = fixedLambdaForTests != null
                ? fixedLambdaForTests
                : inter > 0 ? kdSum / Math.max(inter, INTER_FLOOR * counted) : 0;
        lastInter = lambda * inter;
        if (!grad) return null;
        float g = (float) (lambda * scale / pairs);
        for (int p = 0; p < pairs; p++) {
            int sl = o.layerPairs()[p][0];
            float[] d = dpsAll[p], xs = a.residual(sl);
            for (int i = 0; i < d.length; i++) d[i] *= g;
            float[] dx = new float[R * Hs];
            if (proj != null) {
                k.matmulNN(dx, 0, d, 0, proj, 0, R, Ht, Hs, false); // dx = d P
                k.matmulTN(projGrad, 0, d, 0, xs, 0, Ht, R, Hs, true); // dP += d^T xs
                for (int r = 0; r < R; r++) // db += sum over rows of d
                for (int i = 0; i < Ht; i++) biasGrad[i] += d[r * Ht + i];
            } else {
                dx = d;
            }
            if (extra[sl] == null) extra[sl] = dx;
            else for (int i = 0; i < dx.length; i++) extra[sl][i] += dx[i];
        }
        return extra;
    }

    /** 1 - cos(u, v) for one row; d/du into d. */
    static double cosineRow(float[] d, float[] u, float[] v, int off, int n) {
        double uv = 0, uu = 0, vv = 0;
        for (int i = 0; i < n; i++) {
            uv += (double) u[off + i] * v[off + i];
            uu += (double) u[off + i] * u[off + i];
            vv += (double) v[off + i] * v[off + i];
        }
        double nu = Math.sqrt(uu) + 1e-12, nv = Math.sqrt(vv) + 1e-12, cos = uv / (nu * nv);
        for (int i = 0; i < n; i++) d[off + i] = (float) -(v[off + i] / (nu * nv) - cos * u[off + i] / (nu * nu));
        return 1 - cos;
    }

    /** mean((u - v)^2) for one row; d/du into d. */
    static double mseRow(float[] d, float[] u, float[] v, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double e = u[off + i] - v[off + i];
            s += e * e;
            d[off + i] = (float) (2 * e / n);
        }
        return s / n;
    }

    /** Updates the projection and its bias with the trainer's AdamW settings (no weight decay). */
    @Override
    public void afterStep(AdamW optimizer, float lr) {
        if (proj == null) return;
        projSteps++;
        optimizer.update(proj, projGrad, projM, projV, projSteps, lr);
        optimizer.update(bias, biasGrad, biasM, biasV, projSteps, lr);
        java.util.Arrays.fill(projGrad, 0f);
        java.util.Arrays.fill(biasGrad, 0f);
    }

    /** Means per token over the last step: "kd" (logit loss), "ce", and "inter" (intermediate, before balancing). */
    @Override
    public Map<String, Double> stepMetrics() {
        if (stepTokens == 0) return Map.of();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("kd", stepKd / stepTokens);
        m.put("ce", stepCe / stepTokens);
        if (o.intermediate() != Intermediate.NONE) m.put("inter", stepInter / stepTokens);
        stepKd = stepCe = stepInter = 0;
        stepTokens = 0;
        return m;
    }

    @Override
    public Map<String, Double> validation(LlamaWeights w, LlamaTrain.Activations a, int[] inputs, int[] targets) {
        if (teacher == null) return Map.of();
        if (ta == null || ta.rows() != a.rows())
            ta = new LlamaTrain.Activations(teacher.config(), a.rows() / a.seqLen(), a.seqLen());
        LlamaTrain.forward(teacher, ta, inputs);
        int V = w.config.vocab(), Vt = teacher.config().vocab();
        ensureScratch(V);
        float[] sl = new float[Math.min(256, a.rows()) * V];
        double kl = 0;
        for (int r0 = 0; r0 < a.rows(); r0 += 256) {
            int rows = Math.min(256, a.rows() - r0);
            LlamaTrain.logits(w, a, r0, rows, sl); // a holds the student forward of this batch (validation ran it)
            LlamaTrain.logits(teacher, ta, r0, rows, tlogits);
            for (int r = 0; r < rows; r++)
                if (targets[r0 + r] != CrossEntropy.IGNORE)
                    kl += KdLoss.full(null, 0, sl, r * V, tlogits, r * Vt, vocab, o.tau(), false, 1, sa, sb);
        }
        return Map.of("val_kl", kl);
    }

    @Override
    public Map<String, float[]> state() {
        if (proj == null) return Map.of();
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put("proj", proj);
        m.put("proj_m", projM);
        m.put("proj_v", projV);
        m.put("proj_steps", new float[] {projSteps});
        m.put("proj_bias", bias);
        m.put("proj_bias_m", biasM);
        m.put("proj_bias_v", biasV);
        return m;
    }

    @Override
    public void restore(Map<String, float[]> state) {
        if (proj == null || !state.containsKey("proj")) return;
        System.arraycopy(state.get("proj"), 0, proj, 0, proj.length);
        System.arraycopy(state.get("proj_m"), 0, projM, 0, projM.length);
        System.arraycopy(state.get("proj_v"), 0, projV, 0, projV.length);
        projSteps = (long) state.get("proj_steps")[0];
        if (state.containsKey("proj_bias")) {
            System.arraycopy(state.get("proj_bias"), 0, bias, 0, bias.length);
            System.arraycopy(state.get("proj_bias_m"), 0, biasM, 0, biasM.length);
            System.arraycopy(state.get("proj_bias_v"), 0, biasV, 0, biasV.length);
        }
    }

    private void ensureScratch(int V) {
        int Vt = teacher != null ? teacher.config().vocab() : V, big = Math.max(V, Vt);
        if (row == null || row.length < big) {
            row = new float[big];
            sa = new double[big];
            sb = new double[big];
            mask = new boolean[big];
            tlogits = new float[256 * Vt];
        }
        int k = Math.max(1, o.topK());
        if (ids == null || ids.length < k) {
            ids = new int[k];
            logp = new float[k];
        }
    }

    /** Projection weights (Ht, Hs), for tests; null when the widths are equal. */
    float[] projection() {
        return proj;
    }

    float[] projectionGrad() {
        return projGrad;
    }

    float[] projectionBias() {
        return bias;
    }

    float[] projectionBiasGrad() {
        return biasGrad;
    }
}
