package dev.topiary.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.format.GgufFile;
import dev.topiary.io.DType;
import dev.topiary.io.GgufModel;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.Models;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.Weights;
import dev.topiary.prune.LayerChoice;
import dev.topiary.prune.PruneTarget;
import dev.topiary.prune.Scores;
import dev.topiary.prune.StreamingSurgery;
import dev.topiary.prune.Surgery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "prune",
        mixinStandardHelpOptions = true,
        header = "Cut a model to a target shape.",
        sortOptions = false,
        description = {
            "Cut a model to a target shape and write it as a Hugging Face folder (Minitron, spec section 5).",
            "Keeps the highest-scoring hidden channels (one ranking for the whole residual stream), MLP neurons and",
            "attention heads of each layer (the same number in every layer; heads ranked inside each KV group, the",
            "same number kept per group; K/V and head_dim untouched, head_dim written explicitly), and either the",
            "--layers N chosen by --layer-metric, or all but --drop-layers. Tied embeddings stay tied.",
            "--layer-metric: bi (default) drops the layers with the lowest Block Influence; loss drops the contiguous",
            "window whose removal raised the LM loss least (from topiary importance --layer-loss --window L-N); task",
            "drops the contiguous window that keeps accuracy on the multiple-choice --task FILE highest. The dropped",
            "layers are printed with the reason.",
            "Writes the weights, config.json, the tokenizer files and pruning.json (what was kept).",
            "--dry-run checks the targets and prints the resulting shape, parameters and memory; it needs neither",
            "weights nor scores: a folder holding only config.json is enough.",
            ""
        })
final class PruneCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "MODEL", description = "HF folder, .gguf or llama2.c .bin")
    Path model;

    @Option(
            names = "--scores",
            paramLabel = "SCORES",
            description = "From topiary importance (not needed for --drop-layers alone or --dry-run).")
    Path scores;

    @Option(names = "--hidden", description = "Target hidden size.")
    Integer hidden;

    @Option(names = "--ffn", description = "Target MLP intermediate size.")
    Integer ffn;

    @Option(names = "--heads", description = "Target query heads (a multiple of the KV heads).")
    Integer heads;

    @Option(names = "--layers", description = "Target layer count: keeps the layers with the highest Block Influence.")
    Integer layers;

    @Option(
            names = "--layer-metric",
            defaultValue = "bi",
            description = "How --layers chooses: bi, loss or task (default bi).")
    String layerMetric;

    @Option(names = "--task", paramLabel = "FILE", description = "Multiple-choice JSONL for --layer-metric task.")
    Path task;

    @Option(
            names = "--drop-layers",
            split = ",",
            paramLabel = "i,j,...",
            description = "Layers to drop, HF numbering from 0.")
    int[] dropLayers;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (required unless --dry-run).")
    Path out;

    @Option(
            names = "--dtype",
            description = "Weights dtype: F32, BF16, F16 (default: the source's; F32 for a quantized GGUF).")
    DType dtype;

    @Option(
            names = "--shard-size",
            defaultValue = "5GB",
            description =
                    "Largest safetensors shard, e.g. 5GB, 500MB, 0 for one file (default ${DEFAULT-VALUE}, as Hugging Face).")
    String shardSize;

    @Option(names = "--dry-run", description = "Only validate the targets and print the resulting shape.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        PruneTarget target = new PruneTarget(hidden, ffn, heads, layers, dropLayers);
        LlamaConfig c = config();
        LlamaConfig t = target.validate(c);
        if (dryRun) {
            describe("source", c);
            describe("pruned", t);
            System.out.printf("parameters: %.1f%% of the source%n", 100.0 * t.parameterCount() / c.parameterCount());
            return 0;
        }
        if (out == null) throw new IllegalArgumentException("--out DIR is required (or use --dry-run)");
        boolean widthsKept = t.hidden() == c.hidden() && t.intermediate() == c.intermediate() && t.heads() == c.heads();
        if (scores == null && !(widthsKept && (dropLayers != null || layers == null || "task".equals(layerMetric))))
            throw new IllegalArgumentException(
                    "--scores SCORES is needed to choose what to keep (make it with topiary importance);"
                            + " only --drop-layers works without one");
        Models.Loaded m = Models.load(model);
        Weights w = m.inference();
        if (layers != null && t.layers() < c.layers()) {
            LayerChoice.Choice choice = LayerChoice.choose(
                    LayerChoice.metric(layerMetric),
                    w,
                    task != null ? m.requireTokenizer() : null,
                    scores != null ? Scores.read(scores) : null,
                    task,
                    layers);
            System.out.println("dropping layers " + Arrays.toString(choice.drop()) + ": " + choice.why());
            target = new PruneTarget(hidden, ffn, heads, null, choice.drop());
        }
        Surgery.Keep keep;
        if (scores != null) {
            keep = target.keep(c, Scores.read(scores));
        } else {
            Surgery.Keep all = Surgery.all(c, null);
            keep = new Surgery.Keep(
                    all.hidden(),
                    all.neurons(),
                    all.heads(),
                    target.keep(c, zeroScores(c)).layers());
        }
        DType type = dtype != null ? dtype : defaultDtype(w);
        LlamaConfig pc = StreamingSurgery.write(w, keep, out, type, Sizes.parse("--shard-size", shardSize), model);
        HfCheckpoint.writeJson(out.resolve("pruning.json"), record(c, pc, keep));
        describe("source", c);
        describe("pruned", pc);
        System.out.printf("wrote %s (%,d parameters, %s)%n", out, pc.parameterCount(), type);
        return 0;
    }

    /** The source's stored type when safetensors holds it (F32, F16, BF16); F32 otherwise (exact for Q8_0). */
    static DType defaultDtype(Weights w) {
        dev.topiary.tensor.WeightType t =
                w.tensor(dev.topiary.model.TensorKind.WQ, 0).type();
        return switch (t) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            case Q8_0 -> DType.F32;
        };
    }

    private LlamaConfig config() throws Exception {
        return readConfig(model);
    }

    /** The shape of a model from its config alone (a folder holding only config.json is enough). */
    static LlamaConfig readConfig(Path model) throws Exception {
        if (Files.isDirectory(model)) return HfCheckpoint.readConfig(model);
        if (model.toString().endsWith(".gguf")) {
            try (GgufFile g = GgufFile.open(model)) {
                return GgufModel.readConfig(g);
            }
        }
        return Models.load(model).config();
    }

    private static Scores zeroScores(LlamaConfig c) {
        return new Scores(
                null,
                "",
                0,
                0,
                "",
                "",
                new double[c.hidden()],
                new double[c.layers()][c.heads()],
                new double[c.layers()][c.intermediate()],
                new double[c.layers()],
                null,
                0,
                null);
    }

    static void describe(String what, LlamaConfig c) {
        long p = c.parameterCount();
        System.out.printf(
                "%-7s hidden %d, ffn %d, layers %d, heads %d (kv %d, head_dim %d), vocab %d: %,d parameters, %s fp32 / %s bf16%n",
                what,
                c.hidden(),
                c.intermediate(),
                c.layers(),
                c.heads(),
                c.kvHeads(),
                c.headDim(),
                c.vocab(),
                p,
                Sizes.human(4 * p),
                Sizes.human(2 * p));
    }

    private ObjectNode record(LlamaConfig from, LlamaConfig to, Surgery.Keep keep) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode();
        n.put("source", model.toString());
        if (scores != null) n.put("scores", scores.toString());
        n.put("parameters_before", from.parameterCount()).put("parameters_after", to.parameterCount());
        n.set("kept_hidden", json.valueToTree(keep.hidden()));
        n.set("kept_layers", json.valueToTree(keep.layers()));
        ObjectNode per = n.putObject("per_layer");
        for (int l : keep.layers()) {
            ObjectNode o = per.putObject(String.valueOf(l));
            o.set("heads", json.valueToTree(keep.heads()[l]));
            o.set("neurons", json.valueToTree(keep.neurons()[l]));
        }
        n.put(
                "note",
                "indices refer to the source model; layers are renumbered 0.." + (keep.layers().length - 1)
                        + " in this model, in " + Arrays.toString(keep.layers()) + " order");
        return n;
    }
}
