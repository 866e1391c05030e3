package dev.topiary.prune;

/**
 * How activations are reduced to one number per channel (spec section 3.2). First over the
 * tokens of each calibration sample ({@link Seq}), then over the samples ({@link Batch}). The
 * default, and the paper's best, is sequence = mean of |a|, batch = L2.
 */
public final class Aggregation {
    private Aggregation() {}

    public enum Seq {
        /** (1/S) sum_s |a| */
        MEAN_ABS,
        /** sqrt(sum_s a^2) */
        L2,
        /** variance of a over s */
        VAR;

        /** The per-sample statistic of channel k of x (T rows of width n), in double. */
        double reduce(float[] x, int T, int n, int k) {
            double s = 0, s2 = 0;
            for (int t = 0; t < T; t++) {
                double a = x[t * n + k];
                s += this == MEAN_ABS ? Math.abs(a) : a;
                s2 += a * a;
            }
            return switch (this) {
                case MEAN_ABS -> s / T;
                case L2 -> Math.sqrt(s2);
                case VAR -> s2 / T - (s / T) * (s / T);
            };
        }
    }

    public enum Batch {
        /** sqrt(sum_n m^2): the sum of squares accumulates over every batch, the root is taken once */
        L2,
        /** (1/N) sum_n m */
        MEAN,
        /** variance of m over n */
        VAR;

        double finish(double sum, double sumSq, long n) {
            return switch (this) {
                case L2 -> Math.sqrt(sumSq);
                case MEAN -> sum / n;
                case VAR -> sumSq / n - (sum / n) * (sum / n);
            };
        }
    }

    public static Seq seq(String name) {
        return switch (name) {
            case "mean", "mean_abs" -> Seq.MEAN_ABS;
            case "l2" -> Seq.L2;
            case "var" -> Seq.VAR;
            default -> throw new IllegalArgumentException("--seq-agg must be mean, l2 or var, got '" + name + "'");
        };
    }

    public static Batch batch(String name) {
        return switch (name) {
            case "l2" -> Batch.L2;
            case "mean" -> Batch.MEAN;
            case "var" -> Batch.VAR;
            default -> throw new IllegalArgumentException("--batch-agg must be l2, mean or var, got '" + name + "'");
        };
    }
}
