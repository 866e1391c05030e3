package dev.topiary.prune;

import dev.topiary.eval.MultipleChoice;
import dev.topiary.eval.TaskFile;
import dev.topiary.model.LayerSubset;
import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Which layers a depth prune removes (spec section 4), by one of three metrics:
 * <pre>
 *   bi    the layers with the lowest Block Influence, 1 - cos(layer input, layer output); not
 *         necessarily contiguous (ShortGPT, ModelOpt's default)
 *   loss  the contiguous window whose removal raises the LM loss least on calibration data
 *         (topiary importance --layer-loss --window n stores one loss increase per window start)
 *   task  the contiguous window whose removal keeps multiple-choice accuracy highest, measured
 *         on the un-retrained model (how Llama-3.1-Minitron-4B-Depth chose layers 16-31 with Winogrande)
 * </pre>
 * Each choice comes with a sentence saying why. Ties go to the earliest window.
 */
public final class LayerChoice {
    private LayerChoice() {}

    public enum Metric {
        BI,
        LOSS,
        TASK
    }

    /** Layers to drop (HF numbering from 0, ascending) and the reason, for printing. */
    public record Choice(int[] drop, String why) {}

    public static Metric metric(String name) {
        return switch (name) {
            case "bi" -> Metric.BI;
            case "loss" -> Metric.LOSS;
            case "task" -> Metric.TASK;
            default ->
                throw new IllegalArgumentException("--layer-metric must be bi, loss or task, got '" + name + "'");
        };
    }

    /**
     * The choice of {@code metric} for keeping {@code keep} layers: bi and loss read the scores,
     * task evaluates the multiple-choice file with the model.
     */
    public static Choice choose(Metric metric, Weights w, Tokenizer tok, Scores s, java.nio.file.Path task, int keep)
            throws java.io.IOException {
        if (metric != Metric.TASK && s == null)
            throw new IllegalArgumentException("--layer-metric " + metric.name().toLowerCase(java.util.Locale.ROOT)
                    + " needs --scores SCORES (from topiary importance)");
        if (metric == Metric.TASK && task == null)
            throw new IllegalArgumentException("--layer-metric task needs --task FILE");
        if (metric != Metric.TASK && task != null)
            throw new IllegalArgumentException("--task is only for --layer-metric task");
        return switch (metric) {
            case BI -> blockInfluence(s, keep);
            case LOSS -> loss(s, keep);
            case TASK -> task(w, tok, TaskFile.read(task), keep, null);
        };
    }

    /** Keeps the {@code keep} layers with the highest Block Influence. */
    public static Choice blockInfluence(Scores s, int keep) {
        int L = s.layers();
        check(keep, L);
        int[] kept = PruneTarget.top(s.blockInfluence(), keep, 0, L);
        int[] drop = complement(kept, L);
        StringBuilder why = new StringBuilder("lowest Block Influence:");
        for (int d : drop) why.append(String.format(" %d (%.4f)", d, s.blockInfluence()[d]));
        return new Choice(drop, why.toString());
    }

    /** Drops the window of {@code L - keep} layers with the smallest recorded LM-loss increase. */
    public static Choice loss(Scores s, int keep) {
        int L = s.layers(), n = L - keep;
        check(keep, L);
        if (s.layerLoss() == null)
            throw new IllegalArgumentException("--layer-metric loss needs window losses in the scores file: run topiary"
                    + " importance"
                    + " --layer-loss --window " + n);
        if (s.window() != n)
            throw new IllegalArgumentException("the scores file holds losses of windows of " + s.window()
                    + " layers; dropping " + n
                    + " needs topiary importance --layer-loss --window " + n);
        int best = 0;
        for (int i = 1; i < s.layerLoss().length; i++) if (s.layerLoss()[i] < s.layerLoss()[best]) best = i;
        return new Choice(
                window(best, n),
                String.format(
                        "contiguous window %d..%d raises the calibration loss least: %+.4f"
                                + " (baseline %.4f; other windows %s)",
                        best, best + n - 1, s.layerLoss()[best], s.baselineLoss(), format(s.layerLoss())));
    }

    /**
     * Drops the window of {@code L - keep} layers whose removal leaves the highest accuracy on the
     * task (one evaluation per window start).
     */
    public static Choice task(Weights w, Tokenizer tok, List<TaskFile.Item> items, int keep, IntConsumer progress) {
        int L = w.config().layers(), n = L - keep;
        check(keep, L);
        if (items.isEmpty()) throw new IllegalArgumentException("--task holds no items");
        double[] acc = new double[L - n + 1];
        int best = 0;
        for (int start = 0; start + n <= L; start++) {
            acc[start] = accuracy(new LayerSubset(w, complement(window(start, n), L)), tok, items);
            if (acc[start] > acc[best]) best = start;
            if (progress != null) progress.accept(1);
        }
        return new Choice(
                window(best, n),
                String.format(
                        "contiguous window %d..%d keeps the task accuracy highest: %.4f on %d items"
                                + " (full model %.4f; by window start %s)",
                        best, best + n - 1, acc[best], items.size(), accuracy(w, tok, items), format(acc)));
    }

    /** Multiple-choice accuracy (lm-eval {@code acc}: the highest summed log-probability of " " + choice). */
    public static double accuracy(Weights w, Tokenizer tok, List<TaskFile.Item> items) {
        Llama.State state = new Llama.State(w.config(), w.config().maxPositions());
        int right = 0;
        for (TaskFile.Item it : items) {
            int[] ctx = tok.encode(it.context(), true);
            double[] ll = new double[it.choices().size()];
            for (int c = 0; c < ll.length; c++)
                ll[c] = MultipleChoice.logLikelihood(
                        w, state, ctx, tok.encode(" " + it.choices().get(c), false));
            if (MultipleChoice.argmax(ll, null) == it.gold()) right++;
        }
        return right / (double) items.size();
    }

    static int[] window(int start, int n) {
        int[] d = new int[n];
        for (int i = 0; i < n; i++) d[i] = start + i;
        return d;
    }

    static int[] complement(int[] kept, int L) {
        boolean[] k = new boolean[L];
        for (int l : kept) k[l] = true;
        return java.util.stream.IntStream.range(0, L).filter(l -> !k[l]).toArray();
    }

    private static void check(int keep, int L) {
        if (keep < 1 || keep >= L)
            throw new IllegalArgumentException("--layers must be in [1, " + (L - 1) + "], got " + keep);
    }

    private static String format(double[] v) {
        return Arrays.stream(v).mapToObj(x -> String.format("%.4f", x)).toList().toString();
    }
}
