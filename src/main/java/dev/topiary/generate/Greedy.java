package dev.topiary.generate;

import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.Tokenizer;

/**
 * Greedy decoding of a text prompt (temperature 0, stopping at EOS): the samples of a compression report and the
 * answers scored by {@code topiary eval --task}.
 */
public final class Greedy {
    private Greedy() {}

    /** The prompt and its greedy continuation of at most n tokens, decoded. */
    public static String continuation(Weights w, Tokenizer tok, String prompt, int n) {
        int[] p = tok.encode(prompt, true);
        var r = Generator.continueFrom(
                w,
                new Llama.State(w.config(), p.length + n),
                p,
                n,
                new Sampler(0, 1, 0),
                tok.eosId(),
                null,
                tok.vocabSize());
        return tok.decode(r.ids());
    }

    /** The greedy continuation of a prompt, without the prompt (stops at EOS). */
    public static String answer(Weights w, Tokenizer tok, String prompt, int n) {
        String all = continuation(w, tok, prompt, n);
        String promptText = tok.decode(tok.encode(prompt, true));
        return all.startsWith(promptText) ? all.substring(promptText.length()) : all;
    }
}
