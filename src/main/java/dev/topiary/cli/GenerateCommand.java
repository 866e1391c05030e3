package dev.topiary.cli;

import dev.topiary.generate.Sampler;
import dev.topiary.io.Models;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaWeights;
import dev.topiary.tokenizer.StreamDecoder;
import dev.topiary.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "generate", mixinStandardHelpOptions = true, header = "Continue a prompt, streaming tokens.",
        description = {"Continue a prompt, streaming the text as it is produced; prefill and decode speeds go",
                "to stderr. Stops at --max-tokens, at an end-of-sequence token, or at the context length.",
                "Temperature 0 is greedy decoding (deterministic); otherwise sampling is seeded."})
final class GenerateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "HF folder, .gguf or llama2.c .bin")
    Path model;

    @Option(names = "--prompt", defaultValue = "", description = "Text to continue (default: empty, i.e. start from BOS).")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "256", description = "New tokens at most (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "Softmax temperature; 0 = greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus sampling mass; 1 = off (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-bos", description = "Do not prepend BOS to the prompt.")
    boolean noBos;

    @Option(names = "--context", description = "KV cache length (default: the model's max positions, at most 4096).")
    Integer context;

    @Override
    public Integer call() {
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        Sampler sampler = new Sampler(temperature, topP, seed);
        Models.Loaded m = Models.load(model);
        LlamaWeights w = m.requireWeights();
        Tokenizer tok = m.requireTokenizer();
        int[] promptIds = tok.encode(prompt, !noBos);
        if (promptIds.length == 0) throw new IllegalArgumentException("empty prompt and --no-bos: nothing to condition on");
        int ctx = context != null ? context : Math.min(w.config.maxPositions(), 4096);
        if (promptIds.length >= ctx)
            throw new IllegalArgumentException("prompt has " + promptIds.length + " tokens, the context holds " + ctx);
        int total = Math.min(ctx, promptIds.length + maxTokens);
        int[] ids = new int[total];
        System.arraycopy(promptIds, 0, ids, 0, promptIds.length);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(prompt);
        out.flush();

        Llama.State state = new Llama.State(w.config, ctx);
        long t0 = System.nanoTime();
        float[] logits = Llama.forward(w, state, ids, 0, promptIds.length, Llama.Logits.LAST);
        long t1 = System.nanoTime();
        StreamDecoder dec = tok.streamDecoder();
        // prime the decoder with the prompt so that spacing after it is right
        for (int id : promptIds) dec.next(id);
        int n = promptIds.length, generated = 0;
        while (n < total) {
            int next = sampler.sample(logits);
            ids[n++] = next;
            generated++;
            if (w.config.eosIds().contains(next) || next == tok.eosId()) break;
            out.print(dec.next(next));
            out.flush();
            if (n < total) logits = Llama.forward(w, state, ids, n - 1, 1, Llama.Logits.LAST);
        }
        out.print(dec.flush());
        out.println();
        long t2 = System.nanoTime();
        System.err.printf("prompt %d tokens in %.3f s (%.1f tokens/s); generated %d tokens in %.3f s (%.1f tokens/s)%n",
                promptIds.length, (t1 - t0) / 1e9, promptIds.length / ((t1 - t0) / 1e9), generated, (t2 - t1) / 1e9,
                generated / ((t2 - t1) / 1e9));
        return 0;
    }
}
