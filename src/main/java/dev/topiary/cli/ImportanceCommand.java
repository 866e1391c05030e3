package dev.topiary.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.io.Models;
import dev.topiary.model.Weights;
import dev.topiary.prune.Aggregation;
import dev.topiary.prune.Calibration;
import dev.topiary.prune.Importance;
import dev.topiary.prune.Scores;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "importance",
        mixinStandardHelpOptions = true,
        header = "Score heads, neurons, channels and layers on calibration data.",
        sortOptions = false,
        description = {
            "Score what a model can lose, in one forward pass over calibration data (Minitron, spec sections 3-4):",
            "  MLP neurons     activations at the input of down_proj, per layer",
            "  attention heads activations at the input of o_proj, per channel, then L2 over each head's channels",
            "  hidden channels outputs of both norms of every layer, each hook's score summed into one ranking",
            "  layers          Block Influence, 1 - cos(layer input, layer output), averaged over all tokens;",
            "                  with --layer-loss also the LM-loss increase when a window of layers is dropped",
            "Each channel: per sample --seq-agg over its tokens (mean of |a|), then --batch-agg over samples (L2:",
            "sum of squares accumulated in double over every sample, root taken once). Samples are packed",
            "windows of --seq-len tokens (no padding) drawn with --seed from across the corpus, never from its last",
            "6% (the held-out text that train, distill and search validate and rank on). The scores file (JSON, format topiary-importance/1)",
            "serves any target shape: topiary prune and topiary search read it.",
            ""
        })
final class ImportanceCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Mixin
    ModelArgument model;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "FILE",
            description = "Calibration corpus (.txt or .jsonl).")
    Path data;

    @Option(
            names = "--samples",
            defaultValue = "1024",
            description = "Calibration sequences (default ${DEFAULT-VALUE}, as in the paper).")
    int samples;

    @Option(names = "--seq-len", defaultValue = "256", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--out", required = true, paramLabel = "SCORES", description = "Scores file to write (JSON).")
    Path out;

    @Option(names = "--field", defaultValue = "text", description = "JSONL text field (default ${DEFAULT-VALUE}).")
    String field;

    @Option(
            names = "--seq-agg",
            defaultValue = "mean",
            description = "Over tokens: mean (of |a|), l2, var (default ${DEFAULT-VALUE}).")
    String seqAgg;

    @Option(
            names = "--batch-agg",
            defaultValue = "l2",
            description = "Over samples: l2, mean, var (default ${DEFAULT-VALUE}).")
    String batchAgg;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Seed of the choice of samples (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--layer-loss",
            description = "Also score layers by the LM-loss increase when dropped (one pass per window).")
    boolean layerLoss;

    @Option(
            names = "--window",
            defaultValue = "1",
            description = "Contiguous layers dropped at once for --layer-loss (default ${DEFAULT-VALUE}).")
    int window;

    @Override
    public Integer call() throws Exception {
        Aggregation.Seq sa = Aggregation.seq(seqAgg);
        Aggregation.Batch ba = Aggregation.batch(batchAgg);
        Models.Loaded m = Models.load(model.path);
        Weights w = m.inference();
        List<int[]> cal = Calibration.samples(data, field, m.requireTokenizer(), samples, seqLen, seed);
        if (cal.size() < samples)
            System.out.printf(
                    "note: %s holds only %d samples of %d tokens before its held-out tail (asked for %d)%n",
                    data, cal.size(), seqLen, samples);
        JsonNode config = w.config().toHfJson("float32");
        Scores s;
        try (var bar = Progress.bar("importance (layers)", w.config().layers())) {
            s = Importance.score(w, cal, sa, ba, config, data.toString(), bar::stepBy);
            bar.done();
        }
        if (layerLoss) {
            try (var bar = Progress.bar("layer loss", w.config().layers() - window + 1)) {
                s = Importance.withLayerLoss(s, w, cal, window, bar::stepBy);
                bar.done();
            }
        }
        s.write(out);
        System.out.printf("scored %d samples x %d tokens; wrote %s%n", cal.size(), seqLen, out);
        System.out.println(
                "layer  block-influence" + (s.layerLoss() != null ? "  loss-increase (window " + window + ")" : ""));
        for (int l = 0; l < s.layers(); l++)
            System.out.printf(
                    "%5d  %15.5f%s%n",
                    l,
                    s.blockInfluence()[l],
                    s.layerLoss() != null && l < s.layerLoss().length
                            ? String.format("  %+.4f", s.layerLoss()[l])
                            : "");
        return 0;
    }
}
