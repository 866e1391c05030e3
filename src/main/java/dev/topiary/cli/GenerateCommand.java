package dev.topiary.cli;

import dev.topiary.generate.Generator;
import dev.topiary.generate.Sampler;
import dev.topiary.io.Models;
import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.StreamDecoder;
import dev.topiary.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        header = "Continue a prompt, streaming tokens.",
        description = {
            "Continue a prompt, streaming the text as it is produced; prefill and decode speeds go to "
                    + "stderr. Stops at --max-tokens, at an end-of-sequence token, or at the context length. "
                    + "Temperature 0 is greedy decoding (deterministic); otherwise sampling is seeded."
        })
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Mixin
    ModelArgument model;

    @Option(
            names = "--prompt",
            defaultValue = "",
            description = "Text to continue (default: empty, i.e. start from BOS).")
    String prompt;

    @Option(
            names = "--max-tokens",
            defaultValue = "256",
            description = "New tokens at most (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--no-bos", description = "Do not prepend BOS to the prompt.")
    boolean noBos;

    @Option(names = "--context", description = "KV cache length (default: the model's max positions, at most 4096).")
    Integer context;

    @Override
    public Integer call() {
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        Sampler sampler = sampling.sampler(0);
        Models.Loaded m = Models.load(model.path);
        Weights w = m.inference();
        Tokenizer tok = m.requireTokenizer();
        int[] promptIds = tok.encode(prompt, !noBos);
        if (promptIds.length == 0)
            throw new IllegalArgumentException("empty prompt and --no-bos: nothing to condition on");
        int ctx = context != null ? context : Math.min(w.config().maxPositions(), 4096);
        if (promptIds.length >= ctx)
            throw new IllegalArgumentException("prompt has " + promptIds.length + " tokens, the context holds " + ctx);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(prompt);
        out.flush();
        StreamDecoder dec = tok.streamDecoder();
        for (int id : promptIds) dec.next(id); // prime the decoder with the prompt so that spacing after it is right
        Generator.Result r = Generator.continueFrom(
                w,
                new Llama.State(w.config(), ctx),
                promptIds,
                maxTokens,
                sampler,
                tok.eosId(),
                id -> {
                    out.print(dec.next(id));
                    out.flush();
                    return true;
                },
                tok.vocabSize());
        out.print(dec.flush());
        out.println();
        double prefill = r.prefillNanos() / 1e9, decode = (r.totalNanos() - r.prefillNanos()) / 1e9;
        System.err.printf(
                "prompt %d tokens in %.3f s (%.1f tokens/s); generated %d tokens in %.3f s (%.1f tokens/s)%n",
                promptIds.length, prefill, promptIds.length / prefill, r.generated(), decode, r.generated() / decode);
        return 0;
    }
}
