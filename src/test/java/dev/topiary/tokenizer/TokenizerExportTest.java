// TokenizerExportTest: every kind of tokenizer, exported to GGUF metadata and read back, encodes as before.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.SharedFiles;
import dev.topiary.format.GgufFile;
import dev.topiary.format.GgufWriter;
import dev.topiary.io.GgufExport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenizerExportTest {
    @TempDir
    Path dir;

    /** Writes the vocabulary alone (no tensors) with GgufWriter and reads it back as a tokenizer. */
    private Tokenizer roundTrip(TokenizerExport.Vocab v) throws IOException {
        GgufWriter g = new GgufWriter();
        g.putString("general.architecture", "llama");
        GgufExport.putTokenizer(g, v, v.size());
        Path file = dir.resolve("vocab.gguf");
        g.write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.tensors()).isEmpty();
            return Tokenizers.fromGguf(f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-gpt-2.gguf", "ggml-vocab-llama-spm.gguf"})
    void llamaCppVocabulariesSurviveTheRoundTrip(String vocabFile) throws IOException {
        Path gguf = SharedFiles.require("data/tokenizer-vectors/" + vocabFile);
        Tokenizer source = Tokenizers.load(gguf);
        TokenizerExport.Vocab v = TokenizerExport.of(source);
        try (GgufFile f = GgufFile.open(gguf)) {
            assertThat(v.tokens()).isEqualTo(f.stringArray("tokenizer.ggml.tokens"));
            assertThat(v.types()).containsExactly(f.intArray("tokenizer.ggml.token_type"));
            assertThat(v.model()).isEqualTo(f.string("tokenizer.ggml.model"));
            if (v.model().equals("gpt2")) {
                assertThat(v.pre()).isEqualTo("gpt-2");
                assertThat(v.merges()).isEqualTo(f.stringArray("tokenizer.ggml.merges"));
                assertThat(v.scores()).isNull();
            } else {
                assertThat(v.pre()).isNull();
                assertThat(v.merges()).isEmpty();
                assertThat(v.scores()).containsExactly(f.floatArray("tokenizer.ggml.scores"));
                assertThat(v.addSpacePrefix()).isTrue();
            }
        }
        Tokenizer back = roundTrip(v);
        List<String> inputs = LlamaCppVectorsTokenizerTest.inputs(gguf.resolveSibling(vocabFile + ".inp"));
        List<String> expected = Files.readAllLines(gguf.resolveSibling(vocabFile + ".out"), StandardCharsets.UTF_8);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String got = String.join(
                    " ",
                    Arrays.stream(back.encode(inputs.get(i), false))
                            .mapToObj(Integer::toString)
                            .toList());
            if (!got.equals(expected.get(i).strip()))
                failures.add(
                        "line " + (i + 1) + ": expected [" + expected.get(i).strip() + "] got [" + got + "]");
        }
        assertThat(failures).as(vocabFile).isEmpty();
        assertThat(back.bosId()).isEqualTo(source.bosId());
        assertThat(back.eosId()).isEqualTo(source.eosId());
        assertThat(back.addBosByDefault()).isEqualTo(source.addBosByDefault());
    }

    @Test
    void sentencePieceKeepsItsScores() throws IOException {
        Tokenizer tok = Tokenizers.load(SharedFiles.require("models/stories260K/tok512.bin"));
        TokenizerExport.Vocab v = TokenizerExport.of(tok);
        assertThat(v.model()).isEqualTo("llama");
        assertThat(v.size()).isEqualTo(512);
        assertThat(v.scores()[300]).isEqualTo(-41f);
        assertThat(v.types()).startsWith(2, 3, 3, 6);
        assertThat(v.types()[259]).isEqualTo(1);
        assertThat(List.of(v.bos(), v.eos(), v.unk())).containsExactly(1, 2, 0);
        assertThat(v.addBos()).isTrue();
        assertThat(v.addSpacePrefix()).isTrue();
    }

    /**
     * stories260K-hf's tokenizer.json is rank-driven BPE; exported as a score-driven SentencePiece vocabulary it
     * must give the same ids: on the reference cases and on TinyStories lines.
     */
    @Test
    void sentencePieceFlavouredBpeExportsAsLlamaWithDerivedScores() throws IOException {
        Tokenizer bpe = Tokenizers.load(SharedFiles.require("models/stories260K-hf"));
        TokenizerExport.Vocab v = TokenizerExport.of(bpe);
        assertThat(v.model()).isEqualTo("llama");
        assertThat(v.pre()).isNull();
        assertThat(v.merges()).isEmpty();
        assertThat(v.addSpacePrefix()).isTrue();
        assertThat(v.addBos()).isTrue();
        assertThat(v.scores()[bpe.id("\u2581t").orElseThrow()]).isEqualTo(0f); // merge 0: "▁ t"
        assertThat(v.scores()[bpe.id("he").orElseThrow()]).isEqualTo(-1f); // merge 1: "h e"
        assertThat(v.scores()[bpe.id("<0x41>").orElseThrow()]).isEqualTo(0f); // byte pieces
        Tokenizer spm = roundTrip(v);
        assertThat(spm).isInstanceOf(SentencePieceTokenizer.class);
        for (JsonNode c : cases()) {
            String text = c.path("text").asText();
            int[] ids = new ObjectMapper().convertValue(c.path("ids_with_bos"), int[].class);
            assertThat(spm.encode(text, true)).as(text).containsExactly(ids);
            assertThat(spm.decode(ids)).isEqualTo(text);
        }
        Path stories = SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt");
        List<String> lines = Files.readAllLines(stories, StandardCharsets.UTF_8);
        int compared = 0;
        for (String line : lines.subList(0, Math.min(lines.size(), 3000))) {
            assertThat(spm.encode(line, true)).as(line).containsExactly(bpe.encode(line, true));
            compared++;
        }
        assertThat(compared).isGreaterThan(100);
    }

    static List<JsonNode> cases() throws IOException {
        Path f = SharedFiles.require("models/stories260K/reference/tokenizer_cases.jsonl");
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8))
            if (!line.isBlank()) out.add(new ObjectMapper().readTree(line));
        return out;
    }
}
