package dev.topiary.prune;

import dev.topiary.model.LlamaConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Candidate shapes within a parameter budget (spec section 6): the Cartesian product of layer
 * counts, head counts (multiples of the KV heads), FFN sizes and hidden sizes in steps, limited to
 * at most {@code maxWidthPruning} of each width and {@code maxDepthPruning} of the layers removed,
 * filtered to at most {@code targetParams}, sorted by parameter count (largest first).
 */
public final class Search {
    private Search() {}

    public record Space(long targetParams, double maxWidthPruning, double maxDepthPruning, int hiddenStep, int ffnStep,
                        int layerStep, boolean searchHeads) {}

    public static List<LlamaConfig> candidates(LlamaConfig c, Space s) {
        if (s.targetParams() <= 0) throw new IllegalArgumentException("--target-params must be positive");
        if (s.targetParams() >= c.parameterCount())
            throw new IllegalArgumentException("--target-params " + s.targetParams() + " is not below the model's " + c.parameterCount());
        List<LlamaConfig> out = new ArrayList<>();
        for (int L : values(c.layers(), s.layerStep(), s.maxDepthPruning()))
            for (int nH : s.searchHeads() ? heads(c, s.maxWidthPruning()) : List.of(c.heads()))
                for (int F : values(c.intermediate(), s.ffnStep(), s.maxWidthPruning()))
                    for (int H : values(c.hidden(), s.hiddenStep(), s.maxWidthPruning())) {
                        LlamaConfig t = c.withShape(H, F, L, nH);
                        if (t.parameterCount() <= s.targetParams()) out.add(t);
                    }
        out.sort(Comparator.comparingLong(LlamaConfig::parameterCount).reversed());
        return out;
    }

    /** A candidate and its validation loss after pruning. */
    public record Ranked(LlamaConfig shape, double loss) {}

    /**
     * Prunes the model to each candidate with the same scores and measures the mean validation loss
     * without retraining (zero-shot); returns them best first.
     */
    public static List<Ranked> rankZeroShot(dev.topiary.model.LlamaWeights w, Scores s, List<LlamaConfig> candidates, List<int[]> val,
                                            java.util.function.IntConsumer progress) {
        List<Ranked> out = new ArrayList<>();
        for (LlamaConfig t : candidates) {
            PruneTarget target = new PruneTarget(t.hidden(), t.intermediate(), t.heads(), t.layers(), null);
            out.add(new Ranked(t, Importance.meanLoss(Surgery.apply(w, target.keep(w.config, s)), val)));
            if (progress != null) progress.accept(1);
        }
        out.sort(Comparator.comparingDouble(Ranked::loss));
        return out;
    }

    /** original, original - step, ... down to original * (1 - maxPruning), all >= 1. */
    static List<Integer> values(int original, int step, double maxPruning) {
        List<Integer> v = new ArrayList<>();
        int min = (int) Math.ceil(original * (1 - maxPruning));
        for (int x = original; x >= Math.max(1, min); x -= Math.max(1, step)) v.add(x);
        return v;
    }

    static List<Integer> heads(LlamaConfig c, double maxPruning) {
        List<Integer> v = new ArrayList<>();
        for (int per = c.heads() / c.kvHeads(); per >= 1; per--) {
            int h = per * c.kvHeads();
            if (h >= c.heads() * (1 - maxPruning)) v.add(h);
        }
        return v;
    }
}
