package dev.topiary.train;

import dev.topiary.io.DType;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.model.LlamaWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One training run in a folder, the same for every command and recipe stage that trains ({@code train},
 * {@code correct}, {@code distill}, {@code sft}, {@code dpo}, {@code compress}, {@code demo}): only the
 * {@link Objective} differs. In order, it
 * <ol>
 *   <li>checks the {@link MemoryPlan} before anything is allocated or written;</li>
 *   <li>starts afresh (an old metrics file is removed) or resumes from the checkpoint, bit-identical to a run
 *       that was never interrupted, refusing a checkpoint of other options or data;</li>
 *   <li>trains with a {@link Trainer}, which appends metrics.jsonl and writes checksummed checkpoints;</li>
 *   <li>on {@link #requestStop()} (a signal, a time limit, a test) writes a checkpoint and returns unfinished;</li>
 *   <li>when all steps are done, writes the model as a Hugging Face folder with the tokenizer files.</li>
 * </ol>
 * It prints nothing: progress goes to a {@link Listener}.
 */
public final class TrainingRun {
    /** Where a run keeps its files; {@link #of} is the usual layout of a run folder. */
    public record Folder(Path dir, Path checkpoint, Path metrics, Path model) {
        /** dir/checkpoint, dir/metrics.jsonl and dir/model. */
        public static Folder of(Path dir) {
            return new Folder(dir, dir.resolve("checkpoint"), dir.resolve("metrics.jsonl"), dir.resolve("model"));
        }

        /** The same folder without a final model (model: null), e.g. for a search candidate. */
        public Folder withoutModel() {
            return new Folder(dir, checkpoint, metrics, null);
        }

        /** Whether a checkpoint of an earlier run is there. */
        public boolean hasCheckpoint() {
            return Checkpoint.exists(checkpoint);
        }
    }

    /** How a run treats a checkpoint already in its folder. */
    public enum Start {
        /** Refuse a folder that holds a run. */
        FRESH,
        /** Continue the run in the folder; refuse a folder without one. */
        RESUME,
        /** Continue a run if there is one, else start (pipelines run again after a stop). */
        CONTINUE
    }

    /** Progress of a run; all methods are optional. */
    public interface Listener extends Trainer.Listener {
        /** The memory plan passed its check; nothing is allocated yet. */
        default void planned(MemoryPlan plan) {}

        /** The trainer is ready (resumed at {@code trainer.step()} if {@code resumed}); training starts next. */
        default void started(Trainer trainer, boolean resumed) {}
    }

    /**
     * How a run ended.
     *
     * @param finished       all steps done and the model written (false: stopped at a checkpoint)
     * @param startStep      the step the run started (or resumed) from
     * @param step           the step it ended at
     * @param validationLoss the last validation loss (NaN when stopped)
     * @param seconds        wall time of the training loop
     * @param peakHeapBytes  heap in use once everything was allocated
     */
    public record Result(
            boolean finished,
            long startStep,
            long step,
            double validationLoss,
            double seconds,
            long peakHeapBytes,
            long tokensPerStep) {
        /** Tokens per second over this call. */
        public double tokensPerSecond() {
            return (step - startStep) * (double) tokensPerStep / seconds;
        }
    }

    private final Folder folder;
    private final Start start;
    private final double spikeFactor;
    private final DType saveDtype;
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile Trainer current;

    /**
     * @param spikeFactor see {@link Trainer}: a loss above this times the running mean skips the step (0: off)
     * @param saveDtype   weights dtype of the final model
     */
    public TrainingRun(Folder folder, Start start, double spikeFactor, DType saveDtype) {
        this.folder = folder;
        this.start = start;
        this.spikeFactor = spikeFactor;
        this.saveDtype = saveDtype;
    }

    /** A run in dir that continues its checkpoint if there is one, with the default spike guard and fp32 output. */
    public static TrainingRun continuing(Path dir) {
        return new TrainingRun(Folder.of(dir), Start.CONTINUE, Trainer.DEFAULT_SPIKE_FACTOR, DType.F32);
    }

    public Folder folder() {
        return folder;
    }

    /**
     * Refuses to start over an existing run (FRESH), or to resume a missing one (RESUME); cheap, so commands
     * call it before loading anything. {@link #run} checks again.
     */
    public void checkFolder() {
        boolean there = folder.hasCheckpoint();
        if (start == Start.RESUME && !there)
            throw new IllegalArgumentException("--resume: no checkpoint in " + folder.checkpoint());
        if (start == Start.FRESH && there)
            throw new IllegalArgumentException(folder.dir() + " already holds a run ("
                    + folder.checkpoint().resolve(Checkpoint.FILE)
                    + "); pass --resume to continue it, or choose another --out");
    }

    /** Asks the run to write a checkpoint after the current step and return; also before it has started. */
    public void requestStop() {
        stop.set(true);
        Trainer t = current;
        if (t != null) t.requestStop();
    }

    /**
     * Trains w on ds with the objective, from the start or from the folder's checkpoint, and writes the model
     * (with the tokenizer files of tokenizerSource) when all steps are done.
     */
    public Result run(
            LlamaWeights w,
            TokenDataset ds,
            TrainOptions o,
            Objective objective,
            Path tokenizerSource,
            Listener listener)
            throws IOException {
        checkFolder();
        MemoryPlan plan = MemoryPlan.of(w.config, o.batch(), o.seqLen(), o.recompute(), objective.teacher());
        plan.check(); // before anything is allocated or written
        listener.planned(plan);
        Files.createDirectories(folder.dir());
        boolean resume = folder.hasCheckpoint();
        if (!resume && folder.metrics() != null) Files.deleteIfExists(folder.metrics());
        Trainer trainer = new Trainer(w, ds, o, folder.checkpoint(), folder.metrics(), objective, spikeFactor);
        long t0, startStep;
        boolean finished;
        try {
            if (resume) trainer.resume();
            listener.started(trainer, resume);
            t0 = System.nanoTime();
            startStep = trainer.step();
            current = trainer;
            if (stop.get()) trainer.requestStop();
            finished = trainer.run(listener);
        } finally {
            current = null;
            trainer.close(); // the moments (off the heap) go back now: the stages after training do not need them
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!finished)
            return new Result(
                    false, startStep, trainer.step(), Double.NaN, seconds, trainer.peakHeapBytes(), o.tokensPerStep());
        if (folder.model() != null) HfCheckpoint.save(folder.model(), w, saveDtype, 0, tokenizerSource);
        double val =
                Double.isNaN(trainer.lastValidationLoss()) ? trainer.validationLoss() : trainer.lastValidationLoss();
        return new Result(true, startStep, trainer.step(), val, seconds, trainer.peakHeapBytes(), o.tokensPerStep());
    }
}
