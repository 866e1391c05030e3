package dev.topiary.model;

import dev.topiary.kernels.Kernels;
import dev.topiary.kernels.Parallel;
import dev.topiary.model.LlamaWeights.View;
import dev.topiary.nn.Attention;
import dev.topiary.nn.CrossEntropy;
import dev.topiary.nn.RmsNorm;
import dev.topiary.nn.Rope;
import dev.topiary.tensor.Tensor;

/**
 * Training forward and backward of a Llama model over a batch of B sequences of T tokens, the
 * backward walking the forward's steps in reverse (llm.c's gpt2_forward / gpt2_backward). The
 * loss is the mean cross-entropy over targets that are not {@link CrossEntropy#IGNORE}, scaled by
 * a factor the caller chooses (1 / target count of the whole accumulation group). Gradients
 * accumulate (+=) into a {@link LlamaWeights} of the same config; the caller zeroes it.
 *
 * <p>Activations (R = B*T rows) are kept per layer for the backward pass, sized once for (B, T).
 */
public final class LlamaTrain {
    private LlamaTrain() {}

    /** Rows of logits materialised at once: the (R, V) logits never exist whole. */
    public static final int LOGIT_ROWS = 256;

    /** Saved activations and scratch for one (B, T). */
    public static final class Activations {
        final int B, T, R;
        final float[] cos, sin; // RoPE tables (T, D/2)
        final float[][] x; // [L+1] (R, C) residual stream entering each layer; x[L] leaves the last
        final float[][] xn1, xmid, xn2; // [L] (R, C)
        final float[][] rstd1, rstd2; // [L] (R)
        final float[][] q, att; // [L] (R, H*D), q after RoPE
        final float[][] k, v; // [L] (R, KV*D), k after RoPE
        final float[][] probs; // [L] (B, H, T, T); one shared buffer when recomputing
        final boolean recompute;
        /** (B*T) for packed documents: where each token's document starts in its sequence; null = one document per sequence. */
        public int[] segStart;

        final float[][] gate, up, hid; // [L] (R, F)
        final float[] xnf, rstdf; // (R, C), (R)
        // gradient scratch
        final float[] dx, dxn, dq, dk, dv, datt, dhid, dgate, dup, logits;

        public Activations(LlamaConfig c, int B, int T) {
            this(c, B, T, false);
        }

        /**
         * @param recompute keep one layer's attention probabilities instead of all L, recomputing
         *                  them in the backward pass (for long sequences: they grow as T^2)
         */
        public Activations(LlamaConfig c, int B, int T, boolean recompute) {
            this.recompute = recompute;
            this.B = B;
            this.T = T;
            this.R = Math.multiplyExact(B, T);
            int L = c.layers(), C = c.hidden(), F = c.intermediate(), Q = c.qDim(), KVD = c.kvDim();
            float[][] tables = c.ropeTables(T);
            cos = tables[0];
            sin = tables[1];
            x = new float[L + 1][R * C];
            xn1 = new float[L][R * C];
            xmid = new float[L][R * C];
            xn2 = new float[L][R * C];
            rstd1 = new float[L][R];
            rstd2 = new float[L][R];
            q = new float[L][R * Q];
            att = new float[L][R * Q];
            k = new float[L][R * KVD];
            v = new float[L][R * KVD];
            int probSize = Math.multiplyExact(Math.multiplyExact(B * c.heads(), T), T);
            probs = new float[L][];
            for (int l = 0; l < L; l++) probs[l] = recompute && l > 0 ? probs[0] : new float[probSize];
            gate = new float[L][R * F];
            up = new float[L][R * F];
            hid = new float[L][R * F];
            xnf = new float[R * C];
            rstdf = new float[R];
            dx = new float[R * C];
            dxn = new float[R * C];
            dq = new float[R * Q];
            dk = new float[R * KVD];
            dv = new float[R * KVD];
            datt = new float[R * Q];
            dhid = new float[R * F];
            dgate = new float[R * F];
            dup = new float[R * F];
            logits = new float[Math.min(R, LOGIT_ROWS) * c.vocab()];
        }

        /** The residual stream entering layer l (l = L: leaving the last layer), (R, C). */
        public float[] residual(int l) {
            return x[l];
        }

        public int rows() {
            return R;
        }

        public int seqLen() {
            return T;
        }

        /** Bytes an Activations(c, B, T, recompute) will hold, computed before allocating it. */
        public static long estimateBytes(LlamaConfig c, int B, int T, boolean recompute) {
            long R = (long) B * T, L = c.layers(), C = c.hidden(), F = c.intermediate(), Q = c.qDim(), KVD = c.kvDim();
            long n = (L + 1) * R * C + 3 * L * R * C + 2 * L * R + 2 * L * R * Q + 2 * L * R * KVD + 3 * L * R * F;
            n += (recompute ? 1 : L) * (long) B * c.heads() * T * T;
            n += R * C
                    + R
                    + 2 * R * C
                    + 2 * R * Q
                    + 2 * R * KVD
                    + 3 * R * F
                    + Math.min(R, LOGIT_ROWS) * (long) c.vocab();
            n += (long) T * c.headDim(); // RoPE tables
            return 4 * n;
        }

        /** Bytes held, for the memory report. */
        public long bytes() {
            long n = 0;
            for (float[][] a : new float[][][] {x, xn1, xmid, xn2, rstd1, rstd2, q, att, k, v, gate, up, hid})
                for (float[] b : a) n += b.length;
            n += (long) probs[0].length * (recompute ? 1 : probs.length);
            for (float[] b : new float[][] {xnf, rstdf, dx, dxn, dq, dk, dv, datt, dhid, dgate, dup, logits, cos, sin})
                n += b.length;
            return 4 * n;
        }
    }

    /**
     * Forward, loss and (when {@code grads} is not null) backward for one batch.
     *
     * @param inputs  (B, T) token ids
     * @param targets (B, T) next-token ids, or {@link CrossEntropy#IGNORE}
     * @param scale   multiplies the summed per-token losses and their gradients (1 / number of targets)
     * @return the summed cross-entropy of the non-ignored targets (unscaled)
     */
    public static double step(
            LlamaWeights w, LlamaWeights grads, Activations a, int[] inputs, int[] targets, float scale) {
        forward(w, a, inputs);
        double loss = head(w, grads, a, crossEntropy(targets, scale));
        if (grads != null) backward(w, grads, a, inputs, null);
        return loss;
    }

    /**
     * A loss on rows [r0, r0 + rows) of the logits (rows, V). Returns the summed loss; when
     * {@code grad} is set, replaces the logits by the (scaled) gradient of the loss.
     */
    @FunctionalInterface
    public interface LogitLoss {
        double apply(float[] logits, int r0, int rows, int V, boolean grad);
    }

    /** Mean-able cross-entropy against targets (ignore index honoured), gradients times scale. */
    public static LogitLoss crossEntropy(int[] targets, float scale) {
        return (logits, r0, rows, V, grad) ->
                CrossEntropy.forwardBackward(grad ? logits : null, logits, targets, r0, rows, V, scale);
    }

    /** The training forward pass's logits (B*T, V), for checks against the inference path and references. */
    public static float[] logits(LlamaWeights w, Activations a, int[] inputs) {
        forward(w, a, inputs);
        float[] out = new float[a.R * w.config.vocab()];
        Kernels.get()
                .matmul(out, 0, a.xnf, 0, w.lmHead().array(), 0, null, 0, a.R, w.config.hidden(), w.config.vocab());
        return out;
    }

    /**
     * The forward pass up to the final norm, keeping every activation the backward pass needs. The
     * weights may be in any stored type (a frozen, memory-mapped teacher); only the trained model's
     * backward pass needs the fp32 buffer.
     */
    public static void forward(Weights w, Activations a, int[] inputs) {
        LlamaConfig c = w.config();
        Kernels k = Kernels.get();
        int R = a.R,
                C = c.hidden(),
                F = c.intermediate(),
                H = c.heads(),
                KV = c.kvHeads(),
                D = c.headDim(),
                Q = c.qDim(),
                KVD = c.kvDim(),
                V = c.vocab();
        Tensor emb = w.tensor(TensorKind.EMBED, 0);
        for (int r = 0; r < R; r++) { // x = embed[tokens]
            int tok = inputs[r];
            if (tok < 0 || tok >= V)
                throw new IllegalArgumentException("token id " + tok + " outside the vocabulary [0, " + V + ")");
            emb.readRow(tok, 0, C, a.x[0], r * C);
        }
        for (int l = 0; l < c.layers(); l++) {
            float[] x = a.x[l];
            Tensor n1 = w.tensor(TensorKind.ATTN_NORM, l), n2 = w.tensor(TensorKind.FFN_NORM, l);
            RmsNorm.forward(a.xn1[l], 0, a.rstd1[l], 0, x, 0, n1.array(), n1.arrayOffset(), R, C, c.rmsEps());
            linear(k, a.q[l], a.xn1[l], w, l, TensorKind.WQ, TensorKind.BQ, R, C, Q);
            linear(k, a.k[l], a.xn1[l], w, l, TensorKind.WK, TensorKind.BK, R, C, KVD);
            linear(k, a.v[l], a.xn1[l], w, l, TensorKind.WV, TensorKind.BV, R, C, KVD);
            float[] q = a.q[l], kx = a.k[l];
            boolean interleaved = w.interleavedRope();
            // positions restart in each sequence; the sequences split among the threads
            Parallel.forEach(a.B, (long) R * (Q + KVD), b -> {
                if (interleaved) {
                    Rope.forwardInterleaved(q, b * a.T * Q, a.T, H, D, 0, a.cos, a.sin);
                    Rope.forwardInterleaved(kx, b * a.T * KVD, a.T, KV, D, 0, a.cos, a.sin);
                } else {
                    Rope.forward(q, b * a.T * Q, a.T, H, D, 0, a.cos, a.sin);
                    Rope.forward(kx, b * a.T * KVD, a.T, KV, D, 0, a.cos, a.sin);
                }
            });
            Attention.forwardTrain(k, a.att[l], a.probs[l], a.q[l], a.k[l], a.v[l], a.B, a.T, H, KV, D, a.segStart);
            linear(k, a.xmid[l], a.att[l], w, l, TensorKind.WO, TensorKind.BO, R, Q, C);
            add(a.xmid[l], x, R * C); // xmid = x + attn
            RmsNorm.forward(a.xn2[l], 0, a.rstd2[l], 0, a.xmid[l], 0, n2.array(), n2.arrayOffset(), R, C, c.rmsEps());
            linear(k, a.gate[l], a.xn2[l], w, l, TensorKind.W_GATE, null, R, C, F);
            linear(k, a.up[l], a.xn2[l], w, l, TensorKind.W_UP, null, R, C, F);
            k.swiglu(a.hid[l], 0, a.gate[l], 0, a.up[l], 0, R * F);
            linear(k, a.x[l + 1], a.hid[l], w, l, TensorKind.W_DOWN, null, R, F, C);
            add(a.x[l + 1], a.xmid[l], R * C); // x' = xmid + mlp
        }
        Tensor nf = w.tensor(TensorKind.NORM, 0);
        RmsNorm.forward(a.xnf, 0, a.rstdf, 0, a.x[c.layers()], 0, nf.array(), nf.arrayOffset(), R, C, c.rmsEps());
    }

    /** Logits of rows [r0, r0 + rows) into out (rows, V), after {@link #forward}. */
    public static void logits(Weights w, Activations a, int r0, int rows, float[] out) {
        int C = w.config().hidden();
        Kernels.get()
                .matmul(
                        out,
                        0,
                        a.xnf,
                        r0 * C,
                        w.tensor(TensorKind.LM_HEAD, 0),
                        null,
                        0,
                        rows,
                        C,
                        w.config().vocab());
    }

    /**
     * Logits, loss and their gradient, LOGIT_ROWS rows at a time: the head's weight gradient and the
     * gradient of the final norm's output (into a.dxn) are accumulated chunk by chunk, so the (R, V)
     * logits never exist whole. Call after {@link #forward}; then {@link #backward}.
     */
    public static double head(LlamaWeights w, LlamaWeights grads, Activations a, LogitLoss loss) {
        Kernels k = Kernels.get();
        int R = a.R, C = w.config.hidden(), V = w.config.vocab();
        float[] head = w.lmHead().array();
        double total = 0;
        for (int r0 = 0; r0 < R; r0 += LOGIT_ROWS) {
            int rows = Math.min(LOGIT_ROWS, R - r0);
            k.matmul(a.logits, 0, a.xnf, r0 * C, head, 0, null, 0, rows, C, V);
            total += loss.apply(a.logits, r0, rows, V, grads != null);
            if (grads == null) continue;
            k.matmulNN(a.dxn, r0 * C, a.logits, 0, head, 0, rows, V, C, false); // dxnf = dlogits W
            k.matmulTN(grads.lmHead().array(), 0, a.logits, 0, a.xnf, r0 * C, V, rows, C, true); // dW += dlogits^T xnf
        }
        return total;
    }

    /**
     * The backward pass after {@link #head}. {@code extra[l]}, when not null, is an additional
     * gradient (R, C) with respect to the residual stream {@link Activations#residual(int) x[l]}
     * (l = 0 .. L; 0 is the embedding output), from losses on hidden states (distillation's intermediate-state losses).
     */
    public static void backward(LlamaWeights w, LlamaWeights g, Activations a, int[] inputs, float[][] extra) {
        LlamaConfig c = w.config;
        Kernels k = Kernels.get();
        int R = a.R,
                C = c.hidden(),
                F = c.intermediate(),
                H = c.heads(),
                KV = c.kvHeads(),
                D = c.headDim(),
                Q = c.qDim(),
                KVD = c.kvDim();
        // through the final norm: dx = d(norm)/dx . dxnf
        RmsNorm.backward(
                a.dx,
                0,
                false,
                g.norm().array(),
                0,
                a.dxn,
                0,
                a.x[c.layers()],
                0,
                a.rstdf,
                0,
                w.norm().array(),
                0,
                R,
                C);
        for (int l = c.layers() - 1; l >= 0; l--) {
            if (extra != null && extra[l + 1] != null) add(a.dx, extra[l + 1], R * C); // dx is now dL/dx[l+1]
            // --- MLP block: x' = xmid + hid W_down^T ---
            linearBackward(k, a.dhid, g, a.dx, a.hid[l], w, l, TensorKind.W_DOWN, null, R, F, C, false);
            k.swigluBackward(a.dgate, 0, a.dup, 0, a.dhid, 0, a.gate[l], 0, a.up[l], 0, R * F);
            linearBackward(k, a.dxn, g, a.dgate, a.xn2[l], w, l, TensorKind.W_GATE, null, R, C, F, false);
            linearBackward(k, a.dxn, g, a.dup, a.xn2[l], w, l, TensorKind.W_UP, null, R, C, F, true);
            // dx (the residual's gradient) += through the FFN norm: now the gradient at xmid
            RmsNorm.backward(
                    a.dx,
                    0,
                    true,
                    g.layer(l, TensorKind.FFN_NORM).array(),
                    0,
                    a.dxn,
                    0,
                    a.xmid[l],
                    0,
                    a.rstd2[l],
                    0,
                    w.layer(l, TensorKind.FFN_NORM).array(),
                    0,
                    R,
                    C);
            // --- attention block: xmid = x + att W_o^T (+ b_o) ---
            linearBackward(k, a.datt, g, a.dx, a.att[l], w, l, TensorKind.WO, TensorKind.BO, R, Q, C, false);
            if (a.recompute) // this layer's probabilities again (a.dq is free until backwardTrain writes it)
            Attention.forwardTrain(k, a.dq, a.probs[l], a.q[l], a.k[l], a.v[l], a.B, a.T, H, KV, D, a.segStart);
            Attention.backwardTrain(
                    k, a.dq, a.dk, a.dv, a.datt, a.probs[l], a.q[l], a.k[l], a.v[l], a.B, a.T, H, KV, D);
            Parallel.forEach(a.B, (long) R * (Q + KVD), b -> {
                Rope.backward(a.dq, b * a.T * Q, a.T, H, D, 0, a.cos, a.sin);
                Rope.backward(a.dk, b * a.T * KVD, a.T, KV, D, 0, a.cos, a.sin);
            });
            linearBackward(k, a.dxn, g, a.dq, a.xn1[l], w, l, TensorKind.WQ, TensorKind.BQ, R, C, Q, false);
            linearBackward(k, a.dxn, g, a.dk, a.xn1[l], w, l, TensorKind.WK, TensorKind.BK, R, C, KVD, true);
            linearBackward(k, a.dxn, g, a.dv, a.xn1[l], w, l, TensorKind.WV, TensorKind.BV, R, C, KVD, true);
            RmsNorm.backward(
                    a.dx,
                    0,
                    true,
                    g.layer(l, TensorKind.ATTN_NORM).array(),
                    0,
                    a.dxn,
                    0,
                    a.x[l],
                    0,
                    a.rstd1[l],
                    0,
                    w.layer(l, TensorKind.ATTN_NORM).array(),
                    0,
                    R,
                    C);
        }
        if (extra != null && extra[0] != null) add(a.dx, extra[0], R * C); // dx is now dL/dx[0]
        float[] demb = g.embed().array(); // dembed[tok] += dx
        for (int r = 0; r < R; r++) {
            int o = inputs[r] * C, d = r * C;
            for (int i = 0; i < C; i++) demb[o + i] += a.dx[d + i];
        }
    }

    private static void linear(
            Kernels k,
            float[] out,
            float[] in,
            Weights w,
            int l,
            TensorKind weight,
            TensorKind bias,
            int R,
            int K,
            int N) {
        Tensor b = bias == null ? null : w.tensor(bias, l);
        k.matmul(
                out,
                0,
                in,
                0,
                w.tensor(weight, l),
                b == null ? null : b.array(),
                b == null ? 0 : b.arrayOffset(),
                R,
                K,
                N);
    }

    /**
     * Backward of out = in W^T + b: din (R, K) (+)= dout W; dW (N, K) += dout^T in; db (N) += column sums of dout.
     */
    private static void linearBackward(
            Kernels k,
            float[] din,
            LlamaWeights g,
            float[] dout,
            float[] in,
            LlamaWeights w,
            int l,
            TensorKind weight,
            TensorKind bias,
            int R,
            int K,
            int N,
            boolean accumulate) {
        k.matmulNN(din, 0, dout, 0, w.layer(l, weight).array(), 0, R, N, K, accumulate);
        k.matmulTN(g.layer(l, weight).array(), 0, dout, 0, in, 0, N, R, K, true);
        View b = bias == null ? null : g.layer(l, bias);
        if (b != null) {
            float[] db = b.array();
            for (int r = 0; r < R; r++) for (int n = 0; n < N; n++) db[n] += dout[r * N + n];
        }
    }

    private static void add(float[] x, float[] y, int n) {
        Parallel.forRange(n, n, (chunk, from, to) -> {
            for (int i = from; i < to; i++) x[i] += y[i];
        });
    }
}
