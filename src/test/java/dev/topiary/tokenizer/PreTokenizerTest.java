// PreTokenizerTest: the GPT-2 / Llama 3 / Qwen2 regexes and the Split, Metaspace and ByteLevel pre-tokenizers.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PreTokenizerTest {
    private static List<String> split(PreTokenizer p, String text) {
        List<String> out = new ArrayList<>();
        p.split(text, true, out);
        return out;
    }

    private static List<String> regex(String pattern, String text) {
        return split(
                new PreTokenizer.Split(PreTokenizer.compile(pattern), PreTokenizer.Behavior.ISOLATED, false), text);
    }

    private static final String SAMPLE = "Hello world 12345 don't DON'T\n\n  x\u00a0y";

    @Test
    void gpt2Regex() {
        assertThat(regex(PreTokenizer.GPT2, SAMPLE))
                .containsExactly(
                        "Hello", " world", " 12345", " don", "'t", " DON", "'", "T", "\n\n ", " x", "\u00a0", "y");
    }

    @Test
    void llama3Regex() {
        assertThat(regex(PreTokenizer.LLAMA3, SAMPLE))
                .containsExactly(
                        "Hello", " world", " ", "123", "45", " don", "'t", " DON", "'T", "\n\n", " ", " x", "\u00a0y");
    }

    @Test
    void qwen2Regex() {
        assertThat(regex(PreTokenizer.QWEN2, SAMPLE))
                .containsExactly(
                        "Hello", " world", " ", "1", "2", "3", "4", "5", " don", "'t", " DON", "'T", "\n\n", " ", " x",
                        "\u00a0y");
    }

    @Test
    void trailingWhitespaceStaysTogether() {
        assertThat(regex(PreTokenizer.GPT2, "a   ")).containsExactly("a", "   ");
        assertThat(regex(PreTokenizer.LLAMA3, "a \t\n")).containsExactly("a", " \t\n");
    }

    @Test
    void splitBehaviours() {
        Pattern dash = Pattern.compile("-");
        String text = "the-final--countdown";
        assertThat(split(new PreTokenizer.Split(dash, PreTokenizer.Behavior.REMOVED, false), text))
                .containsExactly("the", "final", "countdown");
        assertThat(split(new PreTokenizer.Split(dash, PreTokenizer.Behavior.ISOLATED, false), text))
                .containsExactly("the", "-", "final", "-", "-", "countdown");
        assertThat(split(new PreTokenizer.Split(dash, PreTokenizer.Behavior.MERGED_WITH_PREVIOUS, false), text))
                .containsExactly("the-", "final-", "-", "countdown");
        assertThat(split(new PreTokenizer.Split(dash, PreTokenizer.Behavior.MERGED_WITH_NEXT, false), text))
                .containsExactly("the", "-final", "-", "-countdown");
        assertThat(split(new PreTokenizer.Split(dash, PreTokenizer.Behavior.CONTIGUOUS, false), text))
                .containsExactly("the", "-", "final", "--", "countdown");
        assertThat(split(new PreTokenizer.Split(Pattern.compile("[a-z]+"), PreTokenizer.Behavior.REMOVED, true), text))
                .containsExactly("the", "final", "countdown");
    }

    @Test
    void metaspace() {
        var always = new PreTokenizer.Metaspace('\u2581', PreTokenizer.Metaspace.Prepend.ALWAYS, true);
        assertThat(split(always, "hey  friend")).containsExactly("\u2581hey", "\u2581", "\u2581friend");
        var first = new PreTokenizer.Metaspace('\u2581', PreTokenizer.Metaspace.Prepend.FIRST, false);
        List<String> notFirst = new ArrayList<>();
        first.split("hi there", false, notFirst);
        assertThat(notFirst).containsExactly("hi\u2581there");
        assertThat(split(first, "hi there")).containsExactly("\u2581hi\u2581there");
    }

    @Test
    void byteLevelSpellsBytesAsGpt2Characters() {
        var byteLevel = new PreTokenizer.ByteLevelWords(true, true);
        assertThat(split(byteLevel, "Hello world\n€")).containsExactly("ĠHello", "Ġworld", "Ċ", "âĤ¬");
        assertThat(ByteLevel.decode("âĤ¬Ġ")).containsExactly(0xE2, 0x82, 0xAC, 0x20);
        assertThat(ByteLevel.decode("日")).isNull();
    }
}
