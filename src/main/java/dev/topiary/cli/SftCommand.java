package dev.topiary.cli;

import dev.topiary.align.AlignData;
import dev.topiary.align.SftPacker;
import dev.topiary.io.Models;
import dev.topiary.model.LlamaWeights;
import dev.topiary.train.Objective;
import dev.topiary.train.TrainOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "sft",
        mixinStandardHelpOptions = true,
        header = "Supervised fine-tuning on conversations or prompt/completion pairs.",
        sortOptions = false,
        description = {
            "Fine-tune MODEL on JSONL examples: {\"prompt\": ..., \"completion\": ...} pairs (plain text: [BOS] prompt",
            "completion EOS) or {\"messages\": [...]} conversations rendered with the model's chat template. The loss",
            "falls only on what the model must produce (the completion and EOS; the assistant turns with their",
            "end-of-turn marker). Examples are packed several to a --seq-len sequence without attending to each",
            "other (--no-packing: one per sequence); longer ones keep their first --seq-len tokens, and are counted.",
            "Everything else is as in train: validation, progress, metrics.jsonl, checkpoints, exact --resume,",
            "an HF folder with the tokenizer files.",
            ""
        })
final class SftCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The model to fine-tune.")
    Path model;

    @Mixin
    TrainFlags run;

    @Option(names = "--no-packing", description = "One example per sequence.")
    boolean noPacking;

    @Option(
            names = "--chat-template",
            description =
                    "A built-in template (llama3, llama3.1, llama2, chatml, qwen2, qwen2.5, mistral) instead of the model's own.")
    String chatTemplate;

    @Override
    public Integer call() throws Exception {
        run.checkRunFolder();
        Models.Loaded m = Models.load(model);
        LlamaWeights w = m.requireWeights();
        TrainOptions o = run.options(1e-4f);
        List<SftPacker.Example> examples = new java.util.ArrayList<>();
        AlignData.Conversations chats = null;
        if (java.nio.file.Files.isDirectory(model)) {
            var template = chatTemplate != null
                    ? dev.topiary.chat.ChatTemplates.builtIn(chatTemplate)
                    : dev.topiary.chat.ChatTemplates.forModel(model);
            chats = new dev.topiary.align.ChatExamples(template, m.requireTokenizer());
            System.out.println("chat template: " + template.name());
        }
        for (Path f : run.data) examples.addAll(AlignData.sft(f, m.requireTokenizer(), chats));
        SftPacker.Result r = SftPacker.pack(
                examples, o.seqLen(), !noPacking, m.requireTokenizer().eosId(), run.valFraction, o.seed());
        System.out.printf(
                "%d examples -> %d sequences of %d tokens (%s); %d truncated to %d tokens; %,d trained tokens%n",
                r.examples(),
                r.sequences(),
                o.seqLen(),
                noPacking ? "one per sequence" : "packed",
                r.truncated(),
                o.seqLen(),
                r.trainedTokens());
        return run.run("supervised fine-tuning of " + model, w, r.data(), o, Objective.CROSS_ENTROPY, model);
    }
}
