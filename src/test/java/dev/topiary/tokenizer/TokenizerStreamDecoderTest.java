// TokenizerStreamDecoderTest: streaming decode equals decode, with characters split over byte tokens held back.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenizerStreamDecoderTest {
    private static Tokenizer load(String vocab) throws IOException {
        return Tokenizers.load(SharedFiles.require("data/tokenizer-vectors/" + vocab));
    }

    /** Every llama.cpp test string (emoji, CJK, Khmer, Cyrillic...): the streamed pieces add up to decode. */
    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf"})
    void streamedTextEqualsDecode(String vocab) throws IOException {
        Tokenizer tok = load(vocab);
        Path inp = SharedFiles.require("data/tokenizer-vectors/" + vocab + ".inp");
        for (String text : LlamaCppVectorsTokenizerTest.inputs(inp)) {
            int[] ids = tok.encode(text, true);
            StreamDecoder stream = tok.streamDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String part = stream.next(id);
                assertThat(part).as("no half characters").doesNotContain("\uFFFD");
                sb.append(part);
            }
            assertThat(stream.flush()).isEmpty();
            assertThat(sb.toString()).isEqualTo(tok.decode(ids)).isEqualTo(text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf"})
    void bytesOfOneCharacterAreHeldUntilComplete(String vocab) throws IOException {
        Tokenizer tok = load(vocab);
        int[] ids = tok.encode("🦙", false);
        StreamDecoder stream = tok.streamDecoder();
        List<String> parts = Arrays.stream(ids).mapToObj(stream::next).toList();
        assertThat(parts.getLast()).isEqualTo("🦙");
        assertThat(parts.subList(0, parts.size() - 1)).isNotEmpty().allMatch(String::isEmpty);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf"})
    void flushEmitsAnUnfinishedCharacterAsReplacement(String vocab) throws IOException {
        Tokenizer tok = load(vocab);
        int[] ids = tok.encode("a🦙", false);
        StreamDecoder stream = tok.streamDecoder();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.length - 1; i++) {
            sb.append(stream.next(ids[i]));
        }
        assertThat(sb.toString()).isEqualTo("a");
        assertThat(stream.flush()).isEqualTo("\uFFFD");
        assertThat(stream.flush()).isEmpty();
    }
}
