package dev.topiary.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.model.LlamaTrain;
import dev.topiary.model.LlamaWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The training loop: for each optimizer step, {@code accum} micro-batches of forward + backward
 * of the {@link Objective} into one gradient buffer (the loss normalised by the target count of
 * the whole step), global norm clipping, AdamW with the scheduled learning rate; validation,
 * metrics (JSONL) and checkpoints at their intervals. {@link #requestStop()} (a signal handler
 * calls it) makes the loop write a checkpoint after the current step and return.
 *
 * <p>Spike guard: a step whose loss is not finite, or above {@code spikeFactor} times the running
 * mean (an exponential average, after 10 steps), is skipped (no update; the data moves on); after
 * 3 skipped steps in a row the weights and moments are rolled back to the last checkpoint. A loss
 * that is not finite before any step was finite (a model holding NaN) stops the run with an error.
 */
public final class Trainer implements AutoCloseable {
    /** Receives progress; all methods are optional. */
    public interface Listener {
        default void step(long step, double loss, float lr, double gradNorm, double tokensPerSecond) {}

        default void validation(long step, double loss) {}

        default void checkpoint(long step, Path dir) {}
    }

    public final LlamaWeights weights;
    public final TokenDataset data;
    public final TrainOptions options;
    public final AdamW optimizer;
    private final Path checkpointDir, metricsFile;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final LlamaTrain.Activations activations;
    private final LlamaWeights grads;
    private final int[] inputs, targets, sequences, segStarts;
    private final Objective objective;
    private long peakHeap;
    private double lastValLoss = Double.NaN;
    private double lossEma = Double.NaN;
    private int skippedInARow;
    private final double spikeFactor;
    /** The spike factor of {@code --spike-factor}'s default. */
    public static final double DEFAULT_SPIKE_FACTOR = 3.0;

    public static final int MAX_SKIPS = 3;

    public Trainer(LlamaWeights weights, TokenDataset data, TrainOptions o, Path checkpointDir, Path metricsFile) {
        this(weights, data, o, checkpointDir, metricsFile, Objective.CROSS_ENTROPY);
    }

    public Trainer(
            LlamaWeights weights,
            TokenDataset data,
            TrainOptions o,
            Path checkpointDir,
            Path metricsFile,
            Objective objective) {
        this(weights, data, o, checkpointDir, metricsFile, objective, DEFAULT_SPIKE_FACTOR);
    }

    /** @param spikeFactor a loss above this times the running mean skips the step (0: off; see the class comment) */
    public Trainer(
            LlamaWeights weights,
            TokenDataset data,
            TrainOptions o,
            Path checkpointDir,
            Path metricsFile,
            Objective objective,
            double spikeFactor) {
        if (!(spikeFactor >= 0)) throw new IllegalArgumentException("--spike-factor must be >= 0, got " + spikeFactor);
        if (data.seqLen != o.seqLen())
            throw new IllegalArgumentException(
                    "dataset packed for " + data.seqLen + " tokens, options say " + o.seqLen());
        requireMemory(weights.config, o);
        this.weights = weights;
        this.data = data;
        this.options = o;
        this.checkpointDir = checkpointDir;
        this.metricsFile = metricsFile;
        this.activations = new LlamaTrain.Activations(weights.config, o.batch(), o.seqLen(), o.recompute());
        this.grads = new LlamaWeights(weights.config);
        // last: the moments are native memory, which nothing frees if a later allocation fails
        this.optimizer = new AdamW(weights, o.beta1(), o.beta2(), o.eps(), o.weightDecay(), false);
        this.inputs = new int[o.batch() * o.seqLen()];
        this.targets = new int[o.batch() * o.seqLen()];
        this.sequences = new int[o.batch()];
        this.segStarts = data.packedDocuments() ? new int[o.batch() * o.seqLen()] : null;
        activations.segStart = segStarts;
        this.objective = objective;
        this.spikeFactor = spikeFactor;
    }

    /**
     * Refuses options whose activations, gradients and moments cannot fit the Java heap, with the
     * numbers (callers may check before reading the data; the constructor checks again).
     */
    public static void requireMemory(dev.topiary.model.LlamaConfig c, TrainOptions o) {
        dev.topiary.model.Memory.require(
                dev.topiary.model.Memory.training(c, o.batch(), o.seqLen(), o.recompute()),
                "training with --seq-len " + o.seqLen() + " --batch " + o.batch(),
                "lower --seq-len or --batch (or add --recompute)");
    }

    /** Frees the optimizer's moments (held outside the heap); the trainer must not run afterwards. */
    @Override
    public void close() {
        optimizer.close();
    }

    public void requestStop() {
        stop.set(true);
    }

    public long step() {
        return optimizer.step;
    }

    /** Loads the checkpoint in the checkpoint folder, refusing one written for another run. */
    public void resume() {
        Checkpoint.State s = Checkpoint.load(checkpointDir, weights, optimizer);
        restoreExtra(s);
        if (!s.trajectoryKey().equals(options.trajectoryKey()))
            throw new IllegalArgumentException(
                    "the checkpoint in " + checkpointDir + " was written with other options:\n  checkpoint: "
                            + s.trajectoryKey() + "\n  now:        " + options.trajectoryKey());
        if (s.dataFingerprint() != data.fingerprint())
            throw new IllegalArgumentException(
                    "the checkpoint in " + checkpointDir + " was written for other training data");
        truncateMetrics(s.step());
    }

    /** Trains until {@code options.steps()} or a stop request; returns true when all steps are done. */
    public boolean run(Listener listener) throws IOException {
        TrainOptions o = options;
        Schedule schedule = o.schedule();
        if (optimizer.step == 0 && (o.evalEvery() > 0)) { // where the run starts from
            ObjectNode m = metric(0, "val");
            validate(m);
            appendMetric(m);
            listener.validation(0, lastValLoss);
        }
        long t0 = System.nanoTime();
        long tokensSince = 0;
        while (optimizer.step < o.steps()) {
            long step = optimizer.step;
            float lr = schedule.at(step);
            grads.zero();
            // targets of the whole step first, to normalise the loss across micro-batches
            int count = 0;
            for (int m = 0; m < o.accum(); m++) {
                data.trainBatch((step * o.accum() + m) * o.batch(), o.batch(), inputs, targets);
                count += TokenDataset.countTargets(targets);
            }
            double loss = 0;
            for (int m = 0; m < o.accum(); m++) {
                data.trainBatch((step * o.accum() + m) * o.batch(), o.batch(), inputs, targets, sequences);
                if (segStarts != null) for (int b = 0; b < o.batch(); b++) data.segStarts(sequences[b], b, segStarts);
                loss += objective.microStep(weights, grads, activations, inputs, targets, sequences, 1f / count);
            }
            loss /= count;
            double norm = AdamW.clipGradNorm(grads, o.clip());
            if (!Double.isFinite(loss) && Double.isNaN(lossEma))
                throw new IllegalStateException("the training loss is " + loss + " at step " + (step + 1)
                        + ", before any finite step: the model's weights or the data give non-finite values;"
                        + " stopped, no model written");
            boolean spike = !Double.isFinite(loss)
                    || !Double.isFinite(norm)
                    || spikeFactor > 0 && step >= 10 && Double.isFinite(lossEma) && loss > spikeFactor * lossEma;
            if (spike) {
                optimizer.step++; // the data moves on; the weights do not
                skippedInARow++;
                if (skippedInARow >= MAX_SKIPS && Checkpoint.exists(checkpointDir)) rollBack();
            } else {
                skippedInARow = 0;
                optimizer.update(grads, lr);
                objective.afterStep(optimizer, lr);
                lossEma = Double.isNaN(lossEma) ? loss : 0.9 * lossEma + 0.1 * loss;
            }
            tokensSince += o.tokensPerStep();
            double tps = tokensSince / ((System.nanoTime() - t0) / 1e9);
            long done = optimizer.step;
            if (peakHeap == 0) { // the live set once everything is allocated: model, gradients, moments, activations
                System.gc();
                peakHeap = Runtime.getRuntime().totalMemory()
                        - Runtime.getRuntime().freeMemory();
            }
            ObjectNode m = metric(done, "train")
                    .put("loss", loss)
                    .put("lr", lr)
                    .put("grad_norm", norm)
                    .put("tokens", done * o.tokensPerStep())
                    .put("tokens_per_s", tps);
            if (spike) m.put("skipped", true);
            objective.stepMetrics().forEach(m::put);
            boolean last = done == o.steps();
            if (last || o.evalEvery() > 0 && done % o.evalEvery() == 0) {
                validate(m);
                listener.validation(done, lastValLoss);
            }
            appendMetric(m);
            listener.step(done, loss, lr, norm, tps);
            if (last || stop.get() || o.checkpointEvery() > 0 && done % o.checkpointEvery() == 0) {
                Checkpoint.save(
                        checkpointDir,
                        weights,
                        optimizer,
                        new Checkpoint.State(
                                done,
                                o.trajectoryKey(),
                                data.fingerprint(),
                                Checkpoint.configJson(weights.config),
                                extraState()));
                listener.checkpoint(done, checkpointDir);
            }
            if (stop.get() && !last) return false;
        }
        return true;
    }

    private java.util.Map<String, float[]> extraState() {
        java.util.Map<String, float[]> extra = new java.util.LinkedHashMap<>(objective.state());
        extra.put("loss_ema", new float[] {(float) lossEma, skippedInARow});
        return extra;
    }

    private void restoreExtra(Checkpoint.State s) {
        float[] ema = s.extra().get("loss_ema");
        if (ema != null) {
            lossEma = ema[0];
            skippedInARow = (int) ema[1];
        }
        objective.restore(s.extra());
    }

    /** Back to the last checkpoint's weights and moments; the step counter (and so the data) goes on. */
    private void rollBack() {
        long step = optimizer.step;
        restoreExtra(Checkpoint.load(checkpointDir, weights, optimizer));
        optimizer.step = step;
        skippedInARow = 0;
        appendMetric(metric(step, "rollback").put("to_checkpoint", true));
    }

    /** Validation loss (and the objective's extra metrics, e.g. KL to the teacher) into m. */
    private void validate(ObjectNode m) {
        java.util.Map<String, Double> extra = new java.util.TreeMap<>();
        lastValLoss = validationLoss(extra);
        m.put("val_loss", lastValLoss);
        extra.forEach(m::put);
    }

    /** Mean cross-entropy over the validation split (or its first valBatches micro-batches). */
    public double validationLoss() {
        return validationLoss(null);
    }

    private double validationLoss(java.util.Map<String, Double> extra) {
        int B = options.batch();
        int batches = (data.valSequences + B - 1) / B;
        if (options.valBatches() > 0) batches = Math.min(batches, options.valBatches());
        double loss = 0;
        long count = 0;
        for (int vb = 0; vb < batches; vb++) {
            java.util.Arrays.fill(targets, dev.topiary.nn.CrossEntropy.IGNORE);
            for (int b = 0; b < B; b++) {
                int i = vb * B + b;
                if (i < data.valSequences) {
                    data.valSequence(i, b, inputs, targets);
                    if (segStarts != null) data.segStarts(data.trainSequences + i, b, segStarts);
                } else {
                    java.util.Arrays.fill(inputs, b * options.seqLen(), (b + 1) * options.seqLen(), 0);
                    if (segStarts != null)
                        java.util.Arrays.fill(segStarts, b * options.seqLen(), (b + 1) * options.seqLen(), 0);
                }
            }
            count += TokenDataset.countTargets(targets);
            loss += LlamaTrain.step(weights, null, activations, inputs, targets, 1f);
            if (extra != null)
                objective
                        .validation(weights, activations, inputs, targets)
                        .forEach((k, v) -> extra.merge(k, v, Double::sum));
        }
        final long n = count;
        if (extra != null) extra.replaceAll((k, v) -> v / n);
        return loss / n;
    }

    public double lastValidationLoss() {
        return lastValLoss;
    }

    /** Heap in use after the first step (after a collection): what training needs, garbage excluded. */
    public long peakHeapBytes() {
        return peakHeap;
    }

    public long activationBytes() {
        return activations.bytes();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private ObjectNode metric(long step, String kind) {
        return JSON.createObjectNode().put("step", step).put("kind", kind);
    }

    private void appendMetric(ObjectNode m) {
        if (metricsFile == null) return;
        try (Writer wr = Files.newBufferedWriter(
                metricsFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            wr.write(JSON.writeValueAsString(m));
            wr.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** On resume: drop metric lines of steps after the checkpoint (they will be recomputed). */
    private void truncateMetrics(long step) {
        if (metricsFile == null || !Files.exists(metricsFile)) return;
        try {
            List<String> keep = new ArrayList<>();
            for (String line : Files.readAllLines(metricsFile)) {
                if (line.isBlank()) continue;
                try {
                    if (JSON.readTree(line).path("step").asLong() <= step) keep.add(line);
                } catch (IOException e) {
                    // a torn last line from a crash: drop it
                }
            }
            dev.topiary.format.AtomicFiles.write(metricsFile, tmp -> Files.write(tmp, keep));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
