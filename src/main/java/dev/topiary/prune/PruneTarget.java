package dev.topiary.prune;

import dev.topiary.model.LlamaConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A target shape: hidden size, FFN size, query heads, and either a layer count (the layers with
 * the highest Block Influence are kept) or an explicit list of layers to drop (HF numbering,
 * from 0). Null fields keep the original value. {@link #validate} checks everything against
 * the model before any compute, with a message that names the option and the value.
 */
public record PruneTarget(Integer hidden, Integer ffn, Integer heads, Integer layers, int[] dropLayers) {

    public LlamaConfig validate(LlamaConfig c) {
        if (c.layers() == 0) throw new IllegalArgumentException("the model has no layers: nothing to prune");
        int H = hidden != null ? hidden : c.hidden(),
                F = ffn != null ? ffn : c.intermediate(),
                nH = heads != null ? heads : c.heads();
        check("--hidden", H, c.hidden());
        check("--ffn", F, c.intermediate());
        check("--heads", nH, c.heads());
        if (nH % c.kvHeads() != 0)
            throw new IllegalArgumentException("--heads " + nH + " is not a multiple of the " + c.kvHeads()
                    + " KV heads: every KV group must keep the same number of query heads (try "
                    + Math.max(c.kvHeads(), nH / c.kvHeads() * c.kvHeads()) + ")");
        if (layers != null && dropLayers != null)
            throw new IllegalArgumentException("give --layers or --drop-layers, not both");
        int L = c.layers();
        if (layers != null) {
            check("--layers", layers, c.layers());
            L = layers;
        }
        if (dropLayers != null) {
            boolean[] seen = new boolean[c.layers()];
            for (int d : dropLayers) {
                if (d < 0 || d >= c.layers())
                    throw new IllegalArgumentException(
                            "--drop-layers: layer " + d + " does not exist (the model has layers 0.." + (c.layers() - 1)
                                    + ", counted from 0 as in Hugging Face names)");
                if (seen[d]) throw new IllegalArgumentException("--drop-layers: layer " + d + " is listed twice");
                seen[d] = true;
            }
            L = c.layers() - dropLayers.length;
            if (L == 0) throw new IllegalArgumentException("--drop-layers drops every layer");
        }
        return c.withShape(H, F, L, nH);
    }

    private static void check(String option, int value, int original) {
        if (value < 1) throw new IllegalArgumentException(option + " must be at least 1, got " + value);
        if (value > original)
            throw new IllegalArgumentException(
                    option + " " + value + " is larger than the model's " + original + " (pruning only removes)");
    }

    /** The kept units, from scores (original index order within each list). */
    public Surgery.Keep keep(LlamaConfig c, Scores s) {
        LlamaConfig t = validate(c);
        if (s.layers() != c.layers()
                || s.hidden().length != c.hidden()
                || s.heads()[0].length != c.heads()
                || s.neurons()[0].length != c.intermediate())
            throw new IllegalArgumentException("the scores were computed for another shape (layers " + s.layers()
                    + ", hidden " + s.hidden().length + ", heads " + s.heads()[0].length + ", ffn "
                    + s.neurons()[0].length + ") than this model");
        int L = c.layers(), G = c.kvHeads(), per = c.heads() / G, keptPer = t.heads() / G;
        int[][] neurons = new int[L][], headsKept = new int[L][];
        for (int l = 0; l < L; l++) {
            neurons[l] = top(s.neurons()[l], t.intermediate(), 0, c.intermediate());
            int[] hs = new int[t.heads()];
            for (int g = 0; g < G; g++)
                System.arraycopy(top(s.heads()[l], keptPer, g * per, per), 0, hs, g * keptPer, keptPer);
            headsKept[l] = hs;
        }
        int[] layerList;
        if (dropLayers != null) {
            List<Integer> keepL = new ArrayList<>();
            for (int l = 0; l < L; l++) {
                final int ll = l;
                if (Arrays.stream(dropLayers).noneMatch(d -> d == ll)) keepL.add(l);
            }
            layerList = keepL.stream().mapToInt(Integer::intValue).toArray();
        } else {
            layerList = top(s.blockInfluence(), t.layers(), 0, L);
        }
        return new Surgery.Keep(top(s.hidden(), t.hidden(), 0, c.hidden()), neurons, headsKept, layerList);
    }

    /** The indices in [from, from+n) of the k highest scores, in ascending index order (ties: lower index). */
    static int[] top(double[] score, int k, int from, int n) {
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) idx[i] = from + i;
        Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -score[i]).thenComparingInt(i -> i));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = idx[i];
        Arrays.sort(out);
        return out;
    }
}
