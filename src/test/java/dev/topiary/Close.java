package dev.topiary;

import static org.assertj.core.api.Assertions.fail;

/**
 * The shared numeric assertion (llm.c's check_tensor): passes when every
 * {@code |actual - expected| <= atol + rtol * |expected|}; otherwise fails with the tensor name,
 * the max difference and where, and the first mismatching pairs. Non-finite references are skipped.
 */
public final class Close {
    private Close() {}

    public static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    public static void assertClose(String name, float[] actual, float[] expected, double atol, double rtol) {
        if (actual.length != expected.length) fail("%s: length %d, expected %d", name, actual.length, expected.length);
        StringBuilder firsts = new StringBuilder();
        int faults = 0, worst = -1;
        double maxDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            if (!Float.isFinite(expected[i])) continue;
            double d = Math.abs((double) actual[i] - expected[i]);
            if (d > maxDiff || worst < 0 && Double.isNaN(d)) {
                maxDiff = d;
                worst = i;
            }
            if (!(d <= atol + rtol * Math.abs(expected[i]))) {
                if (faults++ < 5)
                    firsts.append(String.format("%n  [%d] actual %.7g expected %.7g", i, actual[i], expected[i]));
            }
        }
        if (faults > 0)
            fail(
                    "%s: %d of %d values differ (atol %.1g, rtol %.1g); max |diff| %.3g at [%d]%s",
                    name, faults, actual.length, atol, rtol, maxDiff, worst, firsts);
    }

    public static float[] readF32(java.nio.file.Path file) throws java.io.IOException {
        var buf = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(file))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        float[] out = new float[buf.remaining()];
        buf.get(out);
        return out;
    }
}
