package dev.topiary.io;

import dev.topiary.generate.Sampler;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaWeights;
import dev.topiary.tokenizer.Tokenizer;
import java.util.List;

/**
 * After an export: the written model's logits against the source's on fixed prompts, as the
 * largest absolute difference and the share of positions whose most likely next token agrees.
 */
public record ReadBack(double maxAbsDiff, int agree, int positions) {
    public static final List<String> PROMPTS = List.of("Once upon a time, there was a little girl named Lily.",
            "The quick brown fox jumps over the lazy dog.", "One day, Tom found a big red ball in the park.");

    public static ReadBack compare(LlamaWeights source, LlamaWeights written, Tokenizer tok) {
        double max = 0;
        int agree = 0, positions = 0, V = Math.min(source.config.vocab(), written.config.vocab());
        for (String p : PROMPTS) {
            int[] ids = tok.encode(p, true);
            float[] a = Llama.logits(source, ids), b = Llama.logits(written, ids);
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < V; v++) max = Math.max(max, Math.abs(a[t * source.config.vocab() + v] - b[t * written.config.vocab() + v]));
                if (Sampler.argmax(a, t * source.config.vocab(), V) == Sampler.argmax(b, t * written.config.vocab(), V)) agree++;
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
