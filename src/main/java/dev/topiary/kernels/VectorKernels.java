package dev.topiary.kernels;

import dev.topiary.tensor.Tensor;
import dev.topiary.tensor.WeightType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels. The matmul is a GotoBLAS-style blocked GEMM:
 *
 * <pre>
 *   for each block of KS <= 2560 columns of K
 *     for each block of MC rows of x
 *       pack x[rows, KS-block] into micro-panels of MR rows, k-major, per k-block of KC <= 320
 *            (rows contiguous in k: six rows interleaved in registers)
 *       for each chunk of NCP = 4 panels of NR = 2 vectors of output columns   (split across threads)
 *         for each k-block                                     (the rows x chunk block of C stays in L2)
 *           for each panel of the chunk
 *             pack w[panel, k-block] transposed: packed[k][j]  (KC x NR floats, in L1; L x L blocks in registers)
 *             for each MR = 6 rows: micro-kernel, 12 vector accumulators,
 *                  per k: 2 vector loads of the panel, 6 broadcasts of x, 12 FMAs
 * </pre>
 *
 * A long K with a small C (training's weight gradients, the head's dx) is first cut into slabs of K
 * computed side by side and added in order ({@link #kSlabs}). Fewer than {@link #GEMV_ROWS} rows
 * (decoding) take the dot-product path instead, which streams each weight row once. Lane width is
 * the platform's preferred one unless {@code -Dtopiary.vectorBits=128|256|512}.
 */
public final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> S = species();
    private static final int L = S.length();
    /**
     * Micro-kernel 6 rows x 2 vectors (12 accumulators: fits AVX2's 16 registers; larger kernels
     * overflow C2's inlining budget for Vector API calls and fall off the intrinsics). A packed
     * weight panel of KC_MAX x NR floats (40 KB at 512 bits) stays in L1 while every row of the row
     * block runs over it; row blocks of MC = 480 rows keep x[rows, k-block] in L2.
     */
    private static final int NR = 2 * L, MR = 6, KC_MAX = 320, MC = 480;

    /**
     * Packed x covers up to KS_MAX columns of K (a few k-blocks: 4.9 MB at 480 rows), so that the
     * output columns can be taken NCP panels at a time through all those k-blocks: the C block
     * (256 rows x 128 columns: 128 KB) then stays in L2 between its k-blocks instead of going
     * out to memory and back once per k-block. (16 panels, 512 KB, ran 2-3% slower on K = 2048 with
     * N = 5632 and 32000, alternated in one process; the same on K = 288.)
     */
    private static final int KS_MAX = 2560, NCP = 4;

    static final int GEMV_ROWS = 4;

    /** Pieces per thread of a GEMV, handed out as threads free up (see {@link Parallel#forPieces}). */
    static final int GEMV_PIECES = 4;

    /**
     * The first MR lanes of 8, for copying a transposed x column's MR values in one masked move; only with
     * AVX-512's mask registers (null otherwise: AVX2 would emulate the masked store).
     */
    private static final VectorMask<Float> SIX = L >= 16 ? FloatVector.SPECIES_256.indexInRange(0, MR) : null;

    private static final ThreadLocal<float[]> PACK = ThreadLocal.withInitial(() -> new float[KC_MAX * NR]);
    private static final ThreadLocal<float[]> APACK = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> PARTS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    private static VectorSpecies<Float> species() {
        int bits = Integer.getInteger("topiary.vectorBits", 0);
        if (bits == 0) return FloatVector.SPECIES_PREFERRED;
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }

    static VectorKernels create() {
        if (L < 4) throw new IllegalStateException("preferred float vector has only " + L + " lanes");
        return new VectorKernels();
    }

    private VectorKernels() {}

    @Override
    public String name() {
        return "vector (" + S.vectorBitSize() + "-bit, " + L + " floats; micro-kernel " + MR + "x" + NR + ")";
    }

    @Override
    public void matmul(
            float[] out,
            int outOff,
            float[] x,
            int xOff,
            float[] w,
            int wOff,
            float[] bias,
            int biasOff,
            int B,
            int K,
            int N) {
        if (B < GEMV_ROWS) {
            gemv(out, outOff, x, xOff, w, wOff, bias, biasOff, B, K, N);
            return;
        }
        gemm(out, outOff, x, xOff, K, 1, w, wOff, K, true, bias, biasOff, B, K, N, false);
    }

    @Override
    public void matmul(
            float[] out, int outOff, float[] x, int xOff, Tensor w, float[] bias, int biasOff, int B, int K, int N) {
        Kernels.checkWeight(w, K, N);
        if (w.array() != null) {
            matmul(out, outOff, x, xOff, w.array(), w.arrayOffset(), bias, biasOff, B, K, N);
            return;
        }
        if (B < GEMV_ROWS) {
            TypedKernels.gemv(out, outOff, x, xOff, w, bias, biasOff, B, K, N);
            return;
        }
        gemm(out, outOff, x, xOff, K, 1, null, 0, K, true, w, bias, biasOff, B, K, N, false);
    }

    /** Few rows: all the matrices' GEMVs as one parallel loop over their rows stacked. */
    @Override
    public void matmulMany(
            float[] x, int xOff, int B, int K, Tensor[] w, float[][] bias, int[] biasOff, float[][] out, int[] outOff) {
        int[] start = new int[w.length + 1];
        for (int i = 0; i < w.length; i++) {
            Kernels.checkWeight(w[i], K, Math.toIntExact(w[i].rows()));
            start[i + 1] = start[i] + (int) w[i].rows();
        }
        if (B >= GEMV_ROWS) {
            Kernels.super.matmulMany(x, xOff, B, K, w, bias, biasOff, out, outOff);
            return;
        }
        boolean bf16 = false;
        for (Tensor t : w) bf16 |= t.type() == WeightType.BF16;
        float[] eo = B == 1 && bf16 ? TypedKernels.evenOdd(x, xOff, K) : null;
        Parallel.forPieces(start[w.length], (long) B * K * start[w.length], GEMV_PIECES, (chunk, from, to) -> {
            for (int i = 0; i < w.length; i++) {
                int lo = Math.max(from, start[i]) - start[i], hi = Math.min(to, start[i + 1]) - start[i];
                if (lo >= hi) continue;
                int N = start[i + 1] - start[i];
                Tensor t = w[i];
                if (t.array() != null)
                    gemvRows(
                            out[i],
                            outOff[i],
                            x,
                            xOff,
                            t.array(),
                            t.arrayOffset(),
                            bias[i],
                            biasOff[i],
                            B,
                            K,
                            N,
                            lo,
                            hi);
                else TypedKernels.gemvRows(out[i], outOff[i], x, xOff, eo, t, bias[i], biasOff[i], B, K, N, lo, hi);
            }
        });
    }

    static VectorSpecies<Float> floatSpecies() {
        return S;
    }

    @Override
    public void matmulNN(
            float[] out,
            int outOff,
            float[] a,
            int aOff,
            float[] b,
            int bOff,
            int M,
            int K,
            int N,
            boolean accumulate) {
        gemm(out, outOff, a, aOff, K, 1, b, bOff, N, false, null, 0, M, K, N, accumulate);
    }

    @Override
    public void matmulTN(
            float[] out,
            int outOff,
            float[] a,
            int aOff,
            float[] b,
            int bOff,
            int M,
            int K,
            int N,
            boolean accumulate) {
        gemm(out, outOff, a, aOff, 1, M, b, bOff, N, false, null, 0, M, K, N, accumulate);
    }

    @Override
    public void gemmSerial(
            float[] c,
            int cOff,
            int ldc,
            float[] a,
            int aOff,
            int lda,
            boolean aTrans,
            float[] b,
            int bOff,
            int ldb,
            boolean bTrans,
            int M,
            int K,
            int N,
            boolean accumulate) {
        block(
                c,
                cOff,
                ldc,
                a,
                aOff,
                aTrans ? 1 : lda,
                aTrans ? lda : 1,
                b,
                bOff,
                ldb,
                bTrans,
                null,
                null,
                0,
                0,
                M,
                K,
                N,
                0,
                (N + NR - 1) / NR,
                accumulate);
    }

    /**
     * C (M, N) (+)= A (M, K) * B (K, N), where A[i, k] = a[aOff + i*aRs + k*aCs], and B[k, j] is
     * b[bOff + j*ldb + k] when {@code bTrans} (a weight matrix, stored (N, K)), else b[bOff + k*ldb + j].
     * Split across threads by column panels or by row groups, as {@link #byPanels} decides.
     */
    private static void gemm(
            float[] c,
            int cOff,
            float[] a,
            int aOff,
            int aRs,
            int aCs,
            float[] b,
            int bOff,
            int ldb,
            boolean bTrans,
            float[] bias,
            int biasOff,
            int M,
            int K,
            int N,
            boolean accumulate) {
        gemm(c, cOff, a, aOff, aRs, aCs, b, bOff, ldb, bTrans, null, bias, biasOff, M, K, N, accumulate);
    }

    /** As above; with {@code bt} non-null, B is that (N, K) typed tensor from column bOff on (b and ldb are unused). */
    private static void gemm(
            float[] c,
            int cOff,
            float[] a,
            int aOff,
            int aRs,
            int aCs,
            float[] b,
            int bOff,
            int ldb,
            boolean bTrans,
            Tensor bt,
            float[] bias,
            int biasOff,
            int M,
            int K,
            int N,
            boolean accumulate) {
        int panels = (N + NR - 1) / NR, blocks = (M + MR - 1) / MR;
        long work = (long) M * K * N;
        int slabs = kSlabs(M, K, N);
        if (slabs > 1) {
            kSplit(c, cOff, a, aOff, aRs, aCs, b, bOff, ldb, bTrans, bt, bias, biasOff, M, K, N, accumulate, slabs);
            return;
        }
        /** One thread's share: rows [r0, r1) times column panels [p0, p1). */
        interface Share {
            void run(int r0, int r1, int p0, int p1);
        }
        Share share = (r0, r1, p0, p1) -> block(
                c,
                cOff,
                N,
                a,
                aOff,
                aRs,
                aCs,
                b,
                bOff,
                ldb,
                bTrans,
                bt,
                bias,
                biasOff,
                r0,
                r1,
                K,
                N,
                p0,
                p1,
                accumulate);
        if (byPanels(panels, blocks, Parallel.threads()))
            Parallel.forRange(panels, work, (chunk, p0, p1) -> share.run(0, M, p0, p1));
        else Parallel.forRange(blocks, work, (chunk, b0, b1) -> share.run(b0 * MR, Math.min(M, b1 * MR), 0, panels));
    }

    /** Largest partial product (floats) that {@link #kSplit} keeps per slab. */
    private static final int SLAB_FLOATS = 1 << 20;

    /**
     * Slabs of K the product is split into (1: none): when K is long and C small, so that no thread has
     * to pack all of one operand, as every thread does when the rows or the column panels are split.
     * The weight gradients of training (dW = dout^T x: 288 x 2048 x 768 for stories15M; 5-10% faster
     * alone in 2 slabs, 1.5% of the backward pass) and the head's dx = dlogits W (256 x 32000 x 288).
     * Not for C wider than 1024: 256 x 2048 x 2048 ran 2-5% slower (the partial sums' extra pass costs
     * more than the packing saved). Depends on the shape only, not on the thread count, so C's bits do
     * not depend on it either.
     */
    static int kSlabs(int M, int K, int N) {
        if (K < 2048 || Math.max(M, N) > 1024 || (long) M * N > SLAB_FLOATS) return 1;
        return Math.min(8, K / 1024);
    }

    /**
     * C (+)= A B as {@code slabs} products over consecutive ranges of K, computed side by side into
     * partial sums and then added in slab order (after C when accumulating, after the bias otherwise).
     */
    private static void kSplit(
            float[] c,
            int cOff,
            float[] a,
            int aOff,
            int aRs,
            int aCs,
            float[] b,
            int bOff,
            int ldb,
            boolean bTrans,
            Tensor bt,
            float[] bias,
            int biasOff,
            int M,
            int K,
            int N,
            boolean accumulate,
            int slabs) {
        float[] part = buffer(PARTS, slabs * M * N); // the caller's: slabs run on other threads too
        int panels = (N + NR - 1) / NR, size = M * N, blocks = (M + MR - 1) / MR;
        // work items: each slab's row groups, slab after slab; every partial sum is one item's, in k order
        Parallel.forRange(slabs * blocks, (long) M * K * N, (chunk, i0, i1) -> {
            for (int s = i0 / blocks; s < slabs && s * blocks < i1; s++) {
                int b0 = Math.max(i0, s * blocks) - s * blocks, b1 = Math.min(i1, (s + 1) * blocks) - s * blocks;
                int k0 = slabStart(K, s, slabs), k1 = slabStart(K, s + 1, slabs);
                block(
                        part,
                        s * size,
                        N,
                        a,
                        aOff + k0 * aCs,
                        aRs,
                        aCs,
                        b,
                        bTrans ? bOff + k0 : bOff + k0 * ldb,
                        ldb,
                        bTrans,
                        bt,
                        null,
                        0,
                        b0 * MR,
                        Math.min(M, b1 * MR),
                        k1 - k0,
                        N,
                        0,
                        panels,
                        false);
            }
        });
        Parallel.forRange(M, (long) M * N * slabs, (chunk, r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = cOff + r * N;
                for (int n = 0; n < N; n++) {
                    float v = accumulate ? c[o + n] : bias == null ? 0f : bias[biasOff + n];
                    for (int s = 0; s < slabs; s++) v += part[s * size + r * N + n];
                    c[o + n] = v;
                }
            }
        });
    }

    /** Where slab s of K starts: on a multiple of 32, so that typed rows convert in whole Q8_0 blocks. */
    private static int slabStart(int K, int s, int slabs) {
        return s >= slabs ? K : (int) ((long) K * s / slabs) / 32 * 32;
    }

    /**
     * Whether to split the threads' work by column panels (each thread packs all of x) rather than by
     * row groups (each packs all of w): by panels when there are few row groups, or when there are
     * plenty of panels and they share out among the threads within 5% as evenly as the row groups do
     * (9 panels on 2 threads, 5 against 4, take the rows instead).
     */
    static boolean byPanels(int panels, int rowGroups, int threads) {
        if (rowGroups < 2 * threads) return true;
        if (panels < 4 * threads) return false;
        double panelShare = (double) panels / (threads * ((panels + threads - 1) / threads));
        double rowShare = (double) rowGroups / (threads * ((rowGroups + threads - 1) / threads));
        return panelShare >= rowShare - 0.05;
    }

    /** Rows [r0, r1) times column panels [p0, p1), blocked over K and rows; C has row stride ldc. */
    private static void block(
            float[] c,
            int cOff,
            int ldc,
            float[] a,
            int aOff,
            int aRs,
            int aCs,
            float[] b,
            int bOff,
            int ldb,
            boolean bTrans,
            Tensor bt,
            float[] bias,
            int biasOff,
            int r0,
            int r1,
            int K,
            int N,
            int p0,
            int p1,
            boolean accumulate) {
        float[] packed = PACK.get(), tile = TILE.get(); // once per call: small GEMMs (attention) make many
        if (K == 0) {
            if (!accumulate)
                for (int r = r0; r < r1; r++)
                    for (int n = p0 * NR; n < Math.min(N, p1 * NR); n++)
                        c[cOff + r * ldc + n] = bias == null ? 0f : bias[biasOff + n];
            return;
        }
        int kBlocks = (K + KC_MAX - 1) / KC_MAX, KC = (K + kBlocks - 1) / kBlocks; // equal blocks, none tiny
        // typed rows are converted in whole Q8_0 blocks; fp32 ones are blocked the same way, so that a mapped
        // fp32 tensor and its heap copy sum in the same order (the same bits)
        if (kBlocks > 1) KC = (KC + 31) / 32 * 32;
        int KS = Math.max(1, KS_MAX / KC) * KC;
        for (int s0 = 0; s0 < K; s0 += KS) {
            int ks = Math.min(KS, K - s0);
            for (int m0 = r0; m0 < r1; m0 += MC) {
                int mc = Math.min(MC, r1 - m0), mp = (mc + MR - 1) / MR * MR;
                // A[m0 .. m0+mc, s0 .. s0+ks], each k-block as MR-row micro-panels at ap[k0 * mp ...].
                float[] ap = buffer(APACK, mp * ks);
                for (int k0 = 0; k0 < ks; k0 += KC)
                    packA(ap, k0 * mp, a, aOff + m0 * aRs + (s0 + k0) * aCs, aRs, aCs, mc, Math.min(KC, ks - k0));
                for (int q0 = p0; q0 < p1; q0 += NCP) {
                    int q1 = Math.min(p1, q0 + NCP);
                    for (int k0 = 0; k0 < ks; k0 += KC) {
                        int kc = Math.min(KC, ks - k0), kg = s0 + k0;
                        boolean overwrite = kg == 0 && !accumulate;
                        for (int p = q0; p < q1; p++) {
                            int n0 = p * NR, nr = Math.min(NR, N - n0);
                            if (bt != null) TypedKernels.packTransposed(packed, NR, bt, n0, bOff + kg, kc, nr);
                            else if (bTrans) packTransposed(packed, b, bOff + n0 * ldb + kg, ldb, kc, nr);
                            else pack(packed, b, bOff + kg * ldb + n0, ldb, kc, nr);
                            for (int i = 0; i < mc; i += MR) {
                                int mr = Math.min(MR, mc - i), row = m0 + i;
                                float[] bi = overwrite ? bias : null;
                                micro(
                                        c,
                                        cOff + row * ldc + n0,
                                        ldc,
                                        ap,
                                        k0 * mp + i * kc,
                                        packed,
                                        kc,
                                        mr,
                                        nr,
                                        bi,
                                        biasOff + n0,
                                        overwrite,
                                        tile);
                            }
                        }
                    }
                }
            }
        }
    }

    /** This thread's buffer of {@code local}, grown to at least n ints. */
    static int[] intBuffer(ThreadLocal<int[]> local, int n) {
        int[] b = local.get();
        if (b.length < n) {
            b = new int[n];
            local.set(b);
        }
        return b;
    }

    /** This thread's buffer of {@code local}, grown to at least n floats. */
    static float[] buffer(ThreadLocal<float[]> local, int n) {
        float[] b = local.get();
        if (b.length < n) {
            b = new float[n];
            local.set(b);
        }
        return b;
    }

    /**
     * A[i, k] = a[aOff + i*aRs + k*aCs] for i < mc, k < kc, packed into micro-panels of MR rows:
     * ap[apOff + (i / MR) * MR * kc + k * MR + i % MR]; rows past mc in the last panel are zero.
     */
    private static void packA(float[] ap, int apOff, float[] a, int aOff, int aRs, int aCs, int mc, int kc) {
        for (int i0 = 0; i0 < mc; i0 += MR) {
            int base = apOff + i0 * kc, mr = Math.min(MR, mc - i0);
            if (aCs == 1) {
                // Rows contiguous in k: a whole panel L values of k at a time in registers, the rest (and
                // a ragged panel) read row by row in order and written with stride MR.
                int kv = mr == MR ? kc / L * L : 0;
                if (kv > 0) PanelTranspose.interleave6(ap, base, a, aOff + i0 * aRs, aRs, kv);
                for (int r = 0; r < mr; r++) {
                    int src = aOff + (i0 + r) * aRs;
                    for (int k = kv; k < kc; k++) ap[base + k * MR + r] = a[src + k];
                }
            } else if (aRs == 1 && mr == MR && SIX != null) {
                // Transposed A, a whole panel: each k's MR consecutive values as one masked 8-lane copy
                // (the training head's dW = dlogits^T x: 12 scalar moves per k before), while all 8 lanes
                // lie inside both arrays: a masked access reaching past an array's end takes the Vector
                // API's lane-by-lane check, in Java
                int k = 0, src = aOff + i0, d = base;
                for (; k < kc && src <= a.length - 8 && d <= ap.length - 8; k++, src += aCs, d += MR)
                    FloatVector.fromArray(FloatVector.SPECIES_256, a, src, SIX).intoArray(ap, d, SIX);
                for (; k < kc; k++, src += aCs, d += MR) for (int r = 0; r < MR; r++) ap[d + r] = a[src + r];
            } else if (aRs == 1 && mr == MR) {
                // Transposed A, a whole panel: each k gives MR consecutive values (unrolled: the training
                // head's dW = dlogits^T x, M = 32000, K = 256, N = 288: 125 -> 132 GFLOP/s on one thread)
                for (int k = 0, src = aOff + i0, d = base; k < kc; k++, src += aCs, d += MR) {
                    ap[d] = a[src];
                    ap[d + 1] = a[src + 1];
                    ap[d + 2] = a[src + 2];
                    ap[d + 3] = a[src + 3];
                    ap[d + 4] = a[src + 4];
                    ap[d + 5] = a[src + 5];
                }
            } else {
                // Transposed A (columns contiguous in i): each k gives MR consecutive values.
                for (int k = 0; k < kc; k++) {
                    int src = aOff + k * aCs + i0 * aRs;
                    for (int r = 0; r < mr; r++) ap[base + k * MR + r] = a[src + r * aRs];
                }
            }
            for (int r = mr; r < MR; r++) for (int k = 0; k < kc; k++) ap[base + k * MR + r] = 0f;
        }
    }

    /** B stored (N, K) with row stride ldb: packed[k * NR + j] = b[j * ldb + k] for j < nr, zero for padding. */
    private static void packTransposed(float[] packed, float[] b, int bOff, int ldb, int kc, int nr) {
        if (nr == NR) {
            PanelTranspose.pack(packed, NR, b, bOff, ldb, kc);
            return;
        }
        for (int j = 0; j < nr; j++) {
            int src = bOff + j * ldb;
            for (int k = 0; k < kc; k++) packed[k * NR + j] = b[src + k];
        }
        for (int j = nr; j < NR; j++) for (int k = 0; k < kc; k++) packed[k * NR + j] = 0f;
    }

    /** B stored (K, N) with row stride ldb: packed[k * NR + j] = b[k * ldb + j] for j < nr, zero for padding. */
    private static void pack(float[] packed, float[] b, int bOff, int ldb, int kc, int nr) {
        if (nr == NR) {
            // two vector copies per k: System.arraycopy of 32 floats cost more than the copy (the training
            // head's dx = dlogits W, K = 32000, N = 288: packing was a third of its time)
            for (int k = 0, src = bOff, d = 0; k < kc; k++, src += ldb, d += NR) {
                FloatVector.fromArray(S, b, src).intoArray(packed, d);
                FloatVector.fromArray(S, b, src + L).intoArray(packed, d + L);
            }
            return;
        }
        for (int k = 0; k < kc; k++) {
            System.arraycopy(b, bOff + k * ldb, packed, k * NR, nr);
            for (int j = nr; j < NR; j++) packed[k * NR + j] = 0f;
        }
    }

    /**
     * C[mr, nr] (+)= A[mr, kc] * packed[kc, NR], A[i, k] = ap[aOff + k*MR + i] (a packed micro-panel, zero
     * past row mr; only the mr valid rows are written back). {@code tile} (MR x NR) takes a ragged tile's
     * sums before the valid part is copied out.
     */
    private static void micro(
            float[] out,
            int cOff,
            int N,
            float[] ap,
            int aOff,
            float[] packed,
            int kc,
            int mr,
            int nr,
            float[] bias,
            int biasOff,
            boolean overwrite,
            float[] tile) {
        FloatVector c00 = FloatVector.zero(S),
                c01 = c00,
                c10 = c00,
                c11 = c00,
                c20 = c00,
                c21 = c00,
                c30 = c00,
                c31 = c00,
                c40 = c00,
                c41 = c00,
                c50 = c00,
                c51 = c00;
        for (int k = 0, pk = 0, pa = aOff; k < kc; k++, pk += NR, pa += MR) {
            FloatVector b0 = FloatVector.fromArray(S, packed, pk), b1 = FloatVector.fromArray(S, packed, pk + L);
            FloatVector a = FloatVector.broadcast(S, ap[pa]);
            c00 = b0.fma(a, c00);
            c01 = b1.fma(a, c01);
            a = FloatVector.broadcast(S, ap[pa + 1]);
            c10 = b0.fma(a, c10);
            c11 = b1.fma(a, c11);
            a = FloatVector.broadcast(S, ap[pa + 2]);
            c20 = b0.fma(a, c20);
            c21 = b1.fma(a, c21);
            a = FloatVector.broadcast(S, ap[pa + 3]);
            c30 = b0.fma(a, c30);
            c31 = b1.fma(a, c31);
            a = FloatVector.broadcast(S, ap[pa + 4]);
            c40 = b0.fma(a, c40);
            c41 = b1.fma(a, c41);
            a = FloatVector.broadcast(S, ap[pa + 5]);
            c50 = b0.fma(a, c50);
            c51 = b1.fma(a, c51);
        }
        if (mr == MR && nr == NR) {
            // Full tile: straight into C. (No helper method takes vectors: a call C2 does not inline
            // would box them, and whether it inlines depends on the profile of earlier workloads.)
            int o0 = cOff, o1 = o0 + N, o2 = o1 + N, o3 = o2 + N, o4 = o3 + N, o5 = o4 + N;
            if (!overwrite) {
                c00 = c00.add(FloatVector.fromArray(S, out, o0));
                c01 = c01.add(FloatVector.fromArray(S, out, o0 + L));
                c10 = c10.add(FloatVector.fromArray(S, out, o1));
                c11 = c11.add(FloatVector.fromArray(S, out, o1 + L));
                c20 = c20.add(FloatVector.fromArray(S, out, o2));
                c21 = c21.add(FloatVector.fromArray(S, out, o2 + L));
                c30 = c30.add(FloatVector.fromArray(S, out, o3));
                c31 = c31.add(FloatVector.fromArray(S, out, o3 + L));
                c40 = c40.add(FloatVector.fromArray(S, out, o4));
                c41 = c41.add(FloatVector.fromArray(S, out, o4 + L));
                c50 = c50.add(FloatVector.fromArray(S, out, o5));
                c51 = c51.add(FloatVector.fromArray(S, out, o5 + L));
            } else if (bias != null) {
                FloatVector b0 = FloatVector.fromArray(S, bias, biasOff),
                        b1 = FloatVector.fromArray(S, bias, biasOff + L);
                c00 = c00.add(b0);
                c01 = c01.add(b1);
                c10 = c10.add(b0);
                c11 = c11.add(b1);
                c20 = c20.add(b0);
                c21 = c21.add(b1);
                c30 = c30.add(b0);
                c31 = c31.add(b1);
                c40 = c40.add(b0);
                c41 = c41.add(b1);
                c50 = c50.add(b0);
                c51 = c51.add(b1);
            }
            c00.intoArray(out, o0);
            c01.intoArray(out, o0 + L);
            c10.intoArray(out, o1);
            c11.intoArray(out, o1 + L);
            c20.intoArray(out, o2);
            c21.intoArray(out, o2 + L);
            c30.intoArray(out, o3);
            c31.intoArray(out, o3 + L);
            c40.intoArray(out, o4);
            c41.intoArray(out, o4 + L);
            c50.intoArray(out, o5);
            c51.intoArray(out, o5 + L);
            return;
        }
        // Ragged tile: spill to the scratch tile, then copy the valid part with plain loops.
        float[] t = tile;
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c10.intoArray(t, NR);
        c11.intoArray(t, NR + L);
        c20.intoArray(t, 2 * NR);
        c21.intoArray(t, 2 * NR + L);
        c30.intoArray(t, 3 * NR);
        c31.intoArray(t, 3 * NR + L);
        c40.intoArray(t, 4 * NR);
        c41.intoArray(t, 4 * NR + L);
        c50.intoArray(t, 5 * NR);
        c51.intoArray(t, 5 * NR + L);
        for (int r = 0; r < mr; r++) {
            int o = cOff + r * N;
            for (int j = 0; j < nr; j++) {
                float v = t[r * NR + j];
                out[o + j] = !overwrite ? out[o + j] + v : bias != null ? v + bias[biasOff + j] : v;
            }
        }
    }

    /** Few rows: each weight row is read once and dotted with every row of x. */
    private void gemv(
            float[] out,
            int outOff,
            float[] x,
            int xOff,
            float[] w,
            int wOff,
            float[] bias,
            int biasOff,
            int B,
            int K,
            int N) {
        Parallel.forPieces(
                N,
                (long) B * K * N,
                GEMV_PIECES,
                (chunk, from, to) -> gemvRows(out, outOff, x, xOff, w, wOff, bias, biasOff, B, K, N, from, to));
    }

    /**
     * Output columns [from, to) of the GEMV, one weight row at a time: each row is one sequential
     * stream, which the hardware prefetchers follow best (four adjacent rows side by side drew 13 GB/s
     * per core from memory on short rows where one row at a time draws 17, on AMD Zen 4). With a few
     * rows of x, each weight row is dotted with all of them while it is in L1. With one (decode), row n
     * goes beside row n + half: two streams far apart keep more reads in flight than one, and the end
     * of one row no longer drains the core's queue of loads (the 100M model's GEMVs, 2 threads on an
     * AMD Zen 5 VM, paired runs: 29.4-36.2 -> 34.3-41.4 GB/s; four streams spilled and lost). Each
     * row is summed exactly as {@link #dotArrays} sums it, so the bits do not change.
     */
    static void gemvRows(
            float[] out,
            int outOff,
            float[] x,
            int xOff,
            float[] w,
            int wOff,
            float[] bias,
            int biasOff,
            int B,
            int K,
            int N,
            int from,
            int to) {
        if (B == 1) {
            int half = (to - from) / 2;
            for (int n = from; n < from + half; n++) {
                int m = n + half;
                dot2Arrays(x, xOff, w, wOff + n * K, wOff + m * K, K, out, outOff + n, outOff + m);
                out[outOff + n] += bias == null ? 0f : bias[biasOff + n]; // s + bv, as the one-row path adds
                out[outOff + m] += bias == null ? 0f : bias[biasOff + m];
            }
            from += 2 * half;
        }
        for (int n = from; n < to; n++) {
            float bv = bias == null ? 0f : bias[biasOff + n];
            for (int b = 0; b < B; b++) out[outOff + b * N + n] = dotArrays(x, xOff + b * K, w, wOff + n * K, K) + bv;
        }
    }

    /**
     * x dotted with the rows of w at wa and wb into out[oa] and out[ob], each in {@link #dotArrays}'s order:
     * the heap twin of TypedKernels.dot2F32, as dotArrays is of dotF32. (Passing the array to dot2F32 as
     * {@code MemorySegment.ofArray(w)} instead kept the bits but decoded stories260K at a quarter and
     * stories15M at half the speed: C2 compiles heap-segment vector loads less well.)
     */
    static void dot2Arrays(float[] x, int xo, float[] w, int wa, int wb, int K, float[] out, int oa, int ob) {
        int i = 0;
        float s = 0f, t = 0f;
        if (K >= 2 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
            for (int upper = K - 4 * L; i <= upper; i += 4 * L) {
                FloatVector x0 = FloatVector.fromArray(S, x, xo + i), x1 = FloatVector.fromArray(S, x, xo + i + L);
                FloatVector x2 = FloatVector.fromArray(S, x, xo + i + 2 * L);
                FloatVector x3 = FloatVector.fromArray(S, x, xo + i + 3 * L);
                s0 = x0.fma(FloatVector.fromArray(S, w, wa + i), s0);
                t0 = x0.fma(FloatVector.fromArray(S, w, wb + i), t0);
                s1 = x1.fma(FloatVector.fromArray(S, w, wa + i + L), s1);
                t1 = x1.fma(FloatVector.fromArray(S, w, wb + i + L), t1);
                s2 = x2.fma(FloatVector.fromArray(S, w, wa + i + 2 * L), s2);
                t2 = x2.fma(FloatVector.fromArray(S, w, wb + i + 2 * L), t2);
                s3 = x3.fma(FloatVector.fromArray(S, w, wa + i + 3 * L), s3);
                t3 = x3.fma(FloatVector.fromArray(S, w, wb + i + 3 * L), t3);
            }
            for (int upper = K - L; i <= upper; i += L) {
                FloatVector xv = FloatVector.fromArray(S, x, xo + i);
                s0 = xv.fma(FloatVector.fromArray(S, w, wa + i), s0);
                t0 = xv.fma(FloatVector.fromArray(S, w, wb + i), t0);
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
            s += x[xo + i] * w[wa + i];
            t += x[xo + i] * w[wb + i];
        }
        out[oa] = s;
        out[ob] = t;
    }

    @Override
    public void causalScores(
            float[] s, int sOff, int lds, float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, int T, int D) {
        VectorAttention.scores(s, sOff, lds, q, qOff, ldq, k, kOff, ldk, T, D);
    }

    @Override
    public void causalMix(
            float[] out,
            int outOff,
            int ldo,
            float[] p,
            int pOff,
            int ldp,
            boolean pTransposed,
            float[] v,
            int vOff,
            int ldv,
            int T,
            int D,
            boolean accumulate) {
        if (pTransposed) VectorAttention.mixT(out, outOff, ldo, p, pOff, ldp, v, vOff, ldv, T, D, accumulate);
        else VectorAttention.mix(out, outOff, ldo, p, pOff, ldp, v, vOff, ldv, T, D, accumulate);
    }

    /**
     * In parallel over whole vectors (the last, partial one takes the scalar twin's loop), so which
     * elements take {@link Lanes#exp} and which {@code Math.exp} depends on n only, not on the threads.
     */
    @Override
    public void swiglu(float[] h, int hOff, float[] g, int gOff, float[] u, int uOff, int n) {
        int whole = n / L;
        Parallel.forRange(whole, (long) n * 8, (chunk, from, to) -> {
            for (int i = from * L; i < to * L; i += L) {
                FloatVector x = FloatVector.fromArray(S, g, gOff + i);
                FloatVector e = Lanes.exp(x.neg()).add(1f);
                x.div(e).mul(FloatVector.fromArray(S, u, uOff + i)).intoArray(h, hOff + i);
            }
        });
        int i = whole * L;
        ScalarKernels.INSTANCE.swiglu(h, hOff + i, g, gOff + i, u, uOff + i, n - i);
    }

    @Override
    public void swigluBackward(
            float[] dg,
            int dgOff,
            float[] du,
            int duOff,
            float[] dh,
            int dhOff,
            float[] g,
            int gOff,
            float[] u,
            int uOff,
            int n) {
        int whole = n / L;
        Parallel.forRange(whole, (long) n * 8, (chunk, from, to) -> {
            for (int i = from * L; i < to * L; i += L) {
                FloatVector x = FloatVector.fromArray(S, g, gOff + i), d = FloatVector.fromArray(S, dh, dhOff + i);
                FloatVector sig =
                        FloatVector.broadcast(S, 1f).div(Lanes.exp(x.neg()).add(1f));
                d.mul(x).mul(sig).intoArray(du, duOff + i);
                FloatVector slope = x.mul(sig.neg().add(1f)).add(1f);
                d.mul(FloatVector.fromArray(S, u, uOff + i)).mul(sig).mul(slope).intoArray(dg, dgOff + i);
            }
        });
        int i = whole * L;
        ScalarKernels.INSTANCE.swigluBackward(
                dg, dgOff + i, du, duOff + i, dh, dhOff + i, g, gOff + i, u, uOff + i, n - i);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return dotArrays(a, aOff, b, bOff, n);
    }

    /** The dot product; {@link TypedKernels} sums its converted rows in this same order. */
    static float dotArrays(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float s = 0f;
        if (n >= 2 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int upper = n - 4 * L; i <= upper; i += 4 * L) {
                s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
                s1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), s1);
                s2 = FloatVector.fromArray(S, a, aOff + i + 2 * L)
                        .fma(FloatVector.fromArray(S, b, bOff + i + 2 * L), s2);
                s3 = FloatVector.fromArray(S, a, aOff + i + 3 * L)
                        .fma(FloatVector.fromArray(S, b, bOff + i + 3 * L), s3);
            }
            for (int upper = n - L; i <= upper; i += L)
                s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
            // Lanes.sum's folds written out (this dot is inlined into large callers, where a call taking a
            // vector may find C2's inlining budget spent and be boxed)
            FloatVector v = s0.add(s1).add(s2.add(s3));
            if (L > 16) s = Lanes.sum(v);
            else {
                if (L == 16) v = v.add(v.rearrange(Lanes.BY8));
                if (L >= 8) v = v.add(v.rearrange(Lanes.BY4));
                v = v.add(v.rearrange(Lanes.BY2));
                s = v.add(v.rearrange(Lanes.BY1)).lane(0);
            }
        }
        for (; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    @Override
    public float max(float[] x, int off, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector v = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int upper = n - L; i <= upper; i += L) v = v.max(FloatVector.fromArray(S, x, off + i));
            m = foldMax(v); // reduceLanes(MAX): ~50 ns a call here, most of a short row's cost
        }
        for (; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    /**
     * {@link Lanes#exp}, its operations written out for two vectors a step (the same bits compiled or not, so
     * a training run's losses do not depend on when the JIT reached this loop; the last n % L values by
     * Math.exp), lane sums folded into double per 64 vectors.
     */
    @Override
    public double expShiftSum(float[] x, int off, int n, float shift, float[] out, int outOff) {
        int i = 0, whole = n - n % L;
        double sum = 0;
        FloatVector sh = FloatVector.broadcast(S, shift),
                hi = FloatVector.broadcast(S, -Lanes.LN2_HI),
                lo = FloatVector.broadcast(S, -Lanes.LN2_LO),
                c4 = FloatVector.broadcast(S, Lanes.P4),
                c3 = FloatVector.broadcast(S, Lanes.P3),
                c2 = FloatVector.broadcast(S, Lanes.P2),
                c1 = FloatVector.broadcast(S, Lanes.P1);
        while (i < whole) {
            FloatVector acc0 = FloatVector.zero(S), acc1 = acc0;
            // two vectors a step, Lanes.exp written out for both so that their chains of dependent
            // operations interleave (one at a time, each vector waited on its own: 24 cycles a vector);
            // an odd last vector goes through the same step twice, its second copy dropped
            for (int upper = Math.min(whole, i + 64 * L); i < upper; i += 2 * L) {
                boolean pair = i + L < upper;
                int i1 = pair ? i + L : i;
                FloatVector x0 = FloatVector.fromArray(S, x, off + i).sub(sh),
                        x1 = FloatVector.fromArray(S, x, off + i1).sub(sh);
                FloatVector t0 = x0.fma(Lanes.LOG2E, Lanes.ROUND), t1 = x1.fma(Lanes.LOG2E, Lanes.ROUND);
                FloatVector n0 = t0.sub(Lanes.ROUND), n1 = t1.sub(Lanes.ROUND);
                FloatVector r0 = n0.fma(hi, x0), r1 = n1.fma(hi, x1);
                r0 = n0.fma(lo, r0);
                r1 = n1.fma(lo, r1);
                FloatVector p0 = r0.fma(Lanes.P6, Lanes.P5), p1 = r1.fma(Lanes.P6, Lanes.P5);
                p0 = p0.fma(r0, c4);
                p1 = p1.fma(r1, c4);
                p0 = p0.fma(r0, c3);
                p1 = p1.fma(r1, c3);
                p0 = p0.fma(r0, c2);
                p1 = p1.fma(r1, c2);
                p0 = p0.fma(r0, c1);
                p1 = p1.fma(r1, c1);
                FloatVector y0 = p0.mul(r0).fma(r0, r0).add(1f),
                        y1 = p1.mul(r1).fma(r1, r1).add(1f);
                FloatVector
                        e0 =
                                y0.mul(((IntVector) t0.reinterpretAsInts())
                                        .sub(Lanes.ROUND_BITS)
                                        .add(127)
                                        .lanewise(VectorOperators.LSHL, 23)
                                        .reinterpretAsFloats()),
                        e1 =
                                y1.mul(((IntVector) t1.reinterpretAsInts())
                                        .sub(Lanes.ROUND_BITS)
                                        .add(127)
                                        .lanewise(VectorOperators.LSHL, 23)
                                        .reinterpretAsFloats());
                e0 = e0.blend(0f, x0.lt(Lanes.UNDER))
                        .blend(Float.POSITIVE_INFINITY, x0.compare(VectorOperators.GT, Lanes.OVER))
                        .blend(x0, x0.test(VectorOperators.IS_NAN));
                e1 = e1.blend(0f, x1.lt(Lanes.UNDER))
                        .blend(Float.POSITIVE_INFINITY, x1.compare(VectorOperators.GT, Lanes.OVER))
                        .blend(x1, x1.test(VectorOperators.IS_NAN));
                if (out != null) e0.intoArray(out, outOff + i);
                acc0 = acc0.add(e0);
                if (pair) {
                    if (out != null) e1.intoArray(out, outOff + i1);
                    acc1 = acc1.add(e1);
                }
            }
            // Lanes.sum's folds written out: in this method's compile C2 ran out of inlining budget
            // (NodeCountInliningCutoff) before reaching the call, and then boxed the vector for it
            FloatVector v = acc0.add(acc1);
            if (L > 16) sum += Lanes.sum(v);
            else {
                if (L == 16) v = v.add(v.rearrange(Lanes.BY8));
                if (L >= 8) v = v.add(v.rearrange(Lanes.BY4));
                v = v.add(v.rearrange(Lanes.BY2));
                sum += v.add(v.rearrange(Lanes.BY1)).lane(0);
            }
        }
        for (i = whole; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - shift);
            if (out != null) out[outOff + i] = e;
            sum += e;
        }
        return sum;
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        int i = 0;
        FloatVector v = FloatVector.broadcast(S, s);
        for (int upper = n - L; i <= upper; i += L)
            FloatVector.fromArray(S, x, off + i).mul(v).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= s;
    }

    @Override
    public void softmaxBackward(float[] d, int dOff, float[] p, int pOff, int n, float dot, float scale) {
        int i = 0;
        for (int upper = n - L; i <= upper; i += L)
            FloatVector.fromArray(S, p, pOff + i)
                    .mul(FloatVector.fromArray(S, d, dOff + i).sub(dot))
                    .mul(scale)
                    .intoArray(d, dOff + i);
        for (; i < n; i++) d[dOff + i] = p[pOff + i] * (d[dOff + i] - dot) * scale;
    }

    /**
     * The scaling and the maximum in one pass, the maximum folded as the lanes' sums are (max is exact and
     * order-free: the same value as {@link #max}'s); the exponentials through {@link #expShiftSum}; the
     * normalisation by {@link #scale} (four kernel calls and two fills a row before, with the maximum's reduceLanes
     * at ~50 ns a call). One
     * causal head of 256 rows on one thread: 37-38 -> 29-31 us, with the zeros past the padding no longer written.
     */
    @Override
    public void causalSoftmax(float[] p, int pOff, int T, float scale) {
        FloatVector sc = FloatVector.broadcast(S, scale);
        for (int t = 0; t < T; t++) {
            int o = pOff + t * T, n = Kernels.causalPadded(t + 1, T), i = 0;
            java.util.Arrays.fill(p, o + t + 1, o + n, Float.NEGATIVE_INFINITY);
            float max = Float.NEGATIVE_INFINITY;
            if (n >= L) {
                FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                for (int upper = n - L; i <= upper; i += L) {
                    FloatVector v = FloatVector.fromArray(S, p, o + i).mul(sc);
                    v.intoArray(p, o + i);
                    m = m.max(v);
                }
                max = foldMax(m);
            }
            for (; i < n; i++) max = Math.max(max, p[o + i] *= scale);
            scale(p, o, n, (float) (1.0 / expShiftSum(p, o, n, max, p, o)));
        }
    }

    /** The largest lane (NaN if any lane is), folded by rotations as {@link Lanes#sum} folds its sums. */
    private static float foldMax(FloatVector v) {
        if (L > 16) return v.reduceLanes(VectorOperators.MAX);
        if (L == 16) v = v.max(v.rearrange(Lanes.BY8));
        if (L >= 8) v = v.max(v.rearrange(Lanes.BY4));
        v = v.max(v.rearrange(Lanes.BY2));
        return v.max(v.rearrange(Lanes.BY1)).lane(0);
    }

    @Override
    public void adamw(
            float[] p,
            float[] g,
            MemorySegment m,
            MemorySegment v,
            long mo,
            int from,
            int to,
            float beta1,
            float beta2,
            float eps,
            float shrink,
            float stepSize,
            float sqrtBc2) {
        float c1 = 1 - beta1, c2 = 1 - beta2;
        ByteOrder order = ByteOrder.nativeOrder();
        int i = from;
        for (int upper = to - L; i <= upper; i += L) {
            long at = (mo + i) * Float.BYTES;
            FloatVector gi = FloatVector.fromArray(S, g, i);
            FloatVector mi =
                    FloatVector.fromMemorySegment(S, m, at, order).mul(beta1).add(gi.mul(c1));
            FloatVector vi = FloatVector.fromMemorySegment(S, v, at, order)
                    .mul(beta2)
                    .add(gi.mul(c2).mul(gi));
            mi.intoMemorySegment(m, at, order);
            vi.intoMemorySegment(v, at, order);
            FloatVector step = mi.mul(stepSize).div(vi.sqrt().div(sqrtBc2).add(eps));
            FloatVector.fromArray(S, p, i).mul(shrink).sub(step).intoArray(p, i);
        }
        if (i < to) ScalarKernels.INSTANCE.adamw(p, g, m, v, mo, i, to, beta1, beta2, eps, shrink, stepSize, sqrtBc2);
    }

    @Override
    public void axpy(float[] y, int yOff, float alpha, float[] x, int xOff, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (int upper = n - L; i <= upper; i += L)
            FloatVector.fromArray(S, x, xOff + i)
                    .fma(va, FloatVector.fromArray(S, y, yOff + i))
                    .intoArray(y, yOff + i);
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }
}
