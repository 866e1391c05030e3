package dev.topiary.prune;

import dev.topiary.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Calibration samples: the corpus tokenized as for training (each document [BOS] text EOS,
 * concatenated) and cut into consecutive, full sequences of seqLen tokens: packed, so there is
 * no padding to mask. The first {@code samples} sequences are used.
 */
public final class Calibration {
    private Calibration() {}

    public static List<int[]> samples(Path data, String field, Tokenizer tok, int samples, int seqLen) throws IOException {
        if (samples < 1) throw new IllegalArgumentException("--samples must be at least 1, got " + samples);
        if (seqLen < 2) throw new IllegalArgumentException("--seq-len must be at least 2, got " + seqLen);
        int[] tokens = dev.topiary.train.TokenDataset.load(data, field, tok, seqLen, 0.0, 0).tokens;
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < samples && (long) (i + 1) * seqLen <= tokens.length; i++)
            out.add(java.util.Arrays.copyOfRange(tokens, i * seqLen, (i + 1) * seqLen));
        if (out.isEmpty())
            throw new IllegalArgumentException(data + " holds " + tokens.length + " tokens, fewer than one sample of --seq-len " + seqLen);
        return out;
    }
}
