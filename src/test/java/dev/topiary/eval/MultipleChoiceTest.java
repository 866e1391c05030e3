package dev.topiary.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.model.Init;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaWeights;
import org.junit.jupiter.api.Test;

class MultipleChoiceTest {
    final LlamaWeights w = Init.fixed(PerplexityTest.TINY, 0.3);

    @Test
    void logLikelihoodIsTheSumOfContinuationLogProbs() {
        int[] ctx = {1, 5, 9}, cont = {3, 7, 11};
        float[] logits = Llama.logits(w, new int[] {1, 5, 9, 3, 7, 11});
        // the rows of positions 2, 3, 4 predict tokens 3, 7, 11; log-softmax written out here, not the code's
        double expected = logSoftmax(logits, 2, 3) + logSoftmax(logits, 3, 7) + logSoftmax(logits, 4, 11);
        Llama.State s = new Llama.State(w.config, 16);
        assertThat(MultipleChoice.logLikelihood(w, s, ctx, cont)).isCloseTo(expected, within(1e-9));
        // the state is reset between calls: same answer twice
        assertThat(MultipleChoice.logLikelihood(w, s, ctx, cont)).isCloseTo(expected, within(1e-9));
    }

    /** log(exp(z[id]) / sum_j exp(z[j])) over row {@code row} of V = 40 logits, by the definition. */
    private static double logSoftmax(float[] logits, int row, int id) {
        int V = 40;
        double sum = 0;
        for (int j = 0; j < V; j++) sum += Math.exp(logits[row * V + j]);
        return Math.log(Math.exp(logits[row * V + id]) / sum);
    }

    @Test
    void accAndAccNormFollowLmEval() {
        double[] ll = {-6.0, -8.0}; // summed log-likelihoods
        double[] chars = {2.0, 8.0}; // choice lengths in characters
        assertThat(MultipleChoice.argmax(ll, null)).isZero(); // acc: highest sum
        assertThat(MultipleChoice.argmax(ll, chars)).isEqualTo(1); // acc_norm: -1.0 per char beats -3.0
        assertThat(MultipleChoice.argmax(new double[] {-1, -1}, null)).isZero(); // ties: first
    }
}
