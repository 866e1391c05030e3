package dev.topiary.prune;

import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.LlamaWeights.View;
import dev.topiary.model.TensorKind;

/**
 * Tensor surgery (spec section 5.2): builds a new model that keeps given hidden channels, MLP
 * neurons and attention heads of given layers, in the given order. Every consumer of the
 * residual stream is sliced with the same channel list (embedding, both norms of every layer,
 * q/k/v/gate/up columns, o/down rows and o bias, final norm, untied lm_head); gate and up share
 * one neuron list; K/V and head_dim are never touched. A tied head stays tied (one matrix).
 *
 * <p>Lists are in new-model order, so a permutation is a valid "keep everything" list: that is
 * how the permutation-invariance tests use it.
 */
public final class Surgery {
    private Surgery() {}

    /** What to keep. Per-layer lists are indexed by the <em>original</em> layer number. */
    public record Keep(int[] hidden, int[][] neurons, int[][] heads, int[] layers) {}

    /** The config of the model that {@code keep} leaves; checks that every layer keeps the same counts, heads by group. */
    static LlamaConfig prunedConfig(LlamaConfig c, Keep keep) {
        int G = c.kvHeads();
        int newHeads = keep.layers().length == 0 ? c.heads() : keep.heads()[keep.layers()[0]].length;
        int newF = keep.layers().length == 0 ? c.intermediate() : keep.neurons()[keep.layers()[0]].length;
        for (int l : keep.layers()) {
            if (keep.heads()[l].length != newHeads || keep.neurons()[l].length != newF)
                throw new IllegalArgumentException(
                        "layer " + l + ": every layer must keep the same number of heads and neurons");
            checkGroups(keep.heads()[l], c.heads() / G, newHeads / G, l);
        }
        return c.withShape(keep.hidden().length, newF, keep.layers().length, newHeads);
    }

    /** The rows and columns of a source tensor that the pruned tensor keeps, in order (null: all). */
    record Slice(int[] rows, int[] cols) {}

    /**
     * The slicing rule of every tensor, in one place for the in-memory and the streamed surgery: tensor
     * {@code k} of source layer {@code l} (ignored for whole-model kinds) keeps these rows and columns.
     */
    static Slice slice(TensorKind k, int l, Keep keep, int headDim) {
        int[] kh = keep.hidden();
        if (!k.perLayer)
            return switch (k) {
                case EMBED, LM_HEAD -> new Slice(null, kh); // all V rows, hidden columns
                case NORM -> new Slice(kh, null);
                default -> throw new AssertionError(k);
            };
        int[] qRows = headRows(keep.heads()[l], headDim), kf = keep.neurons()[l];
        return switch (k) {
            case ATTN_NORM, FFN_NORM, BO -> new Slice(kh, null);
            case WQ -> new Slice(qRows, kh);
            case BQ -> new Slice(qRows, null);
            case WK, WV -> new Slice(null, kh);
            case BK, BV -> new Slice(null, null);
            case WO -> new Slice(kh, qRows);
            case W_GATE, W_UP -> new Slice(kf, kh);
            case W_DOWN -> new Slice(kh, kf);
            default -> throw new AssertionError(k);
        };
    }

    public static LlamaWeights apply(LlamaWeights w, Keep keep) {
        LlamaConfig c = w.config;
        LlamaWeights out = new LlamaWeights(prunedConfig(c, keep));
        for (View dst : out.views()) {
            int l = dst.layer() < 0 ? -1 : keep.layers()[dst.layer()];
            Slice s = slice(dst.kind(), l, keep, c.headDim());
            copy(w.view(dst.kind(), Math.max(l, 0)), dst, s.rows(), s.cols());
        }
        return out;
    }

    /** Keeps whole layers only (depth pruning), everything else as it is. */
    public static LlamaWeights keepLayers(LlamaWeights w, int[] layers) {
        return apply(w, all(w.config, layers));
    }

    /** A Keep that keeps every channel, neuron and head of the given layers, in order. */
    public static Keep all(LlamaConfig c, int[] layers) {
        int L = c.layers();
        int[][] neurons = new int[L][], heads = new int[L][];
        for (int l = 0; l < L; l++) {
            neurons[l] = range(c.intermediate());
            heads[l] = range(c.heads());
        }
        return new Keep(range(c.hidden()), neurons, heads, layers);
    }

    static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    /** Heads must come group by group, the same number from each KV group, each from its own group. */
    private static void checkGroups(int[] heads, int perGroup, int keptPerGroup, int layer) {
        if (keptPerGroup * (heads.length / Math.max(1, keptPerGroup)) != heads.length || keptPerGroup == 0)
            throw new IllegalArgumentException(
                    "layer " + layer + ": " + heads.length + " heads cannot be split evenly over the KV groups");
        for (int i = 0; i < heads.length; i++) {
            int group = i / keptPerGroup;
            if (heads[i] / perGroup != group)
                throw new IllegalArgumentException(
                        "layer " + layer + ": kept head " + heads[i] + " at position " + i + " is not in KV group "
                                + group + " (heads are kept group by group, the same number per group)");
        }
    }

    static int[] headRows(int[] heads, int D) {
        int[] rows = new int[heads.length * D];
        for (int i = 0; i < heads.length; i++) for (int d = 0; d < D; d++) rows[i * D + d] = heads[i] * D + d;
        return rows;
    }

    /** dst = src[rows][cols] (null: all, in order) for a matrix, or src[rows] for a vector. */
    private static void copy(View src, View dst, int[] rows, int[] cols) {
        float[] a = src.array(), b = dst.array();
        if (src.shape().length == 1) {
            for (int i = 0; i < dst.size(); i++) b[i] = a[rows == null ? i : rows[i]];
            return;
        }
        int srcCols = src.shape()[1], dstRows = dst.shape()[0], dstCols = dst.shape()[1];
        for (int r = 0; r < dstRows; r++) {
            int sr = (rows == null ? r : rows[r]) * srcCols, dr = r * dstCols;
            if (cols == null) System.arraycopy(a, sr, b, dr, dstCols);
            else for (int k = 0; k < dstCols; k++) b[dr + k] = a[sr + cols[k]];
        }
    }
}
