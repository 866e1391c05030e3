package dev.topiary.nn;

import dev.topiary.kernels.Kernels;
import dev.topiary.kernels.Parallel;

/**
 * Causal multi-head attention with grouped key/value heads (GQA: query head h reads kv head
 * h / (H/KV)), scaled by 1/sqrt(D). For prompts the scores and the weighted sum are matrix
 * products through {@link Kernels#gemmSerial}, in blocks with a running softmax; training computes
 * only the lower triangle of each head's products ({@link Kernels#causalScores}, {@link
 * Kernels#causalMix}). Heads (and, for prompts, blocks of queries) run in
 * parallel. Decoding (a few new tokens) takes a dot-product path instead.
 */
public final class Attention {
    private Attention() {}

    /** Inference prompts: queries and keys per block of {@link #flashBlock} (scores: 64 x 256 floats, in L2). */
    static final int QUERY_BLOCK = 64, KEY_BLOCK = 256;

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length < n) SCRATCH.set(s = new float[Math.max(n, s.length + s.length / 2)]);
        return s;
    }

    /**
     * Inference: T new queries of one sequence over a KV cache holding pos0 + T positions.
     * Prompts go through {@link #flashBlock} (blocks of queries against blocks of keys with a running
     * softmax: no (T, T) score matrix, each block's scores stay in cache); a few new tokens take the
     * dot-product path.
     *
     * @param out (T, H*D), q (T, H*D), kc and vc (pos0+T, KV*D)
     */
    public static void forward(
            Kernels k, float[] out, float[] q, float[] kc, float[] vc, int T, int pos0, int H, int KV, int D) {
        long work = (long) T * H * (pos0 + T) * D;
        if (T < 4) {
            Parallel.forEach(T * H, work, th -> decodeRow(k, out, q, kc, vc, th / H, th % H, pos0, H, KV, D));
            return;
        }
        int blocks = (T + QUERY_BLOCK - 1) / QUERY_BLOCK;
        Parallel.forEach(H * blocks, work, i -> {
            int h = i / blocks, t0 = (i % blocks) * QUERY_BLOCK;
            flashBlock(k, out, q, kc, vc, t0, Math.min(QUERY_BLOCK, T - t0), pos0, h, H, KV, D);
        });
    }

    /**
     * Head h, query rows [t0, t0 + rows) (positions pos0 + t0 ...), over the keys they see, KEY_BLOCK
     * keys at a time. Per row it keeps the running maximum m and sum l of exp(score - m), and the
     * output accumulated with the same weights; a new block with a higher maximum rescales both
     * by exp(m_old - m_new). The result is divided by l at the end.
     */
    static void flashBlock(
            Kernels k,
            float[] out,
            float[] q,
            float[] kc,
            float[] vc,
            int t0,
            int rows,
            int pos0,
            int h,
            int H,
            int KV,
            int D) {
        int kvh = h / (H / KV), QD = H * D, KVD = KV * D, first = pos0 + t0, len = first + rows;
        float scale = (float) (1.0 / Math.sqrt(D));
        int sOff = 0, accOff = rows * KEY_BLOCK, mOff = accOff + rows * D, lOff = mOff + rows;
        float[] buf = scratch(lOff + rows);
        java.util.Arrays.fill(buf, accOff, mOff, 0f);
        java.util.Arrays.fill(buf, mOff, lOff, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(buf, lOff, lOff + rows, 0f);
        for (int j0 = 0; j0 < len; j0 += KEY_BLOCK) {
            int kb = Math.min(KEY_BLOCK, len - j0);
            // S = Q_h K_h[j0 : j0 + kb]^T                     (rows, kb)
            k.gemmSerial(
                    buf,
                    sOff,
                    kb,
                    q,
                    t0 * QD + h * D,
                    QD,
                    false,
                    kc,
                    j0 * KVD + kvh * D,
                    KVD,
                    true,
                    rows,
                    D,
                    kb,
                    false);
            for (int t = 0; t < rows; t++) {
                int p = sOff + t * kb, valid = Math.min(kb, first + t + 1 - j0); // causal: keys <= own position
                if (valid <= 0) {
                    java.util.Arrays.fill(buf, p, p + kb, 0f);
                    continue;
                }
                // the scores' exponentials through the kernels, over whole vectors (as Kernels.causalSoftmax)
                int n = Kernels.causalPadded(valid, kb);
                java.util.Arrays.fill(buf, p + valid, p + n, Float.NEGATIVE_INFINITY);
                k.scale(buf, p, n, scale);
                float max = Math.max(buf[mOff + t], k.max(buf, p, n));
                float sum = (float) k.expShiftSum(buf, p, n, max, buf, p);
                java.util.Arrays.fill(buf, p + n, p + kb, 0f);
                float old = buf[mOff + t];
                if (old != max && old != Float.NEGATIVE_INFINITY) {
                    float alpha = (float) Math.exp(old - max);
                    buf[lOff + t] *= alpha;
                    for (int d = 0; d < D; d++) buf[accOff + t * D + d] *= alpha;
                }
                buf[mOff + t] = max;
                buf[lOff + t] += sum;
            }
            // acc += P V_h[j0 : j0 + kb]                      (rows, D)
            k.gemmSerial(buf, accOff, D, buf, sOff, kb, false, vc, j0 * KVD + kvh * D, KVD, false, rows, kb, D, true);
        }
        for (int t = 0; t < rows; t++) {
            float inv = 1f / buf[lOff + t];
            int o = (t0 + t) * QD + h * D, a = accOff + t * D;
            for (int d = 0; d < D; d++) out[o + d] = buf[a + d] * inv;
        }
    }

    /**
     * One head of one training sequence of T tokens: the lower triangle of S = Q_h K_h^T into the
     * probabilities (T, T) at pOff, softmax with the causal mask (and, when {@code segStart} is given,
     * query t only sees keys from segStart[segOff + t] on), then O_h = P V_h into out at head h.
     */
    static void trainHead(
            Kernels k,
            float[] out,
            float[] probs,
            int pOff,
            float[] q,
            float[] kx,
            float[] vx,
            int rq,
            int rk,
            int T,
            int h,
            int H,
            int KV,
            int D,
            int[] segStart,
            int segOff) {
        int kvh = h / (H / KV), QD = H * D, KVD = KV * D;
        float scale = (float) (1.0 / Math.sqrt(D));
        k.causalScores(probs, pOff, T, q, rq + h * D, QD, kx, rk + kvh * D, KVD, T, D);
        if (segStart != null)
            for (int t = 0; t < T; t++)
                java.util.Arrays.fill(
                        probs, pOff + t * T, pOff + t * T + segStart[segOff + t], Float.NEGATIVE_INFINITY);
        k.causalSoftmax(probs, pOff, T, scale);
        k.causalMix(out, rq + h * D, QD, probs, pOff, T, false, vx, rk + kvh * D, KVD, T, D, false);
    }

    /**
     * p[0..valid) = softmax(scale * p[0..valid)), p[valid..len) = 0 (the causal mask); entries set
     * to -infinity before (other packed documents) come out 0.
     */
    static void softmaxRow(float[] p, int o, int valid, int len, float scale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < valid; j++) max = Math.max(max, p[o + j] * scale);
        float sum = 0f;
        for (int j = 0; j < valid; j++) {
            float e = p[o + j] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(p[o + j] * scale - max);
            p[o + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j < valid; j++) p[o + j] *= inv;
        for (int j = valid; j < len; j++) p[o + j] = 0f;
    }

    private static void decodeRow(
            Kernels k, float[] out, float[] q, float[] kc, float[] vc, int t, int h, int pos0, int H, int KV, int D) {
        int kvh = h / (H / KV), QD = H * D, KVD = KV * D, len = pos0 + t + 1, qo = t * QD + h * D;
        float[] sc = scratch(len);
        for (int j = 0; j < len; j++) sc[j] = k.dot(q, qo, kc, j * KVD + kvh * D, D);
        softmaxRow(sc, 0, len, len, (float) (1.0 / Math.sqrt(D)));
        java.util.Arrays.fill(out, qo, qo + D, 0f);
        for (int j = 0; j < len; j++) k.axpy(out, qo, sc[j], vc, j * KVD + kvh * D, D);
    }

    /**
     * Training: B sequences of T tokens, no cache. Saves the probabilities for the backward pass (each row up to
     * its diagonal, padded as {@link Kernels#causalSoftmax} says; nothing reads past that).
     *
     * @param out (B*T, H*D), probs (B, H, T, T), q (B*T, H*D), kx and vx (B*T, KV*D)
     */
    public static void forwardTrain(
            Kernels k,
            float[] out,
            float[] probs,
            float[] q,
            float[] kx,
            float[] vx,
            int B,
            int T,
            int H,
            int KV,
            int D) {
        forwardTrain(k, out, probs, q, kx, vx, B, T, H, KV, D, null);
    }

    /**
     * As above, for packed sequences: {@code segStart} (B*T) gives, for each token, the position in
     * its sequence where its document starts; attention does not cross into earlier documents.
     * (The backward pass needs no change: masked probabilities are 0.) RoPE is relative, so
     * positions need not restart per document.
     */
    public static void forwardTrain(
            Kernels k,
            float[] out,
            float[] probs,
            float[] q,
            float[] kx,
            float[] vx,
            int B,
            int T,
            int H,
            int KV,
            int D,
            int[] segStart) {
        Parallel.forEach(B * H, (long) B * H * T * T * D, bh -> {
            int b = bh / H, h = bh % H;
            trainHead(
                    k,
                    out,
                    probs,
                    bh * T * T,
                    q,
                    kx,
                    vx,
                    b * T * H * D,
                    b * T * KV * D,
                    T,
                    h,
                    H,
                    KV,
                    D,
                    segStart,
                    b * T);
        });
    }

    /**
     * Backward of {@link #forwardTrain}: dq, dk, dv are overwritten. With P the probabilities,
     * dP = dO V^T, dS = P * (dP - rowsum(P * dP)) / sqrt(D), dQ = dS K, dK = sum over the group of
     * dS^T Q, dV = sum over the group of P^T dO. One task per (sequence, kv head).
     */
    public static void backwardTrain(
            Kernels k,
            float[] dq,
            float[] dk,
            float[] dv,
            float[] dout,
            float[] probs,
            float[] q,
            float[] kx,
            float[] vx,
            int B,
            int T,
            int H,
            int KV,
            int D) {
        int group = H / KV, QD = H * D, KVD = KV * D;
        float scale = (float) (1.0 / Math.sqrt(D));
        Parallel.forEach(B * KV, (long) B * H * T * T * D * 4, bk -> {
            int b = bk / KV, kvh = bk % KV, rq = b * T * QD, rk = b * T * KVD;
            float[] dp = scratch(T * T);
            for (int g = 0; g < group; g++) {
                int h = kvh * group + g, pOff = (b * H + h) * T * T;
                boolean acc = g > 0;
                // dP = dO_h V_h^T, lower triangle                  (T, T)
                k.causalScores(dp, 0, T, dout, rq + h * D, QD, vx, rk + kvh * D, KVD, T, D);
                k.causalSoftmaxBackward(dp, 0, probs, pOff, T, scale);
                // dQ_h = dS K_h ; dK_kvh (+)= dS^T Q_h ; dV_kvh (+)= P^T dO_h   (the kernels read dS and P up to the
                // diagonal)
                k.causalMix(dq, rq + h * D, QD, dp, 0, T, false, kx, rk + kvh * D, KVD, T, D, false);
                k.causalMix(dk, rk + kvh * D, KVD, dp, 0, T, true, q, rq + h * D, QD, T, D, acc);
                k.causalMix(dv, rk + kvh * D, KVD, probs, pOff, T, true, dout, rq + h * D, QD, T, D, acc);
            }
        });
    }
}
