package dev.topiary.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs a panel of the GEMM's weight operand, stored (N, K) row-major, into the k-major layout the
 * micro-kernel reads: packed[k * nrMax + j] = src[srcOff + j * ld + k]. Each L x L block is read as L
 * row vectors (every row a sequential stream, which the prefetchers follow) and transposed in
 * registers, log2(L) rounds of two-source lane selections ({@code selectFrom(v1, v2)}, one vpermi2ps
 * each on AVX-512). Values are only moved: the panel is the same bit for bit as the gather it
 * replaced, one gather down L rows per vector, which was much slower (see {@code docs/bench.json}).
 */
final class PanelTranspose {
    private static final VectorSpecies<Float> S = VectorKernels.floatSpecies();
    private static final int L = S.length();

    /** Round r's selections: LOr makes row i (i & 2^r == 0) and HIr row i + 2^r from the two. */
    private static final FloatVector LO0 = selection(1, false), HI0 = selection(1, true);

    private static final FloatVector LO1 = selection(2, false), HI1 = selection(2, true);
    private static final FloatVector LO2 = selection(4, false), HI2 = selection(4, true);
    private static final FloatVector LO3 = selection(8, false), HI3 = selection(8, true);

    /** Lane indexes of the block swap of width bs (an index i >= L selects lane i - L of the second vector). */
    private static FloatVector selection(int bs, boolean hi) {
        if (bs >= L) return null;
        float[] index = new float[L];
        for (int l = 0; l < L; l++) index[l] = (l & bs) == 0 ? (hi ? l + bs : l) : (hi ? L + l : L + l - bs);
        return FloatVector.fromArray(S, index, 0);
    }

    private PanelTranspose() {}

    /** Rows [0, nrMax) of src (nrMax a multiple of L), elements [0, kc) of each, into packed, k-major. */
    static void pack(float[] packed, int nrMax, float[] src, int srcOff, int ld, int kc) {
        int kv = L == 16 || L == 8 ? kc / L * L : 0; // other widths: element by element
        for (int v = 0; v < nrMax; v += L) {
            int rows = srcOff + v * ld;
            if (L == 16) block16(packed, nrMax, v, src, rows, ld, kv);
            else if (L == 8) block8(packed, nrMax, v, src, rows, ld, kv);
            for (int j = 0; j < L; j++) {
                int s = rows + j * ld;
                for (int k = kv; k < kc; k++) packed[k * nrMax + v + j] = src[s + k];
            }
        }
    }

    /** A 16 x 16 block: rows o, o + ld, ... of src (16 elements each) into packed[d + k * nrMax + j]. */
    private static void block16(float[] packed, int nrMax, int v, float[] src, int rows, int ld, int kv) {
        FloatVector lo0 = LO0, hi0 = HI0, lo1 = LO1, hi1 = HI1, lo2 = LO2, hi2 = HI2, lo3 = LO3, hi3 = HI3;
        for (int k0 = 0; k0 < kv; k0 += L) {
            int o = rows + k0, d = k0 * nrMax + v;

            FloatVector r0 = FloatVector.fromArray(S, src, o);
            FloatVector r1 = FloatVector.fromArray(S, src, o + 1 * ld);
            FloatVector r2 = FloatVector.fromArray(S, src, o + 2 * ld);
            FloatVector r3 = FloatVector.fromArray(S, src, o + 3 * ld);
            FloatVector r4 = FloatVector.fromArray(S, src, o + 4 * ld);
            FloatVector r5 = FloatVector.fromArray(S, src, o + 5 * ld);
            FloatVector r6 = FloatVector.fromArray(S, src, o + 6 * ld);
            FloatVector r7 = FloatVector.fromArray(S, src, o + 7 * ld);
            FloatVector r8 = FloatVector.fromArray(S, src, o + 8 * ld);
            FloatVector r9 = FloatVector.fromArray(S, src, o + 9 * ld);
            FloatVector r10 = FloatVector.fromArray(S, src, o + 10 * ld);
            FloatVector r11 = FloatVector.fromArray(S, src, o + 11 * ld);
            FloatVector r12 = FloatVector.fromArray(S, src, o + 12 * ld);
            FloatVector r13 = FloatVector.fromArray(S, src, o + 13 * ld);
            FloatVector r14 = FloatVector.fromArray(S, src, o + 14 * ld);
            FloatVector r15 = FloatVector.fromArray(S, src, o + 15 * ld);
            // round 0: rows i and i + 1 swap their off-diagonal blocks of 1 lane
            FloatVector t0 = lo0.selectFrom(r0, r1), t1 = hi0.selectFrom(r0, r1);
            FloatVector t2 = lo0.selectFrom(r2, r3), t3 = hi0.selectFrom(r2, r3);
            FloatVector t4 = lo0.selectFrom(r4, r5), t5 = hi0.selectFrom(r4, r5);
            FloatVector t6 = lo0.selectFrom(r6, r7), t7 = hi0.selectFrom(r6, r7);
            FloatVector t8 = lo0.selectFrom(r8, r9), t9 = hi0.selectFrom(r8, r9);
            FloatVector t10 = lo0.selectFrom(r10, r11), t11 = hi0.selectFrom(r10, r11);
            FloatVector t12 = lo0.selectFrom(r12, r13), t13 = hi0.selectFrom(r12, r13);
            FloatVector t14 = lo0.selectFrom(r14, r15), t15 = hi0.selectFrom(r14, r15);
            // round 1: rows i and i + 2 swap their off-diagonal blocks of 2 lanes
            r0 = lo1.selectFrom(t0, t2);
            r2 = hi1.selectFrom(t0, t2);
            r1 = lo1.selectFrom(t1, t3);
            r3 = hi1.selectFrom(t1, t3);
            r4 = lo1.selectFrom(t4, t6);
            r6 = hi1.selectFrom(t4, t6);
            r5 = lo1.selectFrom(t5, t7);
            r7 = hi1.selectFrom(t5, t7);
            r8 = lo1.selectFrom(t8, t10);
            r10 = hi1.selectFrom(t8, t10);
            r9 = lo1.selectFrom(t9, t11);
            r11 = hi1.selectFrom(t9, t11);
            r12 = lo1.selectFrom(t12, t14);
            r14 = hi1.selectFrom(t12, t14);
            r13 = lo1.selectFrom(t13, t15);
            r15 = hi1.selectFrom(t13, t15);
            // round 2: rows i and i + 4 swap their off-diagonal blocks of 4 lanes
            t0 = lo2.selectFrom(r0, r4);
            t4 = hi2.selectFrom(r0, r4);
            t1 = lo2.selectFrom(r1, r5);
            t5 = hi2.selectFrom(r1, r5);
            t2 = lo2.selectFrom(r2, r6);
            t6 = hi2.selectFrom(r2, r6);
            t3 = lo2.selectFrom(r3, r7);
            t7 = hi2.selectFrom(r3, r7);
            t8 = lo2.selectFrom(r8, r12);
            t12 = hi2.selectFrom(r8, r12);
            t9 = lo2.selectFrom(r9, r13);
            t13 = hi2.selectFrom(r9, r13);
            t10 = lo2.selectFrom(r10, r14);
            t14 = hi2.selectFrom(r10, r14);
            t11 = lo2.selectFrom(r11, r15);
            t15 = hi2.selectFrom(r11, r15);
            // round 3: rows i and i + 8 swap their off-diagonal blocks of 8 lanes
            r0 = lo3.selectFrom(t0, t8);
            r8 = hi3.selectFrom(t0, t8);
            r1 = lo3.selectFrom(t1, t9);
            r9 = hi3.selectFrom(t1, t9);
            r2 = lo3.selectFrom(t2, t10);
            r10 = hi3.selectFrom(t2, t10);
            r3 = lo3.selectFrom(t3, t11);
            r11 = hi3.selectFrom(t3, t11);
            r4 = lo3.selectFrom(t4, t12);
            r12 = hi3.selectFrom(t4, t12);
            r5 = lo3.selectFrom(t5, t13);
            r13 = hi3.selectFrom(t5, t13);
            r6 = lo3.selectFrom(t6, t14);
            r14 = hi3.selectFrom(t6, t14);
            r7 = lo3.selectFrom(t7, t15);
            r15 = hi3.selectFrom(t7, t15);
            r0.intoArray(packed, d + 0 * nrMax);
            r1.intoArray(packed, d + 1 * nrMax);
            r2.intoArray(packed, d + 2 * nrMax);
            r3.intoArray(packed, d + 3 * nrMax);
            r4.intoArray(packed, d + 4 * nrMax);
            r5.intoArray(packed, d + 5 * nrMax);
            r6.intoArray(packed, d + 6 * nrMax);
            r7.intoArray(packed, d + 7 * nrMax);
            r8.intoArray(packed, d + 8 * nrMax);
            r9.intoArray(packed, d + 9 * nrMax);
            r10.intoArray(packed, d + 10 * nrMax);
            r11.intoArray(packed, d + 11 * nrMax);
            r12.intoArray(packed, d + 12 * nrMax);
            r13.intoArray(packed, d + 13 * nrMax);
            r14.intoArray(packed, d + 14 * nrMax);
            r15.intoArray(packed, d + 15 * nrMax);
        }
    }

    /** As {@link #block16}, 8 x 8 (256-bit vectors: AVX2). */
    private static void block8(float[] packed, int nrMax, int v, float[] src, int rows, int ld, int kv) {
        FloatVector lo0 = LO0, hi0 = HI0, lo1 = LO1, hi1 = HI1, lo2 = LO2, hi2 = HI2;
        for (int k0 = 0; k0 < kv; k0 += L) {
            int o = rows + k0, d = k0 * nrMax + v;

            FloatVector r0 = FloatVector.fromArray(S, src, o);
            FloatVector r1 = FloatVector.fromArray(S, src, o + 1 * ld);
            FloatVector r2 = FloatVector.fromArray(S, src, o + 2 * ld);
            FloatVector r3 = FloatVector.fromArray(S, src, o + 3 * ld);
            FloatVector r4 = FloatVector.fromArray(S, src, o + 4 * ld);
            FloatVector r5 = FloatVector.fromArray(S, src, o + 5 * ld);
            FloatVector r6 = FloatVector.fromArray(S, src, o + 6 * ld);
            FloatVector r7 = FloatVector.fromArray(S, src, o + 7 * ld);
            // round 0: rows i and i + 1 swap their off-diagonal blocks of 1 lane
            FloatVector t0 = lo0.selectFrom(r0, r1), t1 = hi0.selectFrom(r0, r1);
            FloatVector t2 = lo0.selectFrom(r2, r3), t3 = hi0.selectFrom(r2, r3);
            FloatVector t4 = lo0.selectFrom(r4, r5), t5 = hi0.selectFrom(r4, r5);
            FloatVector t6 = lo0.selectFrom(r6, r7), t7 = hi0.selectFrom(r6, r7);
            // round 1: rows i and i + 2 swap their off-diagonal blocks of 2 lanes
            r0 = lo1.selectFrom(t0, t2);
            r2 = hi1.selectFrom(t0, t2);
            r1 = lo1.selectFrom(t1, t3);
            r3 = hi1.selectFrom(t1, t3);
            r4 = lo1.selectFrom(t4, t6);
            r6 = hi1.selectFrom(t4, t6);
            r5 = lo1.selectFrom(t5, t7);
            r7 = hi1.selectFrom(t5, t7);
            // round 2: rows i and i + 4 swap their off-diagonal blocks of 4 lanes
            t0 = lo2.selectFrom(r0, r4);
            t4 = hi2.selectFrom(r0, r4);
            t1 = lo2.selectFrom(r1, r5);
            t5 = hi2.selectFrom(r1, r5);
            t2 = lo2.selectFrom(r2, r6);
            t6 = hi2.selectFrom(r2, r6);
            t3 = lo2.selectFrom(r3, r7);
            t7 = hi2.selectFrom(r3, r7);
            t0.intoArray(packed, d + 0 * nrMax);
            t1.intoArray(packed, d + 1 * nrMax);
            t2.intoArray(packed, d + 2 * nrMax);
            t3.intoArray(packed, d + 3 * nrMax);
            t4.intoArray(packed, d + 4 * nrMax);
            t5.intoArray(packed, d + 5 * nrMax);
            t6.intoArray(packed, d + 6 * nrMax);
            t7.intoArray(packed, d + 7 * nrMax);
        }
    }

    /** Pairs rows: lane 2k + h takes lane k (PAIR_LO) or L/2 + k (PAIR_HI) of row h of the two. */
    private static final FloatVector PAIR_LO = pairing(0), PAIR_HI = pairing(L / 2);

    /** Three pairs of rows into k-major sextets: output j' = 0, 1, 2 of each half (SIX1 then SIX2). */
    private static final FloatVector SIX1_0 = sextet(0, true), SIX2_0 = sextet(0, false);

    private static final FloatVector SIX1_1 = sextet(1, true), SIX2_1 = sextet(1, false);
    private static final FloatVector SIX1_2 = sextet(2, true), SIX2_2 = sextet(2, false);

    private static FloatVector pairing(int from) {
        float[] index = new float[L];
        for (int l = 0; l < L; l++) index[l] = (l % 2) * L + from + l / 2;
        return FloatVector.fromArray(S, index, 0);
    }

    /**
     * Output vector j of a half (its floats f = j L + l are row r = f % 6 at k = f / 6): the first
     * selection takes pairs 0 and 1 (rows 0-3) from their paired vectors, the second keeps those lanes
     * and takes pair 2 (rows 4, 5) from its own.
     */
    private static FloatVector sextet(int j, boolean first) {
        float[] index = new float[L];
        for (int l = 0; l < L; l++) {
            int f = j * L + l, r = f % 6, pair = r / 2, lane = 2 * (f / 6) + r % 2;
            index[l] = first ? (pair == 2 ? 0 : pair * L + lane) : (pair == 2 ? L + lane : l);
        }
        return FloatVector.fromArray(S, index, 0);
    }

    /**
     * Six rows of src (row stride ld), elements [0, kv) of each (kv a multiple of L), interleaved into
     * dst[d + k * 6 + r] (the GEMM's packed micro-panel of x): per L values of k, six row vectors, three
     * pairings and six three-way selections, 18 two-source selections for 6 L values instead of a load
     * and a store each.
     */
    static void interleave6(float[] dst, int d, float[] src, int o, int ld, int kv) {
        FloatVector plo = PAIR_LO, phi = PAIR_HI;
        FloatVector a0 = SIX1_0, b0 = SIX2_0, a1 = SIX1_1, b1 = SIX2_1, a2 = SIX1_2, b2 = SIX2_2;
        for (int k0 = 0; k0 < kv; k0 += L, o += L, d += 6 * L) {
            FloatVector r0 = FloatVector.fromArray(S, src, o);
            FloatVector r1 = FloatVector.fromArray(S, src, o + ld);
            FloatVector r2 = FloatVector.fromArray(S, src, o + 2 * ld);
            FloatVector r3 = FloatVector.fromArray(S, src, o + 3 * ld);
            FloatVector r4 = FloatVector.fromArray(S, src, o + 4 * ld);
            FloatVector r5 = FloatVector.fromArray(S, src, o + 5 * ld);
            FloatVector p01 = plo.selectFrom(r0, r1), q01 = phi.selectFrom(r0, r1);
            FloatVector p23 = plo.selectFrom(r2, r3), q23 = phi.selectFrom(r2, r3);
            FloatVector p45 = plo.selectFrom(r4, r5), q45 = phi.selectFrom(r4, r5);
            b0.selectFrom(a0.selectFrom(p01, p23), p45).intoArray(dst, d);
            b1.selectFrom(a1.selectFrom(p01, p23), p45).intoArray(dst, d + L);
            b2.selectFrom(a2.selectFrom(p01, p23), p45).intoArray(dst, d + 2 * L);
            b0.selectFrom(a0.selectFrom(q01, q23), q45).intoArray(dst, d + 3 * L);
            b1.selectFrom(a1.selectFrom(q01, q23), q45).intoArray(dst, d + 4 * L);
            b2.selectFrom(a2.selectFrom(q01, q23), q45).intoArray(dst, d + 5 * L);
        }
    }
}
