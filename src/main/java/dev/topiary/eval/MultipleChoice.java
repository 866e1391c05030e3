package dev.topiary.eval;

import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.Tokenizer;
import java.util.List;

/**
 * Multiple-choice scoring with lm-eval-harness's definitions. For each choice, the
 * log-likelihood of its continuation tokens given the context:
 * <ul>
 *   <li>{@code acc}: the choice with the highest sum of log-probabilities is the prediction;
 *   <li>{@code acc_norm}: the same sum divided by the choice's length in characters (of the choice
 *       text, without the delimiter), as lm-eval's multiple_choice output type does.
 * </ul>
 * Ties go to the first choice (numpy argmax).
 */
public final class MultipleChoice {
    private MultipleChoice() {}

    /** Sum of log p(continuation[i] | context, continuation[..i]). {@code context} must be non-empty. */
    public static double logLikelihood(Weights w, Llama.State state, int[] context, int[] continuation) {
        int n = context.length + continuation.length;
        if (context.length == 0) throw new IllegalArgumentException("empty context (add BOS)");
        int[] all = new int[n];
        System.arraycopy(context, 0, all, 0, context.length);
        System.arraycopy(continuation, 0, all, context.length, continuation.length);
        // Keep the last `capacity` tokens if too long (lm-eval truncates on the left).
        int from = Math.max(0, n - state.capacity);
        state.reset();
        float[] logits = Llama.forward(w, state, all, from, n - from, Llama.Logits.ALL);
        int V = w.config().vocab();
        double ll = 0;
        for (int t = Math.max(context.length, from + 1); t < n; t++)
            ll += Perplexity.logProb(logits, (t - from - 1) * V, V, all[t]);
        return ll;
    }

    /**
     * Plain accuracy ({@code acc}) over items whose choices follow the context after a space: the context is
     * encoded with BOS, each choice as " " + choice without; the model sees at most capacity tokens.
     */
    public static double accuracy(Weights w, Tokenizer tok, List<TaskFile.Item> items, int capacity) {
        if (items.isEmpty()) return 0;
        Llama.State state = new Llama.State(w.config(), capacity);
        int right = 0;
        for (TaskFile.Item it : items) {
            int[] ctx = tok.encode(it.context(), true);
            double[] ll = new double[it.choices().size()];
            for (int c = 0; c < ll.length; c++)
                ll[c] = logLikelihood(
                        w, state, ctx, tok.encode(" " + it.choices().get(c), false));
            if (argmax(ll, null) == it.gold()) right++;
        }
        return right / (double) items.size();
    }

    /** Index of the best choice by {@code scores[i] / divisor[i]} (divisor null: plain argmax). */
    public static int argmax(double[] scores, double[] divisor) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            double a = divisor == null ? scores[i] : scores[i] / divisor[i];
            double b = divisor == null ? scores[best] : scores[best] / divisor[best];
            if (a > b) best = i;
        }
        return best;
    }
}
