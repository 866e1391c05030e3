package dev.topiary.eval;

import dev.topiary.generate.Sampler;
import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.Tokenizer;
import java.util.List;

/**
 * After an export: the written model's logits against the source's on fixed prompts, as the
 * largest absolute difference and the share of positions whose most likely next token agrees.
 */
public record ReadBack(double maxAbsDiff, int agree, int positions) {
    public static final List<String> PROMPTS = List.of(
            "Once upon a time, there was a little girl named Lily.",
            "The quick brown fox jumps over the lazy dog.",
            "One day, Tom found a big red ball in the park.");

    public static ReadBack compare(Weights source, Weights written, Tokenizer tok) {
        double max = 0;
        int sv = source.config().vocab(), wv = written.config().vocab();
        int agree = 0, positions = 0, V = Math.min(sv, wv);
        for (String p : PROMPTS) {
            int[] ids = tok.encode(p, true);
            float[] a = Llama.logits(source, ids), b = Llama.logits(written, ids);
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < V; v++) max = Math.max(max, Math.abs(a[t * sv + v] - b[t * wv + v]));
                if (Sampler.argmax(a, t * sv, V) == Sampler.argmax(b, t * wv, V)) agree++;
                positions++;
            }
        }
        return new ReadBack(max, agree, positions);
    }

    @Override
    public String toString() {
        return String.format("max |logit difference| %.3g, top-1 agreement %d/%d", maxAbsDiff, agree, positions);
    }
}
