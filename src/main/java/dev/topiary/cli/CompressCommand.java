package dev.topiary.cli;

import dev.topiary.recipe.Compress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "compress",
        mixinStandardHelpOptions = true,
        header = "Run the whole recipe: correct, score, prune, distill, evaluate, export, report.",
        sortOptions = false,
        description = {
            "Run the whole Minitron recipe on MODEL into the run folder --out, one stage after another:",
            "  correct (teacher correction: by default on a fifth of --distill-tokens; --correct-tokens 0 skips it),",
            "  importance, prune (a fixed shape, or the best of a search under --target-params: each candidate is",
            "  distilled for --search-retrain-tokens, by default 5% of --distill-tokens, and ranked on held-out text;",
            "  --search-retrain-tokens 0 ranks zero-shot), distill, evaluate (teacher vs student), export (HF folder +",
            "  model card), report (report.html with charts, metrics.json).",
            "Each stage writes its artifact atomically; the same command run again skips finished stages and resumes",
            "an interrupted one from its checkpoint (Ctrl-C, SIGTERM and --max-time stop cleanly at one). The plan",
            "comes from the flags, or from --plan FILE.json with the same field names (model, data, hidden, ffn, heads,",
            "layers, targetParams, candidates, correctTokens, distillTokens, calibSamples, seqLen, batch, lr, evalItems,",
            "seed, searchRetrainTokens).",
            ""
        })
final class CompressCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "The teacher (or give it in --plan).")
    String model;

    @Option(
            names = "--data",
            arity = "1..*",
            paramLabel = "FILE",
            description = "Corpus files; the last one also gives the held-out text.")
    List<String> data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder.")
    Path out;

    @Option(names = "--plan", paramLabel = "FILE", description = "A JSON plan instead of the flags.")
    Path planFile;

    @Option(names = "--target-params", description = "Parameter budget: search shapes under it.")
    Long targetParams;

    @Option(names = "--hidden", description = "Fixed target hidden size.")
    Integer hidden;

    @Option(names = "--ffn", description = "Fixed target FFN size.")
    Integer ffn;

    @Option(names = "--heads", description = "Fixed target query heads.")
    Integer heads;

    @Option(names = "--layers", description = "Fixed target layers (highest Block Influence kept).")
    Integer layers;

    @Option(
            names = "--candidates",
            defaultValue = "6",
            description = "Search candidates evaluated (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(
            names = "--correct-tokens",
            description = "Teacher correction tokens, 0 = skip (default: distill tokens / 5).")
    Long correctTokens;

    @Option(
            names = "--search-retrain-tokens",
            description =
                    "KD tokens per search candidate before ranking, 0 = zero-shot (default: distill tokens / 20).")
    Long searchRetrainTokens;

    @Option(
            names = "--distill-tokens",
            defaultValue = "1000000",
            description = "Distillation tokens (default ${DEFAULT-VALUE}).")
    long distillTokens;

    @Option(
            names = "--calib-samples",
            defaultValue = "256",
            description = "Calibration sequences (default ${DEFAULT-VALUE}).")
    int calibSamples;

    @Option(names = "--seq-len", defaultValue = "128", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--lr",
            defaultValue = "2e-3",
            description = "Distillation peak learning rate; correction uses a quarter (default ${DEFAULT-VALUE}).")
    float lr;

    @Option(
            names = "--eval-items",
            defaultValue = "200",
            description = "Cloze items in the evaluation (default ${DEFAULT-VALUE}).")
    int evalItems;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--max-time",
            description = "Stop cleanly at a checkpoint after this long (e.g. 90s, 10m, 2h); run again to continue.")
    String maxTime;

    @Override
    public Integer call() throws Exception {
        Compress.Plan plan;
        if (planFile != null) {
            if (model != null || data != null)
                throw new IllegalArgumentException("give --plan or MODEL and --data, not both");
            plan = Compress.Plan.read(planFile);
        } else {
            if (model == null || data == null)
                throw new IllegalArgumentException("MODEL and --data are required (or --plan FILE)");
            long correct = correctTokens != null ? correctTokens : distillTokens / 5;
            plan = new Compress.Plan(
                    model,
                    data,
                    hidden,
                    ffn,
                    heads,
                    layers,
                    targetParams,
                    candidates,
                    correct,
                    distillTokens,
                    calibSamples,
                    seqLen,
                    batch,
                    lr,
                    evalItems,
                    seed,
                    searchRetrainTokens);
        }
        return run(plan, out, maxTime);
    }

    static int run(Compress.Plan plan, Path out, String maxTime) throws Exception {
        Compress c = new Compress(plan, out, System.out::println);
        Thread timer = null;
        if (maxTime != null) {
            Duration d = duration(maxTime);
            timer = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(d);
                    System.out.println("--max-time " + maxTime + " reached: stopping at the next checkpoint");
                    c.requestStop();
                } catch (InterruptedException ignored) {
                    // finished first
                }
            });
        }
        boolean done;
        try {
            done = StopHook.around(c::requestStop, c::run);
        } finally {
            if (timer != null) timer.interrupt();
        }
        if (!done) return 130;
        System.out.println("report: " + out.resolve("report.html"));
        return 0;
    }

    static Duration duration(String s) {
        var m = java.util.regex.Pattern.compile("(\\d+)(s|m|h)").matcher(s.trim());
        if (!m.matches())
            throw new IllegalArgumentException(
                    "--max-time takes a number with s, m or h (e.g. 90s, 10m), got '" + s + "'");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
