package dev.topiary.model;

import dev.topiary.kernels.Kernels;
import dev.topiary.nn.Attention;
import dev.topiary.nn.RmsNorm;
import dev.topiary.nn.Rope;
import dev.topiary.tensor.Tensor;

/**
 * The Llama forward pass (Llama 1-3, Mistral, Qwen2), fp32, for a batch of T new tokens that
 * continue the sequence held in a {@link State}'s KV cache. Prefill is one call with the whole
 * prompt; decoding is one call per token. Reads top to bottom like the architecture:
 *
 * <pre>
 *   x = embed[tokens]
 *   for each layer:
 *     x += o_proj(attention(rope(q_proj(norm(x))), rope(k_proj(norm(x))), v_proj(norm(x))))
 *     x += down_proj(silu(gate_proj(norm(x))) * up_proj(norm(x)))
 *   logits = lm_head(norm(x))
 * </pre>
 *
 * RoPE uses the Hugging Face rotate-half layout (dimension i pairs with i + D/2); loaders of
 * interleaved checkpoints (llama2.c, GGUF) permute q/k rows into it. Shapes: see {@link LlamaConfig}.
 */
public final class Llama {
    private Llama() {}

    /** KV cache, RoPE tables and activation buffers for one sequence. */
    public static final class State {
        public final LlamaConfig config;
        public final int capacity; // positions the cache holds
        final float[][] keys, values; // [L] of (capacity, KV, D)
        final float[] cos, sin; // (capacity, D/2)
        int position; // tokens already in the cache
        int pending; // tokens embedded, not yet finished (layer-by-layer passes)
        private float[] probeIn;
        // Activations for up to `rows` tokens, (re)allocated on demand.
        int rows;
        float[] x, xb, xb2, q, att, hb, hb2; // (T,C) (T,C) (T,C) (T,H*D) (T,H*D) (T,F) (T,F)

        public State(LlamaConfig config, int capacity) {
            this.config = config;
            this.capacity = capacity;
            int kv = capacity * config.kvDim();
            keys = new float[config.layers()][kv];
            values = new float[config.layers()][kv];
            float[][] tables = config.ropeTables(capacity);
            cos = tables[0];
            sin = tables[1];
        }

        public int position() {
            return position;
        }

        /** Forgets the cached sequence (keeps the buffers). */
        public void reset() {
            position = 0;
        }

        /** Keeps only the first {@code n} positions, e.g. to re-use a shared prompt prefix. */
        public void truncate(int n) {
            if (n < 0 || n > position)
                throw new IllegalArgumentException("cannot truncate " + position + " positions to " + n);
            position = n;
        }

        float[] probeInput(int n) {
            if (probeIn == null || probeIn.length < n) probeIn = new float[n];
            return probeIn;
        }

        void ensureRows(int T) {
            if (T <= rows) return;
            LlamaConfig c = config;
            rows = T;
            x = new float[T * c.hidden()];
            xb = new float[T * c.hidden()];
            xb2 = new float[T * c.hidden()];
            q = new float[T * c.qDim()];
            att = new float[T * c.qDim()];
            hb = new float[T * c.intermediate()];
            hb2 = new float[T * c.intermediate()];
        }
    }

    /** Which positions get logits. */
    public enum Logits {
        NONE,
        LAST,
        ALL
    }

    /**
     * Sees the activations that importance estimation needs, as the forward pass produces them
     * (each array holds T rows; valid until the callback returns).
     */
    public interface Probe {
        /** Output of layer l's input norm (which = 0) or post-attention norm (which = 1), (T, C). */
        default void normOut(int layer, int which, float[] y, int T, int C) {}

        /** Input of o_proj: the heads' outputs concatenated, (T, H*D). */
        default void attentionOut(int layer, float[] att, int T, int width) {}

        /** Input of down_proj: silu(gate) * up, (T, F). */
        default void mlpHidden(int layer, float[] h, int T, int F) {}

        /** The residual stream entering and leaving layer l, (T, C). */
        default void layer(int layer, float[] in, float[] out, int T, int C) {}
    }

    /**
     * Runs T = {@code count} tokens starting at {@code tokens[from]} through the model, appending
     * them to the state's cache. Returns the logits, (V) for LAST or (T, V) for ALL, or null.
     */
    public static float[] forward(Weights w, State s, int[] tokens, int from, int count, Logits want) {
        return forward(w, s, tokens, from, count, want, null);
    }

    /** As {@link #forward(Weights, State, int[], int, int, Logits)}, reporting activations to a probe. */
    public static float[] forward(Weights w, State s, int[] tokens, int from, int count, Logits want, Probe probe) {
        embed(w, s, tokens, from, count);
        for (int l = 0; l < w.config().layers(); l++) layer(w, s, l, probe);
        return finish(w, s, want);
    }

    /**
     * Step 1 of a forward pass split by layer (so that a calibration batch can go through one layer
     * at a time, each layer's weights read once for all samples): x = embed[tokens] for T new tokens.
     */
    public static void embed(Weights w, State s, int[] tokens, int from, int count) {
        LlamaConfig c = w.config();
        int T = count, C = c.hidden(), V = c.vocab();
        if (s.position + T > s.capacity)
            throw new IllegalStateException(
                    "sequence of " + (s.position + T) + " tokens exceeds the KV cache of " + s.capacity);
        s.ensureRows(T);
        s.pending = T;
        Tensor emb = w.tensor(TensorKind.EMBED, 0);
        for (int t = 0; t < T; t++) {
            int tok = tokens[from + t];
            if (tok < 0 || tok >= V)
                throw new IllegalArgumentException("token id " + tok + " outside the vocabulary [0, " + V + ")");
            emb.readRow(tok, 0, C, s.x, t * C);
        }
    }

    /** Step 2, for each layer l in order: the attention and MLP blocks on the state's pending tokens. */
    public static void layer(Weights w, State s, int l, Probe probe) {
        LlamaConfig c = w.config();
        int T = s.pending, C = c.hidden(), F = c.intermediate(), Q = c.qDim(), KVD = c.kvDim();
        int pos0 = s.position;
        Kernels k = Kernels.get();
        float[] xin = null;
        if (probe != null) {
            xin = s.probeInput(T * C);
            System.arraycopy(s.x, 0, xin, 0, T * C);
        }
        // --- attention block ---
        norm(s.xb, s.x, 0, w.tensor(TensorKind.ATTN_NORM, l), T, C, c.rmsEps());
        if (probe != null) probe.normOut(l, 0, s.xb, T, C);
        // q, and k and v straight into the cache at rows [pos0, pos0 + T)
        linears(
                k,
                s.xb,
                w,
                l,
                T,
                C,
                new TensorKind[] {TensorKind.WQ, TensorKind.WK, TensorKind.WV},
                new TensorKind[] {TensorKind.BQ, TensorKind.BK, TensorKind.BV},
                new float[][] {s.q, s.keys[l], s.values[l]},
                new int[] {0, pos0 * KVD, pos0 * KVD});
        if (w.interleavedRope()) {
            Rope.forwardInterleaved(s.q, 0, T, c.heads(), c.headDim(), pos0, s.cos, s.sin);
            Rope.forwardInterleaved(s.keys[l], pos0 * KVD, T, c.kvHeads(), c.headDim(), pos0, s.cos, s.sin);
        } else {
            Rope.forward(s.q, 0, T, c.heads(), c.headDim(), pos0, s.cos, s.sin);
            Rope.forward(s.keys[l], pos0 * KVD, T, c.kvHeads(), c.headDim(), pos0, s.cos, s.sin);
        }
        Attention.forward(k, s.att, s.q, s.keys[l], s.values[l], T, pos0, c.heads(), c.kvHeads(), c.headDim());
        if (probe != null) probe.attentionOut(l, s.att, T, Q);
        linear(k, s.xb2, 0, s.att, w, l, TensorKind.WO, TensorKind.BO, T, Q, C);
        add(s.x, s.xb2, T * C); // residual

        // --- MLP block ---
        norm(s.xb, s.x, 0, w.tensor(TensorKind.FFN_NORM, l), T, C, c.rmsEps());
        if (probe != null) probe.normOut(l, 1, s.xb, T, C);
        linears(
                k,
                s.xb,
                w,
                l,
                T,
                C,
                new TensorKind[] {TensorKind.W_GATE, TensorKind.W_UP},
                new TensorKind[2],
                new float[][] {s.hb, s.hb2},
                new int[] {0, 0});
        k.swiglu(s.hb, 0, s.hb, 0, s.hb2, 0, T * F); // hb = silu(gate) * up
        if (probe != null) probe.mlpHidden(l, s.hb, T, F);
        linear(k, s.xb2, 0, s.hb, w, l, TensorKind.W_DOWN, null, T, F, C);
        add(s.x, s.xb2, T * C); // residual
        if (probe != null) probe.layer(l, xin, s.x, T, C);
    }

    /** Step 3: the pending tokens join the cache; logits = lm_head(norm(x)) for the wanted rows. */
    public static float[] finish(Weights w, State s, Logits want) {
        LlamaConfig c = w.config();
        int T = s.pending, C = c.hidden(), V = c.vocab();
        s.position += T;
        s.pending = 0;
        if (want == Logits.NONE) return null;
        int first = want == Logits.LAST ? T - 1 : 0, rows = T - first;
        norm(s.xb, s.x, first * C, w.tensor(TensorKind.NORM, 0), rows, C, c.rmsEps());
        if ((long) rows * V > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(
                    rows + " positions x " + V + " logits exceed one array: ask for fewer positions");
        float[] logits = new float[rows * V];
        k().matmul(logits, 0, s.xb, 0, w.tensor(TensorKind.LM_HEAD, 0), null, 0, rows, C, V);
        return logits;
    }

    private static Kernels k() {
        return Kernels.get();
    }

    /** Convenience: logits (T, V) of a whole sequence from an empty cache. */
    public static float[] logits(Weights w, int[] tokens) {
        State s = new State(w.config(), tokens.length);
        return forward(w, s, tokens, 0, tokens.length, Logits.ALL);
    }

    private static void norm(float[] y, float[] x, int xOff, Tensor weight, int T, int C, float eps) {
        RmsNorm.forward(y, 0, null, 0, x, xOff, weight.array(), weight.arrayOffset(), T, C, eps);
    }

    private static void linear(
            Kernels k,
            float[] out,
            int outOff,
            float[] in,
            Weights w,
            int l,
            TensorKind weight,
            TensorKind bias,
            int T,
            int K,
            int N) {
        Tensor b = bias == null ? null : w.tensor(bias, l);
        k.matmul(
                out,
                outOff,
                in,
                0,
                w.tensor(weight, l),
                b == null ? null : b.array(),
                b == null ? 0 : b.arrayOffset(),
                T,
                K,
                N);
    }

    /** Several projections of the same input (one parallel loop when decoding); a null bias kind means none. */
    private static void linears(
            Kernels k,
            float[] in,
            Weights w,
            int l,
            int T,
            int K,
            TensorKind[] weights,
            TensorKind[] biases,
            float[][] out,
            int[] outOff) {
        int n = weights.length;
        Tensor[] ws = new Tensor[n];
        float[][] b = new float[n][];
        int[] bOff = new int[n];
        for (int i = 0; i < n; i++) {
            ws[i] = w.tensor(weights[i], l);
            Tensor bt = biases[i] == null ? null : w.tensor(biases[i], l);
            if (bt != null) {
                b[i] = bt.array();
                bOff[i] = bt.arrayOffset();
            }
        }
        k.matmulMany(in, 0, T, K, ws, b, bOff, out, outOff);
    }

    static void add(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) x[i] += y[i];
    }
}
