package dev.topiary.cli;

import dev.topiary.io.DType;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.model.LlamaWeights;
import dev.topiary.train.Checkpoint;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import dev.topiary.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options and the run folder shared by {@code train}, {@code distill} and {@code correct}
 * (a picocli mixin), and the loop around a {@link Trainer}: refusing to overwrite a run, resume,
 * the stop hook for Ctrl-C and SIGTERM, progress, and the final Hugging Face folder.
 */
final class TrainingRun {
    @Option(names = "--data", required = true, arity = "1..*", paramLabel = "FILE",
            description = "Training corpus (.txt or .jsonl); several files are read in order, so the validation split comes from the last.")
    java.util.List<Path> data;

    @Option(names = "--field", defaultValue = "text", description = "JSONL text field (default ${DEFAULT-VALUE}).")
    String field;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint.")
    boolean resume;

    @Option(names = "--seq-len", defaultValue = "256", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per micro-batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--accum", defaultValue = "1", description = "Micro-batches per step (default ${DEFAULT-VALUE}).")
    int accum;

    @Option(names = "--steps", description = "Optimizer steps (default 1000, or from --tokens).")
    Integer steps;

    @Option(names = "--tokens", description = "Training tokens in total: steps = tokens / (seq-len x batch x accum), rounded up.")
    Long tokens;

    @Option(names = "--lr", description = "Peak learning rate (default 5e-4).")
    Float lr;

    @Option(names = "--min-lr", description = "Final learning rate (default: lr / 10).")
    Float minLr;

    @Option(names = "--warmup", description = "Warmup steps (default: steps / 20).")
    Integer warmup;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "Decoupled weight decay (default ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--beta1", defaultValue = "0.9", description = "AdamW beta1 (default ${DEFAULT-VALUE}).")
    float beta1;

    @Option(names = "--beta2", defaultValue = "0.95", description = "AdamW beta2 (default ${DEFAULT-VALUE}).")
    float beta2;

    @Option(names = "--eps", defaultValue = "1e-8", description = "AdamW epsilon (default ${DEFAULT-VALUE}).")
    float eps;

    @Option(names = "--clip", defaultValue = "1.0", description = "Max global gradient norm, 0 = off (default ${DEFAULT-VALUE}).")
    float clip;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of initialisation and data order (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--val-fraction", defaultValue = "0.05", description = "Share of sequences held out (default ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--eval-every", defaultValue = "100", description = "Validation every N steps (default ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--val-batches", defaultValue = "20", description = "Micro-batches per validation, 0 = all (default ${DEFAULT-VALUE}).")
    int valBatches;

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "Checkpoint every N steps (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--spike-factor", defaultValue = "3.0",
            description = "Skip a step whose loss exceeds this times the running mean (0 = off); 3 skips in a row roll back to the last checkpoint (default ${DEFAULT-VALUE}).")
    double spikeFactor;

    @Option(names = "--recompute", description = "Recompute attention probabilities in the backward pass (less memory for long sequences).")
    boolean recompute;

    @Option(names = "--save-dtype", defaultValue = "F32", description = "Weights dtype of the output model: F32, BF16, F16 (default ${DEFAULT-VALUE}).")
    DType saveDtype;

    Path checkpointDir() {
        return out.resolve("checkpoint");
    }

    /** Refuses to start over an existing run, or to resume a missing one. */
    void checkRunFolder() {
        if (resume && !Checkpoint.exists(checkpointDir()))
            throw new IllegalArgumentException("--resume: no checkpoint in " + checkpointDir());
        if (!resume && Checkpoint.exists(checkpointDir()))
            throw new IllegalArgumentException(out + " already holds a run (" + checkpointDir().resolve(Checkpoint.FILE)
                    + "); pass --resume to continue it, or choose another --out");
    }

    TrainOptions options(float defaultLr) {
        if (steps != null && tokens != null) throw new IllegalArgumentException("give --steps or --tokens, not both");
        TokenDataset.checkValFraction(valFraction);
        long perStep = (long) seqLen * batch * accum;
        int n = steps != null ? steps : tokens != null ? (int) Math.max(1, (tokens + perStep - 1) / perStep) : 1000;
        float peak = lr != null ? lr : defaultLr;
        return new TrainOptions(seqLen, batch, accum, n, peak, minLr != null ? minLr : peak / 10, warmup != null ? warmup : n / 20,
                weightDecay, beta1, beta2, eps, clip, seed, evalEvery, valBatches, checkpointEvery, recompute);
    }

    /**
     * Runs (or resumes) training and writes the model folder; returns the exit code (130 when
     * stopped by a signal, with the checkpoint written).
     */
    int run(String what, LlamaWeights w, TokenDataset ds, TrainOptions o, Objective objective, Path tokenizerSource) throws Exception {
        var plan = dev.topiary.train.MemoryPlan.of(w.config, o.batch(), o.seqLen(), o.recompute(),
                objective instanceof dev.topiary.distill.Distiller d ? d.teacher() : null);
        plan.check(); // before anything is allocated or written
        System.out.println("memory plan: " + plan);
        Files.createDirectories(out);
        Path metrics = out.resolve("metrics.jsonl");
        if (!resume) Files.deleteIfExists(metrics);
        Trainer trainer = new Trainer(w, ds, o, checkpointDir(), metrics, objective, spikeFactor);
        if (resume) trainer.resume();
        System.out.printf("%s, %,d parameters; data %,d tokens: %d train / %d validation sequences of %d%n", what,
                w.config.parameterCount(), ds.tokens.length, ds.trainSequences, ds.valSequences, o.seqLen());
        System.out.printf("%d steps of %,d tokens%s; activations %s, weights+grads+AdamW %s (16 bytes/parameter)%n", o.steps(),
                o.tokensPerStep(), resume ? ", resuming at step " + trainer.step() : "", InspectCommand.bytes(trainer.activationBytes()),
                InspectCommand.bytes(16 * (long) w.data.length));
        long t0 = System.nanoTime(), startStep = trainer.step();
        boolean done = StopHook.around(trainer::requestStop, () -> {
            try (var bar = Progress.bar("train", o.steps())) {
                bar.stepTo(trainer.step());
                boolean finished = trainer.run(new Trainer.Listener() {
                    double val = Double.NaN;

                    @Override
                    public void step(long step, double loss, float lrNow, double gradNorm, double tps) {
                        bar.stepTo(step);
                        bar.setExtraMessage(String.format(" loss %.4f%s lr %.2e %.0f tok/s", loss,
                                Double.isNaN(val) ? "" : String.format(" val %.4f", val), lrNow, tps));
                    }

                    @Override
                    public void validation(long step, double loss) {
                        val = loss;
                    }
                });
                if (finished) bar.done();
                return finished;
            }
        });
        if (!done) {
            System.out.printf("stopped at step %d; checkpoint in %s (continue with --resume)%n", trainer.step(), checkpointDir());
            return 130;
        }
        Path modelDir = out.resolve("model");
        HfCheckpoint.save(modelDir, w, saveDtype, 0, tokenizerSource);
        double secs = (System.nanoTime() - t0) / 1e9;
        double val = Double.isNaN(trainer.lastValidationLoss()) ? trainer.validationLoss() : trainer.lastValidationLoss();
        System.out.printf("done: validation loss %.4f; %.1f s, %.0f tokens/s; heap in use %s%n", val, secs,
                (o.steps() - startStep) * (double) o.tokensPerStep() / secs, InspectCommand.bytes(trainer.peakHeapBytes()));
        System.out.printf("model written to %s; metrics in %s%n", modelDir, metrics);
        return 0;
    }
}
