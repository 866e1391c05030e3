// LlamaCppVectorsTokenizerTest: every string of llama.cpp's tokenizer test vectors, encoded from the GGUF vocabularies.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import dev.topiary.format.GgufFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * data/tokenizer-vectors: {@code X.gguf.inp} holds the strings separated by
 * {@code "\n__ggml_vocab_test__\n"} (the file also ends with one), {@code X.gguf.out} one line of expected
 * ids per string, encoded without BOS/EOS.
 */
class LlamaCppVectorsTokenizerTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ggml-vocab-llama-spm.gguf",
                "ggml-vocab-gpt-2.gguf",
                "ggml-vocab-deepseek-coder.gguf",
                "ggml-vocab-falcon.gguf",
                "ggml-vocab-mpt.gguf",
                "ggml-vocab-refact.gguf"
            })
    void everyVectorLineMatches(String vocabFile) throws IOException {
        Path gguf = SharedFiles.require("data/tokenizer-vectors/" + vocabFile);
        List<String> inputs = inputs(gguf.resolveSibling(vocabFile + ".inp"));
        List<String> expected = Files.readAllLines(gguf.resolveSibling(vocabFile + ".out"), StandardCharsets.UTF_8);
        assertThat(inputs).hasSize(46);
        Tokenizer tok;
        String pre;
        try (GgufFile g = GgufFile.open(gguf)) {
            tok = Tokenizers.fromGguf(g);
            pre = g.optionalString("tokenizer.ggml.pre").orElse(null);
        }
        if (tok instanceof BpeTokenizer) {
            assertThat(PreTokenizerType.byName(TokenizerExport.of(tok).pre()))
                    .as("exported pre-tokenizer")
                    .isEqualTo(PreTokenizerType.byName(pre));
        }
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String want = expected.get(i).strip();
            String got = join(tok.encode(inputs.get(i), false));
            if (!got.equals(want)) {
                failures.add("line " + (i + 1) + " text " + quote(inputs.get(i)) + "\n  expected [" + want
                        + "]\n  actual   [" + got + "]");
            }
        }
        assertThat(failures).as(vocabFile + ": lines that differ").isEmpty();
    }

    /** An HF folder written from a byte-level GGUF vocabulary encodes every test string as llama.cpp does. */
    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-deepseek-coder.gguf", "ggml-vocab-falcon.gguf"})
    void tokenizerJsonWrittenFromTheGgufMatches(String vocabFile, @TempDir Path dir) throws IOException {
        Path gguf = SharedFiles.require("data/tokenizer-vectors/" + vocabFile);
        List<String> inputs = inputs(gguf.resolveSibling(vocabFile + ".inp"));
        List<String> expected = Files.readAllLines(gguf.resolveSibling(vocabFile + ".out"), StandardCharsets.UTF_8);
        try (GgufFile g = GgufFile.open(gguf)) {
            TokenizerJsonWriter.write(dir, Tokenizers.fromGguf(g));
        }
        Tokenizer tok = Tokenizers.load(dir);
        for (int i = 0; i < inputs.size(); i++) {
            assertThat(join(tok.encode(inputs.get(i), false)))
                    .as("line %d %s", i + 1, quote(inputs.get(i)))
                    .isEqualTo(expected.get(i).strip());
        }
    }

    /** The test strings: split at the separator; the file ends with one, so the last (empty) part is not a string. */
    static List<String> inputs(Path inp) throws IOException {
        String all = Files.readString(inp, StandardCharsets.UTF_8);
        assertThat(all).endsWith(SEPARATOR);
        return Arrays.asList(all.substring(0, all.length() - SEPARATOR.length()).split(SEPARATOR, -1));
    }

    private static String join(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(sb.isEmpty() ? "" : " ").append(id);
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }
}
