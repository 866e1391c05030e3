package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Off a terminal, progress is plain lines: no carriage returns or colours, and a last line at the end. */
class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void workDoneEndsAtOneHundredPercent() {
        try (Progress p = Progress.lines("perplexity", 1000, out)) {
            p.stepBy(990); // the units counted on the way may fall short of the total
            p.setExtraMessage(" loss 2.5");
            p.done();
        }
        assertThat(text()).isEqualTo("perplexity: 1,000/1,000 (100%), 0 s loss 2.5\n");
    }

    @Test
    void workStoppedEndsWhereItStopped() {
        Progress p = Progress.lines("train", 100, out);
        p.stepTo(40);
        p.close();
        p.close(); // once only
        assertThat(text())
                .isEqualTo("train: 40/100 (40%), 0 s\n")
                .doesNotContain("\r")
                .doesNotContain("\u001b");
    }
}
