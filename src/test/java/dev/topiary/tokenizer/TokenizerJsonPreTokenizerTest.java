// TokenizerJsonPreTokenizerTest: tokenizer.json pre-tokenizers (Split, ByteLevel, Digits, Punctuation, Whitespace...).
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerJsonPreTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Awkward strings in the manner of llama.cpp's test vectors (no ASCII '~', whose class llama.cpp changes). */
    private static final List<String> TEXTS = List.of(
            "Hello, y'all! How are you 😁 ?我想在apple工作1314151天～",
            "ied 4 ½ months",
            "Führer",
            " discards",
            "Cửa Việt",
            "កាន់តែពិសេសអាចខលចេញ",
            "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n",
            "    Hello\n    Hello",
            "🚀 (normal) 😶\u200d🌫️ (multiple emojis) ✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 3.3 3..3 3...3",
            "нещо на Български ''''''```````\"\"\"\"......!!!!!!?????? I've been 'told he's there, 'RE you sure?"
                    + " 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL",
            "こんにちは世界 안녕하세요 .Net ..Net x<y a$b");

    @TempDir
    Path dir;

    private PreTokenizer load(ObjectNode preTokenizer) throws IOException {
        ObjectNode json = TokenizerJsonTokenizerTest.byteLevelJson(true, false);
        json.set("pre_tokenizer", preTokenizer);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), json);
        return ((BpeTokenizer) Tokenizers.load(dir)).options().preTokenizer();
    }

    private static List<String> split(PreTokenizer p, String text) {
        List<String> out = new ArrayList<>();
        p.split(text, true, out);
        return out;
    }

    private static ObjectNode node(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    private static ObjectNode regexSplit(String regex, String behavior) {
        ObjectNode n = node("Split").put("behavior", behavior).put("invert", false);
        n.putObject("pattern").put("Regex", regex);
        return n;
    }

    private static ObjectNode sequence(ObjectNode... steps) {
        ObjectNode seq = node("Sequence");
        ArrayNode list = seq.putArray("pretokenizers");
        for (ObjectNode s : steps) {
            list.add(s);
        }
        return seq;
    }

    /**
     * A Sequence of Isolated Splits with a row's regexes and a final ByteLevel without regex, as Hugging Face
     * folders of these models carry them, splits the test strings as llama.cpp does from the GGUF name.
     */
    @Test
    void splitSequencesReadTheSameAsTheGgufNames() throws IOException {
        for (String name : List.of(
                "deepseek-coder",
                "deepseek-llm",
                "deepseek-v3",
                "falcon",
                "refact",
                "qwen2",
                "llama-bpe",
                "gpt-2",
                "default",
                "bloom",
                "viking",
                "superbpe",
                "chameleon",
                "seed-coder",
                "minicpm5")) {
            PreTokenizerType type = PreTokenizerType.byName(name).orElseThrow();
            ArrayNode steps = JSON.createArrayNode();
            for (String regex : type.regexes()) {
                steps.add(regexSplit(
                        regex.equals(PreTokenizerType.GPT2_PATTERN) ? PreTokenizer.GPT2 : regex, "Isolated"));
            }
            steps.addObject()
                    .put("type", "ByteLevel")
                    .put("add_prefix_space", false)
                    .put("use_regex", false);
            ObjectNode seq = node("Sequence");
            seq.set("pretokenizers", steps);
            PreTokenizer fromJson = load(seq);
            for (String text : TEXTS) {
                List<String> llamaCpp = type.splitter().split(text).stream()
                        .map(ByteLevel::encode)
                        .toList();
                assertThat(split(fromJson, text)).as("%s on %s", name, text).isEqualTo(llamaCpp);
            }
        }
    }

    @Test
    void byteLevelWithAndWithoutItsRegex() throws IOException {
        ObjectNode withRegex = node("ByteLevel").put("add_prefix_space", true).put("use_regex", true);
        assertThat(split(load(withRegex), "Hello world's\n")).containsExactly("ĠHello", "Ġworld", "'s", "Ċ");
        ObjectNode whole = node("ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        assertThat(split(load(whole), "Hello world")).containsExactly("HelloĠworld");
    }

    @Test
    void splitBehaviorsStringPatternsAndInvert() throws IOException {
        ObjectNode removed = node("Split").put("behavior", "Removed").put("invert", false);
        removed.putObject("pattern").put("String", ".");
        assertThat(split(load(removed), "a.b..c")).containsExactly("a", "b", "c");
        ObjectNode contiguous = node("Split").put("behavior", "Contiguous").put("invert", false);
        contiguous.putObject("pattern").put("String", ".");
        assertThat(split(load(contiguous), "a.b..c")).containsExactly("a", ".", "b", "..", "c");
        ObjectNode next = regexSplit("\\s", "MergedWithNext");
        assertThat(split(load(next), "the final countdown")).containsExactly("the", " final", " countdown");
        ObjectNode inverted = regexSplit("\\p{L}+", "Removed").put("invert", true);
        assertThat(split(load(inverted), "ab, cd!")).containsExactly("ab", "cd");
    }

    @Test
    void digitsPunctuationAndWhitespace() throws IOException {
        assertThat(split(load(node("Digits").put("individual_digits", true)), "a123b"))
                .containsExactly("a", "1", "2", "3", "b");
        assertThat(split(load(node("Digits").put("individual_digits", false)), "a123b½"))
                .as("½ is a number too")
                .containsExactly("a", "123", "b", "½");
        assertThat(split(load(node("Punctuation")), "Hey!! ~x「y」"))
                .containsExactly("Hey", "!", "!", " ", "~", "x", "「", "y", "」");
        assertThat(split(load(node("Punctuation").put("behavior", "Contiguous")), "Hey!!?"))
                .containsExactly("Hey", "!!?");
        assertThat(split(load(node("Whitespace")), "Hey friend!  How are you?!?\u3000ok"))
                .containsExactly("Hey", "friend", "!", "How", "are", "you", "?!?", "ok");
        assertThat(split(load(node("WhitespaceSplit")), "Hey friend!\u00a0 How\n"))
                .containsExactly("Hey", "friend!", "How");
    }

    @Test
    void metaspaceInASequenceWithDigits() throws IOException {
        ObjectNode meta = node("Metaspace")
                .put("replacement", "\u2581")
                .put("prepend_scheme", "always")
                .put("split", true);
        PreTokenizer p = load(sequence(meta, node("Digits").put("individual_digits", true)));
        assertThat(split(p, "hi 42")).containsExactly("\u2581hi", "\u2581", "4", "2");
    }

    @Test
    void scriptPropertiesAndEmptyMatches() throws IOException {
        assertThat(split(load(regexSplit("\\p{Han}+|\\p{Hiragana}+", "Isolated")), "ab漢字ひらがなcd"))
                .containsExactly("ab", "漢字", "ひらがな", "cd");
        assertThat(split(load(regexSplit(PreTokenizerType.KIMI_K2_MARKER, "Isolated")), "你好abc's 12345"))
                .containsExactly("你好", "abc's", " ", "123", "45");
        assertThat(split(load(regexSplit("(?=(\\d{3})+(?!\\d))", "Isolated")), "1234567"))
                .as("an empty match still splits")
                .containsExactly("1", "234", "567");
        assertThat(PreTokenizer.javaProperties("\\p{L}\\P{Han}[\\p{Latin}&&[^\\p{Lu}]]\\\\p{Han}"))
                .isEqualTo("\\p{L}\\P{IsHan}[\\p{IsLatin}&&[^\\p{Lu}]]\\\\p{Han}");
    }
}
