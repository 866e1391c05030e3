// PreTokenizerTypeTest: every row of llama.cpp's pre-tokenizer table on strings that tell the flavours apart.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The expected words are worked out from the regexes by hand (llama.cpp applies them in sequence, each
 * to the pieces of the one before; the text between two matches is a piece too). The strings pick what
 * separates the rows: digits alone, in threes or in runs; contractions and their case; CJK runs; runs of
 * spaces and newlines; emoji and punctuation.
 */
class PreTokenizerTypeTest {
    private static final String SAMPLE = "Hello world's 12345 I'M";

    private static List<String> split(String pre, String text) {
        return PreTokenizerType.byName(pre).orElseThrow().splitter().split(text);
    }

    private static void assertSplit(String pre, String text, String... words) {
        assertThat(split(pre, text))
                .as("%s on \"%s\"", pre, text.replace("\n", "\\n"))
                .containsExactly(words);
    }

    @Test
    void defaultCutsPunctuationThenDigitRunsInThrees() {
        assertSplit("default", "don't 12345", "don", "'", "t", " ", "123", "45");
        assertSplit("default", "🦙🚀!! x~y", "🦙🚀", "!!", " x", "~", "y");
    }

    @Test
    void gpt2KeepsDigitRunsAndLowerCaseContractions() {
        for (String name : List.of("gpt-2", "gpt2", "mpt", "olmo", "jais", "phi-2", "trillion", "exaone4")) {
            assertSplit(name, SAMPLE, "Hello", " world", "'s", " 12345", " I", "'", "M");
        }
        assertSplit("gpt-2", "a  \n\n b\t", "a", "  \n\n", " b", "\t");
        assertSplit("gpt-2", "🦙🚀!! x~y", "🦙🚀!!", " x", "~", "y");
    }

    @Test
    void llama3TakesDigitsInThreesAndContractionsOfEitherCase() {
        for (String name : List.of("llama-bpe", "llama3", "falcon3", "pixtral", "dbrx", "smaug-bpe", "glm4")) {
            assertSplit(name, SAMPLE, "Hello", " world", "'s", " ", "123", "45", " I", "'M");
        }
        assertSplit("llama3", " x~y", " x", "~y");
        assertSplit("llama3", "a \t\n\n  b", "a", " \t\n\n", " ", " b");
        assertThat(PreTokenizerType.byName("llama-bpe").orElseThrow().ignoreMerges())
                .isTrue();
        assertThat(PreTokenizerType.byName("llama-bpe").orElseThrow().addBos()).isTrue();
        assertThat(PreTokenizerType.byName("dbrx").orElseThrow().ignoreMerges()).isFalse();
        assertThat(PreTokenizerType.byName("dbrx").orElseThrow().addBos()).isFalse();
    }

    @Test
    void jais2CutsWhiteSpaceIntoPowersOfTwo() {
        String tenSpaces = " ".repeat(10);
        assertSplit("jais-2", "a" + tenSpaces + "b", "a", " ".repeat(8), " ", " b");
        assertSplit("llama3", "a" + tenSpaces + "b", "a", " ".repeat(9), " b");
    }

    @Test
    void qwen2FamilyTakesDigitsAlone() {
        for (String name : List.of("qwen2", "deepseek-r1-qwen", "stablelm2", "hunyuan", "megrez", "grok-2")) {
            assertSplit(name, SAMPLE, "Hello", " world", "'s", " ", "1", "2", "3", "4", "5", " I", "'M");
        }
        assertSplit("qwen2", "cafe\u0301s", "cafe", "\u0301s");
        assertSplit("qwen35", "cafe\u0301s", "cafe\u0301s");
        assertSplit("ufakzeka", "İstanbul'da", "İstanbul", "'da");
        assertSplit("qwen2", "İstanbul'da", "İstanbul", "'d", "a");
        assertSplit("laguna", "a  \n\n b", "a", "  ", "\n\n", " b");
        assertSplit("qwen2", "a  \n\n b", "a", "  \n\n", " b");
    }

    @Test
    void minicpm5TakesDigitsInThreesAndWholeWords() {
        assertSplit("minicpm5", "12345 abc", "123", "45", " abc");
        assertThat(PreTokenizerType.byName("minicpm5").orElseThrow().ignoreMerges())
                .isTrue();
    }

    @Test
    void deepseekLlmSplitsNewlinesCjkAndDigitRuns() {
        assertSplit("deepseek-llm", "你好世界abc こんにちは", "你好世界", "abc", " ", "こんにちは");
        assertSplit("deepseek-llm", "a  \n\n b\t", "a", "  ", "\n", "\n", " b", "\t");
        assertSplit("deepseek-llm", "Hello 12345", "Hello", " ", "12345");
    }

    @Test
    void deepseekCoderTakesDigitsAloneAndCjkApart() {
        assertSplit("deepseek-coder", "Hello 12345, 你好", "Hello", " ", "1", "2", "3", "4", "5", ",", " ", "你好");
        assertSplit(
                "deepseek-coder", SAMPLE, "Hello", " world", "'", "s", " ", "1", "2", "3", "4", "5", " I", "'", "M");
    }

    @Test
    void deepseekV3FamilyTakesDigitsInThreesAndCjkRuns() {
        for (String name : List.of("deepseek-v3", "hunyuan-dense", "hy_v4", "joyai-llm")) {
            assertSplit(name, "12345你好abc", "123", "45", "你好", "abc");
        }
        assertSplit("deepseek-v3", ".Net ..Net", ".Net", " ..", "Net");
        assertSplit("spark2_5", "12345\n\n", "1", "2", "3", "4", "5", "\n", "\n");
    }

    @Test
    void youtuSplitsHangulAndKeepsContractions() {
        assertSplit("youtu", "I'm 안녕하세요hello", "I'm", " ", "안녕하세요", "hello");
    }

    @Test
    void falconCutsPunctuationAndDigitThrees() {
        assertSplit("falcon", "3.14159 x", "3", ".", "141", "59", " x");
        assertSplit("falcon", "a<b", "a", "<", "b");
    }

    @Test
    void starcoderFamilyTakesDigitsAlone() {
        for (String name : List.of("starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b")) {
            assertSplit(name, "x 2024", "x", " ", "2", "0", "2", "4");
        }
    }

    @Test
    void bloomSplitsAtWhiteSpaceAndSentenceMarks() {
        for (String name : List.of("bloom", "poro-chat", "gpt3-finnish")) {
            assertSplit(name, "Hello, world! 你好。", "Hello", ",", " world", "!", " 你好", "。");
        }
        assertSplit("bloom", SAMPLE, "Hello", " world's", " 12345", " I'M");
        assertSplit("viking", "Hello 2024", "Hello", " ", "2", "0", "2", "4");
    }

    @Test
    void tekkenAndGpt4oSplitCamelCase() {
        assertSplit("tekken", "HelloWORLDFoo", "Hello", "WORLDFoo");
        assertSplit("tekken", "ÉcoleABCdef 3.14", "École", "ABCdef", " ", "3", ".", "1", "4");
        assertSplit("gpt-4o", "ÉcoleABCdef 3.14", "École", "ABCdef", " ", "3", ".", "14");
        for (String name : List.of("gpt-4o", "llama4", "minimax-m2")) {
            assertSplit(name, SAMPLE, "Hello", " world's", " ", "123", "45", " I'M");
        }
        assertSplit("gpt-4o", "cafe\u0301", "cafe", "\u0301");
        assertSplit("granite-embed-multi-97m", "cafe\u0301", "cafe\u0301");
    }

    @Test
    void chameleonIsolatesTabsSpacePairsAndPunctuation() {
        assertSplit("chameleon", "a  b\tc", "a", "  ", "b", "\t", "c");
        assertSplit("chameleon", "!! 12", "!", "!", " ", "1", "2");
    }

    @Test
    void tinyAyaGroupsDigitsInThreesFromTheRight() {
        assertSplit("tiny_aya", "1234567", "1", "234", "567");
        assertSplit("tiny_aya", SAMPLE, "Hello", " world's", " ", "12", "345", " I'M");
    }

    @Test
    void tinyAyaNeedsAWordBoundaryAfterTheDigits() {
        assertSplit("tiny_aya", "12345abc", "123", "45", "abc");
        assertSplit("tiny_aya", "12345 abc", "12", "345", " abc");
        assertSplit("tiny_aya", "x12345.", "x", "12", "345", ".");
    }

    /** The digit lookaheads are split by hand; a plain Java regex over the same text must agree. */
    @Test
    void handWrittenDigitLookaheadsMatchTheirRegexes() {
        String[] alphabet = {"1", "2", "3", "a", "_", "é", " ", ".", "½", "٣"};
        Random r = new Random(3);
        for (String regex : List.of(
                PreTokenizerType.Patterns.DIGITS_FROM_THE_RIGHT, PreTokenizerType.Patterns.THREES_END_THE_RUN)) {
            var plain = new PreTokenizer.Split(Pattern.compile(regex), PreTokenizer.Behavior.ISOLATED, false);
            LlamaCppSplitter hand = new LlamaCppSplitter(List.of(regex));
            for (int n = 0; n < 3000; n++) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0, len = 1 + r.nextInt(14); i < len; i++) {
                    sb.append(alphabet[r.nextInt(alphabet.length)]);
                }
                List<String> want = new ArrayList<>();
                plain.split(sb.toString(), true, want);
                assertThat(hand.split(sb.toString())).as("%s on %s", regex, sb).isEqualTo(want);
            }
        }
    }

    /** Long letter and digit runs: no recursion per character (no StackOverflowError), no quadratic time. */
    @Test
    void longRunsSplitQuickly() {
        String letters = "aB".repeat(100_000);
        String digits = "7".repeat(200_003);
        long start = System.nanoTime();
        for (String name : List.of("tekken", "gpt-4o", "granite-embed-multi-97m", "exaone-moe", "youtu", "tiny_aya")) {
            assertThat(String.join("", split(name, letters + " " + letters)))
                    .as(name)
                    .hasSize(400_001);
        }
        assertThat(split("exaone-moe", "ab ".repeat(100_000))).hasSize(2);
        assertThat(split("tiny_aya", digits)).hasSize(66_668).startsWith("77", "777");
        assertThat(split("superbpe", digits)).hasSize(66_668).startsWith("77", "777");
        assertThat(split("afmoe", digits)).hasSize(66_668);
        String mixed = "aé".repeat(30_000)
                + "7".repeat(30_000)
                + " ".repeat(30_000)
                + "!".repeat(30_000)
                + "\n".repeat(30_000)
                + "你".repeat(30_000)
                + "🦙".repeat(30_000);
        for (String name : PreTokenizerType.knownNames()) {
            PreTokenizerType t = PreTokenizerType.byName(name).orElseThrow();
            if (t.supported()) {
                assertThat(String.join("", t.splitter().split(mixed))).as(name).isEqualTo(mixed);
            }
        }
        assertThat(System.nanoTime() - start).as("nanoseconds").isLessThan(30_000_000_000L);
    }

    @Test
    void kimiK2SplitsHanFromOtherLetters() {
        assertSplit("kimi-k2", "你好abc こんにちは", "你好", "abc", " こんにちは");
        assertSplit("kimi-k2", SAMPLE, "Hello", " world's", " ", "123", "45", " I'M");
    }

    @Test
    void superbpeSplitsOnlyDigitsSoThatThreesEndTheRun() {
        assertSplit("superbpe", "abc 1234567 def", "abc ", "1", "234", "567", " def");
    }

    @Test
    void bailingmoeAndSeedCoder() {
        assertSplit("bailingmoe", "ABC'LL 12", "ABC", "'LL", " ", "1", "2");
        assertSplit("seed-coder", "x.\n\ny", "x", ".", "\n\n", "y");
        assertSplit("qwen2", "x.\n\ny", "x", ".\n\n", "y");
    }

    @Test
    void afmoeGroupsDigitsFromTheLeftRemainder() {
        assertSplit("afmoe", "x 12345", "x", " ", "12", "345");
        assertSplit("afmoe", "1234", "1", "234");
        assertSplit("afmoe", "你好abc", "你好", "abc");
    }

    @Test
    void exaoneMoeLetsWordsSpanSingleSpaces() {
        assertSplit("exaone-moe", "Hello world 12", "Hello world", " ", "1", "2");
    }

    @Test
    void everyNameResolvesAndEveryRowCompiles() {
        assertThat(PreTokenizerType.knownNames())
                .hasSizeGreaterThan(80)
                .contains(
                        "default",
                        "gpt-2",
                        "llama-bpe",
                        "deepseek-coder",
                        "falcon",
                        "mpt",
                        "refact",
                        "qwen2",
                        "tekken",
                        "chameleon",
                        "kimi-k2",
                        "superbpe",
                        "bailingmoe",
                        "seed-coder",
                        "afmoe");
        for (String name : PreTokenizerType.knownNames()) {
            PreTokenizerType t = PreTokenizerType.byName(name).orElseThrow();
            if (t.supported()) {
                assertThat(t.splitter().split("Hello, world! 12345 你好 🦙\n"))
                        .as(name)
                        .isNotEmpty();
            }
        }
        assertThat(PreTokenizerType.byName("gemma4").orElseThrow().supported()).isFalse();
        assertThat(PreTokenizerType.byName("mystery")).isEmpty();
    }

    @Test
    void wordsAlwaysCoverTheText() {
        Random r = new Random(7);
        String[] alphabet = {
            "a", "Z", "é", "'", "s", " ", "  ", "\n", "\r", "\t", "\u00a0", "\u3000", "1", "½", "!", ".", "~", "🦙",
            "你", "こ", "안", "\u0301", "\u200d", "$", "<", "\uFFFF"
        };
        for (String name : PreTokenizerType.knownNames()) {
            PreTokenizerType t = PreTokenizerType.byName(name).orElseThrow();
            if (!t.supported()) {
                continue;
            }
            for (int n = 0; n < 200; n++) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0, len = 1 + r.nextInt(10); i < len; i++) {
                    sb.append(alphabet[r.nextInt(alphabet.length)]);
                }
                List<String> words = t.splitter().split(sb.toString());
                assertThat(String.join("", words)).as(name).isEqualTo(sb.toString());
                assertThat(words).as(name).doesNotContain("");
            }
        }
    }

    /** llama.cpp's hand-written and collapsed-regex splits agree with Java's Unicode regex for these patterns. */
    @Test
    void handSplitsAndCollapsedRegexesMatchTheUnicodeRegex() {
        String[] alphabet = {
            "a", "B", "é", "É", "'", "s", "S", "t", "l", "L", "r", "e", "v", "d", "m", " ", " ", "\n", "\r", "\t",
            "\u00a0", "\u3000", "1", "2", "½", "!", ".", "~", "🦙", "你", "\u0301", "\u200d", "-", "$"
        };
        String[][] pairs = {
            {PreTokenizer.LLAMA3, "llama-bpe"}, {PreTokenizer.QWEN2, "qwen2"}, {PreTokenizer.GPT2, "gpt-2"}
        };
        Random r = new Random(42);
        for (String[] p : pairs) {
            var java = new PreTokenizer.Split(PreTokenizer.compile(p[0]), PreTokenizer.Behavior.ISOLATED, false);
            for (int n = 0; n < 3000; n++) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0, len = 1 + r.nextInt(12); i < len; i++) {
                    sb.append(alphabet[r.nextInt(alphabet.length)]);
                }
                List<String> want = new ArrayList<>();
                java.split(sb.toString(), true, want);
                assertThat(split(p[1], sb.toString())).as("%s on %s", p[1], sb).isEqualTo(want);
            }
        }
    }

    @Test
    void llamaCppCategoryRules() {
        // \p{S} on collapsed text: the ASCII symbols are $+<=>^`| (llama.cpp leaves ~ out)
        assertThat(new LlamaCppSplitter(List.of("[\\p{S}]+")).split("a~$")).containsExactly("a~", "$");
        // non-ASCII white space is white space for \s
        assertThat(new LlamaCppSplitter(List.of("\\s+")).split("a\u3000b")).containsExactly("a", "\u3000", "b");
        assertThat(new LlamaCppSplitter(List.of("[\\s]+")).split("a\u00a0\u2028b"))
                .containsExactly("a", "\u00a0\u2028", "b");
        // \d and \s stay ASCII in a regex with categories: ½ is \p{N}, not \d
        assertThat(new LlamaCppSplitter(List.of("\\p{L}+|\\d+")).split("ab½1")).containsExactly("ab", "½", "1");
        // $ is the end of the piece only, never before a final newline
        assertThat(new LlamaCppSplitter(List.of(" $")).split("a \n")).containsExactly("a \n");
        assertThat(new LlamaCppSplitter(List.of(" $")).split("a ")).containsExactly("a", " ");
        // non-BMP characters in ranges and in text
        assertThat(new LlamaCppSplitter(List.of("[\\x{1F980}-\\x{1F9FF}]+")).split("a🦙🦙b"))
                .containsExactly("a", "🦙🦙", "b");
        assertThat(LlamaCppSplitter.translate("[^\\r\\n\\p{L}\\p{N}]?\\p{L}+$", true))
                .isEqualTo("[^\\r\\n\\xD2A-Za-z\\xD10-9]?[\\xD2A-Za-z]+\\z");
    }
}
