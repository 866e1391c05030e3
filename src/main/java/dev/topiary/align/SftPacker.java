package dev.topiary.align;

import dev.topiary.nn.CrossEntropy;
import dev.topiary.train.TokenDataset;
import java.util.ArrayList;
import java.util.List;

/**
 * Supervised fine-tuning examples packed into fixed-length sequences:
 * <ul>
 *   <li>an example is its tokens plus, per token, whether the model is trained to produce it (the
 *       assistant's turns, end-of-turn marker included); the loss falls only on those positions
 *       (others get the ignore index);
 *   <li>examples longer than the sequence keep their first T tokens (the rest is dropped, and
 *       counted in {@link Result#truncated});
 *   <li>packed: examples are placed one after another, in order, while they fit; each token may
 *       attend only to its own example (document starts go to the attention mask); the rest of a
 *       sequence is padding with no loss. Unpacked: one example per sequence.
 * </ul>
 */
public final class SftPacker {
    private SftPacker() {}

    public record Example(int[] tokens, boolean[] trained) {
        public Example {
            if (tokens.length != trained.length) throw new IllegalArgumentException("tokens and mask differ in length");
        }
    }

    public record Result(TokenDataset data, int examples, int truncated, int sequences, long trainedTokens) {}

    public static Result pack(List<Example> examples, int T, boolean packed, int padId, double valFraction, long seed) {
        List<int[]> in = new ArrayList<>(), tg = new ArrayList<>(), sg = new ArrayList<>();
        int[] curIn = null, curTg = null, curSg = null;
        int used = T, truncated = 0;
        long trained = 0;
        for (Example e : examples) {
            int n = Math.min(T, e.tokens().length);
            if (e.tokens().length > T) truncated++;
            if (!packed || used + n > T) {
                curIn = new int[T];
                curTg = new int[T];
                curSg = new int[T];
                java.util.Arrays.fill(curIn, padId);
                java.util.Arrays.fill(curTg, CrossEntropy.IGNORE);
                in.add(curIn);
                tg.add(curTg);
                sg.add(curSg);
                used = 0;
            }
            for (int i = 0; i < n; i++) {
                curIn[used + i] = e.tokens()[i];
                boolean next = i + 1 < n && e.trained()[i + 1];
                curTg[used + i] = next ? e.tokens()[i + 1] : CrossEntropy.IGNORE;
                if (next) trained++;
                curSg[used + i] = used;
            }
            used += n;
            for (int i = used; i < T; i++) curSg[i] = used; // padding: its own "document"
        }
        int N = in.size();
        int[] inputs = new int[N * T], targets = new int[N * T], seg = new int[N * T];
        for (int s = 0; s < N; s++) {
            System.arraycopy(in.get(s), 0, inputs, s * T, T);
            System.arraycopy(tg.get(s), 0, targets, s * T, T);
            System.arraycopy(sg.get(s), 0, seg, s * T, T);
        }
        return new Result(
                TokenDataset.packed(inputs, targets, seg, T, valFraction, seed),
                examples.size(),
                truncated,
                N,
                trained);
    }
}
