package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The shared MODEL argument and sampling options: one definition, each command's own defaults. */
class SamplingOptionsTest {
    @Test
    void eachCommandKeepsItsDefaults() {
        String generate = CommandsTest.run("generate", "--help").out();
        String synth = CommandsTest.run("synth", "--help").out();
        // help wraps to the width, so a space may be a line break
        assertThat(generate)
                .contains("MODEL")
                .containsPattern("greedy\\s+\\(default\\s+0\\.8\\)")
                .containsPattern("off\\s+\\(default\\s+0\\.9\\)")
                .containsPattern("seed\\s+\\(default\\s+42\\)");
        assertThat(synth)
                .containsPattern("greedy\\s+\\(default\\s+1\\.0\\)")
                .containsPattern("off\\s+\\(default\\s+0\\.95\\)")
                .containsPattern("seed\\s+\\(default\\s+1\\)");
    }

    @Test
    void badSamplingOptionsNameTheOption() {
        var r = CommandsTest.run(
                "synth", CommandsTest.model("hf"), "--samples", "1", "--out", "unused.jsonl", "--top-p", "0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--top-p must be in (0, 1], got 0.0");
    }
}
