package dev.topiary.train;

/**
 * The knobs of a training run. Everything that changes the trajectory is stored in checkpoints,
 * and a resume with different values is refused.
 *
 * @param batch       sequences per micro-batch
 * @param accum       micro-batches per optimizer step (gradient accumulation)
 * @param steps       optimizer steps in total
 * @param clip        max global gradient norm (0: no clipping)
 * @param evalEvery   validation every N steps (0: only at the end)
 * @param valBatches  validation micro-batches per evaluation (0: the whole split)
 * @param checkpointEvery checkpoint every N steps (0: only at the end and on a stop)
 */
public record TrainOptions(int seqLen, int batch, int accum, int steps, float lr, float minLr, int warmup, float weightDecay,
                           float beta1, float beta2, float eps, float clip, long seed, int evalEvery, int valBatches,
                           int checkpointEvery, boolean recompute) {
    public TrainOptions {
        if (seqLen < 1) throw new IllegalArgumentException("--seq-len must be >= 1, got " + seqLen);
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        if (accum < 1) throw new IllegalArgumentException("--accum must be >= 1, got " + accum);
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (clip < 0) throw new IllegalArgumentException("--clip must be >= 0, got " + clip);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new IllegalArgumentException("--beta1/--beta2 must be in [0, 1), got " + beta1 + ", " + beta2);
    }

    /** The same options for sequences of another length (DPO packs a pair into two halves). */
    public TrainOptions withSeqLen(int n) {
        return new TrainOptions(n, batch, accum, steps, lr, minLr, warmup, weightDecay, beta1, beta2, eps, clip, seed, evalEvery,
                valBatches, checkpointEvery, recompute);
    }

    public Schedule schedule() {
        return new Schedule(lr, minLr, warmup, steps);
    }

    public long tokensPerStep() {
        return (long) seqLen * batch * accum;
    }

    /** The fields a resumed run must share with its checkpoint. */
    public String trajectoryKey() {
        return "seqLen=" + seqLen + " batch=" + batch + " accum=" + accum + " steps=" + steps + " lr=" + lr + " minLr=" + minLr
                + " warmup=" + warmup + " wd=" + weightDecay + " betas=" + beta1 + "," + beta2 + " eps=" + eps + " clip=" + clip
                + " seed=" + seed;
    }
}
