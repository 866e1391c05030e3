package dev.topiary.train;

import dev.topiary.eval.Corpus;
import dev.topiary.format.ModelFormatException;
import dev.topiary.nn.CrossEntropy;
import dev.topiary.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A corpus tokenized and packed for causal-LM training:
 * <ul>
 *   <li>documents: JSONL lines (field {@code text}); a plain-text file is one document (as in
 *       {@code topiary eval});
 *   <li>each document becomes [BOS if the tokenizer adds one] tokens EOS, all concatenated;
 *   <li>the stream is cut into sequences of T+1 tokens every T tokens (inputs = the first T,
 *       targets = the last T), so no token is lost between sequences;
 *   <li>the last {@code valFraction} of the sequences (at least one, unless the fraction is 0) is the
 *       validation split;
 *   <li>training sequences are visited in a fresh seeded permutation each epoch: the batch of any
 *       step follows from (seed, step) alone, which is what makes resume exact.
 * </ul>
 */
public final class TokenDataset {
    public final int seqLen;
    public final int[] tokens;
    /** Pre-packed mode (SFT): per sequence, its own inputs, targets and document starts, (N, T) each; else null. */
    private final int[] packedTargets, packedSeg;

    public final int trainSequences, valSequences;
    private final long seed;
    private int cachedEpoch = -1;
    private int[] order;

    public TokenDataset(int[] tokens, int seqLen, double valFraction, long seed) {
        this(tokens, null, null, seqLen, valFraction, seed);
    }

    /**
     * Pre-packed sequences (supervised fine-tuning): inputs, targets (with the ignore index where no
     * loss is wanted) and document starts, each (N, T) flattened. Same split and order rules.
     */
    public static TokenDataset packed(
            int[] inputs, int[] targets, int[] segStart, int seqLen, double valFraction, long seed) {
        if (inputs.length != targets.length || inputs.length != segStart.length || inputs.length % seqLen != 0)
            throw new IllegalArgumentException("packed arrays must all hold N x " + seqLen + " values");
        return new TokenDataset(inputs, targets, segStart, seqLen, valFraction, seed);
    }

    private TokenDataset(
            int[] tokens, int[] packedTargets, int[] packedSeg, int seqLen, double valFraction, long seed) {
        this.tokens = tokens;
        this.packedTargets = packedTargets;
        this.packedSeg = packedSeg;
        this.seqLen = seqLen;
        this.seed = seed;
        checkValFraction(valFraction);
        int sequences = packedTargets != null ? tokens.length / seqLen : (tokens.length - 1) / seqLen;
        int minimum = valFraction > 0 ? 2 : 1;
        if (sequences < minimum)
            throw new IllegalArgumentException("the corpus has " + tokens.length + " tokens: too few for " + minimum
                    + " sequences of " + seqLen + (minimum == 2 ? " (one to train on, one to validate)" : ""));
        valSequences =
                valFraction > 0 ? Math.min(sequences - 1, Math.max(1, (int) Math.round(sequences * valFraction))) : 0;
        trainSequences = sequences - valSequences;
    }

    /** Refuses a held-out share outside [0, 1) (1.5 used to end in an ArrayIndexOutOfBoundsException). */
    public static void checkValFraction(double valFraction) {
        if (!(valFraction >= 0 && valFraction < 1))
            throw new IllegalArgumentException(
                    "--val-fraction is the share of sequences held out, in [0, 1), got " + valFraction);
    }

    /** Reads, tokenizes and packs a corpus file. */
    public static TokenDataset load(Path file, String field, Tokenizer tok, int seqLen, double valFraction, long seed)
            throws IOException {
        return load(List.of(file), field, tok, seqLen, valFraction, seed);
    }

    /** Several files, read in order into one stream (so the validation split comes from the last one). */
    public static TokenDataset load(
            List<Path> files, String field, Tokenizer tok, int seqLen, double valFraction, long seed)
            throws IOException {
        List<String> docs = new ArrayList<>();
        for (Path file : files) docs.addAll(documents(file, field));
        if (tok.eosId() < 0)
            throw new ModelFormatException(files.getFirst(), "the tokenizer has no EOS token to separate documents");
        int[] buf = new int[1 << 16];
        int n = 0;
        for (String d : docs) {
            int[] ids = tok.encode(d, tok.addBosByDefault());
            if (n + ids.length + 1 > buf.length)
                buf = java.util.Arrays.copyOf(buf, Math.max(2 * buf.length, n + ids.length + 1));
            System.arraycopy(ids, 0, buf, n, ids.length);
            n += ids.length;
            buf[n++] = tok.eosId();
        }
        return new TokenDataset(java.util.Arrays.copyOf(buf, n), seqLen, valFraction, seed);
    }

    static List<String> documents(Path file, String field) throws IOException {
        List<String> docs = new ArrayList<>();
        for (String d : Corpus.read(file, field, Long.MAX_VALUE)) if (!d.isBlank()) docs.add(d);
        if (docs.isEmpty()) throw new ModelFormatException(file, "holds no text");
        return docs;
    }

    /**
     * Fills inputs/targets (B, T) with the training sequences number first .. first+B-1 of the global
     * stream, and sequences[b] with each one's index in the dataset (null: not wanted).
     */
    public void trainBatch(long first, int B, int[] inputs, int[] targets, int[] sequences) {
        for (int b = 0; b < B; b++) {
            long g = first + b;
            int epoch = (int) (g / trainSequences), idx = (int) (g % trainSequences), seq = permutation(epoch)[idx];
            copy(seq, b, inputs, targets);
            if (sequences != null) sequences[b] = seq;
        }
    }

    public void trainBatch(long first, int B, int[] inputs, int[] targets) {
        trainBatch(first, B, inputs, targets, null);
    }

    public int sequences() {
        return trainSequences + valSequences;
    }

    /** Validation sequence i (0 .. valSequences-1) into row b. */
    public void valSequence(int i, int b, int[] inputs, int[] targets) {
        copy(trainSequences + i, b, inputs, targets);
    }

    /** Dataset sequence number {@code sequence} (training and validation numbered together) into row b. */
    public void copySequence(int sequence, int b, int[] inputs, int[] targets) {
        copy(sequence, b, inputs, targets);
    }

    private void copy(int sequence, int b, int[] inputs, int[] targets) {
        int start = sequence * seqLen;
        System.arraycopy(tokens, start, inputs, b * seqLen, seqLen);
        System.arraycopy(
                packedTargets != null ? packedTargets : tokens,
                packedTargets != null ? start : start + 1,
                targets,
                b * seqLen,
                seqLen);
    }

    /** Whether sequences hold several documents that must not attend to each other. */
    public boolean packedDocuments() {
        return packedSeg != null;
    }

    /** Document starts of dataset sequence {@code sequence} into row b of segStart (B, T). */
    public void segStarts(int sequence, int b, int[] segStart) {
        System.arraycopy(packedSeg, sequence * seqLen, segStart, b * seqLen, seqLen);
    }

    private int[] permutation(int epoch) {
        if (epoch != cachedEpoch) {
            order = new int[trainSequences];
            for (int i = 0; i < order.length; i++) order[i] = i;
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + epoch);
            for (int i = order.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            cachedEpoch = epoch;
        }
        return order;
    }

    /** A fingerprint of the token stream and split, stored in checkpoints to refuse resuming on other data. */
    public long fingerprint() {
        long h = 1125899906842597L ^ seqLen ^ ((long) valSequences << 32);
        for (int t : tokens) h = 31 * h + t;
        if (packedTargets != null) for (int t : packedTargets) h = 37 * h + t;
        if (packedSeg != null) for (int t : packedSeg) h = 41 * h + t;
        return h;
    }

    public static int countTargets(int[] targets) {
        int n = 0;
        for (int t : targets) if (t != CrossEntropy.IGNORE) n++;
        return n;
    }
}
