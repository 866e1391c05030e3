package dev.topiary.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SvgChartTest {
    @Test
    void ticksAreRoundAndCoverTheRange() {
        assertThat(SvgChart.ticks(0.13, 0.97)).containsExactly(0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0);
        assertThat(SvgChart.ticks(1.4, 5.6)).startsWith(1.0).endsWith(6.0);
        assertThat(SvgChart.ticks(0, 1_200_000)).contains(0.0, 1_200_000.0);
    }

    @Test
    void rendersOnePolylinePerSeriesWithEscapedLabels() {
        String svg = new SvgChart("loss <1>", "tokens", "nats")
                .add("a & b", new double[] {0, 1, 2}, new double[] {3, 2, 1.5})
                .add("c", new double[] {0, 2}, new double[] {2.5, Double.NaN})
                .render();
        assertThat(svg)
                .startsWith("<svg")
                .endsWith("</svg>\n")
                .contains("loss &lt;1&gt;")
                .contains("a &amp; b");
        assertThat(svg.split("<polyline", -1)).hasSize(3);
    }
}
