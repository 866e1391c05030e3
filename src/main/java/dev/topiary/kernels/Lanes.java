package dev.topiary.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane operations whose bits do not depend on the JIT. The sum of a vector's lanes in one fixed order. {@code reduceLanes(ADD)} may add the lanes in one
 * order before C2 compiles a method (the Java fallback, lane after lane) and in another after (a
 * tree), so a loss, and every weight after it, could depend on when the JIT got to a kernel: a
 * resumed training run would then not repeat an uninterrupted one bit for bit. Here the lanes are
 * folded in halves (lane i plus lane i + L/2, then i + L/4, ...) with lanewise adds and shuffles,
 * which compute the same bits compiled or not. Likewise {@code lanewise(EXP)} is Math.exp lane by
 * lane before compilation and the vector math library after, which can differ in the last bit:
 * {@link #exp} is made of exact lanewise arithmetic only.
 */
final class Lanes {
    private Lanes() {}

    private static final VectorSpecies<Float> S = VectorKernels.floatSpecies();

    /**
     * Lane i takes lane (i + step) mod L, for step = 8, 4, 2, 1 (null where step >= L). Each is its own
     * constant: C2 compiles a rearrange by a constant shuffle to one permute wherever the sum is
     * inlined. (Loaded from an array in a loop, the shuffles stayed in the Java fallback once the sum
     * was inlined into the attention's softmax: 7% of a stories15M training step.)
     */
    static final VectorShuffle<Float> BY8 = rotation(8), BY4 = rotation(4), BY2 = rotation(2), BY1 = rotation(1);

    private static VectorShuffle<Float> rotation(int step) {
        return step >= S.length() ? null : VectorShuffle.fromOp(S, i -> (i + step) % S.length());
    }

    /** The sum of v's lanes, the same bits whether the caller runs interpreted or compiled. */
    static float sum(FloatVector v) {
        for (int step = S.length() / 2; step > 8; step /= 2) { // wider than 512 bits (SVE): not on x86
            int st = step;
            v = v.add(v.rearrange(VectorShuffle.fromOp(S, i -> (i + st) % S.length())));
        }
        if (S.length() >= 16) v = v.add(v.rearrange(BY8));
        if (S.length() >= 8) v = v.add(v.rearrange(BY4));
        v = v.add(v.rearrange(BY2));
        v = v.add(v.rearrange(BY1));
        return v.lane(0);
    }

    // exp's constants, shared with VectorKernels.expShiftSum, which writes the same operations out for two
    // vectors at a time
    static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to the nearest integer. */
    static final float ROUND = 12582912f;

    static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** Where e^x leaves the normal floats (0 below), and where 2^n would (+infinity above). */
    static final float UNDER = -87.33654f, OVER = 88.37626f;
    /** The polynomial's coefficients, of r^6 down to r^1 (the r^1 and r^0 terms are r and 1). */
    static final float P6 = 1.9875691500e-4f,
            P5 = 1.3981999507e-3f,
            P4 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f,
            P2 = 1.6666665459e-1f,
            P1 = 5.0000001201e-1f;

    /**
     * e^x lane by lane to about 1 ulp (Cephes' expf: x = n ln 2 + r with |r| <= ln 2 / 2, a degree-6
     * polynomial in r, times 2^n by building the exponent), with fused multiply-adds, adds and integer
     * bit operations only; 0 below -87.34 (where e^x leaves the normal range), +infinity above 88.376
     * (where 2^n would leave it; the true value there is within a factor 1.4 of Float.MAX_VALUE), NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        VectorMask<Float> under = x.lt(UNDER), over = x.compare(VectorOperators.GT, OVER);
        // No clamp: the lanes outside [UNDER, OVER], and NaN, are replaced at the end whatever the
        // arithmetic made of them (Java's max and min, which order -0 and NaN, compile to ten instructions)
        FloatVector t = x.fma(bc(LOG2E), bc(ROUND)); // n + ROUND, n = round(x log2 e)
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(bc(-LN2_HI), x);
        r = n.fma(bc(-LN2_LO), r);
        FloatVector p = bc(P6);
        p = p.fma(r, bc(P5));
        p = p.fma(r, bc(P4));
        p = p.fma(r, bc(P3));
        p = p.fma(r, bc(P2));
        p = p.fma(r, bc(P1));
        FloatVector y = p.mul(r).fma(r, r).add(1f); // 1 + r + r^2 p(r)
        IntVector e = ((IntVector) t.reinterpretAsInts())
                .sub(ROUND_BITS)
                .add(127)
                .lanewise(VectorOperators.LSHL, 23); // the bits of 2^n
        FloatVector scaled = y.mul(e.reinterpretAsFloats());
        return scaled.blend(0f, under).blend(Float.POSITIVE_INFINITY, over).blend(x, x.test(VectorOperators.IS_NAN));
    }

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(S, v);
    }
}
