package dev.topiary.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.verify.Instruction.*;
import java.util.List;
import org.junit.jupiter.api.Test;

class IfEvalTest {
    @Test
    void eightLooseVariants() {
        List<String> v = IfEval.looseVariants("Sure!\n**body** text\nHope this helps.");
        assertThat(v)
                .containsExactly(
                        "Sure!\n**body** text\nHope this helps.",
                        "**body** text\nHope this helps.",
                        "Sure!\n**body** text",
                        "**body** text",
                        "Sure!\nbody text\nHope this helps.",
                        "body text\nHope this helps.",
                        "Sure!\nbody text",
                        "body text");
    }

    @Test
    void preamblePassesOnlyLoose() {
        // the JSON is fine, but the model chatted before it: strict fails, loose (first line removed) passes
        String r = "Here is the JSON you asked for:\n{\"city\": \"Paris\"}";
        Instruction json = new JsonOutput();
        assertThat(IfEval.strict(json, r)).isFalse();
        assertThat(IfEval.loose(json, r)).isTrue();
    }

    @Test
    void asterisksPassOnlyLoose() {
        String r = "the answer is **yes** and nothing else";
        Instruction end = new EndsWith("nothing else");
        Instruction exact = new IncludeWords(List.of("yes"));
        assertThat(IfEval.strict(exact, r)).isTrue(); // \b sits between * and y
        Instruction phrase = new IncludeWords(List.of("is yes"));
        assertThat(IfEval.strict(phrase, r)).isFalse();
        assertThat(IfEval.loose(phrase, r)).isTrue(); // asterisks removed
        assertThat(IfEval.strict(end, r)).isTrue();
    }

    @Test
    void looseCannotRescueAGenuineFailure() {
        Instruction max = new MaxWords(2);
        assertThat(IfEval.loose(max, "one two three\nfour five six\nseven eight nine"))
                .isFalse();
    }

    @Test
    void blankResponsesFollowNothing() {
        assertThat(IfEval.strict(new MaxWords(10), "  \n")).isFalse();
        assertThat(IfEval.loose(new MaxWords(10), "  \n")).isFalse();
        // a two-line response whose loose "remove both" variant is empty must still be judged on the others
        assertThat(IfEval.loose(new MaxWords(10), "a\nb")).isTrue();
    }

    @Test
    void promptAndInstructionLevelAccuracies() {
        List<Instruction> two = List.of(new AllLowercase(), new MaxWords(3));
        IfEval.Outcome a = IfEval.evaluate(two, "all good here"); // strict 2/2
        IfEval.Outcome b = IfEval.evaluate(two, "Note:\nfine by me"); // strict 0/2 (upper case, 4 words), loose 2/2
        IfEval.Outcome c = IfEval.evaluate(List.of(new MinWords(5)), "too short"); // 0/1 both
        IfEval.Score s = IfEval.score(List.of(a, b, c));
        assertThat(s.prompts()).isEqualTo(3);
        assertThat(s.instructions()).isEqualTo(5);
        assertThat(s.promptStrict()).isCloseTo(1 / 3.0, within(1e-12));
        assertThat(s.promptLoose()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(s.instructionStrict()).isCloseTo(2 / 5.0, within(1e-12));
        assertThat(s.instructionLoose()).isCloseTo(4 / 5.0, within(1e-12));
    }
}
