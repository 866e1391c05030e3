package dev.topiary.report;

import java.util.Locale;

/** Heat maps, bar charts and histograms as self-contained SVG, for run reports (see {@link SvgChart} for lines). */
public final class SvgPlots {
    private SvgPlots() {}

    private static String f(String fmt, Object... a) {
        return String.format(Locale.ROOT, fmt, a);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** values[row][col] as coloured cells (white = lowest, dark blue = highest), rows labelled rowLabel i. */
    public static String heatmap(String title, String rowLabel, String colLabel, double[][] values) {
        int rows = values.length,
                cols = rows == 0 ? 0 : values[0].length,
                cell = Math.max(8, Math.min(36, 600 / Math.max(1, cols)));
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (double[] r : values)
            for (double v : r) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        int left = 80, top = 40, w = left + cols * cell + 20, h = top + rows * cell + 50;
        StringBuilder b = new StringBuilder(f(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                w, h));
        b.append(f(
                "<rect width=\"%d\" height=\"%d\" fill=\"white\"/><text x=\"%d\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">%s</text>%n",
                w, h, w / 2, esc(title)));
        for (int r = 0; r < rows; r++) {
            b.append(f(
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s %d</text>%n",
                    left - 6, top + r * cell + cell / 2 + 4, esc(rowLabel), r));
            for (int c = 0; c < cols; c++) {
                double t = hi > lo ? (values[r][c] - lo) / (hi - lo) : 0.5;
                int red = (int) (255 - 225 * t), green = (int) (255 - 175 * t), blue = (int) (255 - 75 * t);
                b.append(f(
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,%d)\" stroke=\"#fff\"><title>%s %d, %s %d: %.4g</title></rect>%n",
                        left + c * cell,
                        top + r * cell,
                        cell,
                        cell,
                        red,
                        green,
                        blue,
                        esc(rowLabel),
                        r,
                        esc(colLabel),
                        c,
                        values[r][c]));
            }
        }
        b.append(f(
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s (0..%d); darker = more important</text>%n",
                left + cols * cell / 2, top + rows * cell + 30, esc(colLabel), cols - 1));
        return b.append("</svg>\n").toString();
    }

    /** One bar per value; bars whose index is in {@code marked} are drawn red and labelled. */
    public static String bars(String title, String xLabel, double[] values, boolean[] marked, String markLabel) {
        int n = values.length, bw = Math.max(6, Math.min(60, 600 / Math.max(1, n))), left = 60, top = 40, ph = 220;
        int w = left + n * bw + 40, h = top + ph + 60;
        double hi = 0;
        for (double v : values) hi = Math.max(hi, v);
        if (hi == 0) hi = 1;
        StringBuilder b = new StringBuilder(f(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                w, h));
        b.append(f(
                "<rect width=\"%d\" height=\"%d\" fill=\"white\"/><text x=\"%d\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">%s</text>%n",
                w, h, w / 2, esc(title)));
        for (int i = 0; i < n; i++) {
            int bh = (int) (values[i] / hi * ph);
            boolean m = marked != null && marked[i];
            b.append(f(
                    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%d: %.4g%s</title></rect>%n",
                    left + i * bw + 1,
                    top + ph - bh,
                    bw - 2,
                    bh,
                    m ? "#d62728" : "#1f77b4",
                    i,
                    values[i],
                    m ? " (" + esc(markLabel) + ")" : ""));
            b.append(f(
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>%n",
                    left + i * bw + bw / 2, top + ph + 15, i));
        }
        b.append(f(
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>%n",
                left, top + ph, left + n * bw, top + ph));
        b.append(f("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g</text>%n", left - 4, top + 10, hi));
        b.append(f(
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s%s</text>%n",
                left + n * bw / 2, top + ph + 40, esc(xLabel), marked != null ? "; red: " + esc(markLabel) : ""));
        return b.append("</svg>\n").toString();
    }

    /** A histogram of values in {@code bins} equal-width bins. */
    public static String histogram(String title, String xLabel, double[] values, int bins) {
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (double v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (!(hi > lo)) hi = lo + 1;
        double[] counts = new double[bins];
        for (double v : values) counts[Math.min(bins - 1, (int) ((v - lo) / (hi - lo) * bins))]++;
        String svg = bars(title, f("%s, %d bins from %.3g to %.3g", xLabel, bins, lo, hi), counts, null, "");
        return svg;
    }
}
