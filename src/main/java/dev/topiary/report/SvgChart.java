package dev.topiary.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart as a self-contained SVG string: axes with round ticks, one polyline per series,
 * a legend. Enough for loss curves; inlined as is into HTML reports and READMEs.
 */
public final class SvgChart {
    public record Series(String label, double[] x, double[] y) {}

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    private final String title, xLabel, yLabel;
    private final List<Series> series = new ArrayList<>();
    private int width = 720, height = 400;

    public SvgChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public SvgChart add(String label, double[] x, double[] y) {
        if (x.length != y.length)
            throw new IllegalArgumentException(label + ": " + x.length + " x values, " + y.length + " y values");
        series.add(new Series(label, x, y));
        return this;
    }

    public SvgChart size(int width, int height) {
        this.width = width;
        this.height = height;
        return this;
    }

    public String render() {
        double x0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y0 = Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
        for (Series s : series)
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.y[i])) continue;
                x0 = Math.min(x0, s.x[i]);
                x1 = Math.max(x1, s.x[i]);
                y0 = Math.min(y0, s.y[i]);
                y1 = Math.max(y1, s.y[i]);
            }
        if (x0 > x1) {
            x0 = 0;
            x1 = 1;
            y0 = 0;
            y1 = 1;
        }
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) y1 = y0 + 1;
        double[] xt = ticks(x0, x1), yt = ticks(y0, y1);
        x0 = Math.min(x0, xt[0]);
        x1 = Math.max(x1, xt[xt.length - 1]);
        y0 = Math.min(y0, yt[0]);
        y1 = Math.max(y1, yt[yt.length - 1]);
        int left = 70, right = 20, top = 40, bottom = 55, pw = width - left - right, ph = height - top - bottom;
        StringBuilder b = new StringBuilder();
        b.append(f(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                width, height, width, height));
        b.append(f("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        b.append(f(
                "<text x=\"%d\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">%s</text>%n", width / 2, esc(title)));
        for (double t : xt) {
            double px = left + (t - x0) / (x1 - x0) * pw;
            b.append(f("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", px, top, px, top + ph));
            b.append(f("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px, top + ph + 16, label(t)));
        }
        for (double t : yt) {
            double py = top + ph - (t - y0) / (y1 - y0) * ph;
            b.append(f(
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", left, py, left + pw, py));
            b.append(f("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left - 6, py + 4, label(t)));
        }
        b.append(f(
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n",
                left, top, pw, ph));
        b.append(f(
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", left + pw / 2, height - 12, esc(xLabel)));
        b.append(f(
                "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>%n",
                top + ph / 2, top + ph / 2, esc(yLabel)));
        int longest = series.stream().mapToInt(x -> x.label.length()).max().orElse(0);
        int legendX = Math.max(left + 10, left + pw - 40 - (int) (longest * 6.8));
        for (int si = 0; si < series.size(); si++) {
            Series s = series.get(si);
            String color = COLORS[si % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.y[i])) continue;
                pts.append(f(
                        "%.1f,%.1f ",
                        left + (s.x[i] - x0) / (x1 - x0) * pw, top + ph - (s.y[i] - y0) / (y1 - y0) * ph));
            }
            b.append(f(
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                    color, pts.toString().trim()));
            int ly = top + 16 + 18 * si;
            b.append(f(
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>%n",
                    legendX, ly - 4, legendX + 24, ly - 4, color));
            b.append(f("<text x=\"%d\" y=\"%d\">%s</text>%n", legendX + 30, ly, esc(s.label)));
        }
        return b.append("</svg>\n").toString();
    }

    /** Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about 6 of them. */
    static double[] ticks(double lo, double hi) {
        double raw = (hi - lo) / 6, mag = Math.pow(10, Math.floor(Math.log10(raw))), step = mag;
        for (double m : new double[] {1, 2, 5, 10})
            if (m * mag >= raw) {
                step = m * mag;
                break;
            }
        double first = Math.floor(lo / step) * step;
        List<Double> t = new ArrayList<>();
        for (double v = first; v <= hi + step * 0.999; v += step) t.add(Math.round(v / step) * step);
        return t.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static String label(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) return f("%sM", trim(v / 1e6));
        if (a >= 1e3) return f("%sK", trim(v / 1e3));
        return trim(v);
    }

    private static String trim(double v) {
        String s = f("%.3f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    private static String f(String fmt, Object... args) {
        return String.format(Locale.ROOT, fmt, args);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
