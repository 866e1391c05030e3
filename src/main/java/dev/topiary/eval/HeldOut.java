package dev.topiary.eval;

import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.Tokenizer;
import java.util.List;

/**
 * A model measured on held-out text, as {@code topiary compress} compares teacher and student: its loss and
 * perplexity (windows of seqLen tokens, stride half of it), its accuracy on a {@link ClozeTask} made from the same
 * text, and its prefill speed (tokens per second of one forward pass over up to seqLen tokens, repeated for at least
 * 0.3 s).
 */
public final class HeldOut {
    private HeldOut() {}

    /** The numbers of one model. */
    public record Result(
            long params,
            double valLoss,
            double perplexity,
            int clozeItems,
            double clozeAccuracy,
            double prefillTokensPerSecond) {}

    public static Result evaluate(Weights w, Tokenizer tok, String heldOut, int seqLen, int clozeItems, long seed) {
        int S = Math.min(seqLen, w.config().maxPositions());
        Perplexity.Result r = Perplexity.evaluate(w, List.of(tok.encode(heldOut, true)), S, Math.max(1, S / 2), null);
        List<TaskFile.Item> items = ClozeTask.from(heldOut, clozeItems, seed);
        double acc = MultipleChoice.accuracy(w, tok, items, S);
        return new Result(
                w.config().parameterCount(),
                r.meanNll(),
                r.perplexity(),
                items.size(),
                acc,
                prefillSpeed(w, tok, heldOut, S));
    }

    /** Tokens per second of a prefill of the text's first tokens (at most S). */
    static double prefillSpeed(Weights w, Tokenizer tok, String text, int S) {
        int[] ids = tok.encode(text.substring(0, Math.min(text.length(), 4000)), true);
        int T = Math.min(S, ids.length);
        Llama.State state = new Llama.State(w.config(), T);
        long t0 = System.nanoTime();
        int reps = 0;
        while (reps < 3 || System.nanoTime() - t0 < 3e8) {
            state.reset();
            Llama.forward(w, state, ids, 0, T, Llama.Logits.LAST);
            reps++;
        }
        return (double) T * reps / ((System.nanoTime() - t0) / 1e9);
    }
}
