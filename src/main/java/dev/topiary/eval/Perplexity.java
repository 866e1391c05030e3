package dev.topiary.eval;

import dev.topiary.model.Llama;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.Memory;
import dev.topiary.model.Weights;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Perplexity with sliding windows, as in the Hugging Face perplexity guide:
 *
 * <ul>
 *   <li>each document is its own token stream (BOS first when the caller added it);
 *   <li>windows of at most {@code seqLen} tokens start at 0, stride, 2*stride, ...;
 *   <li>a window scores only the targets the previous window did not (the first window scores
 *       all its next-token targets; later ones their last {@code end - previousEnd}), so with
 *       stride < seqLen every token after the first of a document is scored exactly once, with at
 *       least seqLen - stride tokens of context; with stride = seqLen (disjoint windows) the first
 *       token of each later window has no context and is not scored;
 *   <li>result: mean negative log-likelihood (nats per token) over all scored tokens, perplexity
 *       = exp(mean). Log-probabilities are computed in double from fp32 logits.
 * </ul>
 */
public final class Perplexity {
    private Perplexity() {}

    public record Result(double nll, long tokens) {
        public double meanNll() {
            return nll / tokens;
        }

        public double perplexity() {
            return Math.exp(meanNll());
        }
    }

    /**
     * Checks a window length before any work: at least 2, within the model's context
     * ({@code max_position_embeddings}) unless {@code beyondContext}, and small enough for the heap
     * (KV cache, activations and the (seqLen, vocab) logits).
     */
    public static void requireWindow(LlamaConfig c, int seqLen, boolean beyondContext) {
        if (seqLen < 2) throw new IllegalArgumentException("--seq-len must be at least 2, got " + seqLen);
        if (seqLen > c.maxPositions() && !beyondContext)
            throw new IllegalArgumentException("--seq-len " + seqLen + " is longer than the model's context"
                    + " (max_position_embeddings " + c.maxPositions() + "): positions beyond it were never trained,"
                    + " so the perplexity would mislead; use --seq-len " + c.maxPositions()
                    + " or less, or pass --beyond-context to measure it anyway");
        Memory.require(Memory.inference(c, seqLen, seqLen, true), "--seq-len " + seqLen, "lower --seq-len");
    }

    public static Result evaluate(Weights w, List<int[]> documents, int seqLen, int stride, IntConsumer progress) {
        if (seqLen < 2) throw new IllegalArgumentException("--seq-len must be at least 2, got " + seqLen);
        if (stride < 1 || stride > seqLen)
            throw new IllegalArgumentException("--stride must be in [1, seq-len], got " + stride);
        Llama.State state = new Llama.State(w.config(), seqLen);
        double nll = 0;
        long count = 0;
        int V = w.config().vocab();
        for (int[] doc : documents) {
            int prevEnd = 0;
            for (int begin = 0; prevEnd < doc.length; begin += stride) {
                int end = Math.min(begin + seqLen, doc.length);
                int len = end - begin;
                // targets doc[t] for t in [max(prevEnd, begin + 1), end), predicted at window row t - begin - 1
                int firstTarget = Math.max(prevEnd, begin + 1);
                if (firstTarget < end) {
                    state.reset();
                    float[] logits = Llama.forward(w, state, doc, begin, len, Llama.Logits.ALL);
                    for (int t = firstTarget; t < end; t++) nll -= logProb(logits, (t - begin - 1) * V, V, doc[t]);
                    count += end - firstTarget;
                    if (progress != null) progress.accept(end - firstTarget);
                }
                prevEnd = end;
            }
        }
        if (count == 0)
            throw new IllegalArgumentException("nothing to score: perplexity needs documents of at least 2 tokens, got "
                    + documents.size() + " document(s) of "
                    + documents.stream().mapToLong(d -> d.length).sum()
                    + " tokens in all");
        if (!Double.isFinite(nll))
            throw new IllegalStateException("the model's log-likelihood is " + nll + " over " + count
                    + " tokens: its logits are not finite (weights holding NaN or infinity?)");
        return new Result(nll, count);
    }

    /** log softmax(logits[off .. off+V))[target], in double. */
    public static double logProb(float[] logits, int off, int V, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < V; i++) sum += Math.exp(logits[off + i] - max);
        return logits[off + target] - max - Math.log(sum);
    }
}
