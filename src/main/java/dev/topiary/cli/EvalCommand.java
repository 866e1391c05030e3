package dev.topiary.cli;

import dev.topiary.eval.Corpus;
import dev.topiary.eval.MultipleChoice;
import dev.topiary.eval.Perplexity;
import dev.topiary.eval.TaskFile;
import dev.topiary.io.Models;
import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        header = "Perplexity on a corpus, or multiple-choice accuracy.",
        description = {
            "Evaluate a model.",
            "--data FILE: perplexity. A .jsonl file is one document per line (field 'text'), any other file",
            "  is one document of plain text. Each document is tokenized with BOS (unless --no-bos) and cut",
            "  into windows of --seq-len tokens every --stride tokens; each window scores only the tokens the",
            "  previous one did not (the Hugging Face sliding-window method), so with stride < seq-len every",
            "  token but the first gets at least seq-len - stride tokens of context. Prints the mean",
            "  negative log-likelihood (nats/token) and perplexity = exp(mean).",
            "--task FILE: alignment tasks (JSONL with \"type\": ifeval, function_call or qa): the model answers each",
            "  prompt (greedy, up to --max-new-tokens) and programmatic verifiers score the answers: IFEval-style",
            "  strict and loose accuracy per prompt and per instruction; function calls matched to the expected one",
            "  (name, argument names and values) with the share of answers that are not a call at all; exact match",
            "  and token F1 for passage-grounded answers. Or:",
            "--task FILE: multiple-choice accuracy from JSONL {\"context\", \"choices\", \"gold\"}, scored as",
            "  lm-eval-harness does: each choice is the continuation ' ' + choice (--delimiter) of the context;",
            "  acc takes the highest summed log-likelihood, acc_norm the highest log-likelihood per character",
            "  of the choice."
        })
final class EvalCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Mixin
    ModelArgument model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @Option(names = "--data", paramLabel = "FILE", description = "Corpus for perplexity (.txt or .jsonl).")
        Path data;

        @Option(names = "--task", paramLabel = "FILE", description = "Multiple-choice task (.jsonl).")
        Path task;
    }

    @Option(
            names = "--seq-len",
            description = "Window length in tokens (default: the model's max positions, at most 1024).")
    Integer seqLen;

    @Option(names = "--stride", description = "Window step in tokens (default: seq-len / 2).")
    Integer stride;

    @Option(
            names = "--max-chars",
            defaultValue = "9223372036854775807",
            description = "Read at most this many characters of the corpus.")
    long maxChars;

    @Option(
            names = "--field",
            defaultValue = "text",
            description = "JSONL field holding the text (default ${DEFAULT-VALUE}).")
    String field;

    @Option(names = "--no-bos", description = "Do not start documents (or contexts) with BOS.")
    boolean noBos;

    @Option(
            names = "--delimiter",
            defaultValue = " ",
            description = "Text between context and choice (default: one space).")
    String delimiter;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "128",
            description = "Answer length for alignment tasks (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(
            names = "--beyond-context",
            description = "Allow --seq-len beyond the model's max_position_embeddings (refused otherwise).")
    boolean beyondContext;

    @Override
    public Integer call() throws IOException {
        Models.Loaded m = Models.load(model.path);
        Weights w = m.inference();
        Tokenizer tok = m.requireTokenizer();
        int S = seqLen != null ? seqLen : Math.min(w.config().maxPositions(), 1024);
        Perplexity.requireWindow(w.config(), S, beyondContext);
        if (what.data != null) {
            int R = stride != null ? stride : Math.max(1, S / 2);
            List<int[]> docs = new ArrayList<>();
            long tokens = 0;
            for (String d : Corpus.read(what.data, field, maxChars)) {
                int[] ids = tok.encode(d, !noBos);
                docs.add(ids);
                tokens += ids.length;
            }
            if (docs.stream().mapToLong(d -> Math.max(0, d.length - 1)).sum() == 0)
                throw new IllegalArgumentException(what.data + ": no text to score (" + tokens + " token(s) in "
                        + docs.size() + " document(s)); is the file empty?");
            long t0 = System.nanoTime();
            try (var bar = Progress.bar("perplexity", tokens)) {
                Perplexity.Result r = Perplexity.evaluate(w, docs, S, R, bar::stepBy);
                bar.done(); // the first token of a document (or window) counted but never scored
                System.out.printf(
                        "documents %d, tokens %d, scored %d, seq-len %d, stride %d%n",
                        docs.size(), tokens, r.tokens(), S, R);
                System.out.printf(
                        "mean nll %.6f nats/token, perplexity %.6f  (%.1f s)%n",
                        r.meanNll(), r.perplexity(), (System.nanoTime() - t0) / 1e9);
            }
        } else if (isAlignmentTask(what.task)) {
            var items = dev.topiary.verify.AlignTaskFile.read(what.task);
            List<String> responses = new ArrayList<>();
            try (var bar = Progress.bar("answers", items.size())) {
                for (var it : items) {
                    responses.add(dev.topiary.generate.Greedy.answer(w, tok, promptText(it), maxNewTokens));
                    bar.step();
                }
            }
            System.out.print(
                    dev.topiary.verify.AlignmentEval.score(items, responses).table());
        } else {
            List<TaskFile.Item> items = TaskFile.read(what.task);
            Llama.State state = new Llama.State(w.config(), S);
            int acc = 0, accNorm = 0;
            try (var bar = Progress.bar("multiple choice", items.size())) {
                for (TaskFile.Item it : items) {
                    int[] ctx = tok.encode(it.context(), !noBos);
                    double[] ll = new double[it.choices().size()], len = new double[ll.length];
                    for (int c = 0; c < ll.length; c++) {
                        String choice = it.choices().get(c);
                        ll[c] = MultipleChoice.logLikelihood(
                                w, state, ctx, continuation(tok, it.context(), delimiter + choice, ctx));
                        len[c] = choice.length();
                    }
                    if (MultipleChoice.argmax(ll, null) == it.gold()) acc++;
                    if (MultipleChoice.argmax(ll, len) == it.gold()) accNorm++;
                    bar.step();
                }
            }
            System.out.printf(
                    "items %d, acc %.4f, acc_norm %.4f%n",
                    items.size(), acc / (double) items.size(), accNorm / (double) items.size());
        }
        return 0;
    }

    /** Alignment task files have a "type" field on their lines. */
    static boolean isAlignmentTask(Path file) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) return false; // the task reader says the file is missing
        boolean[] alignment = {false};
        try {
            dev.topiary.format.Json.forEachLine(file, "task file", (n, lineNo) -> {
                alignment[0] = n.has("type") && !n.has("choices");
                return false; // the first line decides
            });
        } catch (dev.topiary.format.ModelFormatException notJson) {
            return false;
        }
        return alignment[0];
    }

    /** The prompt as plain text (tools and passages spelled out before it). */
    static String promptText(dev.topiary.verify.AlignTaskFile.Item it) {
        return switch (it) {
            case dev.topiary.verify.AlignTaskFile.FunctionCallItem f ->
                "Tools: "
                        + f.tools().stream()
                                .map(t -> t.name() + "("
                                        + String.join(", ", t.properties().keySet()) + ")")
                                .collect(java.util.stream.Collectors.joining(", "))
                        + ". " + f.prompt();
            case dev.topiary.verify.AlignTaskFile.QaItem q ->
                "Passages:\n" + String.join("\n", q.passages()) + "\nQuestion: " + q.prompt() + "\nAnswer:";
            default -> it.prompt();
        };
    }

    /**
     * Continuation tokens as lm-eval computes them: encode(context + continuation) minus the
     * tokens of encode(context), so merges across the boundary are tokenized as in running text.
     * Falls back to encoding the continuation alone if the prefix does not match.
     */
    static int[] continuation(Tokenizer tok, String context, String continuation, int[] ctxIds) {
        int[] whole = tok.encode(context + continuation, ctxIds.length > 0 && ctxIds[0] == tok.bosId());
        boolean prefix = whole.length > ctxIds.length;
        for (int i = 0; prefix && i < ctxIds.length; i++) prefix = whole[i] == ctxIds[i];
        if (prefix) return java.util.Arrays.copyOfRange(whole, ctxIds.length, whole.length);
        return tok.encode(continuation, false);
    }
}
