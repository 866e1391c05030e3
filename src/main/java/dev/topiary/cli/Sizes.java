package dev.topiary.cli;

import java.util.Locale;

/** Byte sizes as the commands read them ({@code --shard-size 5GB}) and print them (2.30 GiB). */
final class Sizes {
    private Sizes() {}

    /**
     * "5GB", "500MB", "64KB", "1234" (bytes), "0"; decimal units, as Hugging Face's max_shard_size.
     *
     * @param option the option named in the error, e.g. "--shard-size"
     */
    static long parse(String option, String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        for (String[] u : new String[][] {{"GB", "1000000000"}, {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}}) {
            if (t.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            double v = Double.parseDouble(t);
            if (v < 0 || Double.isNaN(v)) throw new NumberFormatException();
            return (long) (v * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + s + "' is not a size (e.g. 5GB, 500MB, 0)");
        }
    }

    /** Binary units for what the program holds: "2.30 GiB", "12.00 MiB", "3.5 KiB", "512 B". */
    static String human(long b) {
        if (b >= 1L << 30) return String.format("%.2f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format("%.2f MiB", b / (double) (1L << 20));
        if (b >= 1L << 10) return String.format("%.1f KiB", b / 1024.0);
        return b + " B";
    }
}
