package dev.topiary.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.io.DType;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaTrain;
import dev.topiary.model.LlamaWeights;
import dev.topiary.nn.CrossEntropy;
import dev.topiary.prune.PruneTarget;
import dev.topiary.prune.Scores;
import dev.topiary.prune.Surgery;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Architecture search with a short retraining of every candidate (Minitron, spec section 6): the
 * zero-shot loss of a freshly pruned model ranks candidates badly, a few hundred steps of
 * distillation fix the ranking. For each candidate, one after another:
 * <pre>
 *   prune      the teacher to the shape with the shared importance scores (layers by Block Influence)
 *   zero-shot  mean cross-entropy on the held-out split
 *   retrain    logit KD (forward KL, tau 1) from the teacher for the same token budget, with the same
 *              seed, schedule and data order for every candidate
 *   retrained  mean cross-entropy on the held-out split again
 * </pre>
 * The held-out split is the dataset's validation split (its last sequences): the retraining never
 * sees it, and calibration ({@link dev.topiary.prune.Calibration}) never draws from the corpus' tail.
 *
 * <p>Resumable: each finished candidate is a JSON file in {@code dir/candidates/}, keyed by the
 * settings, the teacher, the scores and the data; a candidate interrupted during its retraining
 * continues from its checkpoint. Results of another search in the same folder are refused.
 */
public final class CandidateSearch {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How each candidate is retrained: {@code retrainTokens} 0 ranks zero-shot only. Steps are
     * tokens / (seqLen x batch), rounded up; cosine schedule from lr to lr/10 after steps/20 warmup.
     */
    public record Settings(long retrainTokens, int seqLen, int batch, float lr, long seed) {
        public Settings {
            if (retrainTokens < 0)
                throw new IllegalArgumentException("--retrain-tokens must be >= 0, got " + retrainTokens);
            if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }

        public int steps() {
            long perStep = (long) seqLen * batch;
            return retrainTokens == 0 ? 0 : (int) Math.max(1, (retrainTokens + perStep - 1) / perStep);
        }

        /** Tokens each candidate actually trains on (whole steps). */
        public long tokensPerCandidate() {
            return (long) steps() * seqLen * batch;
        }

        TrainOptions trainOptions() {
            int n = steps();
            return TrainOptions.defaults()
                    .withSeqLen(seqLen)
                    .withBatch(batch)
                    .withSeed(seed)
                    .withSchedule(n, lr)
                    .withEvalEvery(0)
                    .withValBatches(0)
                    .withCheckpointEvery(Math.max(1, n / 4));
        }
    }

    /** One candidate: its held-out loss after pruning and after retraining (NaN when not retrained). */
    public record Result(LlamaConfig shape, double zeroShot, double retrained, long tokens, double seconds) {}

    private final LlamaWeights teacher;
    private final Scores scores;
    private final TokenDataset data;
    private final Settings settings;
    private final Path dir;
    private final Consumer<String> log;
    private final String key;
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile TrainingRun current;
    /** Tests only: stop (as a signal would) after this many candidates were evaluated in this call (-1: never). */
    int stopAfterCandidatesForTests = -1;
    /** Tests only: stop the retraining of a candidate after this many steps (-1: never). */
    long stopAfterStepsForTests = -1;

    public CandidateSearch(
            LlamaWeights teacher, Scores scores, TokenDataset data, Settings settings, Path dir, Consumer<String> log) {
        if (data.valSequences < 1) throw new IllegalArgumentException("the search needs held-out sequences to rank on");
        this.teacher = teacher;
        this.scores = scores;
        this.data = data;
        this.settings = settings;
        this.dir = dir;
        this.log = log;
        long scoreHash = Arrays.hashCode(scores.hidden()) * 31L + Arrays.hashCode(scores.blockInfluence());
        for (double[] r : scores.neurons()) scoreHash = 31 * scoreHash + Arrays.hashCode(r);
        for (double[] r : scores.heads()) scoreHash = 31 * scoreHash + Arrays.hashCode(r);
        this.key = settings + " teacher=" + Long.toHexString(TeacherCache.hash(teacher)) + " scores="
                + Long.toHexString(scoreHash)
                + " data=" + Long.toHexString(data.fingerprint());
    }

    /** Stops after the current step (the candidate's checkpoint is written); run again to continue. */
    public void requestStop() {
        stop.set(true);
        TrainingRun t = current;
        if (t != null) t.requestStop();
    }

    /** The file name of a candidate's results. */
    public static String name(LlamaConfig c) {
        return "h" + c.hidden() + "-f" + c.intermediate() + "-l" + c.layers() + "-a" + c.heads();
    }

    /**
     * Evaluates the candidates not done yet, in order; returns the results of all of them, or
     * null when stopped before the last one.
     */
    public List<Result> run(List<LlamaConfig> candidates) throws Exception {
        Path folder = dir.resolve("candidates");
        Files.createDirectories(folder);
        List<Result> out = new ArrayList<>();
        int evaluated = 0;
        for (int i = 0; i < candidates.size(); i++) {
            LlamaConfig c = candidates.get(i);
            Path file = folder.resolve(name(c) + ".json");
            Result earlier = read(file);
            if (earlier != null) {
                out.add(earlier);
                log.accept(String.format(
                        "candidate %d/%d %s: done earlier, zero-shot %.4f%s",
                        i + 1,
                        candidates.size(),
                        name(c),
                        earlier.zeroShot(),
                        Double.isNaN(earlier.retrained())
                                ? ""
                                : String.format(", retrained %.4f", earlier.retrained())));
                continue;
            }
            boolean testStop = stopAfterCandidatesForTests >= 0 && evaluated >= stopAfterCandidatesForTests;
            if (stop.get() || testStop) return null;
            Result r = evaluate(c, folder);
            if (r == null) return null;
            ObjectNode n = JSON.createObjectNode()
                    .put("key", key)
                    .put("hidden", c.hidden())
                    .put("ffn", c.intermediate())
                    .put("layers", c.layers())
                    .put("heads", c.heads())
                    .put("params", c.parameterCount())
                    .put("zero_shot_loss", r.zeroShot())
                    .put("tokens", r.tokens())
                    .put("seconds", r.seconds());
            if (!Double.isNaN(r.retrained())) n.put("retrained_loss", r.retrained());
            HfCheckpoint.writeJson(file, n);
            out.add(r);
            evaluated++;
            log.accept(String.format(
                    "candidate %d/%d %s: %,d parameters, zero-shot %.4f%s (%.1f s)",
                    i + 1,
                    candidates.size(),
                    name(c),
                    c.parameterCount(),
                    r.zeroShot(),
                    Double.isNaN(r.retrained())
                            ? ""
                            : String.format(", after %,d tokens of KD %.4f", r.tokens(), r.retrained()),
                    r.seconds()));
        }
        return out;
    }

    private Result read(Path file) throws IOException {
        if (!Files.exists(file)) return null;
        JsonNode n = JSON.readTree(file.toFile());
        if (!key.equals(n.path("key").asText()))
            throw new IllegalArgumentException(dir + " holds results of another search (" + file.getFileName()
                    + "):\n  there: "
                    + n.path("key").asText() + "\n  now:   " + key + "\nchoose another --out, or delete "
                    + dir.resolve("candidates"));
        LlamaConfig shape = teacher.config.withShape(
                n.get("hidden").asInt(),
                n.get("ffn").asInt(),
                n.get("layers").asInt(),
                n.get("heads").asInt());
        return new Result(
                shape,
                n.get("zero_shot_loss").asDouble(),
                n.has("retrained_loss") ? n.get("retrained_loss").asDouble() : Double.NaN,
                n.get("tokens").asLong(),
                n.get("seconds").asDouble());
    }

    private Result evaluate(LlamaConfig c, Path folder) throws Exception {
        long t0 = System.nanoTime();
        LlamaWeights student = prune(teacher, scores, c);
        double zeroShot = heldOutLoss(student, data, settings.batch());
        if (settings.retrainTokens() == 0)
            return new Result(c, zeroShot, Double.NaN, 0, (System.nanoTime() - t0) / 1e9);
        TrainOptions o = settings.trainOptions();
        Path ckpt = folder.resolve(name(c) + ".checkpoint"), metrics = folder.resolve(name(c) + ".metrics.jsonl");
        var kd = new Distiller(
                teacher,
                c.hidden(),
                Math.min(c.vocab(), teacher.config.vocab()),
                new Distiller.Options(
                        1f, Distiller.Kind.FORWARD, 0, 0f, Distiller.Intermediate.NONE, new int[0][], settings.seed()),
                null);
        TrainingRun t = new TrainingRun(
                new TrainingRun.Folder(folder, ckpt, metrics, null),
                TrainingRun.Start.CONTINUE,
                Trainer.DEFAULT_SPIKE_FACTOR,
                DType.F32);
        current = t;
        if (stop.get()) t.requestStop();
        TrainingRun.Result r = t.run(student, data, o, kd, null, new TrainingRun.Listener() {
            @Override
            public void started(Trainer trainer, boolean resumed) {
                if (resumed) log.accept("  resuming " + name(c) + " at step " + trainer.step() + " of " + o.steps());
            }

            @Override
            public void step(long step, double loss, float lr, double gradNorm, double tps) {
                if (step == stopAfterStepsForTests) t.requestStop();
            }
        });
        current = null;
        if (!r.finished()) return null;
        double retrained = r.validationLoss();
        try (var files = Files.list(ckpt)) {
            for (Path p : files.toList()) Files.delete(p);
        }
        Files.delete(ckpt);
        return new Result(c, zeroShot, retrained, settings.tokensPerCandidate(), (System.nanoTime() - t0) / 1e9);
    }

    /** The teacher cut to a candidate's shape with the scores (layers: highest Block Influence). */
    public static LlamaWeights prune(LlamaWeights w, Scores s, LlamaConfig shape) {
        var target = new PruneTarget(shape.hidden(), shape.intermediate(), shape.heads(), shape.layers(), null);
        return Surgery.apply(w, target.keep(w.config, s));
    }

    /**
     * Mean next-token cross-entropy over the dataset's validation split, batched as in training
     * (the same number {@link Trainer} reports as validation loss).
     */
    public static double heldOutLoss(LlamaWeights w, TokenDataset ds, int batch) {
        int T = ds.seqLen;
        var a = new LlamaTrain.Activations(w.config, batch, T);
        int[] inputs = new int[batch * T], targets = new int[batch * T];
        double loss = 0;
        long count = 0;
        for (int v0 = 0; v0 < ds.valSequences; v0 += batch) {
            Arrays.fill(targets, CrossEntropy.IGNORE);
            Arrays.fill(inputs, 0);
            for (int b = 0; b < batch && v0 + b < ds.valSequences; b++) ds.valSequence(v0 + b, b, inputs, targets);
            count += TokenDataset.countTargets(targets);
            loss += LlamaTrain.step(w, null, a, inputs, targets, 1f);
        }
        return loss / count;
    }

    /** Best first by zero-shot loss. */
    public static List<Result> byZeroShot(List<Result> results) {
        return results.stream()
                .sorted(Comparator.comparingDouble(Result::zeroShot))
                .toList();
    }

    /** Best first by loss after retraining. */
    public static List<Result> byRetrained(List<Result> results) {
        return results.stream()
                .sorted(Comparator.comparingDouble(Result::retrained))
                .toList();
    }

    /**
     * The search as JSON (search.json): both rankings, the winner (by the retrained loss when there
     * was retraining), tokens and time. {@code candidates} repeats the final ranking with
     * {@code val_loss} for the report.
     */
    public ObjectNode summary(List<Result> results, ObjectNode header) {
        boolean retrained = settings.retrainTokens() > 0;
        ObjectNode n = header.deepCopy();
        n.put("format", "topiary-search/1");
        n.put(
                "ranking",
                retrained
                        ? "held-out loss after " + settings.tokensPerCandidate() + " tokens of logit KD per candidate"
                        : "zero-shot held-out loss (no retraining)");
        n.putObject("held_out")
                .put("sequences", data.valSequences)
                .put("tokens", (long) data.valSequences * data.seqLen)
                .put("what", "the last sequences of the data: not trained on, and outside the calibration range");
        n.putObject("retrain")
                .put("tokens_per_candidate", settings.tokensPerCandidate())
                .put("steps", settings.steps())
                .put("seq_len", settings.seqLen())
                .put("batch", settings.batch())
                .put("lr", settings.lr())
                .put("seed", settings.seed())
                .put("loss", "forward KL on logits, tau 1");
        List<Result> zero = byZeroShot(results), best = retrained ? byRetrained(results) : zero;
        rows(n.putArray("zero_shot"), zero, false);
        if (retrained) rows(n.putArray("retrained"), best, true);
        rows(n.putArray("candidates"), best, retrained);
        n.set("winner", n.get("candidates").get(0));
        n.put("tokens_total", results.stream().mapToLong(Result::tokens).sum());
        n.put("seconds_total", results.stream().mapToDouble(Result::seconds).sum());
        return n;
    }

    private static void rows(com.fasterxml.jackson.databind.node.ArrayNode a, List<Result> ranked, boolean retrained) {
        for (int r = 0; r < ranked.size(); r++) {
            Result x = ranked.get(r);
            ObjectNode o = a.addObject()
                    .put("rank", r + 1)
                    .put("hidden", x.shape().hidden())
                    .put("ffn", x.shape().intermediate())
                    .put("layers", x.shape().layers())
                    .put("heads", x.shape().heads())
                    .put("params", x.shape().parameterCount())
                    .put("zero_shot_loss", x.zeroShot());
            if (!Double.isNaN(x.retrained())) o.put("retrained_loss", x.retrained());
            o.put("val_loss", retrained ? x.retrained() : x.zeroShot())
                    .put("tokens", x.tokens())
                    .put("seconds", x.seconds());
        }
    }

    /** Both rankings side by side, as printed by {@code topiary search}. */
    public static String table(List<Result> results) {
        boolean retrained = results.stream().noneMatch(r -> Double.isNaN(r.retrained()));
        List<Result> zero = byZeroShot(results), best = retrained ? byRetrained(results) : zero;
        StringBuilder b = new StringBuilder(String.format(
                "%4s %7s %7s %6s %5s %14s %10s %5s%s%n",
                "rank",
                "hidden",
                "ffn",
                "layers",
                "heads",
                "parameters",
                "zero-shot",
                "(rank)",
                retrained ? String.format(" %10s %8s", "retrained", "seconds") : ""));
        for (int r = 0; r < best.size(); r++) {
            Result x = best.get(r);
            b.append(String.format(
                    "%4d %7d %7d %6d %5d %,14d %10.4f %5s%s%n",
                    r + 1,
                    x.shape().hidden(),
                    x.shape().intermediate(),
                    x.shape().layers(),
                    x.shape().heads(),
                    x.shape().parameterCount(),
                    x.zeroShot(),
                    "(" + (zero.indexOf(x) + 1) + ")",
                    retrained ? String.format(" %10.4f %8.1f", x.retrained(), x.seconds()) : ""));
        }
        return b.toString();
    }
}
