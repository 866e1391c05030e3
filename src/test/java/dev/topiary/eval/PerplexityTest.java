package dev.topiary.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.model.Init;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerplexityTest {
    static final LlamaConfig TINY = new LlamaConfig(
            "llama", 16, 24, 2, 4, 2, 4, 40, 1e-5f, 10000, null, true, false, false, 64, 1, List.of(2), "float32");
    final LlamaWeights w = Init.fixed(TINY, 0.3);

    static int[] doc(int n, int seed) {
        int[] d = new int[n];
        for (int i = 0; i < n; i++) d[i] = (i * 7 + seed * 13 + i * i) % 40;
        return d;
    }

    /** Mean NLL computed directly from one full-context forward pass. */
    double direct(int[] d) {
        float[] logits = Llama.logits(w, d);
        double nll = 0;
        for (int t = 1; t < d.length; t++) nll -= Perplexity.logProb(logits, (t - 1) * 40, 40, d[t]);
        return nll;
    }

    @Test
    void oneWindowEqualsDirectComputation() {
        int[] a = doc(30, 1), b = doc(17, 2);
        var r = Perplexity.evaluate(w, List.of(a, b), 32, 32, null);
        assertThat(r.tokens()).isEqualTo(29 + 16);
        assertThat(r.meanNll()).isCloseTo((direct(a) + direct(b)) / 45, within(1e-9));
        assertThat(r.perplexity()).isCloseTo(Math.exp(r.meanNll()), within(1e-12));
    }

    @Test
    void everyTokenIsScoredOnceWhateverTheStride() {
        int[] a = doc(50, 3);
        for (int stride : new int[] {1, 3, 8, 9}) {
            var r = Perplexity.evaluate(w, List.of(a), 10, stride, null);
            assertThat(r.tokens()).as("stride %d", stride).isEqualTo(49);
        }
        // non-overlapping windows (stride = seq-len) cannot score the first token of each later window
        assertThat(Perplexity.evaluate(w, List.of(a), 10, 10, null).tokens()).isEqualTo(49 - 4);
    }

    @Test
    void longerContextHelpsNoMoreThanItShould() {
        int[] a = doc(40, 4);
        double full = Perplexity.evaluate(w, List.of(a), 40, 40, null).meanNll();
        double sliding = Perplexity.evaluate(w, List.of(a), 40, 5, null).meanNll();
        assertThat(sliding).isCloseTo(full, within(1e-9)); // same context when the window covers the document
    }
}
