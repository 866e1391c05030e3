package dev.topiary.generate;

import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import java.util.function.IntPredicate;

/**
 * The generation loop every command shares: prefill the prompt into a KV cache, then sample one
 * token at a time. An end-of-sequence token (the tokenizer's, or any of the model config's) ends
 * the continuation without being kept; {@code onToken} sees each kept token and may stop early by
 * returning false.
 */
public final class Generator {
    private Generator() {}

    /**
     * @param ids          prompt tokens, then the continuation
     * @param promptTokens how many tokens of ids are the prompt
     * @param prefillNanos time spent on the prompt
     * @param totalNanos   time spent in all
     */
    public record Result(int[] ids, int promptTokens, long prefillNanos, long totalNanos) {
        public int generated() {
            return ids.length - promptTokens;
        }
    }

    /** Continues {@code prompt} with at most {@code maxNew} tokens, using (and resetting) {@code state}. */
    public static Result continueFrom(
            Weights w, Llama.State state, int[] prompt, int maxNew, Sampler sampler, int eos, IntPredicate onToken) {
        return continueFrom(w, state, prompt, maxNew, sampler, eos, onToken, Integer.MAX_VALUE);
    }

    /**
     * As above, sampling only ids below {@code vocab}: a model whose embedding has more rows than its
     * tokenizer has tokens (padded vocabularies, as Qwen2.5's; random checkpoints) never emits an id
     * the tokenizer cannot decode.
     */
    public static Result continueFrom(
            Weights w,
            Llama.State state,
            int[] prompt,
            int maxNew,
            Sampler sampler,
            int eos,
            IntPredicate onToken,
            int vocab) {
        int cap = Math.min(state.capacity, prompt.length + maxNew);
        int[] ids = java.util.Arrays.copyOf(prompt, Math.max(cap, prompt.length));
        long t0 = System.nanoTime();
        state.reset();
        float[] logits = Llama.forward(w, state, ids, 0, prompt.length, Llama.Logits.LAST);
        long t1 = System.nanoTime();
        int n = prompt.length;
        while (n < cap) {
            if (vocab < logits.length) java.util.Arrays.fill(logits, vocab, logits.length, Float.NEGATIVE_INFINITY);
            int next = sampler.sample(logits);
            if (next == eos || w.config().eosIds().contains(next)) break;
            ids[n++] = next;
            if (onToken != null && !onToken.test(next)) break;
            if (n < cap) logits = Llama.forward(w, state, ids, n - 1, 1, Llama.Logits.LAST);
        }
        return new Result(java.util.Arrays.copyOf(ids, n), prompt.length, t1 - t0, System.nanoTime() - t0);
    }
}
