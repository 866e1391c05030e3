// SentencePieceTokenizerTest: score-driven merging on a hand-made vocabulary: order, ties, unknown characters.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SentencePieceTokenizerTest {
    private static final String[] PIECES = {"<unk>", "<s>", "</s>", "a", "b", "ab", "ba", "aba", "\u2581", "\u2581a"};
    private static final TokenType[] TYPES = {
        TokenType.UNKNOWN,
        TokenType.CONTROL,
        TokenType.CONTROL,
        TokenType.NORMAL,
        TokenType.NORMAL,
        TokenType.NORMAL,
        TokenType.NORMAL,
        TokenType.NORMAL,
        TokenType.NORMAL,
        TokenType.NORMAL
    };

    private static Tokenizer tokenizer(float ab, float ba, int unk) {
        float[] scores = {0, 0, 0, -10, -10, ab, ba, -5, -10, -3};
        return new SentencePieceTokenizer(new Vocabulary(PIECES, scores, TYPES, 1, 2, unk), false, true);
    }

    @Test
    void highestScoringPairMergesFirst() {
        assertThat(tokenizer(-1, -2, 0).encode("bab", false)).containsExactly(4, 5);
        assertThat(tokenizer(-2, -1, 0).encode("bab", false)).containsExactly(6, 4);
    }

    @Test
    void leftmostPairWinsATie() {
        assertThat(tokenizer(-1, -1, 0).encode("bab", false)).containsExactly(6, 4);
        assertThat(tokenizer(-1, -1, 0).encode("abb", false)).containsExactly(5, 4);
    }

    @Test
    void mergesContinueOnMergedSymbols() {
        // "ab" + "a" is "aba" (score -5): merged once "ab" is made.
        assertThat(tokenizer(-1, -2, 0).encode("aba", false)).containsExactly(7);
        assertThat(tokenizer(-1, -2, 0).encode("abab", false)).containsExactly(5, 5);
        assertThat(tokenizer(-1, -6, 0).encode("aba b", false)).containsExactly(7, 8, 4);
    }

    @Test
    void charactersOutsideTheVocabularyWithoutByteTokens() {
        assertThat(tokenizer(-1, -2, 0).encode("axa", false)).containsExactly(3, 0, 3);
        assertThat(tokenizer(-1, -2, 0).decode(new int[] {1, 3, 0, 3, 2})).isEqualTo("a<unk>a");
        assertThatThrownBy(() -> tokenizer(-1, -2, -1).encode("axa", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'x' (U+0078)");
    }

    @Test
    void spacesBecomeTheMarkAndMerge() {
        assertThat(tokenizer(-1, -2, 0).encode("a a", false)).containsExactly(3, 9);
        assertThat(tokenizer(-1, -2, 0).decode(new int[] {3, 9})).isEqualTo("a a");
    }
}
