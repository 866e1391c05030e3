package dev.topiary.recipe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.distill.CandidateSearch;
import dev.topiary.distill.Distiller;
import dev.topiary.distill.Vocabularies;
import dev.topiary.eval.Corpus;
import dev.topiary.eval.HeldOut;
import dev.topiary.eval.ReadBack;
import dev.topiary.generate.Greedy;
import dev.topiary.io.DType;
import dev.topiary.io.GgufExport;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.MappedModel;
import dev.topiary.io.Models;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.Weights;
import dev.topiary.prune.Calibration;
import dev.topiary.prune.Importance;
import dev.topiary.prune.PruneTarget;
import dev.topiary.prune.Scores;
import dev.topiary.prune.Search;
import dev.topiary.prune.StreamingSurgery;
import dev.topiary.prune.Surgery;
import dev.topiary.report.ModelCard;
import dev.topiary.report.Report;
import dev.topiary.tokenizer.Tokenizer;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingRun;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The Minitron recipe as one resumable pipeline over a run folder:
 * <pre>
 *   correct    (optional) fine-tune the teacher on the data           correct/   (a train run; model in correct/model)
 *   importance one calibration pass over the (corrected) teacher       scores.json
 *   prune      a fixed shape, or the best candidate of a search        search.json, search/ (if searching), pruned/
 *              (each candidate briefly distilled before ranking, unless searchRetrainTokens is 0)
 *   distill    logit KD from the (corrected) teacher into the student  distill/   (a train run; model in distill/model)
 *   evaluate   teacher and student: size, loss, perplexity, cloze accuracy, speed, samples   eval.json
 *   export     the student as a Hugging Face folder with a model card   export/
 *   report     one self-contained HTML page and metrics.json           report.html, metrics.json
 * </pre>
 * The stages ({@link #stages()}) run by a {@link StageRunner}: each writes its artifact atomically and is
 * recorded in state.json with its fingerprint when done; running the same plan again skips finished stages and
 * resumes an interrupted training stage ({@link TrainingRun}) from its checkpoint. A different plan, or edited
 * data, over the same folder is refused. Evaluation is {@link HeldOut}, the samples {@link Greedy}, the report
 * {@link Report}.
 */
public final class Compress {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Everything that defines a run; serialised into state.json. */
    public record Plan(
            String model,
            List<String> data,
            Integer hidden,
            Integer ffn,
            Integer heads,
            Integer layers,
            Long targetParams,
            int candidates,
            long correctTokens,
            long distillTokens,
            int calibSamples,
            int seqLen,
            int batch,
            float lr,
            int evalItems,
            long seed,
            Long searchRetrainTokens) {
        /** A plan with the default search budget. */
        public Plan(
                String model,
                List<String> data,
                Integer hidden,
                Integer ffn,
                Integer heads,
                Integer layers,
                Long targetParams,
                int candidates,
                long correctTokens,
                long distillTokens,
                int calibSamples,
                int seqLen,
                int batch,
                float lr,
                int evalItems,
                long seed) {
            this(
                    model,
                    data,
                    hidden,
                    ffn,
                    heads,
                    layers,
                    targetParams,
                    candidates,
                    correctTokens,
                    distillTokens,
                    calibSamples,
                    seqLen,
                    batch,
                    lr,
                    evalItems,
                    seed,
                    null);
        }

        /** Tokens of KD per search candidate: as given, or by default 5% of the distillation tokens (at least one step). */
        public long searchTokens() {
            return searchRetrainTokens != null
                    ? searchRetrainTokens
                    : Math.max((long) seqLen * batch, distillTokens / 20);
        }

        public Plan {
            if (seqLen < 8) throw new IllegalArgumentException("--seq-len must be at least 8, got " + seqLen);
            if (distillTokens < 1)
                throw new IllegalArgumentException("--distill-tokens must be positive, got " + distillTokens);
            if (targetParams == null && hidden == null && ffn == null && heads == null && layers == null)
                throw new IllegalArgumentException(
                        "give a target: --target-params, or a shape (--hidden, --ffn, --heads, --layers)");
        }

        /** Fields a plan file may leave out: the target shape (one of them, or targetParams, is needed). */
        private static final List<String> OPTIONAL =
                List.of("searchRetrainTokens", "hidden", "ffn", "heads", "layers", "targetParams");

        /**
         * Reads a plan file (the record's fields as JSON), refusing unknown or missing fields and
         * values of the wrong type with a line naming the file and the field.
         */
        public static Plan read(Path file) throws IOException {
            JsonNode n;
            try {
                n = JSON.readTree(dev.topiary.format.TextFiles.read(file));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ": not valid JSON (line "
                        + e.getLocation().getLineNr() + ": " + e.getOriginalMessage() + ")");
            }
            if (n == null || !n.isObject())
                throw new IllegalArgumentException(file + ": a plan is a JSON object of fields");
            List<String> fields = Arrays.stream(Plan.class.getRecordComponents())
                    .map(RecordComponent::getName)
                    .toList();
            for (var it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!fields.contains(f))
                    throw new IllegalArgumentException(
                            file + ": unknown field '" + f + "'; a plan has " + String.join(", ", fields));
            }
            List<String> required =
                    fields.stream().filter(f -> !OPTIONAL.contains(f)).toList();
            for (String f : required)
                if (!n.hasNonNull(f))
                    throw new IllegalArgumentException(
                            file + ": missing field '" + f + "'; a plan needs " + String.join(", ", required));
            try {
                return JSON.copy()
                        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                        .treeToValue(n, Plan.class);
            } catch (ValueInstantiationException e) {
                String why = e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage();
                throw new IllegalArgumentException(file + ": " + why);
            } catch (JsonMappingException e) {
                String field =
                        e.getPath().isEmpty() ? "?" : e.getPath().getFirst().getFieldName();
                throw new IllegalArgumentException(file + ": field '" + field + "' has the wrong type (got "
                        + n.get(field) + "); see topiary compress --help for the fields");
            }
        }
    }

    private final Plan plan;
    private final Path run;
    private final Consumer<String> log;
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile TrainingRun current;
    private volatile CandidateSearch currentSearch;
    /** Tests only: stop the distill stage after this many steps, as a signal would (-1: never). */
    long stopDistillAfterForTests = -1;

    public Compress(Plan plan, Path run, Consumer<String> log) {
        this.plan = plan;
        this.run = run;
        this.log = log;
    }

    /** Asks the running stage to stop at its next checkpoint (signal handlers, --max-time). */
    public void requestStop() {
        stop.set(true);
        TrainingRun t = current;
        if (t != null) t.requestStop();
        CandidateSearch cs = currentSearch;
        if (cs != null) cs.requestStop();
    }

    /** The recipe's stages, each with the stages it reads and the artifact it writes. */
    List<Stage> stages() {
        return List.of(
                new Stage("correct", List.of(), plan.correctTokens() > 0 ? "correct/model" : null, this::correct),
                new Stage("importance", List.of("correct"), "scores.json", this::importance),
                new Stage("prune", List.of("correct", "importance"), "pruned", this::prune),
                new Stage("distill", List.of("correct", "prune"), "distill/model", this::distill),
                new Stage("evaluate", List.of("correct", "distill"), "eval.json", this::evaluate),
                new Stage("export", List.of("distill", "evaluate"), "export", this::export),
                new Stage(
                        "report",
                        List.of("correct", "importance", "prune", "distill", "evaluate"),
                        "report.html",
                        this::report));
    }

    /** Runs the remaining stages; returns false if stopped before the end. */
    public boolean run() throws Exception {
        Files.createDirectories(run);
        ObjectNode state = readState();
        String fingerprint = StageRunner.sha256(state.get("plan") + " " + state.get("data_sha256"));
        return new StageRunner(run, state, log, stop::get).run(stages(), fingerprint);
    }

    /**
     * The run's state.json: the plan, the SHA-256 of each data file's content, the finished stages.
     * Finished stages are reused only for the same plan over the same data: an edited data file (even
     * in place, under the same name) is refused, as is another plan.
     */
    private ObjectNode readState() throws IOException {
        Path f = run.resolve("state.json");
        JsonNode p = JSON.readTree(JSON.writeValueAsString(plan)); // as it reads back from the file (floats as doubles)
        ObjectNode hashes = JSON.createObjectNode();
        for (String d : plan.data()) hashes.put(d, sha256(Path.of(d)));
        if (Files.exists(f)) {
            ObjectNode s;
            try {
                s = (ObjectNode) JSON.readTree(f.toFile());
            } catch (IOException | ClassCastException e) {
                throw new IllegalArgumentException(f + ": not a state.json of topiary compress (" + e.getMessage()
                        + "); choose another --out, or delete it to start over");
            }
            if (s.get("plan") == null || !s.get("plan").equals(p))
                throw new IllegalArgumentException(run + " holds a run of another plan:\n  there: " + s.get("plan")
                        + "\n  now:   " + p + "\nchoose another --out, or delete " + f + " to start over");
            JsonNode before = s.get("data_sha256");
            if (before != null) {
                for (String d : plan.data())
                    if (!hashes.get(d).equals(before.get(d)))
                        throw new IllegalArgumentException(d + " changed since the stages in " + run
                                + " were made from it (SHA-256 " + shortHash(before.get(d)) + " then, "
                                + shortHash(hashes.get(d)) + " now); their results would not match it:"
                                + " choose another --out, or delete " + run
                                + " to start over");
            } else {
                s.set("data_sha256", hashes); // a run from before data hashes: from now on
            }
            return s;
        }
        ObjectNode s = JSON.createObjectNode();
        s.set("plan", p);
        s.set("data_sha256", hashes);
        s.putArray("done");
        HfCheckpoint.writeJson(f, s);
        return s;
    }

    private static String shortHash(JsonNode h) {
        return h == null
                ? "none"
                : h.asText().substring(0, Math.min(12, h.asText().length()));
    }

    /** SHA-256 of a file's content, in hex. */
    static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- stages --------------------------------------------------------------------------------

    private List<Path> data() {
        return plan.data().stream().map(Path::of).toList();
    }

    /** The teacher: the corrected one when correction ran. */
    private Path teacherPath() {
        return plan.correctTokens() > 0 ? run.resolve("correct/model") : Path.of(plan.model());
    }

    private TrainOptions trainOptions(long tokens, float lr) {
        TrainOptions o = TrainOptions.defaults()
                .withSeqLen(plan.seqLen())
                .withBatch(plan.batch())
                .withSeed(plan.seed());
        int steps = o.stepsFor(tokens);
        return o.withSchedule(steps, lr)
                .withEvalEvery(Math.max(1, steps / 10))
                .withValBatches(10)
                .withCheckpointEvery(Math.max(10, steps / 5));
    }

    /** Runs (or resumes) a training run in dir; writes dir/model when complete. */
    private boolean train(
            Path dir,
            LlamaWeights w,
            TokenDataset ds,
            TrainOptions o,
            Objective objective,
            Path tokenizerSource,
            long stopAfter)
            throws Exception {
        TrainingRun t = TrainingRun.continuing(dir);
        current = t;
        if (stop.get()) t.requestStop();
        TrainingRun.Result r = t.run(w, ds, o, objective, tokenizerSource, new TrainingRun.Listener() {
            long last = System.nanoTime();

            @Override
            public void planned(dev.topiary.train.MemoryPlan plan) {
                log.accept("  memory plan: " + plan);
            }

            @Override
            public void started(Trainer trainer, boolean resumed) {
                if (resumed) log.accept("  resuming at step " + trainer.step() + " of " + o.steps());
            }

            @Override
            public void step(long step, double loss, float lr, double gradNorm, double tps) {
                if (step == stopAfter) t.requestStop();
                if (System.nanoTime() - last > 10e9 || step == o.steps()) {
                    last = System.nanoTime();
                    log.accept(String.format("  step %d/%d loss %.4f %.0f tok/s", step, o.steps(), loss, tps));
                }
            }

            @Override
            public void validation(long step, double loss) {
                log.accept(String.format("  step %d validation loss %.4f", step, loss));
            }
        });
        current = null;
        return r.finished();
    }

    private boolean correct() throws Exception {
        if (plan.correctTokens() <= 0) return true;
        try (Models.Loaded m = Models.load(Path.of(plan.model()))) {
            TrainOptions o = trainOptions(plan.correctTokens(), plan.lr() / 4);
            TokenDataset ds = TokenDataset.load(data(), "text", m.requireTokenizer(), o.seqLen(), 0.05, o.seed());
            return train(
                    run.resolve("correct"),
                    m.requireWeights(),
                    ds,
                    o,
                    Objective.CROSS_ENTROPY,
                    Path.of(plan.model()),
                    -1);
        }
    }

    private boolean importance() throws Exception {
        try (Models.Loaded t = Models.load(teacherPath())) {
            return importance(t);
        }
    }

    private boolean importance(Models.Loaded t) throws Exception {
        List<int[]> cal = Calibration.samples(
                data().getLast(), "text", t.requireTokenizer(), plan.calibSamples(), plan.seqLen(), plan.seed());
        Scores s = Importance.score(
                t.inference(),
                cal,
                dev.topiary.prune.Aggregation.Seq.MEAN_ABS,
                dev.topiary.prune.Aggregation.Batch.L2,
                t.config().toHfJson("float32"),
                data().getLast().toString(),
                null);
        s.write(run.resolve("scores.json"));
        log.accept("  " + cal.size() + " calibration samples of " + plan.seqLen() + " tokens");
        return true;
    }

    private boolean prune() throws Exception {
        try (Models.Loaded t = Models.load(teacherPath())) {
            return prune(t);
        }
    }

    private boolean prune(Models.Loaded t) throws Exception {
        LlamaConfig c = t.config();
        Scores s = Scores.read(run.resolve("scores.json"));
        PruneTarget target;
        if (plan.targetParams() != null) {
            LlamaConfig best = search(t.requireWeights(), t.requireTokenizer(), s);
            if (best == null) return false;
            target = new PruneTarget(best.hidden(), best.intermediate(), best.heads(), best.layers(), null);
        } else {
            target = new PruneTarget(plan.hidden(), plan.ffn(), plan.heads(), plan.layers(), null);
        }
        Surgery.Keep keep = target.keep(c, s);
        Path out = run.resolve("pruned"); // streamed from the mapped teacher: the teacher is never widened to fp32 here
        LlamaConfig pc =
                dev.topiary.prune.StreamingSurgery.write(t.inference(), keep, out, DType.F32, 0, teacherPath());
        ObjectNode rec = JSON.createObjectNode();
        rec.set("kept_layers", JSON.valueToTree(keep.layers()));
        rec.put("parameters_before", c.parameterCount()).put("parameters_after", pc.parameterCount());
        HfCheckpoint.writeJson(out.resolve("pruning.json"), rec);
        log.accept(String.format("  %,d -> %,d parameters", c.parameterCount(), pc.parameterCount()));
        return true;
    }

    /** The search stage: candidates of the plan's budget, each (by default) briefly distilled, ranked on held-out text. */
    private LlamaConfig search(LlamaWeights w, Tokenizer tok, Scores s) throws Exception {
        LlamaConfig c = w.config;
        Search.Space space = Search.Space.defaults(c, plan.targetParams(), 0.5, 0.5, null, null, null, null);
        List<LlamaConfig> all = Search.candidates(c, space);
        if (all.isEmpty()) throw new IllegalArgumentException("no shape fits --target-params " + plan.targetParams());
        List<LlamaConfig> picked = all.subList(0, Math.min(plan.candidates(), all.size()));
        TokenDataset ds = TokenDataset.load(data(), "text", tok, plan.seqLen(), 0.05, plan.seed());
        var settings =
                new CandidateSearch.Settings(plan.searchTokens(), plan.seqLen(), plan.batch(), plan.lr(), plan.seed());
        log.accept("  " + all.size() + " shapes fit; " + space.describe(c));
        log.accept(
                plan.searchTokens() > 0
                        ? String.format(
                                "  the %d largest, each distilled for %,d tokens, ranked on held-out text",
                                picked.size(), settings.tokensPerCandidate())
                        : "  the " + picked.size() + " largest, ranked zero-shot (no retraining)");
        CandidateSearch search =
                new CandidateSearch(w, s, ds, settings, run.resolve("search"), l -> log.accept("  " + l));
        currentSearch = search;
        if (stop.get()) search.requestStop();
        List<CandidateSearch.Result> results = search.run(picked);
        currentSearch = null;
        if (results == null) return null;
        ObjectNode header = JSON.createObjectNode()
                .put("model", plan.model())
                .put("target_params", plan.targetParams())
                .put("shapes_in_budget", all.size())
                .put("space", space.describe(c))
                .put("source_params", c.parameterCount());
        ObjectNode summary = search.summary(results, header);
        HfCheckpoint.writeJson(run.resolve("search.json"), summary);
        JsonNode win = summary.get("winner");
        log.accept(String.format(
                "  best (%s): hidden %d ffn %d heads %d layers %d",
                summary.get("ranking").asText(),
                win.get("hidden").asInt(),
                win.get("ffn").asInt(),
                win.get("heads").asInt(),
                win.get("layers").asInt()));
        return c.withShape(
                win.get("hidden").asInt(),
                win.get("ffn").asInt(),
                win.get("layers").asInt(),
                win.get("heads").asInt());
    }

    private boolean distill() throws Exception {
        try (Models.Loaded teacher = Models.load(teacherPath());
                Models.Loaded student = Models.load(run.resolve("pruned"))) {
            return distill(teacher, student);
        }
    }

    private boolean distill(Models.Loaded teacher, Models.Loaded student) throws Exception {
        int vocab = Vocabularies.shared(teacher, student);
        TrainOptions o = trainOptions(plan.distillTokens(), plan.lr());
        TokenDataset ds = TokenDataset.load(data(), "text", student.requireTokenizer(), o.seqLen(), 0.05, o.seed());
        var d = new Distiller(
                teacher.inference(),
                student.config().hidden(),
                vocab,
                new Distiller.Options(
                        1f, Distiller.Kind.FORWARD, 0, 0f, Distiller.Intermediate.NONE, new int[0][], plan.seed()),
                null);
        return train(
                run.resolve("distill"),
                student.requireWeights(),
                ds,
                o,
                d,
                run.resolve("pruned"),
                stopDistillAfterForTests);
    }

    private boolean evaluate() throws Exception {
        String text = Corpus.read(data().getLast(), "text", Long.MAX_VALUE).getLast();
        String heldOut = text.substring((int) (text.length() * 0.95));
        ObjectNode out = JSON.createObjectNode();
        try (Models.Loaded teacher = Models.load(teacherPath())) {
            out.set("teacher", evaluate(teacher, heldOut));
        }
        try (Models.Loaded student = Models.load(run.resolve("distill/model"))) {
            out.set("student", evaluate(student, heldOut));
        }
        HfCheckpoint.writeJson(run.resolve("eval.json"), out);
        for (String who : List.of("teacher", "student")) {
            JsonNode e = out.get(who);
            log.accept(String.format(
                    "  %-7s %,d parameters, loss %.4f, perplexity %.3f, cloze accuracy %.3f, %.0f tokens/s prefill",
                    who,
                    e.get("params").asLong(),
                    e.get("val_loss").asDouble(),
                    e.get("perplexity").asDouble(),
                    e.get("cloze_acc").asDouble(),
                    e.get("prefill_tokens_per_s").asDouble()));
        }
        return true;
    }

    private ObjectNode evaluate(Models.Loaded m, String heldOut) {
        dev.topiary.model.Weights w = m.inference();
        Tokenizer tok = m.requireTokenizer();
        HeldOut.Result r = HeldOut.evaluate(w, tok, heldOut, plan.seqLen(), plan.evalItems(), plan.seed());
        ObjectNode n = JSON.createObjectNode()
                .put("params", r.params())
                .put("val_loss", r.valLoss())
                .put("perplexity", r.perplexity())
                .put("cloze_items", r.clozeItems())
                .put("cloze_acc", r.clozeAccuracy())
                .put("prefill_tokens_per_s", r.prefillTokensPerSecond());
        ArrayNode samples = n.putArray("samples");
        for (String prompt : List.of("Once upon a time", "One day,", "The little"))
            samples.add(Greedy.continuation(w, tok, prompt, 48));
        return n;
    }

    /**
     * The distilled model as an HF folder and a GGUF file, each streamed tensor by tensor from the mapped
     * model (nothing is widened to an fp32 copy on the heap) and read back through its own reader, the
     * logits compared with the distilled model's.
     */
    private boolean export() throws Exception {
        Path out = run.resolve("export");
        Path distilled = run.resolve("distill/model");
        try (Models.Loaded m = Models.load(distilled)) {
            Weights w = m.inference();
            Tokenizer tok = m.requireTokenizer();
            LlamaConfig c = m.config();
            StreamingSurgery.write(
                    w,
                    Surgery.all(
                            c, java.util.stream.IntStream.range(0, c.layers()).toArray()),
                    out,
                    DType.F32,
                    0,
                    distilled);
            JsonNode eval = JSON.readTree(run.resolve("eval.json").toFile());
            String card = ModelCard.text(run.getFileName().toString(), recipe(), c, eval);
            dev.topiary.format.AtomicFiles.writeString(out.resolve("README.md"), card);
            ReadBack hf;
            try (MappedModel back = MappedModel.openHf(out)) {
                hf = ReadBack.compare(w, back, tok);
            }
            log.accept("  wrote " + out + "; read back: " + hf);
            Path gguf = out.resolve("model.gguf");
            GgufExport.write(
                    gguf,
                    w,
                    tok,
                    dev.topiary.format.GgmlType.F32,
                    run.getFileName().toString());
            ReadBack gg;
            try (MappedModel back = MappedModel.openGguf(gguf)) {
                gg = ReadBack.compare(w, back, tok);
            }
            log.accept("  wrote " + gguf + "; read back: " + gg);
            ObjectNode rb = JSON.createObjectNode();
            rb.putObject("hf")
                    .put("max_abs_diff", hf.maxAbsDiff())
                    .put("top1_agree", hf.agree())
                    .put("positions", hf.positions());
            rb.putObject("gguf")
                    .put("max_abs_diff", gg.maxAbsDiff())
                    .put("top1_agree", gg.agree())
                    .put("positions", gg.positions());
            HfCheckpoint.writeJson(out.resolve("readback.json"), rb);
        }
        return true;
    }

    /** What the report and the model card say of the plan. */
    private Report.Recipe recipe() {
        return new Report.Recipe(
                plan.model(),
                plan.data(),
                plan.calibSamples(),
                plan.seqLen(),
                plan.correctTokens(),
                plan.distillTokens());
    }

    private boolean report() throws Exception {
        Report.write(run, recipe());
        log.accept("  wrote " + run.resolve("report.html") + " and " + run.resolve("metrics.json"));
        return true;
    }
}
