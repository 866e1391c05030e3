package dev.topiary.cli;

import dev.topiary.io.DType;
import dev.topiary.io.RandomCheckpoint;
import dev.topiary.model.LlamaConfig;
import dev.topiary.recipe.ByteTokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        header = "Write a randomly initialised checkpoint of any shape.",
        description = {
            "Writes a Hugging Face folder with random weights (normal, std 0.02; norms 1; biases 0), streamed tensor by "
                    + "tensor, so shapes nobody can download here (up to 8B parameters and beyond) can be tested and benchmarked. "
                    + "The same seed gives the same files. A byte-level tokenizer (258 ids) is written beside it unless --no-tokenizer, "
                    + "so generate and eval work on it; its text is meaningless."
        })
final class InitCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(
            index = "0",
            paramLabel = "CONFIG",
            description =
                    "A config.json, or a preset: stories260K, stories15M, SmolLM2-360M, Qwen2.5-0.5B, Llama-3.2-1B, "
                            + "Llama-3.2-3B, Llama-3.1-8B.")
    String config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The folder to write.")
    Path out;

    @Option(names = "--dtype", defaultValue = "BF16", description = "F32, BF16 or F16 (default ${DEFAULT-VALUE}).")
    DType dtype;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--std",
            defaultValue = "0.02",
            description = "Standard deviation of the matrices (default ${DEFAULT-VALUE}).")
    double std;

    @Option(
            names = "--shard-size",
            defaultValue = "5GB",
            description = "Largest shard, e.g. 5GB, 500MB, 0 for one file (default ${DEFAULT-VALUE}).")
    String shardSize;

    @Option(names = "--no-tokenizer", description = "Do not write the byte-level tokenizer files.")
    boolean noTokenizer;

    @Override
    public Integer call() throws Exception {
        LlamaConfig c =
                Files.isRegularFile(Path.of(config)) ? LlamaConfig.readHf(Path.of(config)) : LlamaConfig.preset(config);
        long t0 = System.nanoTime();
        RandomCheckpoint.write(out, c, dtype, seed, std, Sizes.parse("--shard-size", shardSize));
        if (!noTokenizer && c.vocab() >= ByteTokenizerFiles.VOCAB) ByteTokenizerFiles.write(out);
        PruneCommand.describe("init", c);
        System.out.printf("wrote %s (%s, seed %d) in %.1f s%n", out, dtype, seed, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
