package dev.topiary.cli;

import dev.topiary.format.GgufFile;
import dev.topiary.io.Models;
import dev.topiary.io.Safetensors;
import dev.topiary.model.LlamaConfig;
import dev.topiary.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        header = "Describe a model: shape, parameters, dtypes, memory, tokenizer.",
        description = {
            "Describe a model without running it: architecture, parameter count, tensor dtypes,",
            "file size, memory for fp32 weights and for the KV cache, and the tokenizer."
        })
final class InspectCommand implements Callable<Integer> {
    @Mixin
    ModelArgument model;

    @Override
    public Integer call() throws IOException {
        Models.Format format = Models.detect(model.path);
        Models.Loaded m = Models.load(model.path, false);
        System.out.printf("model        %s (%s)%n", model.path, format);
        LlamaConfig c = m.config();
        if (c != null) {
            System.out.printf(
                    "architecture %s: hidden %d, ffn %d, layers %d, heads %d, kv heads %d, head dim %d, vocab %d%n",
                    c.modelType(),
                    c.hidden(),
                    c.intermediate(),
                    c.layers(),
                    c.heads(),
                    c.kvHeads(),
                    c.headDim(),
                    c.vocab());
            System.out.printf(
                    "             rms eps %g, rope theta %.0f%s, %s embeddings, q/k/v bias %s, o bias %s, max positions %d%n",
                    c.rmsEps(),
                    c.ropeTheta(),
                    c.ropeScaling() == null
                            ? ""
                            : ", rope scaling " + c.ropeScaling().type() + " x"
                                    + c.ropeScaling().factor(),
                    c.tieEmbeddings() ? "tied" : "untied",
                    c.qkvBias(),
                    c.oBias(),
                    c.maxPositions());
            long params = c.parameterCount();
            System.out.printf("parameters   %,d (%s)%n", params, human(params, ""));
            System.out.printf(
                    "memory       %s for fp32 weights; KV cache %s per token, %s at %d positions%n",
                    Sizes.human(params * 4),
                    Sizes.human(2L * c.layers() * c.kvDim() * 4),
                    Sizes.human(2L * c.layers() * c.kvDim() * 4 * c.maxPositions()),
                    c.maxPositions());
        } else {
            System.out.println("architecture (no weights: vocabulary only)");
        }
        Map<String, long[]> dtypes = dtypes(format);
        dtypes.forEach((k, v) ->
                System.out.printf("tensors      %s %s, %s%n", v[0] < 0 ? "all" : v[0] + " x", k, Sizes.human(v[1])));
        System.out.printf("on disk      %s%n", Sizes.human(diskSize()));
        Tokenizer t = m.tokenizer();
        if (t == null) System.out.println("tokenizer    none found");
        else
            System.out.printf(
                    "tokenizer    %s, vocab %d, bos %d%s, eos %d%n",
                    t.getClass().getSimpleName(),
                    t.vocabSize(),
                    t.bosId(),
                    t.addBosByDefault() ? " (added)" : "",
                    t.eosId());
        return 0;
    }

    private Map<String, long[]> dtypes(Models.Format format) throws IOException {
        Map<String, long[]> out = new TreeMap<>();
        switch (format) {
            case HF -> {
                try (Stream<Path> files = Files.list(model.path)) {
                    for (Path f : files.filter(p -> p.toString().endsWith(".safetensors"))
                            .sorted()
                            .toList()) {
                        try (Safetensors st = Safetensors.open(f)) {
                            st.tensors().values().forEach(ti -> {
                                long[] a = out.computeIfAbsent(ti.dtype().name(), k -> new long[2]);
                                a[0]++;
                                a[1] += ti.end() - ti.begin();
                            });
                        }
                    }
                }
            }
            case GGUF -> {
                try (GgufFile g = GgufFile.open(model.path)) {
                    g.tensors().forEach(ti -> {
                        long[] a = out.computeIfAbsent(ti.type().name(), k -> new long[2]);
                        a[0]++;
                        a[1] += ti.byteSize();
                    });
                }
            }
            case LLAMA2C -> out.put("F32", new long[] {-1, Files.size(model.path) - 28});
        }
        out.values().removeIf(v -> v[0] == 0);
        return out;
    }

    private long diskSize() throws IOException {
        if (!Files.isDirectory(model.path)) return Files.size(model.path);
        try (Stream<Path> s = Files.list(model.path)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    static String human(long n, String unit) {
        if (n >= 1_000_000_000) return String.format("%.2f B%s", n / 1e9, unit);
        if (n >= 1_000_000) return String.format("%.2f M%s", n / 1e6, unit);
        if (n >= 1_000) return String.format("%.1f K%s", n / 1e3, unit);
        return n + unit;
    }
}
