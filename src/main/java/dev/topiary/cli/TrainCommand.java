package dev.topiary.cli;

import dev.topiary.io.Models;
import dev.topiary.model.Init;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.tokenizer.Tokenizer;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenDataset;
import dev.topiary.train.TrainOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        header = "Train a model: fine-tune, or from scratch.",
        sortOptions = false,
        description = {
            "Train a causal language model: fine-tune one (--model) or start from scratch (--config).",
            "The corpus (--data) is tokenized, each document framed as [BOS] text EOS (JSONL: one document per",
            "line, field 'text'; a plain-text file is one document), packed into sequences of --seq-len",
            "tokens, split into train and validation (the last --val-fraction), and visited in a seeded order.",
            "Each step: --accum micro-batches of --batch sequences, gradient clipping, AdamW (weight decay on",
            "matrices, not on norms, biases or embeddings), linear warmup then cosine decay to --min-lr.",
            "",
            "Writes into --out: checkpoint/ (parameters, AdamW moments and step, every --checkpoint-every steps",
            "and on Ctrl-C or SIGTERM, atomically), metrics.jsonl (one line per step), and at the end model/",
            "(a Hugging Face folder with the tokenizer files). --resume continues from checkpoint/ and ends",
            "bit-identical to a run that was never interrupted (same thread count).",
            ""
        })
final class TrainCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Start start;

    static final class Start {
        @Option(
                names = "--model",
                paramLabel = "MODEL",
                description = "Fine-tune this model (HF folder, .gguf, llama2.c .bin).")
        Path model;

        @Option(
                names = "--config",
                paramLabel = "CONFIG",
                description = "Train from scratch: a config.json, or a preset: stories260K, stories15M.")
        String config;
    }

    @Option(
            names = "--tokenizer",
            paramLabel = "MODEL",
            description = "Where the tokenizer comes from (default: --model). Required with --config.")
    Path tokenizer;

    @Mixin
    TrainFlags run;

    @Option(
            names = "--init-std",
            defaultValue = "0.02",
            description = "Std of the normal initialisation from scratch (default ${DEFAULT-VALUE}).")
    double initStd;

    @Override
    public Integer call() throws Exception {
        run.checkRunFolder();
        Path tokSource = tokenizer != null ? tokenizer : start.model;
        if (tokSource == null)
            throw new IllegalArgumentException("--config needs --tokenizer MODEL (any model or vocabulary file)");
        Tokenizer tok = Models.tokenizer(tokSource);
        TrainOptions o = run.options(5e-4f);
        LlamaWeights w;
        if (start.model != null) {
            w = Models.load(start.model).requireWeights();
        } else {
            LlamaConfig c = preset(start.config);
            if (c.vocab() < tok.vocabSize())
                throw new IllegalArgumentException(
                        "config vocab_size " + c.vocab() + " is smaller than the tokenizer's " + tok.vocabSize());
            w = Init.normal(c, run.seed, initStd);
        }
        dev.topiary.train.Trainer.requireMemory(w.config, o);
        TokenDataset ds = TokenDataset.load(run.data, run.field, tok, o.seqLen(), run.valFraction, o.seed());
        return run.run(
                "model " + (start.model != null ? start.model : start.config),
                w,
                ds,
                o,
                Objective.CROSS_ENTROPY,
                tokSource);
    }

    static LlamaConfig preset(String name) {
        return switch (name) {
            case "stories260K", "stories15M" -> LlamaConfig.preset(name);
            default -> {
                Path p = Path.of(name);
                if (Files.isDirectory(p)) p = p.resolve("config.json");
                if (!Files.isRegularFile(p))
                    throw new IllegalArgumentException(
                            "--config " + name + ": neither a preset (stories260K, stories15M) nor a config.json file");
                yield LlamaConfig.readHf(p);
            }
        };
    }
}
