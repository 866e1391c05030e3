package dev.topiary.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.Models;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.prune.Calibration;
import dev.topiary.prune.Importance;
import dev.topiary.prune.Scores;
import dev.topiary.prune.Search;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "search", mixinStandardHelpOptions = true, header = "Rank pruned shapes within a parameter budget.", sortOptions = false,
        description = {"Search pruned shapes within a parameter budget (Minitron, spec section 6): enumerate layers, heads",
                "(multiples of the KV heads), FFN and hidden sizes in steps, keep those at or under --target-params,",
                "take the --candidates largest, prune each with the same scores, and rank them.",
                "Ranking: by validation loss on --data after pruning, WITHOUT retraining (zero-shot). The paper warns",
                "that zero-shot rankings are unreliable (width-pruned models lose more at first and win after a short",
                "distillation); once topiary distill exists, --retrain-tokens will give each candidate that short",
                "distillation first. Prints a table and writes it as JSON into the run folder --out.", ""})
final class SearchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "HF folder, .gguf or llama2.c .bin")
    Path model;

    @Option(names = "--scores", required = true, paramLabel = "SCORES", description = "From topiary importance.")
    Path scores;

    @Option(names = "--target-params", required = true, description = "Parameter budget (e.g. 130000 or 4.5e9).")
    double targetParams;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Validation text for ranking.")
    Path data;

    @Option(names = "--candidates", defaultValue = "8", description = "How many of the largest candidates to evaluate (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--samples", defaultValue = "32", description = "Validation sequences (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seq-len", defaultValue = "256", description = "Tokens per validation sequence (default ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--max-width-pruning", defaultValue = "0.5", description = "Largest share of a width removed (default ${DEFAULT-VALUE}).")
    double maxWidth;

    @Option(names = "--max-depth-pruning", defaultValue = "0.5", description = "Largest share of layers removed (default ${DEFAULT-VALUE}).")
    double maxDepth;

    @Option(names = "--hidden-step", description = "Hidden size step (default: hidden / 16).")
    Integer hiddenStep;

    @Option(names = "--ffn-step", description = "FFN size step (default: ffn / 16).")
    Integer ffnStep;

    @Option(names = "--skip-heads", description = "Keep every attention head (the paper found this better for Llama 3.1).")
    boolean skipHeads;

    @Option(names = "--retrain-tokens", description = "Short distillation per candidate before ranking (needs topiary distill; not yet).")
    Long retrainTokens;

    @Option(names = "--out", paramLabel = "DIR|FILE.json",
            description = "Run folder for search.json, or a .json file (default: runs/search/<model name>).")
    Path out;

    /** The file the table goes to: --out itself when it names a .json file, else search.json in the run folder. */
    Path outFile() {
        String name = String.valueOf(model.toAbsolutePath().normalize().getFileName());
        Path dir = out != null ? out : Path.of("runs", "search", name);
        return dir.getFileName().toString().endsWith(".json") ? dir : dir.resolve("search.json");
    }

    @Override
    public Integer call() throws Exception {
        if (retrainTokens != null)
            throw new IllegalArgumentException("--retrain-tokens needs distillation, which this version of Topiary does not have yet;"
                    + " leave it out to rank zero-shot");
        Models.Loaded m = Models.load(model);
        LlamaWeights w = m.requireWeights();
        LlamaConfig c = w.config;
        Scores s = Scores.read(scores);
        List<LlamaConfig> all = Search.candidates(c, new Search.Space((long) targetParams, maxWidth, maxDepth,
                hiddenStep != null ? hiddenStep : Math.max(1, c.hidden() / 16), ffnStep != null ? ffnStep : Math.max(1, c.intermediate() / 16),
                1, !skipHeads));
        if (all.isEmpty()) throw new IllegalArgumentException("no shape within the limits fits " + (long) targetParams
                + " parameters; allow more pruning (--max-width-pruning, --max-depth-pruning)");
        List<LlamaConfig> picked = all.subList(0, Math.min(candidates, all.size()));
        List<int[]> val = Calibration.samples(data, "text", m.requireTokenizer(), samples, seqLen);
        System.out.printf("%d shapes fit %,d parameters; evaluating the %d largest, ranked by zero-shot validation loss (no retraining)%n",
                all.size(), (long) targetParams, picked.size());
        double base = Importance.meanLoss(w, val);
        List<Search.Ranked> ranked;
        try (var bar = Progress.bar("search", picked.size())) {
            ranked = Search.rankZeroShot(w, s, picked, val, bar::stepBy);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode();
        n.put("model", model.toString()).put("target_params", (long) targetParams).put("ranking", "zero-shot validation loss")
                .put("source_loss", base).put("shapes_in_budget", all.size());
        ArrayNode rows = n.putArray("candidates");
        System.out.printf("source: %,d parameters, validation loss %.4f%n", c.parameterCount(), base);
        System.out.printf("%4s %8s %8s %7s %6s %12s %10s%n", "rank", "hidden", "ffn", "layers", "heads", "parameters", "val loss");
        for (int r = 0; r < ranked.size(); r++) {
            LlamaConfig t = ranked.get(r).shape();
            double loss = ranked.get(r).loss();
            System.out.printf("%4d %8d %8d %7d %6d %,12d %10.4f%n", r + 1, t.hidden(), t.intermediate(), t.layers(), t.heads(),
                    t.parameterCount(), loss);
            rows.addObject().put("rank", r + 1).put("hidden", t.hidden()).put("ffn", t.intermediate()).put("layers", t.layers())
                    .put("heads", t.heads()).put("params", t.parameterCount()).put("val_loss", loss);
        }
        Path file = outFile();
        HfCheckpoint.writeJson(file, n);
        System.out.println("wrote " + file);
        return 0;
    }
}
