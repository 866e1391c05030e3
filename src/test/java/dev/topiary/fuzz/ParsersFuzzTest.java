// ParsersFuzzTest: every file reader, fed mutated valid files, rejects bad ones with ModelFormatException only.
package dev.topiary.fuzz;

import static dev.topiary.fuzz.Seeds.utf8;

import dev.topiary.align.AlignData;
import dev.topiary.align.ChatExamples;
import dev.topiary.chat.ChatTemplates;
import dev.topiary.eval.Corpus;
import dev.topiary.eval.TaskFile;
import dev.topiary.format.GgufFile;
import dev.topiary.io.GgufModel;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.Llama2c;
import dev.topiary.io.Models;
import dev.topiary.io.Safetensors;
import dev.topiary.model.LlamaConfig;
import dev.topiary.recipe.ByteTokenizerFiles;
import dev.topiary.tokenizer.Tokenizer;
import dev.topiary.tokenizer.Tokenizers;
import dev.topiary.verify.AlignTaskFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutation fuzzing of the file readers ({@link Fuzzer}): safetensors, GGUF (header, vocabulary,
 * weights), llama2.c checkpoints and tokenizers, config.json with its weights, tokenizer.json, and
 * the JSONL readers. A reader may accept an input or throw {@link dev.topiary.format.ModelFormatException};
 * any other exception, an Error, or an allocation out of proportion to the input fails the test.
 * {@code scripts/fuzz.sh} runs each target for 10^6 inputs.
 */
class ParsersFuzzTest {
    @TempDir
    Path tmp;

    /** A short text through the tokenizer and back: the tokenizer that was read must also work. */
    static void exercise(Tokenizer t) {
        int[] all = new int[t.vocabSize()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        t.decode(all);
        try {
            t.decode(t.encode("hello ab\u00e9\n!1 <s>", true, true));
        } catch (IllegalArgumentException e) {
            // encode's documented failure: a character the vocabulary cannot spell
            if (!e.getMessage().startsWith("cannot encode")) throw e;
        }
    }

    @Test
    void safetensors() throws Exception {
        new Fuzzer("safetensors", Seeds.safetensors(tmp), tmp.resolve("model.safetensors"), 1000).run(file -> {
            try (Safetensors st = Safetensors.open(file)) {
                for (String name : st.tensors().keySet()) st.readFloats(name);
            }
        });
    }

    @Test
    void gguf() throws Exception {
        new Fuzzer("gguf", Seeds.ggufs(tmp), tmp.resolve("model.gguf"), 600).run(file -> {
            try (GgufFile g = GgufFile.open(file)) {
                if (g.has("tokenizer.ggml.tokens")) exercise(Tokenizers.fromGguf(g));
                if (g.tensor("token_embd.weight").isPresent()) GgufModel.load(g);
            }
        });
    }

    @Test
    void llama2c() throws Exception {
        new Fuzzer("llama2c", Seeds.llama2c(), tmp.resolve("model.bin"), 800).run(Llama2c::load);
    }

    @Test
    void llama2cTokenizer() throws Exception {
        new Fuzzer("llama2c-tokenizer", Seeds.llama2cTokenizers(), tmp.resolve("tok16.bin"), 1000)
                .run(file -> exercise(Tokenizers.fromLlama2c(file)));
    }

    @Test
    void configJson() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        HfCheckpoint.save(dir, Seeds.tinyWeights(), dev.topiary.io.DType.F32, 1L << 30);
        Files.writeString(dir.resolve("tokenizer.json"), Seeds.SPM_TOKENIZER);
        new Fuzzer("config-json", Seeds.configs(), dir.resolve("config.json"), 700).run(file -> {
            LlamaConfig.readHf(file);
            Models.load(dir);
        });
    }

    @Test
    void tokenizerJson() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tok"));
        Files.writeString(dir.resolve("tokenizer_config.json"), Seeds.TOKENIZER_CONFIG);
        new Fuzzer("tokenizer-json", Seeds.tokenizerJsons(), dir.resolve("tokenizer.json"), 800)
                .run(file -> exercise(Tokenizers.fromTokenizerJson(file)));
    }

    /** One seed per JSONL format: each line of this text block is a seed file of one row. */
    static final String JSONL_ROWS = """
            {"prompt": "Once", "completion": " upon a time"}
            {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, \
            {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Weather?"}, \
            {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", \
            "arguments": {"city": "Paris"}}}]}, {"role": "tool", "name": "get_weather", "content": "22"}, \
            {"role": "assistant", "content": "22 degrees"}]}
            {"prompt": "Q", "chosen": "good", "rejected": "bad"}
            {"messages": [{"role": "user", "content": "Who?"}], "chosen": "Lily.", "rejected": "Sky."}
            {"type": "ifeval", "prompt": "Describe Paris.", "instructions": [{"type": "all_lowercase"}, \
            {"type": "max_words", "n": 8}, {"type": "include_words", "words": ["a"]}]}
            {"type": "function_call", "prompt": "Weather in Paris?", \
            "tools": [{"name": "get_weather", "parameters": \
            {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", \
            "enum": ["c", "f"]}}, "required": ["city"]}}], "expected": {"name": "get_weather", \
            "arguments": {"city": ["Paris"], "unit": ["c", ""]}}}
            {"type": "qa", "prompt": "Which tower?", "passages": ["The Eiffel Tower."], "answers": ["Eiffel"]}
            {"context": "The sky is", "choices": [" blue", " green"], "gold": 0}
            {"text": "Once upon a time"}
            """;

    /** The seeds: each row alone, and a two-line SFT file. */
    static List<String> jsonlSeeds() {
        List<String> seeds =
                new java.util.ArrayList<>(JSONL_ROWS.lines().map(l -> l + "\n").toList());
        seeds.add("{\"prompt\": \"Once\", \"completion\": \" upon\"}\n{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        return seeds;
    }

    @Test
    void jsonlReaders() throws Exception {
        Path tokDir = Files.createDirectories(tmp.resolve("tok"));
        ByteTokenizerFiles.write(tokDir);
        Tokenizer tok = Tokenizers.fromTokenizerJson(tokDir.resolve("tokenizer.json"));
        var chats = new ChatExamples(ChatTemplates.builtIn("qwen2.5"), tok);
        List<byte[]> seeds = jsonlSeeds().stream().map(Seeds::utf8).toList();
        new Fuzzer("jsonl", seeds, tmp.resolve("data.jsonl"), 500).run(file -> {
            // every reader on every input: each accepts it or says what is wrong with it
            tryEach(
                    () -> AlignData.sft(file, tok, chats),
                    () -> AlignData.preferences(file, tok, ChatTemplates.builtIn("llama3")),
                    () -> AlignTaskFile.read(file),
                    () -> TaskFile.read(file),
                    () -> Corpus.read(file, "text", 1000),
                    () -> ChatExamples.readMessages(file));
        });
    }

    interface Read {
        Object read() throws Exception;
    }

    /**
     * Runs every reader; ModelFormatExceptions are expected of some, the first other failure is rethrown.
     * When every reader rejects the input, the last rejection is rethrown (the input counts as rejected).
     */
    static void tryEach(Read... readers) throws Exception {
        dev.topiary.format.ModelFormatException last = null;
        int accepted = 0;
        for (Read r : readers) {
            try {
                r.read();
                accepted++;
            } catch (dev.topiary.format.ModelFormatException e) {
                last = e;
            }
        }
        if (accepted == 0) throw last;
    }

    @Test
    void seedsAreValid() throws Exception {
        // the fuzzers start from files the readers accept (Fuzzer.run checks each seed, this names the format)
        for (byte[] s : Seeds.tokenizerJsons()) {
            Path f = Files.createDirectories(tmp.resolve("t" + s.length)).resolve("tokenizer.json");
            Files.write(f, s);
            exercise(Tokenizers.fromTokenizerJson(f));
        }
        Files.write(tmp.resolve("x.bin"), utf8("x"));
    }
}
