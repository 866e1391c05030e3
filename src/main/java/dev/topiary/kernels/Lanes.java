package dev.topiary.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a vector's lanes in one fixed order. {@code reduceLanes(ADD)} may add the lanes in one
 * order before C2 compiles a method (the Java fallback, lane after lane) and in another after (a
 * tree), so a loss, and every weight after it, could depend on when the JIT got to a kernel: a
 * resumed training run would then not repeat an uninterrupted one bit for bit. Here the lanes are
 * folded in halves (lane i plus lane i + L/2, then i + L/4, ...) with lanewise adds and shuffles,
 * which compute the same bits compiled or not.
 */
final class Lanes {
    private Lanes() {}

    private static final VectorSpecies<Float> S = VectorKernels.floatSpecies();

    /** For step L/2, L/4, ..., 1: lane i takes lane (i + step) mod L. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] HALVES = halves();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] halves() {
        int n = Integer.numberOfTrailingZeros(S.length());
        VectorShuffle<Float>[] h = new VectorShuffle[n];
        for (int j = 0, step = S.length() / 2; j < n; j++, step /= 2) {
            int st = step;
            h[j] = VectorShuffle.fromOp(S, i -> (i + st) % S.length());
        }
        return h;
    }

    /** The sum of v's lanes, the same bits whether the caller runs interpreted or compiled. */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> s : HALVES) v = v.add(v.rearrange(s));
        return v.lane(0);
    }
}
