package dev.topiary.cli;

import dev.topiary.distill.Distiller;
import dev.topiary.distill.LayerMap;
import dev.topiary.distill.TeacherCache;
import dev.topiary.distill.Vocabularies;
import dev.topiary.io.Models;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.Weights;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        header = "Distill a teacher into a student.",
        sortOptions = false,
        description = {
            "Train a student to imitate a teacher (Minitron, spec section 7).",
            "Loss per token: (1 - --ce-weight) * KD + --ce-weight * cross-entropy [+ intermediate-state loss].",
            "KD compares the two next-token distributions at temperature --tau: forward KL(teacher || student)",
            "(default), reverse KL, or top-k KL over the teacher's --top-k tokens plus a tail bucket. Losses are",
            "multiplied by tau^2 (Hinton's convention), so gradients keep their size when tau changes; at tau 1",
            "this changes nothing. --ce-weight defaults to 0: logit-only, as the paper recommends.",
            "--intermediate cosine|mse adds a loss between the residual streams after mapped layers (--layer-map",
            "s:t,... student layer s to teacher layer t, counted from 1; 0 is the embedding output). Default: for a",
            "student from topiary prune, each layer to the teacher layer it was copied from (pruning.json), else",
            "evenly spread. A learned linear projection with bias lifts the student's states when the widths differ;",
            "the term is weighted each batch to equal the KD loss. metrics.jsonl logs kd, ce and inter separately.",
            "--teacher-cache FILE: one teacher pass stores its top-k log-probabilities for the whole dataset in a",
            "memory-mapped file (keyed by the teacher's weights, the data, k, tau); later runs read it instead of",
            "running the teacher (top-k loss only); validation still runs the teacher and reports KL to it.",
            "Teacher and student must share a tokenizer (padded embedding rows are tolerated).",
            "Validation reports the student's loss and its KL to the teacher. Everything else is as in train.",
            ""
        })
final class DistillCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--teacher", required = true, paramLabel = "MODEL", description = "Teacher model.")
    Path teacherPath;

    @Option(
            names = "--student",
            required = true,
            paramLabel = "MODEL",
            description = "Student model (e.g. from topiary prune).")
    Path studentPath;

    @Mixin
    TrainFlags run;

    @Option(names = "--tau", defaultValue = "1.0", description = "Temperature (default ${DEFAULT-VALUE}).")
    float tau;

    @Option(
            names = "--loss",
            defaultValue = "forward",
            description = "forward, reverse or topk (default ${DEFAULT-VALUE}).")
    String loss;

    @Option(
            names = "--top-k",
            defaultValue = "64",
            description = "Teacher tokens kept by --loss topk (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--ce-weight",
            defaultValue = "0",
            description = "Weight of the cross-entropy term (default ${DEFAULT-VALUE}).")
    float ceWeight;

    @Option(
            names = "--intermediate",
            defaultValue = "none",
            description = "none, cosine or mse (default ${DEFAULT-VALUE}).")
    String intermediate;

    @Option(
            names = "--layer-map",
            paramLabel = "s:t,...",
            description = "Student:teacher layer pairs for --intermediate, from 1.")
    String layerMap;

    @Option(
            names = "--teacher-cache",
            paramLabel = "FILE",
            description = "Teacher top-k cache to read, or to write first.")
    Path cachePath;

    @Override
    public Integer call() throws Exception {
        run.checkRunFolder();
        Distiller.Kind kind = switch (loss) {
            case "forward" -> Distiller.Kind.FORWARD;
            case "reverse" -> Distiller.Kind.REVERSE;
            case "topk" -> Distiller.Kind.TOPK;
            default ->
                throw new IllegalArgumentException("--loss must be forward, reverse or topk, got '" + loss + "'");
        };
        Distiller.Intermediate inter = switch (intermediate) {
            case "none" -> Distiller.Intermediate.NONE;
            case "cosine" -> Distiller.Intermediate.COSINE;
            case "mse" -> Distiller.Intermediate.MSE;
            default ->
                throw new IllegalArgumentException(
                        "--intermediate must be none, cosine or mse, got '" + intermediate + "'");
        };
        if (cachePath != null && kind != Distiller.Kind.TOPK)
            throw new IllegalArgumentException(
                    "--teacher-cache stores top-k log-probabilities: use it with --loss topk");
        Models.Loaded teacher = Models.load(teacherPath), student = Models.load(studentPath);
        int vocab = Vocabularies.shared(teacher, student);
        LlamaWeights s = student.requireWeights();
        Weights t = teacher.inference(); // frozen: mapped in its stored dtype
        int[][] pairs = new int[0][];
        if (inter != Distiller.Intermediate.NONE) {
            LayerMap.Pairs p = LayerMap.resolve(
                    layerMap, studentPath, s.config.layers(), t.config().layers());
            System.out.println("intermediate layer pairs student:teacher " + p.describe());
            pairs = p.pairs();
        }
        TrainOptions o = run.options(5e-4f);
        TokenDataset ds = TokenDataset.load(
                run.data, run.field, student.requireTokenizer(), o.seqLen(), run.valFraction, o.seed());
        TeacherCache cache = null;
        if (cachePath != null) {
            // the run checks its memory plan again; this refuses a run that cannot fit before the cache is written
            dev.topiary.train.MemoryPlan.of(s.config, o.batch(), o.seqLen(), o.recompute(), t)
                    .check();
            var key = new TeacherCache.Key(TeacherCache.hash(t), ds.fingerprint(), topK, tau, o.seqLen());
            try (var bar = Progress.bar("teacher cache", ds.sequences())) {
                cache = TeacherCache.openOrBuild(cachePath, key, t, ds, run.batch, bar::stepBy);
                bar.done(); // also when the cache was there already
            }
        }
        var options = new Distiller.Options(tau, kind, topK, ceWeight, inter, pairs, o.seed());
        Distiller d = new Distiller(t, s.config.hidden(), vocab, options, cache);
        try {
            return run.run("distilling " + teacherPath + " into " + studentPath, s, ds, o, d, studentPath);
        } finally {
            if (cache != null) cache.close();
        }
    }
}
