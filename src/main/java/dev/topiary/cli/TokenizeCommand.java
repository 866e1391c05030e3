package dev.topiary.cli;

import dev.topiary.io.Models;
import dev.topiary.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        header = "Text to token ids, or ids to text.",
        description = {
            "Print the token ids of a text, space-separated on one line, or with --decode",
            "turn space-separated ids back into text. BOS comes first unless --no-bos; EOS",
            "last only if the vocabulary asks for it (add_eos_token) and not --no-eos.",
            "Special-token strings in the text (<s>, <|eot_id|>) stay plain text unless",
            "--special, as in llama.cpp; Hugging Face tokenizers parse them by default.",
            "MODEL may be any model, or a vocabulary-only GGUF."
        })
final class TokenizeCommand implements Callable<Integer> {
    @Mixin
    ModelArgument model;

    @Option(
            names = "--text",
            required = true,
            description = "The text to encode, or with --decode the ids (\"1 403 407\").")
    String text;

    @Option(names = "--no-bos", description = "Do not prepend the BOS token.")
    boolean noBos;

    @Option(names = "--no-eos", description = "Do not append EOS, even if the vocabulary adds it by default.")
    boolean noEos;

    @Option(
            names = "--special",
            description = {
                "Turn special-token strings such as <s> into their ids.",
                "Default: off, they are plain text (as in llama.cpp;",
                "Hugging Face parses them by default).",
                "Added tokens that are not special are recognised either way."
            })
    boolean special;

    @Option(names = "--decode", description = "Decode ids to text instead.")
    boolean decode;

    @Override
    public Integer call() {
        Tokenizer t = Models.tokenizer(model.path);
        if (decode) {
            String[] parts = text.trim().isEmpty() ? new String[0] : text.trim().split("[\\s,]+");
            int[] ids = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    ids[i] = Integer.parseInt(parts[i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--decode expects integer ids, got '" + parts[i] + "'");
                }
                if (ids[i] < 0 || ids[i] >= t.vocabSize())
                    throw new IllegalArgumentException(
                            "id " + ids[i] + " is outside the vocabulary [0, " + t.vocabSize() + ")");
            }
            System.out.println(t.decode(ids));
        } else {
            int[] ids = t.encode(text, !noBos, special);
            if (!noEos && t.addEosByDefault() && t.eosId() >= 0) {
                ids = Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = t.eosId();
            }
            System.out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        }
        return 0;
    }
}
