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
 *
 * <p>{@link Space#defaults} follows the reference implementation (ModelOpt): hidden in steps of
 * 256, FFN of 512, layers of 2, at most 40% of a width and 20% of the depth removed, and the
 * attention heads of a GQA model left alone. A model too small for those steps (hidden under
 * 1024) gets proportional ones instead: a sixteenth of each width, one layer.
 */
public final class Search {
    private Search() {}

    /** Hidden sizes from this on get the reference steps (256 / 512 / 2); smaller ones proportional steps. */
    public static final int LARGE_HIDDEN = 1024;

    public record Space(
            long targetParams,
            double maxWidthPruning,
            double maxDepthPruning,
            int hiddenStep,
            int ffnStep,
            int layerStep,
            boolean searchHeads) {
        /**
         * The paper's space for this model; null arguments take the defaults (width 0.4, depth 0.2,
         * reference or proportional steps, heads searched only when the model has no GQA).
         */
        public static Space defaults(
                LlamaConfig c,
                long targetParams,
                Double maxWidth,
                Double maxDepth,
                Integer hiddenStep,
                Integer ffnStep,
                Integer layerStep,
                Boolean searchHeads) {
            boolean large = c.hidden() >= LARGE_HIDDEN;
            return new Space(
                    targetParams,
                    maxWidth != null ? maxWidth : 0.4,
                    maxDepth != null ? maxDepth : 0.2,
                    hiddenStep != null ? hiddenStep : large ? 256 : Math.max(1, c.hidden() / 16),
                    ffnStep != null ? ffnStep : large ? 512 : Math.max(1, c.intermediate() / 16),
                    layerStep != null ? layerStep : large && c.layers() >= 16 ? 2 : 1,
                    searchHeads != null ? searchHeads : c.kvHeads() == c.heads());
        }

        /** One line: the steps, where they come from, and the limits. */
        public String describe(LlamaConfig c) {
            boolean reference = hiddenStep == 256 && ffnStep == 512;
            return String.format(
                    "steps: hidden %d, ffn %d, layers %d (%s); at most %.0f%% of a width and %.0f%% of"
                            + " the layers removed;"
                            + " heads %s",
                    hiddenStep,
                    ffnStep,
                    layerStep,
                    reference
                            ? "the reference implementation's"
                            : c.hidden() < LARGE_HIDDEN
                                    ? "proportional: the model is too small for the reference steps 256/512/2"
                                    : "as given",
                    100 * maxWidthPruning,
                    100 * maxDepthPruning,
                    searchHeads
                            ? "searched in multiples of the " + c.kvHeads() + " KV heads"
                            : "kept (" + c.heads() + (c.kvHeads() < c.heads() ? ", GQA" : "") + ")");
        }
    }

    public static List<LlamaConfig> candidates(LlamaConfig c, Space s) {
        if (s.targetParams() <= 0) throw new IllegalArgumentException("--target-params must be positive");
        if (s.targetParams() >= c.parameterCount())
            throw new IllegalArgumentException(
                    "--target-params " + s.targetParams() + " is not below the model's " + c.parameterCount());
        List<LlamaConfig> out = new ArrayList<>();
        if (s.maxWidthPruning() < 0 || s.maxWidthPruning() >= 1 || s.maxDepthPruning() < 0 || s.maxDepthPruning() >= 1)
            throw new IllegalArgumentException("--max-width-pruning and --max-depth-pruning must be in [0, 1)");
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
    public static List<Ranked> rankZeroShot(
            dev.topiary.model.LlamaWeights w,
            Scores s,
            List<LlamaConfig> candidates,
            List<int[]> val,
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
