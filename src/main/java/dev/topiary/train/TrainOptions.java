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
public record TrainOptions(
        int seqLen,
        int batch,
        int accum,
        int steps,
        float lr,
        float minLr,
        int warmup,
        float weightDecay,
        float beta1,
        float beta2,
        float eps,
        float clip,
        long seed,
        int evalEvery,
        int valBatches,
        int checkpointEvery,
        boolean recompute) {
    public TrainOptions {
        if (seqLen < 1) throw new IllegalArgumentException("--seq-len must be >= 1, got " + seqLen);
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        if (accum < 1) throw new IllegalArgumentException("--accum must be >= 1, got " + accum);
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (clip < 0) throw new IllegalArgumentException("--clip must be >= 0, got " + clip);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new IllegalArgumentException("--beta1/--beta2 must be in [0, 1), got " + beta1 + ", " + beta2);
    }

    /**
     * The defaults of {@code topiary train}: sequences of 256, batches of 8, 1000 steps, lr 5e-4 decaying to 5e-5
     * after 50 warmup steps, weight decay 0.1, betas 0.9 and 0.95, eps 1e-8, clipping at 1, seed 1, validation (20
     * micro-batches) and checkpoints every 100 steps. Change them with the withers, e.g.
     * {@code TrainOptions.defaults().withSteps(100).withLr(1e-3f)}; {@link #withSchedule} sets steps, lr, min lr and
     * warmup together.
     */
    public static TrainOptions defaults() {
        return new TrainOptions(
                256, 8, 1, 1000, 5e-4f, 5e-5f, 50, 0.1f, 0.9f, 0.95f, 1e-8f, 1f, 1, 100, 20, 100, false);
    }

    /**
     * These options for {@code steps} steps peaking at {@code lr}: the final lr a tenth of it, warmup a twentieth of
     * the steps (at least one).
     */
    public TrainOptions withSchedule(int steps, float lr) {
        return withSteps(steps).withLr(lr).withMinLr(lr / 10).withWarmup(Math.max(1, steps / 20));
    }

    /** Steps for a budget of tokens: tokens / tokens per step, rounded up, at least one. */
    public int stepsFor(long tokens) {
        return (int) Math.max(1, (tokens + tokensPerStep() - 1) / tokensPerStep());
    }

    // the withers: a copy with one field changed

    public TrainOptions withSeqLen(int v) {
        return new TrainOptions(
                v,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withBatch(int v) {
        return new TrainOptions(
                seqLen,
                v,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withAccum(int v) {
        return new TrainOptions(
                seqLen,
                batch,
                v,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withSteps(int v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                v,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withLr(float v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                v,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withMinLr(float v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                v,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withWarmup(int v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                v,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withWeightDecay(float v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                v,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withBeta1(float v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                v,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withBeta2(float v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                v,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withEps(float v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                v,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withClip(float v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                v,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withSeed(long v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                v,
                evalEvery,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withEvalEvery(int v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                v,
                valBatches,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withValBatches(int v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                v,
                checkpointEvery,
                recompute);
    }

    public TrainOptions withCheckpointEvery(int v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                v,
                recompute);
    }

    public TrainOptions withRecompute(boolean v) {
        return new TrainOptions(
                seqLen,
                batch,
                accum,
                steps,
                lr,
                minLr,
                warmup,
                weightDecay,
                beta1,
                beta2,
                eps,
                clip,
                seed,
                evalEvery,
                valBatches,
                checkpointEvery,
                v);
    }

    public Schedule schedule() {
        return new Schedule(lr, minLr, warmup, steps);
    }

    public long tokensPerStep() {
        return (long) seqLen * batch * accum;
    }

    /** The fields a resumed run must share with its checkpoint. */
    public String trajectoryKey() {
        return "seqLen=" + seqLen + " batch=" + batch + " accum=" + accum + " steps=" + steps + " lr=" + lr
                + " minLr=" + minLr + " warmup=" + warmup + " wd=" + weightDecay + " betas=" + beta1 + "," + beta2
                + " eps=" + eps + " clip=" + clip
                + " seed=" + seed;
    }
}
