package dev.topiary.prune;

import dev.topiary.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Calibration samples: the corpus tokenized as for training (each document [BOS] text EOS,
 * concatenated) and cut into full, non-overlapping windows of seqLen tokens: packed, so there is
 * no padding to mask. {@code samples} windows are drawn with a seed from across the whole corpus
 * (not the first N), in corpus order.
 *
 * <p>The last {@link #HELD_OUT_TAIL} of the token stream is never drawn: train, distill and
 * search hold out the last 5% of their sequences for validation and ranking, so calibration
 * data and held-out data stay disjoint (the extra 1% covers rounding to whole sequences).
 */
public final class Calibration {
    /** Share of the token stream, at its end, that calibration never uses. */
    public static final double HELD_OUT_TAIL = 0.06;

    private Calibration() {}

    public static List<int[]> samples(Path data, String field, Tokenizer tok, int samples, int seqLen, long seed)
            throws IOException {
        if (samples < 1) throw new IllegalArgumentException("--samples must be at least 1, got " + samples);
        if (seqLen < 2) throw new IllegalArgumentException("--seq-len must be at least 2, got " + seqLen);
        int[] tokens = dev.topiary.train.TokenDataset.load(data, field, tok, seqLen, 0.0, 0).tokens;
        List<int[]> out = new ArrayList<>();
        for (int start : windows(tokens.length, samples, seqLen, seed))
            out.add(Arrays.copyOfRange(tokens, start, start + seqLen));
        if (out.isEmpty())
            throw new IllegalArgumentException(data + " holds " + tokens.length
                    + " tokens, fewer than one sample of --seq-len " + seqLen
                    + " outside its held-out tail");
        return out;
    }

    /**
     * Start offsets of up to {@code samples} windows of seqLen tokens among the whole windows that
     * lie before the held-out tail of a stream of n tokens: all of them when there are no more
     * than asked for, otherwise a seeded random choice; ascending.
     */
    static int[] windows(int n, int samples, int seqLen, long seed) {
        int usable = n - (int) Math.ceil(n * HELD_OUT_TAIL);
        int count = usable / seqLen;
        if (count <= samples) {
            int[] all = new int[count];
            for (int i = 0; i < count; i++) all[i] = i * seqLen;
            return all;
        }
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = i;
        SplittableRandom r = new SplittableRandom(seed);
        // partial Fisher-Yates: the first `samples` are a uniform choice
        for (int i = 0; i < samples; i++) {
            int j = i + r.nextInt(count - i), t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] chosen = Arrays.copyOf(idx, samples);
        Arrays.sort(chosen);
        for (int i = 0; i < samples; i++) chosen[i] *= seqLen;
        return chosen;
    }
}
