package dev.topiary.cli;

import dev.topiary.io.DType;
import dev.topiary.model.LlamaWeights;
import dev.topiary.train.MemoryPlan;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingRun;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options shared by {@code train}, {@code distill}, {@code correct}, {@code sft} and {@code dpo} (a picocli
 * mixin), and the printing around their {@link TrainingRun}: the memory plan, progress, the stop hook for Ctrl-C
 * and SIGTERM, and the summary.
 */
final class TrainFlags {
    @Option(
            names = "--data",
            required = true,
            arity = "1..*",
            paramLabel = "FILE",
            description =
                    "Training corpus (.txt or .jsonl); several files are read in order, so the validation split comes from the last.")
    java.util.List<Path> data;

    @Option(names = "--field", defaultValue = "text", description = "JSONL text field (default ${DEFAULT-VALUE}).")
    String field;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint.")
    boolean resume;

    @Option(names = "--seq-len", defaultValue = "256", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(
            names = "--batch",
            defaultValue = "8",
            description = "Sequences per micro-batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--accum", defaultValue = "1", description = "Micro-batches per step (default ${DEFAULT-VALUE}).")
    int accum;

    @Option(names = "--steps", description = "Optimizer steps (default 1000, or from --tokens).")
    Integer steps;

    @Option(
            names = "--tokens",
            description = "Training tokens in total: steps = tokens / (seq-len x batch x accum), rounded up.")
    Long tokens;

    @Option(names = "--lr", description = "Peak learning rate (default 5e-4).")
    Float lr;

    @Option(names = "--min-lr", description = "Final learning rate (default: lr / 10).")
    Float minLr;

    @Option(names = "--warmup", description = "Warmup steps (default: steps / 20).")
    Integer warmup;

    @Option(
            names = "--weight-decay",
            defaultValue = "0.1",
            description = "Decoupled weight decay (default ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--beta1", defaultValue = "0.9", description = "AdamW beta1 (default ${DEFAULT-VALUE}).")
    float beta1;

    @Option(names = "--beta2", defaultValue = "0.95", description = "AdamW beta2 (default ${DEFAULT-VALUE}).")
    float beta2;

    @Option(names = "--eps", defaultValue = "1e-8", description = "AdamW epsilon (default ${DEFAULT-VALUE}).")
    float eps;

    @Option(
            names = "--clip",
            defaultValue = "1.0",
            description = "Max global gradient norm, 0 = off (default ${DEFAULT-VALUE}).")
    float clip;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Seed of initialisation and data order (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--val-fraction",
            defaultValue = "0.05",
            description = "Share of sequences held out (default ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(
            names = "--eval-every",
            defaultValue = "100",
            description = "Validation every N steps (default ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(
            names = "--val-batches",
            defaultValue = "20",
            description = "Micro-batches per validation, 0 = all (default ${DEFAULT-VALUE}).")
    int valBatches;

    @Option(
            names = "--checkpoint-every",
            defaultValue = "100",
            description = "Checkpoint every N steps (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(
            names = "--spike-factor",
            defaultValue = "3.0",
            description =
                    "Skip a step whose loss exceeds this times the running mean (0 = off); 3 skips in a row roll back to the last checkpoint (default ${DEFAULT-VALUE}).")
    double spikeFactor;

    @Option(
            names = "--recompute",
            description = "Recompute attention probabilities in the backward pass (less memory for long sequences).")
    boolean recompute;

    @Option(
            names = "--save-dtype",
            defaultValue = "F32",
            description = "Weights dtype of the output model: F32, BF16, F16 (default ${DEFAULT-VALUE}).")
    DType saveDtype;

    /** The driver of this run: a fresh run in --out, or its continuation with --resume. */
    TrainingRun driver() {
        return new TrainingRun(
                TrainingRun.Folder.of(out),
                resume ? TrainingRun.Start.RESUME : TrainingRun.Start.FRESH,
                spikeFactor,
                saveDtype);
    }

    /** Refuses to start over an existing run, or to resume a missing one. */
    void checkRunFolder() {
        driver().checkFolder();
    }

    TrainOptions options(float defaultLr) {
        if (steps != null && tokens != null) throw new IllegalArgumentException("give --steps or --tokens, not both");
        TokenDataset.checkValFraction(valFraction);
        TrainOptions o =
                TrainOptions.defaults().withSeqLen(seqLen).withBatch(batch).withAccum(accum);
        int n = steps != null ? steps : tokens != null ? o.stepsFor(tokens) : 1000;
        float peak = lr != null ? lr : defaultLr;
        return o.withSteps(n)
                .withLr(peak)
                .withMinLr(minLr != null ? minLr : peak / 10)
                .withWarmup(warmup != null ? warmup : n / 20)
                .withWeightDecay(weightDecay)
                .withBeta1(beta1)
                .withBeta2(beta2)
                .withEps(eps)
                .withClip(clip)
                .withSeed(seed)
                .withEvalEvery(evalEvery)
                .withValBatches(valBatches)
                .withCheckpointEvery(checkpointEvery)
                .withRecompute(recompute);
    }

    /**
     * Runs (or resumes) training and writes the model folder, printing progress; returns the exit code (130 when
     * stopped by a signal, with the checkpoint written).
     */
    int run(String what, LlamaWeights w, TokenDataset ds, TrainOptions o, Objective objective, Path tokenizerSource)
            throws Exception {
        TrainingRun driver = driver();
        TrainingRun.Folder folder = driver.folder();
        TrainingRun.Result r;
        try (var printer = new Printer(what, w, ds, o)) {
            r = StopHook.around(driver::requestStop, () -> driver.run(w, ds, o, objective, tokenizerSource, printer));
            if (r.finished()) printer.bar.done();
        }
        if (!r.finished()) {
            System.out.printf(
                    "stopped at step %d; checkpoint in %s (continue with --resume)%n", r.step(), folder.checkpoint());
            return 130;
        }
        System.out.printf(
                "done: validation loss %.4f; %.1f s, %.0f tokens/s; heap in use %s%n",
                r.validationLoss(), r.seconds(), r.tokensPerSecond(), Sizes.human(r.peakHeapBytes()));
        System.out.printf("model written to %s; metrics in %s%n", folder.model(), folder.metrics());
        return 0;
    }

    /** The command's view of a run: the memory plan and the data, then a progress bar (created once they are out). */
    private static final class Printer implements TrainingRun.Listener, AutoCloseable {
        private final String what;
        private final LlamaWeights w;
        private final TokenDataset ds;
        private final TrainOptions o;
        private Progress bar;
        private double val = Double.NaN;

        Printer(String what, LlamaWeights w, TokenDataset ds, TrainOptions o) {
            this.what = what;
            this.w = w;
            this.ds = ds;
            this.o = o;
        }

        @Override
        public void planned(MemoryPlan plan) {
            System.out.println("memory plan: " + plan);
        }

        @Override
        public void started(Trainer trainer, boolean resumed) {
            System.out.printf(
                    "%s, %,d parameters; data %,d tokens: %d train / %d validation sequences of %d%n",
                    what, w.config.parameterCount(), ds.tokens.length, ds.trainSequences, ds.valSequences, o.seqLen());
            System.out.printf(
                    "%d steps of %,d tokens%s; activations %s, weights+gradients %s (heap), AdamW moments %s (off"
                            + " the heap)%n",
                    o.steps(),
                    o.tokensPerStep(),
                    resumed ? ", resuming at step " + trainer.step() : "",
                    Sizes.human(trainer.activationBytes()),
                    Sizes.human(8 * w.parameterCount()),
                    Sizes.human(8 * w.parameterCount()));
            bar = Progress.bar("train", o.steps());
            bar.stepTo(trainer.step());
        }

        @Override
        public void step(long step, double loss, float lrNow, double gradNorm, double tps) {
            bar.stepTo(step);
            bar.setExtraMessage(String.format(
                    " loss %.4f%s lr %.2e %.0f tok/s",
                    loss, Double.isNaN(val) ? "" : String.format(" val %.4f", val), lrNow, tps));
        }

        @Override
        public void validation(long step, double loss) {
            val = loss;
        }

        @Override
        public void close() {
            if (bar != null) bar.close();
        }
    }
}
