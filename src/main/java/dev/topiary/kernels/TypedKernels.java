package dev.topiary.kernels;

import static jdk.incubator.vector.VectorOperators.B2F;

import dev.topiary.tensor.Tensor;
import dev.topiary.tensor.WeightType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels over weights in their stored type ({@link Tensor}: F32, BF16, F16, Q8_0 in a
 * memory segment). Values are widened to fp32 in registers:
 *
 * <pre>
 *   BF16:  L shorts  -> zero-extend to L ints -> shift left 16 -> L floats
 *   Q8_0:  per block of 32: L bytes -> L floats (sign-extended), times the block's F16 scale
 *   F16:   widened one by one (Float.float16ToFloat, a single instruction) into a row buffer
 * </pre>
 *
 * The GEMM converts each packed panel once (then reuses it for every row of the batch), so it runs
 * at the fp32 GEMM's speed; the GEMV (decoding) streams each weight row once, reading 2 bytes per
 * BF16 weight and 34/32 per Q8_0 weight.
 */
final class TypedKernels {
    private TypedKernels() {}

    private static final VectorSpecies<Float> S = VectorKernels.floatSpecies();
    private static final int L = S.length();
    private static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, VectorShape.forBitSize(L * 32));
    /** L bytes, when that is a vector shape (L >= 8); else Q8_0 takes the row-buffer path. */
    private static final VectorSpecies<Byte> BS =
            L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : null;

    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[1024]);

    private static float[] rowBuffer(int n) {
        return VectorKernels.buffer(ROW, n);
    }

    /**
     * packed[k * nrMax + j] = w[n0 + j, k0 + k] for j < nr, zero for j in [nr, nrMax). The nr rows are
     * widened into a contiguous (nr, kc) buffer first; a whole panel is then transposed in L x L blocks
     * ({@link PanelTranspose}), as the fp32 GEMM packs its panels.
     */
    static void packTransposed(float[] packed, int nrMax, Tensor w, int n0, int k0, int kc, int nr) {
        if (w.type() == WeightType.BF16 && nr == nrMax && nrMax % L == 0 && kc % 2 == 0) {
            packBf16(packed, nrMax, w, n0, k0, kc);
            return;
        }
        float[] rows = rowBuffer(nr * kc);
        for (int j = 0; j < nr; j++) convertRow(w, n0 + j, k0, kc, rows, j * kc);
        if (nr == nrMax && nrMax % L == 0) {
            PanelTranspose.pack(packed, nrMax, rows, 0, kc, kc);
            return;
        }
        for (int j = 0; j < nr; j++) for (int k = 0; k < kc; k++) packed[k * nrMax + j] = rows[j * kc + k];
        for (int j = nr; j < nrMax; j++) for (int k = 0; k < kc; k++) packed[k * nrMax + j] = 0f;
    }

    /**
     * A whole BF16 panel without widening it first: the rows' raw bytes are copied as ints (two
     * neighbouring BF16 values each, k in the low half), and one int gather down L rows yields two
     * vectors of the panel, k (the low halves shifted up) and k + 1 (the high halves masked): half the
     * gathers of the fp32 path and no widened copy in between. The same panel, bit for bit.
     */
    private static void packBf16(float[] packed, int nrMax, Tensor w, int n0, int k0, int kc) {
        int half = kc / 2;
        int[] raw = VectorKernels.intBuffer(RAW, nrMax * half), idx = GATHER2.get();
        MemorySegment seg = w.segment();
        for (int j = 0; j < nrMax; j++)
            MemorySegment.copy(seg, INT, ((n0 + j) * w.cols() + k0) * 2, raw, j * half, half);
        if (idx[1] != half) for (int j = 0; j < L; j++) idx[j] = j * half;
        for (int v = 0; v < nrMax; v += L)
            for (int kk = 0, o = v; kk < half; kk++, o += 2 * nrMax) {
                IntVector g = IntVector.fromArray(IS, raw, v * half + kk, idx, 0);
                g.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(packed, o);
                g.and(0xffff0000).reinterpretAsFloats().intoArray(packed, o + nrMax);
            }
    }

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<int[]> RAW = ThreadLocal.withInitial(() -> new int[0]);
    private static final ThreadLocal<int[]> GATHER2 = ThreadLocal.withInitial(() -> new int[L]);

    /** Elements [k0, k0 + kc) of row n, widened to fp32 into dst[dstOff ...]. */
    static void convertRow(Tensor w, long n, int k0, int kc, float[] dst, int dstOff) {
        MemorySegment seg = w.segment();
        long first = n * w.cols() + k0;
        switch (w.type()) {
            case BF16 -> {
                int i = 0;
                long base = first * 2;
                for (int upper = kc - L; i <= upper; i += L)
                    bf16(seg, base + 2L * i).intoArray(dst, dstOff + i);
                for (; i < kc; i++)
                    dst[dstOff + i] = Float.intBitsToFloat((seg.get(SHORT, base + 2L * i) & 0xffff) << 16);
            }
            case Q8_0 -> {
                if (BS == null || k0 % 32 != 0) {
                    w.readRow(n, k0, kc, dst, dstOff);
                    return;
                }
                int i = 0;
                long block = first / 32;
                for (; i + 32 <= kc; i += 32, block++) {
                    long base = block * 34;
                    FloatVector d = FloatVector.broadcast(S, Float.float16ToFloat(seg.get(SHORT, base)));
                    for (int j = 0; j < 32; j += L) q8(seg, base + 2 + j).mul(d).intoArray(dst, dstOff + i + j);
                }
                if (i < kc) w.readRow(n, k0 + i, kc - i, dst, dstOff + i);
            }
            default -> w.readRow(n, k0, kc, dst, dstOff);
        }
    }

    /** L BF16 values at byte offset off, as floats. */
    private static FloatVector bf16(MemorySegment seg, long off) {
        ShortVector s = ShortVector.fromMemorySegment(SH, seg, off, LE);
        return ((IntVector) s.convertShape(VectorOperators.ZERO_EXTEND_S2I, IS, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    /** L int8 values at byte offset off, as floats. */
    private static FloatVector q8(MemorySegment seg, long off) {
        ByteVector b = ByteVector.fromMemorySegment(BS, seg, off, LE);
        return (FloatVector) b.convertShape(VectorOperators.B2F, S, 0);
    }

    /** out[b, n] = x[b, :] . w[n, :] (+ bias[n]) for few rows b: each weight row is streamed once. */
    static void gemv(
            float[] out, int outOff, float[] x, int xOff, Tensor w, float[] bias, int biasOff, int B, int K, int N) {
        float[] eo = B == 1 && w.type() == WeightType.BF16 ? evenOdd(x, xOff, K) : null;
        Parallel.forPieces(
                N,
                (long) B * K * N,
                VectorKernels.GEMV_PIECES,
                (chunk, from, to) -> gemvRows(out, outOff, x, xOff, eo, w, bias, biasOff, B, K, N, from, to));
    }

    private static final ThreadLocal<float[]> EVEN_ODD = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * x[xOff, xOff + K) arranged for {@link #dot3Bf16}: each whole 2L values as the L at even
     * positions, then the L at odd ones; the tail past the last whole 2L as it is. The caller's buffer,
     * made once per product (before the parallel loop) and read by every thread.
     */
    static float[] evenOdd(float[] x, int xOff, int K) {
        float[] eo = VectorKernels.buffer(EVEN_ODD, K);
        int i = 0;
        for (; i + 2 * L <= K; i += 2 * L)
            for (int l = 0; l < L; l++) {
                eo[i + l] = x[xOff + i + 2 * l];
                eo[i + L + l] = x[xOff + i + 2 * l + 1];
            }
        for (; i < K; i++) eo[i] = x[xOff + i];
        return eo;
    }

    /**
     * Output columns [from, to) of the GEMV, one weight row at a time (one sequential stream, as
     * {@link VectorKernels#gemvRows}), dotted with each of the B rows of x while it is in L1. F16 rows,
     * and Q8_0 ones where L bytes make no vector, are widened into a buffer first and dotted as the
     * heap fp32 GEMV dots them: the same sums, the same bits.
     */
    static void gemvRows(
            float[] out,
            int outOff,
            float[] x,
            int xOff,
            float[] evenOdd,
            Tensor w,
            float[] bias,
            int biasOff,
            int B,
            int K,
            int N,
            int from,
            int to) {
        MemorySegment seg = w.segment();
        WeightType type = w.type();
        float[] row = type == WeightType.F16 || (type == WeightType.Q8_0 && BS == null) ? rowBuffer(K) : null;
        if (B == 1 && type == WeightType.BF16) {
            // decode: a third of the piece's rows in each of three streams (see dot3Bf16); the rest one by one
            int third = (to - from) / 3;
            for (int n = from; n < from + third; n++) {
                dot3Bf16(seg, n, n + third, n + 2 * third, evenOdd, K, out, outOff);
                addBias(out, outOff, bias, biasOff, n, third, 3);
            }
            from += 3 * third;
            for (int n = from; n < to; n++) {
                dot3Bf16(seg, n, n, n, evenOdd, K, out, outOff);
                addBias(out, outOff, bias, biasOff, n, 0, 1);
            }
            return;
        }
        if (B == 1 && type == WeightType.Q8_0 && L == 16) {
            // decode: a quarter of the piece's rows in each of four streams (see dot4Q8); the rest below
            int q = (to - from) / 4;
            long rowBytes = (long) (K / 32) * 34;
            for (int n = from; n < from + q; n++) {
                dot4Q8(seg, rowBytes, x, xOff, K, out, outOff, n, q);
                addBias(out, outOff, bias, biasOff, n, q, 4);
            }
            from += 4 * q;
        }
        if (B == 1 && type == WeightType.F32 && L == 16) {
            // decode: a quarter of the piece's rows in each of four streams (see dot4F32); the rest below
            int q = (to - from) / 4;
            for (int n = from; n < from + q; n++) {
                dot4F32(seg, x, xOff, K, out, outOff, n, q);
                addBias(out, outOff, bias, biasOff, n, q, 4);
            }
            from += 4 * q;
        }
        if (B == 1 && type == WeightType.F32) {
            // decode: two streams, row n beside row n + half (see VectorKernels.gemvRows); the odd row is left below
            int half = (to - from) / 2;
            for (int n = from; n < from + half; n++) {
                int m = n + half;
                dot2F32(seg, (long) n * K * 4, (long) m * K * 4, x, xOff, K, out, outOff, n, m);
                addBias(out, outOff, bias, biasOff, n, half, 2);
            }
            from += 2 * half;
        }
        for (int n = from; n < to; n++) {
            float bv = bias == null ? 0f : bias[biasOff + n];
            if (row != null) w.readRow(n, 0, K, row, 0);
            for (int b = 0; b < B; b++) {
                int xo = xOff + b * K;
                float s = row != null
                        ? dot(row, x, xo, K)
                        : switch (type) {
                            case BF16 -> dotBf16(seg, (long) n * K * 2, x, xo, K);
                            case Q8_0 -> dotQ8(seg, (long) n * (K / 32) * 34, x, xo, K);
                            default -> dotF32(seg, (long) n * K * 4, x, xo, K);
                        };
                out[outOff + b * N + n] = s + bv;
            }
        }
    }

    private static float dot(float[] row, float[] x, int xo, int K) {
        return VectorKernels.dotArrays(row, 0, x, xo, K);
    }

    // The two streaming dots below sum in VectorKernels.dotArrays's order (four accumulators, then one,
    // then the scalar tail), so a BF16 or F32 model decodes to the same bits as its widened fp32 copy.

    private static float dotBf16(MemorySegment seg, long base, float[] x, int xo, int K) {
        int i = 0;
        float s = 0f;
        if (K >= 2 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int upper = K - 4 * L; i <= upper; i += 4 * L) {
                s0 = bf16(seg, base + 2L * i).fma(FloatVector.fromArray(S, x, xo + i), s0);
                s1 = bf16(seg, base + 2L * (i + L)).fma(FloatVector.fromArray(S, x, xo + i + L), s1);
                s2 = bf16(seg, base + 2L * (i + 2 * L)).fma(FloatVector.fromArray(S, x, xo + i + 2 * L), s2);
                s3 = bf16(seg, base + 2L * (i + 3 * L)).fma(FloatVector.fromArray(S, x, xo + i + 3 * L), s3);
            }
            for (int upper = K - L; i <= upper; i += L)
                s0 = bf16(seg, base + 2L * i).fma(FloatVector.fromArray(S, x, xo + i), s0);
            // Lanes.sum's folds written out (a call taking a vector is boxed when C2's inlining budget is spent)
            FloatVector v = s0.add(s1).add(s2.add(s3));
            if (L > 16) s = Lanes.sum(v);
            else {
                if (L == 16) v = v.add(v.rearrange(Lanes.BY8));
                if (L >= 8) v = v.add(v.rearrange(Lanes.BY4));
                v = v.add(v.rearrange(Lanes.BY2));
                s = v.add(v.rearrange(Lanes.BY1)).lane(0);
            }
        }
        for (; i < K; i++) s += Float.intBitsToFloat((seg.get(SHORT, base + 2L * i) & 0xffff) << 16) * x[xo + i];
        return s;
    }

    /**
     * out[n + i * step] += bias[n + i * step] (0 without a bias) for i < count: after a multi-row dot, s + bv
     * exactly as the one-row path adds it (-0 + 0 included).
     */
    private static void addBias(float[] out, int outOff, float[] bias, int biasOff, int n, int step, int count) {
        for (int i = 0, r = n; i < count; i++, r += step) out[outOff + r] += bias == null ? 0f : bias[biasOff + r];
    }

    /** The odd weight of an int lane of BF16 pairs (its high half); shifting left by 16 gives the even one. */
    private static final int HIGH_HALF = 0xffff0000;

    /**
     * BF16 rows n, m and p (n = m = p for a single row) dotted with x arranged by {@link #evenOdd}. Each
     * int lane of a load holds two weights, the even one in its low half: shifted up 16 bits it is that
     * weight as a float, masked it is the odd one, and each meets its x (even or odd) in one
     * multiply-add: two ALU operations per L weights instead of widening shorts across lanes. Three
     * rows far apart, their loads interleaved, keep more reads in flight than one (the Llama-3.2-1B
     * shape's matrices, 928 MB of BF16 per pass, 2 threads, an Intel Xeon VM: one row at a time, widening
     * shorts, 23.4 GB/s; this 25.7, where the machine reads 27.5-28.6 GB/s; with AVX2's 16 registers,
     * -XX:UseAVX=2, 20.5 -> 22.3 GB/s, where the even/odd dot one row at a time read 18.7). Each row's
     * order: per 2L values (a chunk), the even and odd weights into one pair of accumulators for even
     * chunks and another for odd ones; then (even pair) + (odd pair), its lanes folded as Lanes.sum
     * folds them, and the tail one by one ({@link ScalarKernels#dotBf16EvenOdd} is the scalar twin).
     */
    private static void dot3Bf16(MemorySegment seg, int n, int m, int p, float[] eo, int K, float[] out, int oo) {
        long a0 = (long) n * K * 2, b0 = (long) m * K * 2, c0 = (long) p * K * 2;
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, tmp;
        FloatVector t0 = s0, t1 = s0, t2 = s0, t3 = s0, u0 = s0, u1 = s0, u2 = s0, u3 = s0;
        int i = 0;
        for (; i + 2 * L <= K; i += 2 * L) {
            FloatVector x0 = FloatVector.fromArray(S, eo, i), x1 = FloatVector.fromArray(S, eo, i + L);
            IntVector a = IntVector.fromMemorySegment(IS, seg, a0 + 2L * i, LE),
                    b = IntVector.fromMemorySegment(IS, seg, b0 + 2L * i, LE),
                    c = IntVector.fromMemorySegment(IS, seg, c0 + 2L * i, LE);
            s0 = a.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, s0);
            s1 = a.lanewise(VectorOperators.AND, HIGH_HALF)
                    .reinterpretAsFloats()
                    .fma(x1, s1);
            t0 = b.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, t0);
            t1 = b.lanewise(VectorOperators.AND, HIGH_HALF)
                    .reinterpretAsFloats()
                    .fma(x1, t1);
            u0 = c.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, u0);
            u1 = c.lanewise(VectorOperators.AND, HIGH_HALF)
                    .reinterpretAsFloats()
                    .fma(x1, u1);
            tmp = s0;
            s0 = s2;
            s2 = tmp;
            tmp = s1;
            s1 = s3;
            s3 = tmp;
            tmp = t0;
            t0 = t2;
            t2 = tmp;
            tmp = t1;
            t1 = t3;
            t3 = tmp;
            tmp = u0;
            u0 = u2;
            u2 = tmp;
            tmp = u1;
            u1 = u3;
            u3 = tmp;
        }
        // an odd number of chunks left the even pairs in s2, s3, t2, ...: the sum stays (even) + (odd)
        boolean odd = (i / (2 * L)) % 2 != 0;
        s0 = odd ? s2.add(s3).add(s0.add(s1)) : s0.add(s1).add(s2.add(s3));
        t0 = odd ? t2.add(t3).add(t0.add(t1)) : t0.add(t1).add(t2.add(t3));
        u0 = odd ? u2.add(u3).add(u0.add(u1)) : u0.add(u1).add(u2.add(u3));
        float s, t, u;
        if (L <= 16) {
            // Lanes.sum's folds written out: a vector passed to a call C2 does not inline is boxed, and on
            // stories15M's 288-wide rows that ran the decode at a tenth of its speed (the lanes stored and
            // folded in scalar code: at 60%)
            if (L == 16) {
                s0 = s0.add(s0.rearrange(Lanes.BY8));
                t0 = t0.add(t0.rearrange(Lanes.BY8));
                u0 = u0.add(u0.rearrange(Lanes.BY8));
            }
            if (L >= 8) {
                s0 = s0.add(s0.rearrange(Lanes.BY4));
                t0 = t0.add(t0.rearrange(Lanes.BY4));
                u0 = u0.add(u0.rearrange(Lanes.BY4));
            }
            s0 = s0.add(s0.rearrange(Lanes.BY2));
            t0 = t0.add(t0.rearrange(Lanes.BY2));
            u0 = u0.add(u0.rearrange(Lanes.BY2));
            s = s0.add(s0.rearrange(Lanes.BY1)).lane(0);
            t = t0.add(t0.rearrange(Lanes.BY1)).lane(0);
            u = u0.add(u0.rearrange(Lanes.BY1)).lane(0);
        } else { // wider than x86's vectors
            s = Lanes.sum(s0);
            t = Lanes.sum(t0);
            u = Lanes.sum(u0);
        }
        for (; i < K; i++) {
            float xv = eo[i];
            s += Float.intBitsToFloat((seg.get(SHORT, a0 + 2L * i) & 0xffff) << 16) * xv;
            t += Float.intBitsToFloat((seg.get(SHORT, b0 + 2L * i) & 0xffff) << 16) * xv;
            u += Float.intBitsToFloat((seg.get(SHORT, c0 + 2L * i) & 0xffff) << 16) * xv;
        }
        out[oo + n] = s;
        out[oo + m] = t;
        out[oo + p] = u;
    }

    /**
     * Two F32 rows (at byte offsets a and b) dotted with x into out[outOff + n] and out[outOff + m], each
     * summed exactly as {@link #dotF32} sums it, the two streams' loads interleaved. (The same for BF16
     * rows ran the 100M model's decode at half the speed of one row at a time: the widening of ten
     * streams' worth of shorts in one loop is more than C2 keeps in registers.)
     */
    private static void dot2F32(
            MemorySegment seg, long a, long b, float[] x, int xo, int K, float[] out, int outOff, int n, int m) {
        int i = 0;
        float s = 0f, t = 0f;
        if (K >= 2 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
            for (int upper = K - 4 * L; i <= upper; i += 4 * L) {
                FloatVector x0 = FloatVector.fromArray(S, x, xo + i), x1 = FloatVector.fromArray(S, x, xo + i + L);
                FloatVector x2 = FloatVector.fromArray(S, x, xo + i + 2 * L);
                FloatVector x3 = FloatVector.fromArray(S, x, xo + i + 3 * L);
                s0 = f32(seg, a + 4L * i).fma(x0, s0);
                t0 = f32(seg, b + 4L * i).fma(x0, t0);
                s1 = f32(seg, a + 4L * (i + L)).fma(x1, s1);
                t1 = f32(seg, b + 4L * (i + L)).fma(x1, t1);
                s2 = f32(seg, a + 4L * (i + 2 * L)).fma(x2, s2);
                t2 = f32(seg, b + 4L * (i + 2 * L)).fma(x2, t2);
                s3 = f32(seg, a + 4L * (i + 3 * L)).fma(x3, s3);
                t3 = f32(seg, b + 4L * (i + 3 * L)).fma(x3, t3);
            }
            for (int upper = K - L; i <= upper; i += L) {
                FloatVector xv = FloatVector.fromArray(S, x, xo + i);
                s0 = f32(seg, a + 4L * i).fma(xv, s0);
                t0 = f32(seg, b + 4L * i).fma(xv, t0);
            }
            // Lanes.sum's folds written out (a call taking a vector is boxed when C2's inlining budget is spent)
            FloatVector u = s0.add(s1).add(s2.add(s3)), v = t0.add(t1).add(t2.add(t3));
            if (L > 16) {
                s = Lanes.sum(u);
                t = Lanes.sum(v);
            } else {
                if (L == 16) {
                    u = u.add(u.rearrange(Lanes.BY8));
                    v = v.add(v.rearrange(Lanes.BY8));
                }
                if (L >= 8) {
                    u = u.add(u.rearrange(Lanes.BY4));
                    v = v.add(v.rearrange(Lanes.BY4));
                }
                u = u.add(u.rearrange(Lanes.BY2));
                v = v.add(v.rearrange(Lanes.BY2));
                s = u.add(u.rearrange(Lanes.BY1)).lane(0);
                t = v.add(v.rearrange(Lanes.BY1)).lane(0);
            }
        }
        for (; i < K; i++) {
            float xv = x[xo + i];
            s += seg.get(FLOAT, a + 4L * i) * xv;
            t += seg.get(FLOAT, b + 4L * i) * xv;
        }
        out[outOff + n] = s;
        out[outOff + m] = t;
    }

    /**
     * F32 rows n, n + step, n + 2 step and n + 3 step dotted with x, each summed exactly as {@link #dotF32}
     * sums it, the four streams' loads interleaved, every vector operation written out (see dot4Q8). The
     * 100M model's F32 decode on the Intel Xeon VM of series U, paired runs: two streams 62.2-64.0 tokens/s,
     * four 66.2-68.2; stories15M unchanged (~800-830). 16 lanes only: twenty vectors live.
     */
    private static void dot4F32(MemorySegment seg, float[] x, int xo, int K, float[] out, int oo, int n, int step) {
        long a = (long) n * K * 4,
                b = (long) (n + step) * K * 4,
                c = (long) (n + 2 * step) * K * 4,
                d = (long) (n + 3 * step) * K * 4;
        int i = 0;
        float s = 0f, t = 0f, u = 0f, v = 0f;
        if (K >= 2 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
            FloatVector u0 = s0, u1 = s0, u2 = s0, u3 = s0, v0 = s0, v1 = s0, v2 = s0, v3 = s0, xv;
            for (int upper = K - 4 * L; i <= upper; i += 4 * L) {
                xv = FloatVector.fromArray(S, x, xo + i + 0 * L);
                s0 = FloatVector.fromMemorySegment(S, seg, a + 4L * (i + 0 * L), LE)
                        .fma(xv, s0);
                t0 = FloatVector.fromMemorySegment(S, seg, b + 4L * (i + 0 * L), LE)
                        .fma(xv, t0);
                u0 = FloatVector.fromMemorySegment(S, seg, c + 4L * (i + 0 * L), LE)
                        .fma(xv, u0);
                v0 = FloatVector.fromMemorySegment(S, seg, d + 4L * (i + 0 * L), LE)
                        .fma(xv, v0);
                xv = FloatVector.fromArray(S, x, xo + i + 1 * L);
                s1 = FloatVector.fromMemorySegment(S, seg, a + 4L * (i + 1 * L), LE)
                        .fma(xv, s1);
                t1 = FloatVector.fromMemorySegment(S, seg, b + 4L * (i + 1 * L), LE)
                        .fma(xv, t1);
                u1 = FloatVector.fromMemorySegment(S, seg, c + 4L * (i + 1 * L), LE)
                        .fma(xv, u1);
                v1 = FloatVector.fromMemorySegment(S, seg, d + 4L * (i + 1 * L), LE)
                        .fma(xv, v1);
                xv = FloatVector.fromArray(S, x, xo + i + 2 * L);
                s2 = FloatVector.fromMemorySegment(S, seg, a + 4L * (i + 2 * L), LE)
                        .fma(xv, s2);
                t2 = FloatVector.fromMemorySegment(S, seg, b + 4L * (i + 2 * L), LE)
                        .fma(xv, t2);
                u2 = FloatVector.fromMemorySegment(S, seg, c + 4L * (i + 2 * L), LE)
                        .fma(xv, u2);
                v2 = FloatVector.fromMemorySegment(S, seg, d + 4L * (i + 2 * L), LE)
                        .fma(xv, v2);
                xv = FloatVector.fromArray(S, x, xo + i + 3 * L);
                s3 = FloatVector.fromMemorySegment(S, seg, a + 4L * (i + 3 * L), LE)
                        .fma(xv, s3);
                t3 = FloatVector.fromMemorySegment(S, seg, b + 4L * (i + 3 * L), LE)
                        .fma(xv, t3);
                u3 = FloatVector.fromMemorySegment(S, seg, c + 4L * (i + 3 * L), LE)
                        .fma(xv, u3);
                v3 = FloatVector.fromMemorySegment(S, seg, d + 4L * (i + 3 * L), LE)
                        .fma(xv, v3);
            }
            for (int upper = K - L; i <= upper; i += L) {
                xv = FloatVector.fromArray(S, x, xo + i);
                s0 = FloatVector.fromMemorySegment(S, seg, a + 4L * i, LE).fma(xv, s0);
                t0 = FloatVector.fromMemorySegment(S, seg, b + 4L * i, LE).fma(xv, t0);
                u0 = FloatVector.fromMemorySegment(S, seg, c + 4L * i, LE).fma(xv, u0);
                v0 = FloatVector.fromMemorySegment(S, seg, d + 4L * i, LE).fma(xv, v0);
            }
            s0 = s0.add(s1).add(s2.add(s3));
            t0 = t0.add(t1).add(t2.add(t3));
            u0 = u0.add(u1).add(u2.add(u3));
            v0 = v0.add(v1).add(v2.add(v3));
            s0 = s0.add(s0.rearrange(Lanes.BY8));
            t0 = t0.add(t0.rearrange(Lanes.BY8));
            u0 = u0.add(u0.rearrange(Lanes.BY8));
            v0 = v0.add(v0.rearrange(Lanes.BY8));
            s0 = s0.add(s0.rearrange(Lanes.BY4));
            t0 = t0.add(t0.rearrange(Lanes.BY4));
            u0 = u0.add(u0.rearrange(Lanes.BY4));
            v0 = v0.add(v0.rearrange(Lanes.BY4));
            s0 = s0.add(s0.rearrange(Lanes.BY2));
            t0 = t0.add(t0.rearrange(Lanes.BY2));
            u0 = u0.add(u0.rearrange(Lanes.BY2));
            v0 = v0.add(v0.rearrange(Lanes.BY2));
            s = s0.add(s0.rearrange(Lanes.BY1)).lane(0);
            t = t0.add(t0.rearrange(Lanes.BY1)).lane(0);
            u = u0.add(u0.rearrange(Lanes.BY1)).lane(0);
            v = v0.add(v0.rearrange(Lanes.BY1)).lane(0);
        }
        for (; i < K; i++) {
            float xs = x[xo + i];
            s += seg.get(FLOAT, a + 4L * i) * xs;
            t += seg.get(FLOAT, b + 4L * i) * xs;
            u += seg.get(FLOAT, c + 4L * i) * xs;
            v += seg.get(FLOAT, d + 4L * i) * xs;
        }
        out[oo + n] = s;
        out[oo + n + step] = t;
        out[oo + n + 2 * step] = u;
        out[oo + n + 3 * step] = v;
    }

    private static float dotF32(MemorySegment seg, long base, float[] x, int xo, int K) {
        int i = 0;
        float s = 0f;
        if (K >= 2 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int upper = K - 4 * L; i <= upper; i += 4 * L) {
                s0 = f32(seg, base + 4L * i).fma(FloatVector.fromArray(S, x, xo + i), s0);
                s1 = f32(seg, base + 4L * (i + L)).fma(FloatVector.fromArray(S, x, xo + i + L), s1);
                s2 = f32(seg, base + 4L * (i + 2 * L)).fma(FloatVector.fromArray(S, x, xo + i + 2 * L), s2);
                s3 = f32(seg, base + 4L * (i + 3 * L)).fma(FloatVector.fromArray(S, x, xo + i + 3 * L), s3);
            }
            for (int upper = K - L; i <= upper; i += L)
                s0 = f32(seg, base + 4L * i).fma(FloatVector.fromArray(S, x, xo + i), s0);
            // Lanes.sum's folds written out (a call taking a vector is boxed when C2's inlining budget is spent)
            FloatVector v = s0.add(s1).add(s2.add(s3));
            if (L > 16) s = Lanes.sum(v);
            else {
                if (L == 16) v = v.add(v.rearrange(Lanes.BY8));
                if (L >= 8) v = v.add(v.rearrange(Lanes.BY4));
                v = v.add(v.rearrange(Lanes.BY2));
                s = v.add(v.rearrange(Lanes.BY1)).lane(0);
            }
        }
        for (; i < K; i++) s += seg.get(FLOAT, base + 4L * i) * x[xo + i];
        return s;
    }

    private static FloatVector f32(MemorySegment seg, long off) {
        return FloatVector.fromMemorySegment(S, seg, off, LE);
    }

    /** A Q8_0 row (K / 32 blocks of 34 bytes) dotted with x: per block, sum(q * x) in L lanes, then times the scale. */
    private static float dotQ8(MemorySegment seg, long base, float[] x, int xo, int K) {
        // two blocks a step into two accumulators, so that consecutive blocks' multiply-adds do not wait on each other
        FloatVector a0 = FloatVector.zero(S), a1 = a0;
        int i = 0;
        long off = base;
        for (; i + 64 <= K; i += 64, off += 68) {
            a0 = q8Block(seg, off, x, xo + i).fma(q8Scale(seg, off), a0);
            a1 = q8Block(seg, off + 34, x, xo + i + 32).fma(q8Scale(seg, off + 34), a1);
        }
        if (i < K) a0 = q8Block(seg, off, x, xo + i).fma(q8Scale(seg, off), a0);
        // Lanes.sum's folds written out (a call taking a vector is boxed when C2's inlining budget is spent)
        FloatVector v = a0.add(a1);
        if (L > 16) return Lanes.sum(v);
        if (L == 16) v = v.add(v.rearrange(Lanes.BY8));
        if (L >= 8) v = v.add(v.rearrange(Lanes.BY4));
        v = v.add(v.rearrange(Lanes.BY2));
        return v.add(v.rearrange(Lanes.BY1)).lane(0);
    }

    /**
     * Q8_0 rows n, n + step, n + 2 step and n + 3 step (16 lanes) dotted with x into out[oo + row], each
     * summed exactly as {@link #dotQ8} sums it, the four streams' loads interleaved: one 32-weight block a
     * step into one accumulator per row, then each row's pair trades places (even blocks in one, odd in
     * the other; a0 + a1 = a1 + a0 lane by lane, so the end needs no trade back), every vector operation
     * written out (helpers that return vectors are not always inlined in a loop this size, and a vector
     * passed to a call is boxed). On the Intel Xeon VM of series U, whose L3 holds the 100M model's Q8_0
     * weights, one row at a time drew 6.0 billion weights a second per thread from L3 (14-16 from L2) and
     * the 100M's decode ran at 108 tokens/s; two streams 141, three 157, four 188-193, six 198 (and once
     * half speed on stories15M); two blocks a step in two streams 123.
     */
    private static void dot4Q8(
            MemorySegment seg, long rowBytes, float[] x, int xo, int K, float[] out, int oo, int n, int step) {
        long a = n * rowBytes,
                b = (n + step) * rowBytes,
                c = (n + 2L * step) * rowBytes,
                d = (n + 3L * step) * rowBytes;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0, p;
        long off = 0;
        for (int i = 0; i < K; i += 32, off += 34) {
            FloatVector x0 = FloatVector.fromArray(S, x, xo + i), x1 = FloatVector.fromArray(S, x, xo + i + 16);
            p = ((FloatVector) ByteVector.fromMemorySegment(BS, seg, a + off + 2, LE)
                            .convertShape(B2F, S, 0))
                    .mul(x0);
            p = ((FloatVector) ByteVector.fromMemorySegment(BS, seg, a + off + 18, LE)
                            .convertShape(B2F, S, 0))
                    .fma(x1, p);
            a0 = p.fma(FloatVector.broadcast(S, Float.float16ToFloat(seg.get(SHORT, a + off))), a0);
            p = ((FloatVector) ByteVector.fromMemorySegment(BS, seg, b + off + 2, LE)
                            .convertShape(B2F, S, 0))
                    .mul(x0);
            p = ((FloatVector) ByteVector.fromMemorySegment(BS, seg, b + off + 18, LE)
                            .convertShape(B2F, S, 0))
                    .fma(x1, p);
            b0 = p.fma(FloatVector.broadcast(S, Float.float16ToFloat(seg.get(SHORT, b + off))), b0);
            p = ((FloatVector) ByteVector.fromMemorySegment(BS, seg, c + off + 2, LE)
                            .convertShape(B2F, S, 0))
                    .mul(x0);
            p = ((FloatVector) ByteVector.fromMemorySegment(BS, seg, c + off + 18, LE)
                            .convertShape(B2F, S, 0))
                    .fma(x1, p);
            c0 = p.fma(FloatVector.broadcast(S, Float.float16ToFloat(seg.get(SHORT, c + off))), c0);
            p = ((FloatVector) ByteVector.fromMemorySegment(BS, seg, d + off + 2, LE)
                            .convertShape(B2F, S, 0))
                    .mul(x0);
            p = ((FloatVector) ByteVector.fromMemorySegment(BS, seg, d + off + 18, LE)
                            .convertShape(B2F, S, 0))
                    .fma(x1, p);
            d0 = p.fma(FloatVector.broadcast(S, Float.float16ToFloat(seg.get(SHORT, d + off))), d0);
            p = a0;
            a0 = a1;
            a1 = p;
            p = b0;
            b0 = b1;
            b1 = p;
            p = c0;
            c0 = c1;
            c1 = p;
            p = d0;
            d0 = d1;
            d1 = p;
        }
        // Lanes.sum's folds (16 lanes), written out
        a0 = a0.add(a1);
        b0 = b0.add(b1);
        c0 = c0.add(c1);
        d0 = d0.add(d1);
        a0 = a0.add(a0.rearrange(Lanes.BY8));
        b0 = b0.add(b0.rearrange(Lanes.BY8));
        c0 = c0.add(c0.rearrange(Lanes.BY8));
        d0 = d0.add(d0.rearrange(Lanes.BY8));
        a0 = a0.add(a0.rearrange(Lanes.BY4));
        b0 = b0.add(b0.rearrange(Lanes.BY4));
        c0 = c0.add(c0.rearrange(Lanes.BY4));
        d0 = d0.add(d0.rearrange(Lanes.BY4));
        a0 = a0.add(a0.rearrange(Lanes.BY2));
        b0 = b0.add(b0.rearrange(Lanes.BY2));
        c0 = c0.add(c0.rearrange(Lanes.BY2));
        d0 = d0.add(d0.rearrange(Lanes.BY2));
        out[oo + n] = a0.add(a0.rearrange(Lanes.BY1)).lane(0);
        out[oo + n + step] = b0.add(b0.rearrange(Lanes.BY1)).lane(0);
        out[oo + n + 2 * step] = c0.add(c0.rearrange(Lanes.BY1)).lane(0);
        out[oo + n + 3 * step] = d0.add(d0.rearrange(Lanes.BY1)).lane(0);
    }

    /** The 32 int8 values of the Q8_0 block at byte offset off times x[xo ...], in L lanes, unscaled. */
    private static FloatVector q8Block(MemorySegment seg, long off, float[] x, int xo) {
        FloatVector p = q8(seg, off + 2).mul(FloatVector.fromArray(S, x, xo));
        if (L == 16) return q8(seg, off + 18).fma(FloatVector.fromArray(S, x, xo + 16), p); // a loop ran at half speed
        for (int j = L; j < 32; j += L) p = q8(seg, off + 2 + j).fma(FloatVector.fromArray(S, x, xo + j), p);
        return p;
    }

    private static FloatVector q8Scale(MemorySegment seg, long off) {
        return FloatVector.broadcast(S, Float.float16ToFloat(seg.get(SHORT, off)));
    }
}
