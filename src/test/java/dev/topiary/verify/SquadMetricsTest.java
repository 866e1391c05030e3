package dev.topiary.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SquadMetricsTest {
    @Test
    void normalizesAsSquadDoes() {
        assertThat(SquadMetrics.normalize("The Eiffel  Tower!")).isEqualTo("eiffel tower");
        assertThat(SquadMetrics.normalize("  An apple, a pear & THE plum.")).isEqualTo("apple pear plum");
        assertThat(SquadMetrics.normalize("theatre")).isEqualTo("theatre"); // whole words only
        assertThat(SquadMetrics.normalize("U.S.A.")).isEqualTo("usa");
    }

    @Test
    void exactMatch() {
        assertThat(SquadMetrics.exactMatch("The Eiffel Tower", "eiffel tower")).isEqualTo(1.0);
        assertThat(SquadMetrics.exactMatch("Eiffel Tower in Paris", "eiffel tower"))
                .isEqualTo(0.0);
        assertThat(SquadMetrics.exactMatch("1889.", List.of("in 1889", "1889"))).isEqualTo(1.0);
        assertThat(SquadMetrics.exactMatch("x", List.of())).isEqualTo(0.0);
    }

    @Test
    void f1ByHand() {
        // prediction "the eiffel tower in paris" -> [eiffel, tower, in, paris]; reference "Eiffel Tower" -> [eiffel,
        // tower]
        // common 2: precision 2/4, recall 2/2, F1 = 2 * 0.5 * 1 / 1.5 = 2/3
        assertThat(SquadMetrics.f1("the eiffel tower in paris", "Eiffel Tower")).isCloseTo(2 / 3.0, within(1e-12));
        // bags, not sets: prediction [a1: "new", "new", "york"] vs [new, york, city]: common = min counts = new 1 +
        // york 1 = 2
        // precision 2/3, recall 2/3 -> F1 2/3
        assertThat(SquadMetrics.f1("new new york", "New York City")).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(SquadMetrics.f1("London", "Paris")).isZero();
        // several references: the best one counts
        assertThat(SquadMetrics.f1("tower", List.of("Paris", "the Eiffel tower")))
                .isCloseTo(2 * 1.0 * 0.5 / 1.5, within(1e-12));
        // empty after normalization: 1 only if both are empty
        assertThat(SquadMetrics.f1("the", "a")).isEqualTo(1.0);
        assertThat(SquadMetrics.f1("", "Paris")).isZero();
    }

    @Test
    void averagesOverQuestions() {
        SquadMetrics.Score s = SquadMetrics.score(
                List.of("The Eiffel Tower", "the eiffel tower in paris"),
                List.of(List.of("eiffel tower"), List.of("Eiffel Tower")));
        assertThat(s.questions()).isEqualTo(2);
        assertThat(s.exactMatch()).isEqualTo(0.5);
        assertThat(s.f1()).isCloseTo((1 + 2 / 3.0) / 2, within(1e-12));
    }
}
