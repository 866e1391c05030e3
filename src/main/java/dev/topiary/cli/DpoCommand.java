package dev.topiary.cli;

import dev.topiary.align.AlignData;
import dev.topiary.align.Dpo;
import dev.topiary.io.Models;
import dev.topiary.model.LlamaWeights;
import dev.topiary.train.TrainOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "dpo",
        mixinStandardHelpOptions = true,
        header = "Direct Preference Optimization on chosen/rejected pairs.",
        sortOptions = false,
        description = {
            "Train MODEL to prefer the chosen answers of JSONL rows {\"prompt\", \"chosen\", \"rejected\"} over the",
            "rejected ones (Rafailov et al. 2023). With summed answer log-probabilities of the policy and of the",
            "reference (--ref, default MODEL itself, computed once and kept in checkpoints):",
            "  h = (pi(chosen) - ref(chosen)) - (pi(rejected) - ref(rejected))",
            "  sigmoid: -(1 - eps) log sigmoid(beta h) - eps log sigmoid(-beta h)   (eps = --label-smoothing)",
            "  ipo:     (h - 1/(2 beta))^2",
            "--seq-len is per answer (prompt + answer); a pair takes two. A row whose chosen equals its rejected",
            "answer is an error. Everything else is as in train.",
            ""
        })
final class DpoCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The policy to train.")
    Path model;

    @Mixin
    TrainFlags run;

    @Option(names = "--ref", paramLabel = "MODEL", description = "Reference model (default: MODEL).")
    Path ref;

    @Option(names = "--beta", defaultValue = "0.1", description = "Beta (default ${DEFAULT-VALUE}).")
    float beta;

    @Option(names = "--loss", defaultValue = "sigmoid", description = "sigmoid or ipo (default ${DEFAULT-VALUE}).")
    String loss;

    @Option(
            names = "--label-smoothing",
            defaultValue = "0",
            description = "For --loss sigmoid (default ${DEFAULT-VALUE}).")
    float labelSmoothing;

    @Override
    public Integer call() throws Exception {
        run.checkRunFolder();
        Dpo.Variant variant = switch (loss) {
            case "sigmoid" -> Dpo.Variant.SIGMOID;
            case "ipo" -> Dpo.Variant.IPO;
            default -> throw new IllegalArgumentException("--loss must be sigmoid or ipo, got '" + loss + "'");
        };
        Models.Loaded m = Models.load(model);
        LlamaWeights w = m.requireWeights();
        TrainOptions half = run.options(5e-6f);
        List<Dpo.Pair> pairs = new java.util.ArrayList<>();
        var template = java.nio.file.Files.isDirectory(model) ? dev.topiary.chat.ChatTemplates.forModel(model) : null;
        for (Path f : run.data) pairs.addAll(AlignData.preferences(f, m.requireTokenizer(), template));
        var packed = Dpo.pairs(pairs, half.seqLen(), m.requireTokenizer().eosId(), run.valFraction, half.seed());
        TrainOptions o = half.withSeqLen(2 * half.seqLen());
        // the reference log-probabilities are all computed now, before training: the policy itself serves when there is
        // no --ref
        // (a separate --ref is read mapped, in its stored type, and unmapped once they are done)
        System.out.printf(
                "%d preference pairs (%d answers truncated to %d tokens); reference log-probabilities from %s%n",
                pairs.size(), packed.getValue(), half.seqLen(), ref == null ? model : ref);
        Dpo dpo;
        if (ref == null) dpo = new Dpo(beta, variant, labelSmoothing, w, packed.getKey(), o.batch() * o.accum());
        else
            try (Models.Loaded r = Models.load(ref)) {
                dpo = new Dpo(beta, variant, labelSmoothing, r.inference(), packed.getKey(), o.batch() * o.accum());
            }
        return run.run("DPO of " + model, w, packed.getKey(), o, dpo, model);
    }
}
