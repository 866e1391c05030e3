package dev.topiary.align;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.Close;
import dev.topiary.model.Init;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaTrain;
import dev.topiary.model.LlamaWeights;
import dev.topiary.nn.CrossEntropy;
import java.util.List;
import org.junit.jupiter.api.Test;

public class SftPackerTest {
    public static final LlamaConfig C = new LlamaConfig(
            "llama", 16, 24, 2, 4, 2, 6, 40, 1e-5f, 10000, null, true, false, false, 64, 1, List.of(2), "float32");
    final LlamaWeights w = Init.normal(C, 3, 0.3);

    static SftPacker.Example ex(int[] tokens, int firstTrained) {
        boolean[] m = new boolean[tokens.length];
        for (int i = firstTrained; i < tokens.length; i++) m[i] = true;
        return new SftPacker.Example(tokens, m);
    }

    final SftPacker.Example a = ex(new int[] {1, 5, 6, 7, 20, 21, 2}, 4),
            b = ex(new int[] {1, 9, 10, 30, 31, 32, 2}, 3);

    @Test
    void lossOnlyOnAssistantTokensAndDocumentsPackedWithoutPadding() {
        SftPacker.Result r = SftPacker.pack(List.of(a, b), 16, true, 0, 0.0, 1);
        assertThat(r.sequences()).isEqualTo(1);
        int[] in = new int[16], tg = new int[16], seg = new int[16], sq = new int[1];
        r.data().trainBatch(0, 1, in, tg, sq);
        r.data().segStarts(0, 0, seg);
        assertThat(in).startsWith(1, 5, 6, 7, 20, 21, 2, 1, 9, 10, 30, 31, 32, 2, 0, 0);
        int I = CrossEntropy.IGNORE;
        // position i predicts token i+1: trained only where token i+1 is the assistant's
        assertThat(tg).containsExactly(I, I, I, 20, 21, 2, I, I, I, 30, 31, 32, 2, I, I, I);
        assertThat(seg).containsExactly(0, 0, 0, 0, 0, 0, 0, 7, 7, 7, 7, 7, 7, 7, 14, 14);
        assertThat(r.trainedTokens()).isEqualTo(7);
    }

    @Test
    void longExamplesAreTruncatedAndCountedUnpackedIsOnePerSequence() {
        SftPacker.Result r = SftPacker.pack(List.of(a, b), 5, false, 0, 0.0, 1);
        assertThat(r.truncated()).isEqualTo(2);
        assertThat(r.sequences()).isEqualTo(2);
        SftPacker.Result u = SftPacker.pack(List.of(a, b), 16, false, 0, 0.0, 1);
        assertThat(u.sequences()).isEqualTo(2);
    }

    float[] logits(int[] tokens, int[] seg) {
        var act = new LlamaTrain.Activations(C, 1, tokens.length);
        act.segStart = seg;
        return LlamaTrain.logits(w, act, tokens);
    }

    @Test
    void packedConversationsDoNotAttendToEachOther() {
        SftPacker.Result r = SftPacker.pack(List.of(a, b), 16, true, 0, 0.0, 1);
        int[] in = new int[16], tg = new int[16], seg = new int[16], sq = new int[1];
        r.data().trainBatch(0, 1, in, tg, sq);
        r.data().segStarts(0, 0, seg);
        float[] packed = logits(in, seg);
        int V = C.vocab();
        // b alone gives the same logits as b inside the pack
        float[] alone = logits(b.tokens(), null);
        Close.assertClose("b alone vs packed", java.util.Arrays.copyOfRange(packed, 7 * V, 14 * V), alone, 1e-5, 1e-5);
        // changing a leaves b's logits bit for bit unchanged
        int[] changed = in.clone();
        changed[2] = 33;
        changed[5] = 17;
        float[] other = logits(changed, seg);
        assertThat(java.util.Arrays.copyOfRange(other, 7 * V, 16 * V))
                .containsExactly(java.util.Arrays.copyOfRange(packed, 7 * V, 16 * V));
        assertThat(java.util.Arrays.copyOfRange(other, 0, 7 * V))
                .isNotEqualTo(java.util.Arrays.copyOfRange(packed, 0, 7 * V));
    }

    @Test
    void promptTokensGetNoGradient() {
        SftPacker.Result r = SftPacker.pack(List.of(a), 7, true, 0, 0.0, 1);
        int[] in = new int[7], tg = new int[7], sq = new int[1];
        r.data().trainBatch(0, 1, in, tg, sq);
        var act = new LlamaTrain.Activations(C, 1, 7);
        LlamaTrain.forward(w, act, in);
        float[][] dlogits = new float[1][];
        LlamaTrain.head(w, new dev.topiary.model.LlamaWeights(w.config), act, (lg, r0, rows, V, grad) -> {
            double l = CrossEntropy.forwardBackward(lg, lg, tg, r0, rows, V, 1f);
            dlogits[0] = java.util.Arrays.copyOf(lg, rows * V);
            return l;
        });
        int V = C.vocab();
        for (int pos = 0; pos < 7; pos++) {
            boolean prompt = tg[pos] == CrossEntropy.IGNORE;
            double norm = 0;
            for (int v = 0; v < V; v++) norm += Math.abs(dlogits[0][pos * V + v]);
            if (prompt) assertThat(norm).as("position %d", pos).isZero();
            else assertThat(norm).as("position %d", pos).isGreaterThan(0);
        }
    }
}
