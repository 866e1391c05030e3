package dev.topiary.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.verify.Instruction.*;
import java.util.List;
import org.junit.jupiter.api.Test;

class InstructionTest {
    static Instruction parse(String json) throws Exception {
        return Instruction.fromJson(new ObjectMapper().readTree(json));
    }

    @Test
    void includeWordsIsCaseInsensitiveAndWholeWord() {
        Instruction i = new IncludeWords(List.of("Paris", "tower"));
        assertThat(i.check("I saw the TOWER in paris.")).isTrue();
        assertThat(i.check("I saw the towers in Paris.")).isFalse(); // "towers" is not "tower"
        assertThat(i.check("Parisian tower")).isFalse();
        assertThat(new IncludeWords(List.of("new york")).check("Off to New York!"))
                .isTrue();
        assertThat(new IncludeWords(List.of("c++")).check("I like C++ a lot")).isTrue();
        assertThat(new IncludeWords(List.of("c++")).check("I like C++x")).isFalse();
    }

    @Test
    void excludeWords() {
        Instruction i = new ExcludeWords(List.of("sorry"));
        assertThat(i.check("No apologies here.")).isTrue();
        assertThat(i.check("Sorry, I cannot.")).isFalse();
        assertThat(i.check("Sorrys are not words")).isTrue();
    }

    @Test
    void wordCounts() {
        // "don't" counts as two words, as with IFEval's \w+ tokenizer
        String r = "I don't know, friend."; // I, don, t, know, friend = 5
        assertThat(Texts.words(r)).isEqualTo(5);
        assertThat(new MaxWords(5).check(r)).isTrue();
        assertThat(new MaxWords(4).check(r)).isFalse();
        assertThat(new MinWords(5).check(r)).isTrue();
        assertThat(new MinWords(6).check(r)).isFalse();
    }

    @Test
    void sentenceCounts() {
        assertThat(Texts.sentences("One. Two! Three? Four")).isEqualTo(4);
        assertThat(Texts.sentences("Pi is 3.14 exactly... Really!!")).isEqualTo(2);
        assertThat(new MaxSentences(2).check("Short. Sweet.")).isTrue();
        assertThat(new MaxSentences(2).check("Short. Sweet. Done.")).isFalse();
    }

    @Test
    void allLowercase() {
        assertThat(new AllLowercase().check("all quiet here, 123!")).isTrue();
        assertThat(new AllLowercase().check("all quiet Here")).isFalse();
        assertThat(new AllLowercase().check("élan")).isTrue();
        assertThat(new AllLowercase().check("Élan")).isFalse();
    }

    @Test
    void bulletPointsCountsExactly() {
        String r = "Fruits:\n* apple\n- pear\n  * nested kiwi\n**bold** is not a bullet\n-dash without space";
        assertThat(Texts.bullets(r)).isEqualTo(3);
        assertThat(new BulletPoints(3).check(r)).isTrue();
        assertThat(new BulletPoints(2).check(r)).isFalse();
        assertThat(new BulletPoints(4).check(r)).isFalse();
    }

    @Test
    void jsonOutput() {
        Instruction i = new JsonOutput();
        assertThat(i.check("  {\"a\": [1, 2]}\n")).isTrue();
        assertThat(i.check("```json\n{\"a\": 1}\n```")).isTrue();
        assertThat(i.check("```\n[1, 2]\n```")).isTrue();
        assertThat(i.check("Here you go: {\"a\": 1}")).isFalse();
        assertThat(i.check("{\"a\": 1} {\"b\": 2}")).isFalse(); // trailing content
        assertThat(i.check("{\"a\": 1,}")).isFalse();
        assertThat(i.check("```json\n```")).isFalse();
    }

    @Test
    void endsWithIsExactAfterStripping() {
        Instruction i = new EndsWith("Is there anything else I can help with?");
        assertThat(i.check("Done. Is there anything else I can help with?  \n")).isTrue();
        assertThat(i.check("Done. is there anything else I can help with?")).isFalse();
        assertThat(i.check("Is there anything else I can help with? Bye.")).isFalse();
    }

    @Test
    void parsesEveryTypeFromJson() throws Exception {
        assertThat(parse("{\"type\": \"include_words\", \"words\": [\"a\", \"b\"]}"))
                .isEqualTo(new IncludeWords(List.of("a", "b")));
        assertThat(parse("{\"type\": \"exclude_words\", \"words\": [\"x\"]}"))
                .isEqualTo(new ExcludeWords(List.of("x")));
        assertThat(parse("{\"type\": \"max_words\", \"n\": 10}")).isEqualTo(new MaxWords(10));
        assertThat(parse("{\"type\": \"min_words\", \"n\": 3}")).isEqualTo(new MinWords(3));
        assertThat(parse("{\"type\": \"max_sentences\", \"n\": 2}")).isEqualTo(new MaxSentences(2));
        assertThat(parse("{\"type\": \"all_lowercase\"}")).isEqualTo(new AllLowercase());
        assertThat(parse("{\"type\": \"bullet_points\", \"n\": 4}")).isEqualTo(new BulletPoints(4));
        assertThat(parse("{\"type\": \"json_output\"}")).isEqualTo(new JsonOutput());
        assertThat(parse("{\"type\": \"ends_with\", \"phrase\": \"Bye.\"}")).isEqualTo(new EndsWith("Bye."));
        assertThat(parse("{\"type\": \"max_words\", \"n\": 10}").type()).isEqualTo("max_words");
    }

    @Test
    void jsonErrorsNameTheField() {
        assertThatThrownBy(() -> parse("{\"type\": \"shout\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'instruction.type'")
                .hasMessageContaining("unknown instruction type 'shout'")
                .hasMessageContaining("include_words");
        assertThatThrownBy(() -> parse("{\"type\": \"max_words\", \"n\": 2.5}"))
                .hasMessageContaining("'instruction.n'");
        assertThatThrownBy(() -> parse("{\"type\": \"max_words\"}")).hasMessageContaining("'instruction.n': missing");
        assertThatThrownBy(() -> parse("{\"type\": \"include_words\", \"words\": []}"))
                .hasMessageContaining("'instruction.words'");
        assertThatThrownBy(() -> parse("{\"type\": \"include_words\", \"words\": [\"a\", 1]}"))
                .hasMessageContaining("'instruction.words[1]'");
        assertThatThrownBy(() -> parse("{\"words\": []}")).hasMessageContaining("'instruction.type': missing");
    }
}
