package dev.topiary.cli;

import dev.topiary.io.DType;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.Models;
import dev.topiary.model.Init;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.tokenizer.Tokenizer;
import dev.topiary.train.Checkpoint;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import dev.topiary.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a causal language model: fine-tune one (--model) or start from scratch (--config).",
                "The corpus (--data) is tokenized, each document framed as [BOS] text EOS (JSONL: one document per",
                "line, field 'text'; a plain-text file is one document), packed into sequences of --seq-len",
                "tokens, split into train and validation (the last --val-fraction), and visited in a seeded order.",
                "Each step: --accum micro-batches of --batch sequences, gradient clipping, AdamW (weight decay on",
                "matrices, not on norms, biases or embeddings), linear warmup then cosine decay to --min-lr.",
                "",
                "Writes into --out: checkpoint/ (parameters, AdamW moments and step, every --checkpoint-every steps",
                "and on Ctrl-C or SIGTERM, atomically), metrics.jsonl (one line per step), and at the end model/",
                "(a Hugging Face folder with the tokenizer files). --resume continues from checkpoint/ and ends",
                "bit-identical to a run that was never interrupted (same thread count).", ""})
final class TrainCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Start start;

    static final class Start {
        @Option(names = "--model", paramLabel = "MODEL", description = "Fine-tune this model (HF folder, .gguf, llama2.c .bin).")
        Path model;

        @Option(names = "--config", paramLabel = "CONFIG", description = "Train from scratch: a config.json, or a preset: stories260K, stories15M.")
        String config;
    }

    @Option(names = "--tokenizer", paramLabel = "MODEL", description = "Where the tokenizer comes from (default: --model). Required with --config.")
    Path tokenizer;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training corpus (.txt or .jsonl).")
    Path data;

    @Option(names = "--field", defaultValue = "text", description = "JSONL text field (default ${DEFAULT-VALUE}).")
    String field;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its checkpoint.")
    boolean resume;

    @Option(names = "--seq-len", defaultValue = "256", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int seqLen;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per micro-batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--accum", defaultValue = "1", description = "Micro-batches per step (default ${DEFAULT-VALUE}).")
    int accum;

    @Option(names = "--steps", defaultValue = "1000", description = "Optimizer steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "5e-4", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--min-lr", description = "Final learning rate (default: lr / 10).")
    Float minLr;

    @Option(names = "--warmup", description = "Warmup steps (default: steps / 20).")
    Integer warmup;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "Decoupled weight decay (default ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--beta1", defaultValue = "0.9", description = "AdamW beta1 (default ${DEFAULT-VALUE}).")
    float beta1;

    @Option(names = "--beta2", defaultValue = "0.95", description = "AdamW beta2 (default ${DEFAULT-VALUE}).")
    float beta2;

    @Option(names = "--eps", defaultValue = "1e-8", description = "AdamW epsilon (default ${DEFAULT-VALUE}).")
    float eps;

    @Option(names = "--clip", defaultValue = "1.0", description = "Max global gradient norm, 0 = off (default ${DEFAULT-VALUE}).")
    float clip;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the initialisation and the data order (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--init-std", defaultValue = "0.02", description = "Std of the normal initialisation from scratch (default ${DEFAULT-VALUE}).")
    double initStd;

    @Option(names = "--val-fraction", defaultValue = "0.05", description = "Share of sequences held out (default ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--eval-every", defaultValue = "100", description = "Validation every N steps (default ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--val-batches", defaultValue = "20", description = "Micro-batches per validation, 0 = all (default ${DEFAULT-VALUE}).")
    int valBatches;

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "Checkpoint every N steps (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--recompute", description = "Recompute attention probabilities in the backward pass (less memory for long sequences).")
    boolean recompute;

    @Option(names = "--save-dtype", defaultValue = "F32", description = "Weights dtype of the output model: F32, BF16, F16 (default ${DEFAULT-VALUE}).")
    DType saveDtype;

    @Override
    public Integer call() throws Exception {
        Path ckpt = out.resolve("checkpoint"), metrics = out.resolve("metrics.jsonl");
        if (resume && !Checkpoint.exists(ckpt))
            throw new IllegalArgumentException("--resume: no checkpoint in " + ckpt);
        if (!resume && Checkpoint.exists(ckpt))
            throw new IllegalArgumentException(out + " already holds a run (" + ckpt.resolve(Checkpoint.FILE)
                    + "); pass --resume to continue it, or choose another --out");
        Path tokSource = tokenizer != null ? tokenizer : start.model;
        if (tokSource == null) throw new IllegalArgumentException("--config needs --tokenizer MODEL (any model or vocabulary file)");
        Tokenizer tok = Models.tokenizer(tokSource);

        LlamaWeights w;
        if (start.model != null) {
            w = Models.load(start.model).requireWeights();
        } else {
            LlamaConfig c = preset(start.config);
            if (c.vocab() < tok.vocabSize())
                throw new IllegalArgumentException("config vocab_size " + c.vocab() + " is smaller than the tokenizer's " + tok.vocabSize());
            w = Init.normal(c, seed, initStd);
        }
        TrainOptions o = new TrainOptions(seqLen, batch, accum, steps, lr, minLr != null ? minLr : lr / 10,
                warmup != null ? warmup : steps / 20, weightDecay, beta1, beta2, eps, clip, seed, evalEvery, valBatches,
                checkpointEvery, recompute);
        TokenDataset ds = TokenDataset.load(data, field, tok, seqLen, valFraction, seed);
        Files.createDirectories(out);
        if (!resume) Files.deleteIfExists(metrics);
        Trainer trainer = new Trainer(w, ds, o, ckpt, metrics);
        if (resume) trainer.resume();

        long params = w.config.parameterCount();
        System.out.printf("model %s, %,d parameters; data %,d tokens: %d train / %d validation sequences of %d%n",
                start.model != null ? start.model : start.config, params, ds.tokens.length, ds.trainSequences, ds.valSequences, seqLen);
        System.out.printf("%d steps of %,d tokens%s; activations %s, weights+grads+AdamW %s (16 bytes/parameter)%n", steps,
                o.tokensPerStep(), resume ? ", resuming at step " + trainer.step() : "", InspectCommand.bytes(trainer.activationBytes()),
                InspectCommand.bytes(16 * (long) w.data.length));

        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            trainer.requestStop();
            try {
                finished.await(120, TimeUnit.SECONDS); // let the loop write its checkpoint
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "topiary-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean done;
        long t0 = System.nanoTime(), startStep = trainer.step();
        try (var bar = Progress.bar("train", steps)) {
            bar.stepTo(trainer.step());
            done = trainer.run(new Trainer.Listener() {
                double val = Double.NaN;

                @Override
                public void step(long step, double loss, float lrNow, double gradNorm, double tps) {
                    bar.stepTo(step);
                    bar.setExtraMessage(String.format(" loss %.4f%s lr %.2e %.0f tok/s", loss,
                            Double.isNaN(val) ? "" : String.format(" val %.4f", val), lrNow, tps));
                }

                @Override
                public void validation(long step, double loss) {
                    val = loss;
                }
            });
        } finally {
            finished.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting because of a signal: the checkpoint is written
        }
        if (!done) {
            System.out.printf("stopped at step %d; checkpoint in %s (continue with --resume)%n", trainer.step(), ckpt);
            return 130;
        }
        Path modelDir = out.resolve("model");
        HfCheckpoint.save(modelDir, w, saveDtype, 0);
        copyTokenizerFiles(tokSource, modelDir);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("done: validation loss %.4f; %.1f s, %.0f tokens/s; heap in use %s%n", trainer.lastValidationLoss(), secs,
                (steps - startStep) * (double) o.tokensPerStep() / secs, InspectCommand.bytes(trainer.peakHeapBytes()));
        System.out.printf("model written to %s; metrics in %s%n", modelDir, metrics);
        return 0;
    }

    static LlamaConfig preset(String name) {
        return switch (name) {
            case "stories260K", "stories15M" -> BenchCommand.shape(name);
            default -> {
                Path p = Path.of(name);
                if (Files.isDirectory(p)) p = p.resolve("config.json");
                if (!Files.isRegularFile(p))
                    throw new IllegalArgumentException("--config " + name + ": neither a preset (stories260K, stories15M) nor a config.json file");
                yield LlamaConfig.readHf(p);
            }
        };
    }

    /** The tokenizer files of an HF folder, copied beside the trained weights. */
    static void copyTokenizerFiles(Path source, Path dir) throws IOException {
        if (!Files.isDirectory(source)) {
            System.err.println("note: the tokenizer came from " + source + " (not a Hugging Face folder): no tokenizer.json written;"
                    + " load the output with --tokenizer " + source);
            return;
        }
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
                "tokenizer.model")) {
            Path s = source.resolve(f);
            if (Files.isRegularFile(s)) Files.copy(s, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
