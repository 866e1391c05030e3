package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.SharedFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Any tokenizer written as tokenizer.json and read back encodes exactly as before. */
class TokenizerJsonWriterTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "models/stories260K/stories260K.bin",
                "models/stories260K/stories260K.gguf",
                "data/tokenizer-vectors/ggml-vocab-llama-spm.gguf",
                "data/tokenizer-vectors/ggml-vocab-gpt-2.gguf"
            })
    void roundTrip(String source) throws Exception {
        Tokenizer original = Tokenizers.load(SharedFiles.require(source));
        TokenizerJsonWriter.write(tmp, original);
        Tokenizer back = Tokenizers.load(tmp);
        assertThat(back.vocabSize()).isEqualTo(original.vocabSize());
        assertThat(back.bosId()).isEqualTo(original.bosId());
        assertThat(back.eosId()).isEqualTo(original.eosId());
        assertThat(back.addBosByDefault()).isEqualTo(original.addBosByDefault());
        Path inp = SharedFiles.require("data/tokenizer-vectors/ggml-vocab-gpt-2.gguf.inp");
        List<String> texts = new java.util.ArrayList<>(LlamaCppVectorsTokenizerTest.inputs(inp));
        for (String line :
                Files.readAllLines(SharedFiles.require("models/stories260K/reference/tokenizer_cases.jsonl")))
            texts.add(new ObjectMapper().readTree(line).get("text").asText());
        texts.addAll(Files.readAllLines(
                        SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"),
                        StandardCharsets.UTF_8)
                .stream()
                .limit(100)
                .toList());
        for (String s : texts) {
            int[] a = original.encode(s, true), b = back.encode(s, true);
            assertThat(ids(b)).as("%s: %s", source, s).isEqualTo(ids(a));
            assertThat(back.decode(b)).isEqualTo(original.decode(a));
        }
    }

    private static String ids(int[] a) {
        return Arrays.stream(a).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }
}
