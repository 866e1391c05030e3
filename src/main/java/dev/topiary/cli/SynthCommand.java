package dev.topiary.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.io.Models;
import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.Tokenizer;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "synth",
        mixinStandardHelpOptions = true,
        header = "Write a corpus sampled from a teacher.",
        sortOptions = false,
        description = {
            "Write a corpus sampled from a teacher, for distilling without data of your own (or to add to "
                    + "it): --samples documents, each a continuation of --prompt (default: from BOS) of up to --max-tokens "
                    + "tokens, stopping early at EOS; sampled with --temperature and --top-p from --seed (sample i uses "
                    + "seed + i, so the file is reproducible). Output: JSONL, one {\"text\": ...} per line, written "
                    + "atomically."
        })
final class SynthCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "TEACHER", description = "The model to sample from.")
    Path teacher;

    @Option(names = "--samples", required = true, description = "Documents to write.")
    int samples;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "JSONL file to write.")
    Path out;

    @Option(
            names = "--max-tokens",
            defaultValue = "256",
            description = "Tokens per document at most (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--prompt", defaultValue = "", description = "Text each document starts with (default: none).")
    String prompt;

    @Mixin
    SamplingOptions sampling = new SamplingOptions(1f, 0.95f, 1);

    @Override
    public Integer call() throws Exception {
        if (samples < 1) throw new IllegalArgumentException("--samples must be >= 1, got " + samples);
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        sampling.sampler(0); // validates the options before loading anything
        Models.Loaded m = Models.load(teacher);
        Weights w = m.inference();
        Tokenizer tok = m.requireTokenizer();
        int[] promptIds = tok.encode(prompt, true);
        int cap = promptIds.length + maxTokens;
        Llama.State state = new Llama.State(w.config(), cap);
        ObjectMapper json = new ObjectMapper();
        long[] tokens = {0};
        dev.topiary.format.AtomicFiles.write(out, tmp -> {
            try (BufferedWriter wr = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                    var bar = Progress.bar("synth", samples)) {
                for (int i = 0; i < samples; i++) {
                    var r = dev.topiary.generate.Generator.continueFrom(
                            w, state, promptIds, maxTokens, sampling.sampler(i), tok.eosId(), null);
                    tokens[0] += r.generated();
                    wr.write(json.writeValueAsString(json.createObjectNode().put("text", tok.decode(r.ids()))));
                    wr.write('\n');
                    bar.step();
                }
            }
        });
        System.out.printf("wrote %d documents, %,d sampled tokens, to %s%n", samples, tokens[0], out);
        return 0;
    }
}
