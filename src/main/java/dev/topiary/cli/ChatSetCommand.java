package dev.topiary.cli;

import dev.topiary.recipe.ChatSet;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "chatset",
        mixinStandardHelpOptions = true,
        header = "Write a synthetic instruction set (SFT, preferences, held-out eval).",
        description = {
            "Write a synthetic instruction set in the TinyStories world into --out: stories with checkable",
            "instructions (a named character, a given word, a given last sentence, a word limit), tool calls",
            "(get_weather(city), set_timer(minutes) as JSON) and questions about a short passage. sft.jsonl holds",
            "prompt/completion pairs, prefs.jsonl chosen/rejected pairs whose rejected answer breaks the",
            "instruction, eval.jsonl held-out prompts with their verifiers (for topiary eval --task).",
            ""
        })
final class ChatSetCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Folder to write.")
    Path out;

    @Option(names = "--train", defaultValue = "600", description = "Training examples (default ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--eval", defaultValue = "90", description = "Held-out examples (default ${DEFAULT-VALUE}).")
    int eval;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        ChatSet.write(out, train, eval, seed);
        System.out.printf("wrote %s/sft.jsonl, prefs.jsonl (%d each) and eval.jsonl (%d)%n", out, train, eval);
        return 0;
    }
}
