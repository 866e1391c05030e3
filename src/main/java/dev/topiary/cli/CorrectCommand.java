package dev.topiary.cli;

import dev.topiary.io.Models;
import dev.topiary.model.LlamaWeights;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "correct",
        mixinStandardHelpOptions = true,
        header = "Fine-tune a teacher on the distillation corpus.",
        sortOptions = false,
        description = {
            "Teacher correction (Minitron, spec section 7.4): fine-tune the unpruned teacher on the corpus you",
            "will distil on, so that its predictions fit that data. Use the corrected model (--out/model) both for",
            "topiary importance and as the --teacher of topiary distill. This is next-token training of TEACHER,",
            "with every option of topiary train (defaults: lr 5e-4, --tokens or --steps)."
        })
final class CorrectCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "TEACHER", description = "The model to correct.")
    Path teacher;

    @Mixin
    TrainFlags run;

    @Override
    public Integer call() throws Exception {
        run.checkRunFolder();
        Models.Loaded m = Models.load(teacher);
        LlamaWeights w = m.requireWeights();
        TrainOptions o = run.options(5e-4f);
        TokenDataset ds =
                TokenDataset.load(run.data, run.field, m.requireTokenizer(), o.seqLen(), run.valFraction, o.seed());
        return run.run("correcting " + teacher, w, ds, o, Objective.CROSS_ENTROPY, teacher);
    }
}
