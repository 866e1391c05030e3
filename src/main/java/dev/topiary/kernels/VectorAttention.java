package dev.topiary.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API versions of {@link Kernels#causalScores}, {@link Kernels#causalMix} (plain and
 * transposed): one head's causal attention products for training, four to eight rows (or columns) at a
 * time, computing only the lower triangle. Scores run along the keys (the keys transposed once per call,
 * so any head size fills whole vectors); the mixes run along the head dimension (the head's rows
 * copied into a contiguous buffer padded to whole vectors, so a head of 8 on 16 lanes needs no masks). Small heads (8 in
 * stories260K) waste most of a GEMM micro-kernel's 32 columns and spend more time packing than
 * multiplying; here every lane of every multiply-add is useful, and nothing is packed but K^T.
 *
 * <p>Each sum runs over its index in increasing order with fused multiply-adds, the same bits
 * compiled or not.
 *
 * <p>NO_BRANCH: the mixes' triangles add a weight of 0 times a value rather than skip an accumulator under a
 * condition. With the accumulators updated inside ifs in a loop, C2 once compiled mix with its fma on the Java
 * fallback path (JFR: lanewiseTemplate under fma, a head of 256 rows at D = 48 in 200 instead of 39 us) in three
 * JVM runs of four. For finite values the sums are the same (x + 0 * v = x, up to the sign of a zero sum); a
 * non-finite v makes 0 * v NaN, which then reaches the rows (or columns) of its block that should not see it
 * (training skips steps whose loss or gradient norm is not finite).
 */
final class VectorAttention {
    private VectorAttention() {}

    private static final VectorSpecies<Float> S = VectorKernels.floatSpecies();

    private static final int L = S.length();

    /**
     * Per thread: the transposed keys of {@link #scores}, or the contiguous rows of {@link #contiguous} (never
     * both live at once: each kernel fills and uses it within one call).
     */
    private static final ThreadLocal<float[]> KT = ThreadLocal.withInitial(() -> new float[0]);

    /** {@link #mixT}'s copy of eight columns of P. */
    private static final ThreadLocal<float[]> STRIP = ThreadLocal.withInitial(() -> new float[0]);

    /** A spill tile of accumulators, per thread. */
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[16 * L]);

    static void scores(
            float[] s, int sOff, int lds, float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, int T, int D) {
        int jp = (T + 2 * L - 1) / (2 * L) * (2 * L);
        float[] kt = VectorKernels.buffer(KT, D * jp), tile = TILE.get();
        // keys transposed in blocks of 2L: key j's value d at (j / 2L) * D * 2L + d * 2L + j % 2L, so that the
        // loop over d below steps by a constant and C2 lifts the bounds checks of its loads out of it (with a
        // stride of jp they stayed in: 78 of 2,557 JFR samples of a training bench fell on this method's bounds
        // checks, after it 45, all at the stores; the throughput moved within the noise, stories15M
        // 1,922-1,991 -> 1,975-2,011 tokens/s in paired runs)
        for (int j = 0; j < jp; j++) {
            int src = kOff + j * ldk, dst = j / (2 * L) * D * 2 * L + j % (2 * L);
            for (int d = 0; d < D; d++) kt[dst + d * 2 * L] = j < T ? k[src + d] : 0f;
        }
        // six rows a block, two vectors of keys at a time: twelve accumulators, as in the GEMM's micro-kernel, each
        // broadcast of q feeding two multiply-adds (with four rows, an iteration of eight FMAs took ~10 cycles at
        // D = 48; one head of 256 rows on one thread, paired: D = 48 -16%, D = 64 -12%, D = 8 -5%)
        for (int t0 = 0; t0 < T; t0 += 6) {
            int r = Math.min(6, T - t0);
            // rows past T (last block) repeat the last row; they are computed and not stored
            int q0 = qOff + t0 * ldq,
                    q1 = qOff + (t0 + Math.min(1, r - 1)) * ldq,
                    q2 = qOff + (t0 + Math.min(2, r - 1)) * ldq,
                    q3 = qOff + (t0 + Math.min(3, r - 1)) * ldq,
                    q4 = qOff + (t0 + Math.min(4, r - 1)) * ldq,
                    q5 = qOff + (t0 + Math.min(5, r - 1)) * ldq;
            for (int j0 = 0; j0 < t0 + r; j0 += 2 * L) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
                FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
                for (int d = 0, kk = j0 * D; d < D; d++, kk += 2 * L) {
                    FloatVector kv = FloatVector.fromArray(S, kt, kk), kw = FloatVector.fromArray(S, kt, kk + L);
                    FloatVector x = FloatVector.broadcast(S, q[q0 + d]);
                    a0 = kv.fma(x, a0);
                    b0 = kw.fma(x, b0);
                    x = FloatVector.broadcast(S, q[q1 + d]);
                    a1 = kv.fma(x, a1);
                    b1 = kw.fma(x, b1);
                    x = FloatVector.broadcast(S, q[q2 + d]);
                    a2 = kv.fma(x, a2);
                    b2 = kw.fma(x, b2);
                    x = FloatVector.broadcast(S, q[q3 + d]);
                    a3 = kv.fma(x, a3);
                    b3 = kw.fma(x, b3);
                    x = FloatVector.broadcast(S, q[q4 + d]);
                    a4 = kv.fma(x, a4);
                    b4 = kw.fma(x, b4);
                    x = FloatVector.broadcast(S, q[q5 + d]);
                    a5 = kv.fma(x, a5);
                    b5 = kw.fma(x, b5);
                }
                int o = sOff + t0 * lds + j0;
                if (j0 + 2 * L <= lds) {
                    a0.intoArray(s, o);
                    b0.intoArray(s, o + L);
                    if (r > 1) {
                        a1.intoArray(s, o + lds);
                        b1.intoArray(s, o + lds + L);
                    }
                    if (r > 2) {
                        a2.intoArray(s, o + 2 * lds);
                        b2.intoArray(s, o + 2 * lds + L);
                    }
                    if (r > 3) {
                        a3.intoArray(s, o + 3 * lds);
                        b3.intoArray(s, o + 3 * lds + L);
                    }
                    if (r > 4) {
                        a4.intoArray(s, o + 4 * lds);
                        b4.intoArray(s, o + 4 * lds + L);
                    }
                    if (r > 5) {
                        a5.intoArray(s, o + 5 * lds);
                        b5.intoArray(s, o + 5 * lds + L);
                    }
                } else { // the row ends inside these two vectors
                    a0.intoArray(tile, 0);
                    b0.intoArray(tile, L);
                    a1.intoArray(tile, 2 * L);
                    b1.intoArray(tile, 3 * L);
                    a2.intoArray(tile, 4 * L);
                    b2.intoArray(tile, 5 * L);
                    a3.intoArray(tile, 6 * L);
                    b3.intoArray(tile, 7 * L);
                    a4.intoArray(tile, 8 * L);
                    b4.intoArray(tile, 9 * L);
                    a5.intoArray(tile, 10 * L);
                    b5.intoArray(tile, 11 * L);
                    emit(tile, 2 * L, s, o, lds, r, lds - j0, false);
                }
            }
        }
    }

    static void mix(
            float[] out,
            int outOff,
            int ldo,
            float[] p,
            int pOff,
            int ldp,
            float[] v,
            int vOff,
            int ldv,
            int T,
            int D,
            boolean accumulate) {
        int[] at = new int[1];
        v = contiguous(v, vOff, ldv, T, D, at);
        vOff = 0;
        ldv = at[0];
        float[] tile = TILE.get();
        if (ldv == L) {
            mixOneVector(out, outOff, ldo, p, pOff, ldp, v, T, D, accumulate, tile);
            return;
        }
        for (int t0 = 0; t0 < T; t0 += 4) {
            int r = Math.min(4, T - t0);
            int p0 = pOff + t0 * ldp,
                    p1 = pOff + (t0 + Math.min(1, r - 1)) * ldp,
                    p2 = pOff + (t0 + Math.min(2, r - 1)) * ldp,
                    p3 = pOff + (t0 + Math.min(3, r - 1)) * ldp;
            int dc = 0;
            // two vectors of the head dimension at a time where the padded row has them: each broadcast of p
            // feeds two multiply-adds (the sums, lane by lane, are the same as one vector at a time)
            for (; dc + L < ldv; dc += 2 * L) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (int j = 0, vo = vOff + dc; j <= t0; j++, vo += ldv) {
                    FloatVector x = FloatVector.fromArray(S, v, vo), y = FloatVector.fromArray(S, v, vo + L);
                    FloatVector w = FloatVector.broadcast(S, p[p0 + j]);
                    a0 = x.fma(w, a0);
                    b0 = y.fma(w, b0);
                    w = FloatVector.broadcast(S, p[p1 + j]);
                    a1 = x.fma(w, a1);
                    b1 = y.fma(w, b1);
                    w = FloatVector.broadcast(S, p[p2 + j]);
                    a2 = x.fma(w, a2);
                    b2 = y.fma(w, b2);
                    w = FloatVector.broadcast(S, p[p3 + j]);
                    a3 = x.fma(w, a3);
                    b3 = y.fma(w, b3);
                }
                // the triangle: row t0 + k also takes key t0 + i when i <= k, a weight of 0 otherwise (see NO_BRANCH)
                for (int i = 1; i < r; i++) {
                    int j = t0 + i, vo = vOff + j * ldv + dc;
                    FloatVector x = FloatVector.fromArray(S, v, vo), y = FloatVector.fromArray(S, v, vo + L);
                    FloatVector w = FloatVector.broadcast(S, i <= 1 ? p[p1 + j] : 0f);
                    a1 = x.fma(w, a1);
                    b1 = y.fma(w, b1);
                    w = FloatVector.broadcast(S, i <= 2 ? p[p2 + j] : 0f);
                    a2 = x.fma(w, a2);
                    b2 = y.fma(w, b2);
                    w = FloatVector.broadcast(S, p[p3 + j]);
                    a3 = x.fma(w, a3);
                    b3 = y.fma(w, b3);
                }
                a0.intoArray(tile, 0);
                b0.intoArray(tile, L);
                a1.intoArray(tile, 2 * L);
                b1.intoArray(tile, 3 * L);
                a2.intoArray(tile, 4 * L);
                b2.intoArray(tile, 5 * L);
                a3.intoArray(tile, 6 * L);
                b3.intoArray(tile, 7 * L);
                emit(tile, 2 * L, out, outOff + t0 * ldo + dc, ldo, r, Math.min(2 * L, D - dc), accumulate);
            }
            for (; dc < D; dc += L) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                // keys 0..t0 are below the diagonal of all four rows
                for (int j = 0, vo = vOff + dc; j <= t0; j++, vo += ldv) {
                    FloatVector x = FloatVector.fromArray(S, v, vo);
                    a0 = x.fma(FloatVector.broadcast(S, p[p0 + j]), a0);
                    a1 = x.fma(FloatVector.broadcast(S, p[p1 + j]), a1);
                    a2 = x.fma(FloatVector.broadcast(S, p[p2 + j]), a2);
                    a3 = x.fma(FloatVector.broadcast(S, p[p3 + j]), a3);
                }
                // the triangle: row t0 + i also takes keys t0 + 1 .. t0 + i
                if (r > 1) {
                    FloatVector x = FloatVector.fromArray(S, v, vOff + (t0 + 1) * ldv + dc);
                    a1 = x.fma(FloatVector.broadcast(S, p[p1 + t0 + 1]), a1);
                    a2 = x.fma(FloatVector.broadcast(S, p[p2 + t0 + 1]), a2);
                    a3 = x.fma(FloatVector.broadcast(S, p[p3 + t0 + 1]), a3);
                }
                if (r > 2) {
                    FloatVector x = FloatVector.fromArray(S, v, vOff + (t0 + 2) * ldv + dc);
                    a2 = x.fma(FloatVector.broadcast(S, p[p2 + t0 + 2]), a2);
                    a3 = x.fma(FloatVector.broadcast(S, p[p3 + t0 + 2]), a3);
                }
                if (r > 3)
                    a3 = FloatVector.fromArray(S, v, vOff + (t0 + 3) * ldv + dc)
                            .fma(FloatVector.broadcast(S, p[p3 + t0 + 3]), a3);
                // through the tile, as the transposed mix stores: 4 vectors against t0 + 1 steps of the loop above
                a0.intoArray(tile, 0);
                a1.intoArray(tile, L);
                a2.intoArray(tile, 2 * L);
                a3.intoArray(tile, 3 * L);
                emit(tile, L, out, outOff + t0 * ldo + dc, ldo, r, Math.min(L, D - dc), accumulate);
            }
        }
    }

    /**
     * {@link #mix} for heads that fit one vector (D <= L: 8 in stories260K on 16 lanes), v contiguous with rows of
     * L: eight rows a block, so eight independent chains of multiply-adds (with four, each waited on the latency
     * of its last): a causal head of 256 rows, D = 8, 16 -> 10 us on one thread. Each sum in the same order as
     * there, so the same bits (up to the sign of a zero sum: see NO_BRANCH).
     */
    private static void mixOneVector(
            float[] out,
            int outOff,
            int ldo,
            float[] p,
            int pOff,
            int ldp,
            float[] v,
            int T,
            int D,
            boolean accumulate,
            float[] tile) {
        for (int t0 = 0; t0 < T; t0 += 8) {
            int r = Math.min(8, T - t0);
            // rows past T (last block) repeat the last row; computed, not stored
            int p0 = pOff + t0 * ldp,
                    p1 = pOff + (t0 + Math.min(1, r - 1)) * ldp,
                    p2 = pOff + (t0 + Math.min(2, r - 1)) * ldp,
                    p3 = pOff + (t0 + Math.min(3, r - 1)) * ldp,
                    p4 = pOff + (t0 + Math.min(4, r - 1)) * ldp,
                    p5 = pOff + (t0 + Math.min(5, r - 1)) * ldp,
                    p6 = pOff + (t0 + Math.min(6, r - 1)) * ldp,
                    p7 = pOff + (t0 + Math.min(7, r - 1)) * ldp;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            // keys 0..t0 are below the diagonal of all eight rows
            for (int j = 0, vo = 0; j <= t0; j++, vo += L) {
                FloatVector x = FloatVector.fromArray(S, v, vo);
                a0 = x.fma(FloatVector.broadcast(S, p[p0 + j]), a0);
                a1 = x.fma(FloatVector.broadcast(S, p[p1 + j]), a1);
                a2 = x.fma(FloatVector.broadcast(S, p[p2 + j]), a2);
                a3 = x.fma(FloatVector.broadcast(S, p[p3 + j]), a3);
                a4 = x.fma(FloatVector.broadcast(S, p[p4 + j]), a4);
                a5 = x.fma(FloatVector.broadcast(S, p[p5 + j]), a5);
                a6 = x.fma(FloatVector.broadcast(S, p[p6 + j]), a6);
                a7 = x.fma(FloatVector.broadcast(S, p[p7 + j]), a7);
            }
            // the triangle: row t0 + k also takes keys t0 + 1 .. t0 + k, a weight of 0 after them (see NO_BRANCH)
            for (int i = 1; i < r; i++) {
                int j = t0 + i;
                FloatVector x = FloatVector.fromArray(S, v, j * L);
                a1 = x.fma(FloatVector.broadcast(S, i <= 1 ? p[p1 + j] : 0f), a1);
                a2 = x.fma(FloatVector.broadcast(S, i <= 2 ? p[p2 + j] : 0f), a2);
                a3 = x.fma(FloatVector.broadcast(S, i <= 3 ? p[p3 + j] : 0f), a3);
                a4 = x.fma(FloatVector.broadcast(S, i <= 4 ? p[p4 + j] : 0f), a4);
                a5 = x.fma(FloatVector.broadcast(S, i <= 5 ? p[p5 + j] : 0f), a5);
                a6 = x.fma(FloatVector.broadcast(S, i <= 6 ? p[p6 + j] : 0f), a6);
                a7 = x.fma(FloatVector.broadcast(S, p[p7 + j]), a7);
            }
            a0.intoArray(tile, 0);
            a1.intoArray(tile, L);
            a2.intoArray(tile, 2 * L);
            a3.intoArray(tile, 3 * L);
            a4.intoArray(tile, 4 * L);
            a5.intoArray(tile, 5 * L);
            a6.intoArray(tile, 6 * L);
            a7.intoArray(tile, 7 * L);
            emit(tile, L, out, outOff + t0 * ldo, ldo, r, D, accumulate);
        }
    }

    static void mixT(
            float[] out,
            int outOff,
            int ldo,
            float[] p,
            int pOff,
            int ldp,
            float[] v,
            int vOff,
            int ldv,
            int T,
            int D,
            boolean accumulate) {
        int[] at = new int[1];
        v = contiguous(v, vOff, ldv, T, D, at);
        ldv = at[0];
        float[] tile = TILE.get(), strip = VectorKernels.buffer(STRIP, 8 * T);
        // eight columns at a time: each query row t gives eight p values from one cache line
        for (int j0 = 0; j0 < T; j0 += 8) {
            int r = Math.min(8, T - j0), rows = T - j0;
            // The eight columns' rows j0 .. T - 1 side by side, 8 floats a row (columns past T, in the last block,
            // are computed with zeros and not stored). Read at p[pOff + t * ldp + column], C2 kept a bounds
            // check on each of the eight loads of a row, their offsets spilled to the stack (six instructions a
            // multiply-add); at strip[i * 8 + constant], with i the loop's counter, the checks leave the loop. A
            // causal head of 256 rows on one thread, paired: D = 8 19.7 -> 13.7 us, D = 48 50.7 -> 40, D = 64 58 -> 44.
            // Above the diagonal (query j0 + i, column j0 + c > i), and past T in the last block, a weight of 0 that
            // is not read from P: the first rows then need no conditions (see NO_BRANCH). Past the first seven rows
            // all eight columns are whole and at or below the diagonal (a block with r < 8 has fewer rows).
            for (int i = 0, po = pOff + j0 * ldp + j0; i < rows; i++, po += ldp)
                if (i >= 7 && L >= 8)
                    FloatVector.fromArray(FloatVector.SPECIES_256, p, po).intoArray(strip, i * 8);
                else for (int c = 0; c < 8; c++) strip[i * 8 + c] = c <= i && c < r ? p[po + c] : 0f;
            int dc = 0;
            // two vectors of the head dimension at a time where the padded row has them (as in mix); 16
            // accumulators: only with AVX-512's 32 registers (AVX2's 16 would spill them)
            for (; L >= 16 && dc + L < ldv; dc += 2 * L) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
                int vb = j0 * ldv + dc;
                // every query from j0 on: above the diagonal the strip holds zeros
                for (int i = 0; i < rows; i++) {
                    int vo = vb + i * ldv, so = i * 8;
                    FloatVector x = FloatVector.fromArray(S, v, vo), y = FloatVector.fromArray(S, v, vo + L);
                    FloatVector w = FloatVector.broadcast(S, strip[so]);
                    a0 = x.fma(w, a0);
                    b0 = y.fma(w, b0);
                    w = FloatVector.broadcast(S, strip[so + 1]);
                    a1 = x.fma(w, a1);
                    b1 = y.fma(w, b1);
                    w = FloatVector.broadcast(S, strip[so + 2]);
                    a2 = x.fma(w, a2);
                    b2 = y.fma(w, b2);
                    w = FloatVector.broadcast(S, strip[so + 3]);
                    a3 = x.fma(w, a3);
                    b3 = y.fma(w, b3);
                    w = FloatVector.broadcast(S, strip[so + 4]);
                    a4 = x.fma(w, a4);
                    b4 = y.fma(w, b4);
                    w = FloatVector.broadcast(S, strip[so + 5]);
                    a5 = x.fma(w, a5);
                    b5 = y.fma(w, b5);
                    w = FloatVector.broadcast(S, strip[so + 6]);
                    a6 = x.fma(w, a6);
                    b6 = y.fma(w, b6);
                    w = FloatVector.broadcast(S, strip[so + 7]);
                    a7 = x.fma(w, a7);
                    b7 = y.fma(w, b7);
                }
                a0.intoArray(tile, 0 * L);
                b0.intoArray(tile, 1 * L);
                a1.intoArray(tile, 2 * L);
                b1.intoArray(tile, 3 * L);
                a2.intoArray(tile, 4 * L);
                b2.intoArray(tile, 5 * L);
                a3.intoArray(tile, 6 * L);
                b3.intoArray(tile, 7 * L);
                a4.intoArray(tile, 8 * L);
                b4.intoArray(tile, 9 * L);
                a5.intoArray(tile, 10 * L);
                b5.intoArray(tile, 11 * L);
                a6.intoArray(tile, 12 * L);
                b6.intoArray(tile, 13 * L);
                a7.intoArray(tile, 14 * L);
                b7.intoArray(tile, 15 * L);
                emit(tile, 2 * L, out, outOff + j0 * ldo + dc, ldo, r, Math.min(2 * L, D - dc), accumulate);
            }
            for (; dc < D; dc += L) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
                int vb = j0 * ldv + dc;
                for (int i = 0; i < rows; i++) {
                    int so = i * 8;
                    FloatVector x = FloatVector.fromArray(S, v, vb + i * ldv);
                    a0 = x.fma(FloatVector.broadcast(S, strip[so]), a0);
                    a1 = x.fma(FloatVector.broadcast(S, strip[so + 1]), a1);
                    a2 = x.fma(FloatVector.broadcast(S, strip[so + 2]), a2);
                    a3 = x.fma(FloatVector.broadcast(S, strip[so + 3]), a3);
                    a4 = x.fma(FloatVector.broadcast(S, strip[so + 4]), a4);
                    a5 = x.fma(FloatVector.broadcast(S, strip[so + 5]), a5);
                    a6 = x.fma(FloatVector.broadcast(S, strip[so + 6]), a6);
                    a7 = x.fma(FloatVector.broadcast(S, strip[so + 7]), a7);
                }
                a0.intoArray(tile, 0);
                a1.intoArray(tile, L);
                a2.intoArray(tile, 2 * L);
                a3.intoArray(tile, 3 * L);
                a4.intoArray(tile, 4 * L);
                a5.intoArray(tile, 5 * L);
                a6.intoArray(tile, 6 * L);
                a7.intoArray(tile, 7 * L);
                emit(tile, L, out, outOff + j0 * ldo + dc, ldo, r, Math.min(L, D - dc), accumulate);
            }
        }
    }

    /**
     * Rows r of a spilled tile (row i at tile[i * tileLd]), n values each, into (or added to) dst at off + i * ld.
     */
    private static void emit(float[] tile, int tileLd, float[] dst, int off, int ld, int r, int n, boolean accumulate) {
        for (int i = 0; i < r; i++)
            if (accumulate) for (int c = 0; c < n; c++) dst[off + i * ld + c] += tile[i * tileLd + c];
            else System.arraycopy(tile, i * tileLd, dst, off + i * ld, n);
    }

    /**
     * The T rows of v copied into a contiguous buffer with rows of whole vectors (the head dimension
     * rounded up to the lane count, zero past it): the mixes then read whole vectors without masks and
     * without running past the array, and rows that lie far apart in v (a head of a wide activation:
     * 8 KiB apart for 32 heads of 64) no longer fall into the same few cache sets. A copy of T x D
     * floats against the T^2 D / 2 multiply-adds that read it. Sets {@code at[0]} to the row stride.
     */
    private static float[] contiguous(float[] v, int vOff, int ldv, int T, int D, int[] at) {
        int ld = (D + L - 1) / L * L;
        float[] b = VectorKernels.buffer(KT, T * ld);
        for (int t = 0; t < T; t++) {
            System.arraycopy(v, vOff + t * ldv, b, t * ld, D);
            if (ld > D) java.util.Arrays.fill(b, t * ld + D, t * ld + ld, 0f);
        }
        at[0] = ld;
        return b;
    }
}
