// Stories260KTokenizerTest: the stories260K vocabulary in all three formats gives run.c's ids, and agrees with itself.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Stories260KTokenizerTest {
    /** The three sources of the same 512-piece vocabulary. */
    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of("models/stories260K/tok512.bin"),
                Arguments.of("models/stories260K/stories260K.gguf"),
                Arguments.of("models/stories260K-hf"));
    }

    static Tokenizer load(String relative) throws IOException {
        return Tokenizers.load(SharedFiles.require(relative));
    }

    @ParameterizedTest
    @MethodSource("formats")
    void encodesTheReferenceCasesLikeRunC(String source) throws IOException {
        Tokenizer tok = load(source);
        List<String> failures = new ArrayList<>();
        for (JsonNode c : cases()) {
            String text = c.path("text").asText();
            int[] expected = new ObjectMapper().convertValue(c.path("ids_with_bos"), int[].class);
            int[] actual = tok.encode(text, true);
            if (!Arrays.equals(actual, expected)) {
                failures.add(
                        text + "\n  expected " + Arrays.toString(expected) + "\n  actual   " + Arrays.toString(actual));
            }
            assertThat(tok.encode(text, false)).containsExactly(Arrays.copyOfRange(expected, 1, expected.length));
            assertThat(tok.decode(actual)).as("decode(encode(%s))", text).isEqualTo(text);
        }
        assertThat(failures).as(source).isEmpty();
    }

    @Test
    void theThreeFormatsHaveTheSameVocabulary() throws IOException {
        Tokenizer bin = load("models/stories260K/tok512.bin");
        Tokenizer gguf = load("models/stories260K/stories260K.gguf");
        Tokenizer hf = load("models/stories260K-hf");
        for (Tokenizer t : List.of(bin, gguf, hf)) {
            assertThat(t.vocabSize()).isEqualTo(512);
            assertThat(t.bosId()).isEqualTo(1);
            assertThat(t.eosId()).isEqualTo(2);
            assertThat(t.addBosByDefault()).isTrue();
            assertThat(t.piece(1)).isEqualTo("<s>");
            assertThat(t.piece(13)).isEqualTo("<0x0A>");
            assertThat(t.id("\u2581")).hasValue(410);
        }
        for (int id = 0; id < 512; id++) {
            assertThat(bin.piece(id)).isEqualTo(gguf.piece(id)).isEqualTo(hf.piece(id));
        }
    }

    @ParameterizedTest
    @MethodSource("formats")
    void parsesSpecialTokensOnlyWhenAsked(String source) throws IOException {
        Tokenizer tok = load(source);
        int[] hi = tok.encode("hi", false);
        int[] parsed = tok.encode("<s>hi</s>", false, true);
        assertThat(parsed[0]).isEqualTo(1);
        assertThat(parsed[parsed.length - 1]).isEqualTo(2);
        assertThat(Arrays.copyOfRange(parsed, 1, parsed.length - 1)).containsExactly(hi);
        assertThat(tok.decode(parsed)).isEqualTo("hi");

        int[] plain = tok.encode("<s>hi</s>", false, false);
        assertThat(plain).doesNotContain(1, 2);
        assertThat(tok.encode("<s>hi</s>", false)).containsExactly(plain);
        assertThat(tok.decode(plain)).isEqualTo("<s>hi</s>");
    }

    @ParameterizedTest
    @MethodSource("formats")
    void streamDecodingHoldsBackSplitCharacters(String source) throws IOException {
        Tokenizer tok = load(source);
        String text = "Ünïcödé → 字 🙂 and more: ßø日本語 🦙!";
        int[] ids = tok.encode(text, true);
        StreamDecoder stream = tok.streamDecoder();
        StringBuilder sb = new StringBuilder();
        int heldBack = 0;
        for (int id : ids) {
            String part = stream.next(id);
            heldBack += part.isEmpty() ? 1 : 0;
            assertThat(part).doesNotContain("\uFFFD");
            sb.append(part);
        }
        sb.append(stream.flush());
        assertThat(sb.toString()).isEqualTo(tok.decode(ids)).isEqualTo(text);
        assertThat(heldBack)
                .as("byte tokens of multi-byte characters are held back")
                .isGreaterThan(5);
    }

    private static List<JsonNode> cases() throws IOException {
        Path jsonl = SharedFiles.require("models/stories260K/reference/tokenizer_cases.jsonl");
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            if (!line.isBlank()) {
                out.add(json.readTree(line));
            }
        }
        assertThat(out).hasSize(9);
        return out;
    }
}
