package dev.topiary.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.format.AtomicFiles;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.model.Init;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.recipe.ByteTokenizerFiles;
import dev.topiary.recipe.Compress;
import dev.topiary.recipe.StoryCorpus;
import dev.topiary.tokenizer.Tokenizers;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import dev.topiary.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        header = "Compress a model 2x end to end, with nothing downloaded.",
        description = {
            "The whole recipe on a small model, in a few minutes on 2 cores. With ../shared present it "
                    + "takes the trained stories260K and its TinyStories text; without it, Topiary writes a story corpus "
                    + "and a byte-level tokenizer, and first trains a small teacher from scratch on it.",
            "Then topiary compress halves the teacher (teacher correction, importance, search under half the "
                    + "parameters, distillation, evaluation, export, report) and prints before and after.",
            "--quick is a smoke test (what CI runs): every stage runs, on budgets so tiny that its numbers mean "
                    + "nothing.",
            "Run it again to resume. The run folder is --out, by default one per kind of run (runs/demo, "
                    + "runs/demo-quick, runs/demo-self-made, runs/demo-self-made-quick); a folder made by another kind is "
                    + "refused, so that a quick teacher is never reused by a full demo.",
            ""
        })
final class DemoCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(
            names = "--quick",
            description =
                    "A smoke test: every stage on tiny budgets, in well under a minute. " + "Its numbers mean nothing.")
    boolean quick;

    @Option(names = "--out", description = "Run folder (default: runs/demo, with -self-made and -quick as chosen).")
    Path out;

    @Option(
            names = "--shared",
            defaultValue = "../shared",
            description = "Where the shared models are looked for (default ${DEFAULT-VALUE}).")
    Path shared;

    @Option(names = "--self-made", description = "Ignore ../shared: generate the corpus and train the teacher here.")
    boolean selfMade;

    @Override
    public Integer call() throws Exception {
        Path model = shared.resolve("models/stories260K-hf"),
                text = shared.resolve("data/tinystories-valid-head/tinystories_valid_head.txt");
        boolean useShared = !selfMade && Files.isDirectory(model) && Files.isRegularFile(text);
        if (out == null) out = defaultOut(quick, selfMade);
        String kind = (quick ? "quick" : "full") + ", " + (useShared ? "shared stories260K" : "self-made teacher");
        claimRunFolder(out, kind);
        if (quick)
            System.out.println(
                    "demo --quick: a smoke test of every stage on tiny budgets; its numbers mean " + "nothing");
        String teacher;
        List<String> data;
        if (useShared) {
            System.out.println("demo: teacher stories260K (" + model + "), data tinystories-valid-head");
            teacher = model.toString();
            data = List.of(text.toString());
        } else {
            System.out.println("demo: no shared model" + (selfMade ? " (--self-made)" : " at " + model)
                    + ": writing a corpus and training a teacher");
            Path corpus = out.resolve("corpus.txt"), tdir = out.resolve("teacher");
            if (!Files.exists(corpus)) AtomicFiles.writeString(corpus, StoryCorpus.generate(quick ? 400 : 6000, 7));
            if (!Files.isRegularFile(tdir.resolve("model/model.safetensors")) && !trainTeacher(corpus, tdir)) {
                System.out.println("stopped while training the teacher; run the demo again to continue");
                return 130;
            }
            teacher = tdir.resolve("model").toString();
            data = List.of(corpus.toString());
        }
        long params = HfCheckpoint.readConfig(Path.of(teacher)).parameterCount();
        Compress.Plan plan = new Compress.Plan(
                teacher,
                data,
                null,
                null,
                null,
                null,
                params / 2,
                quick ? 3 : 6,
                quick ? 2048 : 100_000,
                quick ? 8192 : 1_500_000,
                quick ? 8 : 256,
                quick ? 64 : 128,
                8,
                2e-3f,
                quick ? 20 : 200,
                1);
        int code = CompressCommand.run(plan, out.resolve("compress"), null);
        if (code != 0) return code;
        JsonNode e =
                new ObjectMapper().readTree(out.resolve("compress/eval.json").toFile());
        System.out.printf("%n%-28s %14s %14s%n", "", "teacher", "student");
        for (String[] f : new String[][] {
            {"parameters", "params", "%,14.0f"},
            {"held-out loss", "val_loss", "%14.4f"},
            {"perplexity", "perplexity", "%14.3f"},
            {"cloze accuracy (4 choices)", "cloze_acc", "%14.3f"},
            {"prefill tokens/s", "prefill_tokens_per_s", "%,14.0f"}
        }) {
            System.out.printf(
                    "%-28s " + f[2] + " " + f[2] + "%n",
                    f[0],
                    e.get("teacher").get(f[1]).asDouble(),
                    e.get("student").get(f[1]).asDouble());
        }
        System.out.println("\nstudent sample: "
                + e.get("student").get("samples").get(0).asText().replace('\n', ' '));
        System.out.println("teacher sample: "
                + e.get("teacher").get("samples").get(0).asText().replace('\n', ' '));
        if (quick) System.out.println("\n(--quick: a smoke test; the numbers above mean nothing)");
        return 0;
    }

    /** One default run folder per kind of demo. */
    static Path defaultOut(boolean quick, boolean selfMade) {
        return Path.of("runs/demo" + (selfMade ? "-self-made" : "") + (quick ? "-quick" : ""));
    }

    /**
     * Records in DIR/demo.json which kind of demo the folder holds, refusing a folder made by another
     * kind (its teacher, corpus and stages were made with other budgets or another model).
     */
    static void claimRunFolder(Path dir, String mode) throws java.io.IOException {
        Path stamp = dir.resolve("demo.json");
        ObjectMapper json = new ObjectMapper();
        if (Files.isRegularFile(stamp)) {
            String there = json.readTree(stamp.toFile()).path("mode").asText();
            if (!there.equals(mode))
                throw new IllegalArgumentException(dir + " holds a demo of another kind (" + there + "; now " + mode
                        + "): run the demo as before, choose another --out, or delete " + dir);
            return;
        }
        try (var s = Files.exists(dir) ? Files.list(dir) : java.util.stream.Stream.<Path>empty()) {
            if (s.findAny().isPresent())
                throw new IllegalArgumentException(dir + " is not empty and holds no demo.json"
                        + " (a run of an older Topiary, or other files): choose another --out, or delete " + dir);
        }
        Files.createDirectories(dir);
        HfCheckpoint.writeJson(stamp, json.createObjectNode().put("mode", mode));
    }

    /**
     * A small Llama on the byte-level tokenizer, trained from scratch on the generated stories; false when stopped by
     * a signal (at a checkpoint: the next demo continues it).
     */
    private boolean trainTeacher(Path corpus, Path dir) throws Exception {
        Path tokDir = dir.resolve("tokenizer");
        Files.createDirectories(tokDir);
        ByteTokenizerFiles.write(tokDir);
        var tok = Tokenizers.load(tokDir);
        LlamaConfig c = new LlamaConfig(
                "llama",
                96,
                256,
                4,
                4,
                2,
                24,
                ByteTokenizerFiles.VOCAB,
                1e-5f,
                10000,
                null,
                true,
                false,
                false,
                512,
                ByteTokenizerFiles.BOS,
                List.of(ByteTokenizerFiles.EOS),
                "float32");
        LlamaWeights w = Init.normal(c, 1, 0.02);
        int steps = quick ? 30 : 1500;
        TrainOptions o = TrainOptions.defaults()
                .withSeqLen(128)
                .withSchedule(steps, 2e-3f)
                .withMinLr(2e-4f)
                .withEvalEvery(Math.max(1, steps / 10))
                .withValBatches(10)
                .withCheckpointEvery(Math.max(10, steps / 5));
        TokenDataset ds = TokenDataset.load(corpus, "text", tok, 128, 0.05, 1);
        System.out.printf(
                "training the teacher: %,d parameters, %d steps of %,d tokens%n",
                c.parameterCount(), steps, o.tokensPerStep());
        TrainingRun run = TrainingRun.continuing(dir);
        TrainingRun.Result r = StopHook.around(
                run::requestStop,
                () -> run.run(w, ds, o, Objective.CROSS_ENTROPY, tokDir, new TrainingRun.Listener() {
                    long last = System.nanoTime();

                    @Override
                    public void step(long step, double loss, float lr, double gn, double tps) {
                        if (System.nanoTime() - last > 10e9 || step == steps) {
                            last = System.nanoTime();
                            System.out.printf("  step %d/%d loss %.4f %.0f tok/s%n", step, steps, loss, tps);
                        }
                    }
                }));
        return r.finished();
    }
}
