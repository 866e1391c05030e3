package dev.topiary.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.distill.CandidateSearch;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.Models;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.prune.Scores;
import dev.topiary.prune.Search;
import dev.topiary.train.TokenDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "search",
        mixinStandardHelpOptions = true,
        header = "Rank pruned shapes within a parameter budget.",
        sortOptions = false,
        description = {
            "Search pruned shapes within a parameter budget (Minitron, spec section 6): enumerate layers,",
            "heads, FFN and hidden sizes in steps, keep those at or under --target-params, take the --candidates largest,",
            "prune each with the same scores, give each a short distillation from the teacher (--retrain-tokens of",
            "logit KD, the same seed, schedule and data order for all), and rank them by loss on held-out text",
            "(the last --val-fraction of --data: never trained on, and outside the range calibration draws from).",
            "The paper found zero-shot rankings unreliable: width-pruned shapes lose more at first and win after a",
            "short retraining. Both rankings are printed and written to DIR/search.json.",
            "Search space (the reference implementation's defaults): hidden in steps of 256, FFN of 512, layers of",
            "2, at most 40% of a width and 20% of the layers removed, heads kept when the model uses GQA. Models",
            "with hidden < 1024 get proportional steps (a sixteenth of each width, one layer); the output says",
            "which. Resumable: each candidate's result is a file in DIR/candidates; run the same command again",
            "after a stop (Ctrl-C, SIGTERM) to continue. --dry-run enumerates and counts from config.json alone.",
            ""
        })
final class SearchCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(
            index = "0",
            paramLabel = "MODEL",
            description = "HF folder (only config.json for --dry-run), .gguf or .bin")
    Path model;

    @Option(names = "--scores", paramLabel = "SCORES", description = "From topiary importance (not for --dry-run).")
    Path scores;

    @Option(names = "--target-params", required = true, description = "Parameter budget (e.g. 130000 or 4.5e9).")
    double targetParams;

    @Option(names = "--data", paramLabel = "FILE", description = "Text to retrain on; its last --val-fraction ranks.")
    Path data;

    @Option(names = "--field", defaultValue = "text", description = "JSONL text field (default ${DEFAULT-VALUE}).")
    String field;

    @Option(
            names = "--retrain-tokens",
            defaultValue = "100000",
            description = "Tokens of KD per candidate before ranking; 0 = zero-shot only (default ${DEFAULT-VALUE}).")
    long retrainTokens;

    @Option(
            names = "--candidates",
            defaultValue = "10",
            description = "How many of the largest shapes to evaluate (default ${DEFAULT-VALUE}, as the reference).")
    int candidates;

    @Option(names = "--seq-len", defaultValue = "128", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(
            names = "--batch",
            defaultValue = "8",
            description = "Sequences per retraining step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--lr",
            defaultValue = "1e-3",
            description = "Peak learning rate of the retraining (default ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the data order (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--val-fraction",
            defaultValue = "0.05",
            description = "Held-out share of --data (default ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--max-width-pruning", description = "Largest share of a width removed (default 0.4).")
    Double maxWidth;

    @Option(names = "--max-depth-pruning", description = "Largest share of layers removed (default 0.2).")
    Double maxDepth;

    @Option(names = "--hidden-step", description = "Hidden size step (default 256, or hidden / 16 for small models).")
    Integer hiddenStep;

    @Option(names = "--ffn-step", description = "FFN size step (default 512, or ffn / 16 for small models).")
    Integer ffnStep;

    @Option(names = "--layer-step", description = "Layer count step (default 2, or 1 for small models).")
    Integer layerStep;

    @Option(
            names = "--search-heads",
            negatable = true,
            description = "Also prune attention heads (default: only for models without GQA; the paper kept them).")
    Boolean searchHeads;

    @Option(names = "--dry-run", description = "Only enumerate and count the candidates (needs only config.json).")
    boolean dryRun;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default runs/search-MODEL-TARGET).")
    Path out;

    /** --out, or runs/search-MODEL-TARGET: never the current folder. */
    Path runFolder() {
        return out != null ? out : Path.of("runs", "search-" + model.getFileName() + "-" + (long) targetParams);
    }

    @Override
    public Integer call() throws Exception {
        LlamaConfig c = dryRun ? PruneCommand.readConfig(model) : null;
        Models.Loaded m = dryRun ? null : Models.load(model);
        if (m != null) c = m.config();
        Search.Space space = Search.Space.defaults(
                c, (long) targetParams, maxWidth, maxDepth, hiddenStep, ffnStep, layerStep, searchHeads);
        List<LlamaConfig> all = Search.candidates(c, space);
        System.out.printf(
                "source: hidden %d, ffn %d, layers %d, heads %d (kv %d): %,d parameters%n",
                c.hidden(), c.intermediate(), c.layers(), c.heads(), c.kvHeads(), c.parameterCount());
        System.out.println(space.describe(c));
        System.out.printf(
                "%d candidate shapes fit %,d parameters%s%n",
                all.size(),
                (long) targetParams,
                all.isEmpty()
                        ? ""
                        : "; the " + Math.min(candidates, all.size()) + " largest would be evaluated (--candidates)");
        if (all.isEmpty())
            throw new IllegalArgumentException("no shape within the limits fits " + (long) targetParams
                    + " parameters; allow more pruning (--max-width-pruning, --max-depth-pruning) or smaller steps");
        List<LlamaConfig> picked = all.subList(0, Math.min(candidates, all.size()));
        if (dryRun) {
            System.out.printf("%5s %7s %7s %6s %5s %16s%n", "#", "hidden", "ffn", "layers", "heads", "parameters");
            for (int i = 0; i < all.size(); i++) {
                LlamaConfig t = all.get(i);
                System.out.printf(
                        "%5d %7d %7d %6d %5d %,16d%s%n",
                        i + 1,
                        t.hidden(),
                        t.intermediate(),
                        t.layers(),
                        t.heads(),
                        t.parameterCount(),
                        i < picked.size() ? "  *" : "");
            }
            System.out.printf("candidates: %d (* = evaluated)%n", all.size());
            return 0;
        }
        if (scores == null)
            throw new IllegalArgumentException("--scores SCORES is required (make it with topiary importance)");
        if (data == null)
            throw new IllegalArgumentException("--data FILE is required: the text to retrain on and rank with");
        LlamaWeights w = m.requireWeights();
        Scores s = Scores.read(scores);
        TokenDataset ds = TokenDataset.load(data, field, m.requireTokenizer(), seqLen, valFraction, seed);
        Path dir = runFolder();
        Files.createDirectories(dir);
        var settings = new CandidateSearch.Settings(retrainTokens, seqLen, batch, lr, seed);
        System.out.printf(
                "ranking on %d held-out sequences of %d tokens; %s%n",
                ds.valSequences,
                seqLen,
                retrainTokens == 0
                        ? "zero-shot only (no retraining): the paper warns this ranks badly"
                        : String.format(
                                "each candidate first distilled for %,d tokens (%d steps)",
                                settings.tokensPerCandidate(), settings.steps()));
        CandidateSearch search = new CandidateSearch(w, s, ds, settings, dir, System.out::println);
        List<CandidateSearch.Result> results = StopHook.around(search::requestStop, () -> search.run(picked));
        if (results == null) {
            System.out.println("stopped; finished candidates are in " + dir.resolve("candidates")
                    + ": run the same command to continue");
            return 130;
        }
        double base = CandidateSearch.heldOutLoss(w, ds, batch);
        ObjectNode header = new ObjectMapper()
                .createObjectNode()
                .put("model", model.toString())
                .put("target_params", (long) targetParams)
                .put("shapes_in_budget", all.size())
                .put("space", space.describe(c))
                .put("source_params", c.parameterCount())
                .put("source_loss", base);
        ObjectNode summary = search.summary(results, header);
        System.out.printf("source: held-out loss %.4f%n", base);
        System.out.print(CandidateSearch.table(results));
        var win = summary.get("winner");
        System.out.printf(
                "winner (%s): hidden %d, ffn %d, layers %d, heads %d%n",
                summary.get("ranking").asText(),
                win.get("hidden").asInt(),
                win.get("ffn").asInt(),
                win.get("layers").asInt(),
                win.get("heads").asInt());
        System.out.printf(
                "%,d tokens of retraining in %.1f s%n",
                summary.get("tokens_total").asLong(),
                summary.get("seconds_total").asDouble());
        HfCheckpoint.writeJson(dir.resolve("search.json"), summary);
        System.out.println("wrote " + dir.resolve("search.json"));
        return 0;
    }
}
