package dev.topiary.cli;

import dev.topiary.eval.ReadBack;
import dev.topiary.format.GgmlType;
import dev.topiary.io.DType;
import dev.topiary.io.GgufExport;
import dev.topiary.io.MappedModel;
import dev.topiary.io.Models;
import dev.topiary.model.Weights;
import dev.topiary.prune.StreamingSurgery;
import dev.topiary.prune.Surgery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        header = "Write a model as GGUF (for llama.cpp) or as a Hugging Face folder.",
        description = {
            "Write MODEL as a GGUF file (--format gguf: F32, F16, BF16 or Q8_0; llama metadata with explicit key/value",
            "lengths, RoPE settings including llama3 scaling, the tokenizer's tokens, scores, types and merges; no",
            "output tensor when the embeddings are tied) or as a Hugging Face folder (--format hf: F32, BF16 or F16, with",
            "the tokenizer files). Then read back what was written and compare logits with MODEL on fixed prompts:",
            "prints the largest difference and the top-1 agreement.",
            ""
        })
final class ExportCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Mixin
    ModelArgument model;

    @Option(names = "--format", defaultValue = "gguf", description = "gguf or hf (default ${DEFAULT-VALUE}).")
    String format;

    @Option(
            names = "--dtype",
            defaultValue = "F32",
            description = "gguf: F32, F16, BF16, Q8_0; hf: F32, BF16, F16 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(
            names = "--no-read-back",
            description = "Skip loading the written model and comparing its logits with the source's.")
    boolean noReadBack;

    @Option(names = "--out", required = true, paramLabel = "PATH", description = "The .gguf file, or the folder.")
    Path out;

    @Option(names = "--name", description = "general.name in the GGUF (default: the model's file name).")
    String name;

    @Override
    public Integer call() throws Exception {
        Models.Loaded m = Models.load(model.path);
        Weights w = m.inference(); // streamed tensor by tensor from the mapped source: any size
        java.util.function.Supplier<Weights> back;
        switch (format) {
            case "gguf" -> {
                GgmlType t = switch (dtype) {
                    case "F32" -> GgmlType.F32;
                    case "F16" -> GgmlType.F16;
                    case "BF16" -> GgmlType.BF16;
                    case "Q8_0" -> GgmlType.Q8_0;
                    default ->
                        throw new IllegalArgumentException(
                                "--dtype for gguf must be F32, F16, BF16 or Q8_0, got " + dtype);
                };
                String template = Files.isDirectory(model.path)
                        ? dev.topiary.chat.ChatTemplates.jinjaSource(model.path).orElse(null)
                        : null;
                String gname = name != null ? name : model.path.getFileName().toString();
                GgufExport.write(out, w, m.requireTokenizer(), t, gname, template);
                back = () -> MappedModel.openGguf(out);
            }
            case "hf" -> {
                DType t = switch (dtype) {
                    case "F32" -> DType.F32;
                    case "BF16" -> DType.BF16;
                    case "F16" -> DType.F16;
                    default ->
                        throw new IllegalArgumentException("--dtype for hf must be F32, BF16 or F16, got " + dtype);
                };
                StreamingSurgery.write(
                        w,
                        Surgery.all(
                                w.config(),
                                java.util.stream.IntStream.range(0, w.config().layers())
                                        .toArray()),
                        out,
                        t,
                        Sizes.parse("--shard-size", "5GB"),
                        model.path);
                back = () -> MappedModel.openHf(out);
            }
            default -> throw new IllegalArgumentException("--format must be gguf or hf, got '" + format + "'");
        }
        if (noReadBack) System.out.printf("wrote %s (%s, %s)%n", out, format, dtype);
        else
            System.out.printf(
                    "wrote %s (%s, %s); read back: %s%n",
                    out, format, dtype, ReadBack.compare(w, back.get(), m.requireTokenizer()));
        return 0;
    }
}
