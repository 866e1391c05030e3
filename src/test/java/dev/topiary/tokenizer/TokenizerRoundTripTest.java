// TokenizerRoundTripTest: decode(encode(x)) == x on real text for every tokenizer, token counts, and encoding speed.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TokenizerRoundTripTest {
    private static final String TINYSTORIES = "data/tinystories-valid-head/tinystories_valid_head.txt";
    private static final List<String> BOOKS =
            List.of("data/gutenberg-en/pg11.txt", "data/gutenberg-en/pg1342.txt", "data/gutenberg-en/pg1661.txt");

    static Stream<Arguments> tokenizers() {
        return Stream.of(
                Arguments.of("models/stories260K/tok512.bin"),
                Arguments.of("models/stories260K/stories260K.gguf"),
                Arguments.of("models/stories260K-hf"),
                Arguments.of("data/tokenizer-vectors/ggml-vocab-llama-spm.gguf"),
                Arguments.of("data/tokenizer-vectors/ggml-vocab-gpt-2.gguf"));
    }

    /**
     * Lines of the corpora (CRLF books keep their '\r'). SentencePiece tokenizers put one space in front
     * of the text and decode drops it again, so lines with leading spaces must survive too.
     */
    @ParameterizedTest
    @MethodSource("tokenizers")
    void decodeOfEncodeIsIdentityOnCorpusLines(String source) throws IOException {
        Tokenizer tok = Tokenizers.load(SharedFiles.require(source));
        List<String> lines = new ArrayList<>(firstLines(TINYSTORIES, 2000));
        for (String book : BOOKS) {
            lines.addAll(firstLines(book, 1000));
        }
        lines.addAll(List.of(
                "   leading spaces",
                " one",
                "trailing  ",
                "\ttab",
                "\u00a0nbsp",
                "emoji 🦙🦙 and 字",
                "mixed\r\nline ends\n\n",
                "<s> not special </s>",
                "<0x41> looks like a byte token"));
        List<String> failures = new ArrayList<>();
        for (String line : lines) {
            String back = tok.decode(tok.encode(line, true));
            if (!back.equals(line)) {
                failures.add("\"" + line + "\" -> \"" + back + "\"");
            }
        }
        assertThat(failures).as(source).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void decodeOfEncodeIsIdentityOnWholeChunks(String source) throws IOException {
        Tokenizer tok = Tokenizers.load(SharedFiles.require(source));
        for (String corpus : List.of(TINYSTORIES, BOOKS.get(2))) {
            String chunk = Files.readString(SharedFiles.require(corpus), StandardCharsets.UTF_8)
                    .substring(0, 50_000);
            assertThat(tok.decode(tok.encode(chunk, false))).isEqualTo(chunk);
        }
    }

    /** The corpus README gives the tok512 token count (non-empty lines encoded separately, no BOS). */
    @Test
    void tinyStoriesTokenCountMatchesTheReadme() throws IOException {
        Tokenizer tok = Tokenizers.load(SharedFiles.require("models/stories260K/tok512.bin"));
        long tokens = 0;
        for (String line : Files.readAllLines(SharedFiles.require(TINYSTORIES), StandardCharsets.UTF_8)) {
            tokens += line.isEmpty() ? 0 : tok.encode(line, false).length;
        }
        assertThat(tokens).isEqualTo(381_526);
    }

    /** Encodes the whole TinyStories head (794 KB) as one string; prints the time. */
    @ParameterizedTest
    @MethodSource("tokenizers")
    void encodesTheWholeTinyStoriesHeadQuickly(String source) throws IOException {
        Tokenizer tok = Tokenizers.load(SharedFiles.require(source));
        String text = Files.readString(SharedFiles.require(TINYSTORIES), StandardCharsets.UTF_8);
        tok.encode(text.substring(0, 100_000), false); // warm-up
        long t0 = System.nanoTime();
        int[] ids = tok.encode(text, false);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("encode %s: %d chars -> %d tokens in %d ms%n", source, text.length(), ids.length, ms);
        assertThat(ms).as("encode time of 794 KB (ms)").isLessThan(5_000);
    }

    /** A long word without spaces is one BPE word; merging must not be quadratic. */
    @ParameterizedTest
    @MethodSource("tokenizers")
    void longWordsAreNotQuadratic(String source) throws IOException {
        Tokenizer tok = Tokenizers.load(SharedFiles.require(source));
        StringBuilder sb = new StringBuilder();
        java.util.Random r = new java.util.Random(1);
        while (sb.length() < 300_000) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        String word = sb.toString();
        long t0 = System.nanoTime();
        int[] ids = tok.encode(word, false);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("encode %s: 300000-letter word -> %d tokens in %d ms%n", source, ids.length, ms);
        assertThat(tok.decode(ids)).isEqualTo(word);
        assertThat(ms).isLessThan(5_000);
    }

    private static List<String> firstLines(String relative, int n) throws IOException {
        String text = Files.readString(SharedFiles.require(relative), StandardCharsets.UTF_8);
        return Stream.of(text.split("\n")).filter(l -> !l.isEmpty()).limit(n).toList();
    }
}
