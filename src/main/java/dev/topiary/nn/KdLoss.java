package dev.topiary.nn;

/**
 * Knowledge-distillation losses on logits, one token (row) at a time, in double, with
 * max-subtraction. With temperature tau, p = softmax(z / tau):
 * <pre>
 *   forward KL  KL(p_T || p_S) = sum_v p_T (log p_T - log p_S)        d/dz_S = (p_S - p_T) / tau
 *   reverse KL  KL(p_S || p_T) = sum_v p_S (log p_S - log p_T)        d/dz_S = p_S (log p_S - log p_T - KL) / tau
 *   top-k       forward KL over the teacher's k most likely tokens plus one "tail" bucket holding
 *               the rest of each distribution's mass; d/dz_S,j = (p_S,j - p_T,j) / tau on the top k,
 *               p_S,j (1 - tail_T / tail_S) / tau on the tail. With k = V it is the forward KL.
 * </pre>
 * Every loss is multiplied by tau^2 (Hinton et al.), so that gradient magnitudes do not shrink as
 * tau grows; at the default tau = 1 this changes nothing. Gradients are written multiplied by
 * {@code scale} (1 / number of tokens, typically).
 */
public final class KdLoss {
    private KdLoss() {}

    /** log softmax(z[off .. off+V) / tau) into out[0 .. V). */
    static void logSoftmax(double[] out, float[] z, int off, int V, float tau) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++) max = Math.max(max, z[off + i] / (double) tau);
        double sum = 0;
        for (int i = 0; i < V; i++) sum += Math.exp(z[off + i] / (double) tau - max);
        double lse = max + Math.log(sum);
        for (int i = 0; i < V; i++) out[i] = z[off + i] / (double) tau - lse;
    }

    /**
     * Forward or reverse KL for one row. Writes the gradient into {@code dz[dOff..]} (may be the
     * student logits themselves) unless dz is null; returns the loss (tau^2 included).
     */
    public static double full(
            float[] dz,
            int dOff,
            float[] zS,
            int sOff,
            float[] zT,
            int tOff,
            int V,
            float tau,
            boolean reverse,
            float scale,
            double[] scratchS,
            double[] scratchT) {
        logSoftmax(scratchS, zS, sOff, V, tau);
        logSoftmax(scratchT, zT, tOff, V, tau);
        double loss = 0;
        for (int i = 0; i < V; i++) {
            double ls = scratchS[i], lt = scratchT[i];
            loss += reverse ? Math.exp(ls) * (ls - lt) : Math.exp(lt) * (lt - ls);
        }
        if (dz != null) {
            double g = scale * tau; // tau^2 from the convention, 1/tau from the chain rule
            for (int i = 0; i < V; i++) {
                double ps = Math.exp(scratchS[i]), pt = Math.exp(scratchT[i]);
                dz[dOff + i] = (float) (g * (reverse ? ps * (scratchS[i] - scratchT[i] - loss) : ps - pt));
            }
        }
        return loss * tau * tau;
    }

    /**
     * Top-k forward KL with a tail bucket, against the teacher's top-k ids and log-probabilities
     * (at temperature tau) and its tail mass. {@code inTopK} is scratch of V booleans.
     */
    public static double topK(
            float[] dz,
            int dOff,
            float[] zS,
            int sOff,
            int V,
            int[] ids,
            int idOff,
            float[] teacherLogp,
            int lpOff,
            int k,
            float teacherTail,
            float tau,
            float scale,
            double[] scratchS,
            boolean[] inTopK) {
        logSoftmax(scratchS, zS, sOff, V, tau);
        double loss = 0, studentTop = 0;
        for (int i = 0; i < k; i++) {
            int id = ids[idOff + i];
            inTopK[id] = true;
            double lt = teacherLogp[lpOff + i];
            studentTop += Math.exp(scratchS[id]);
            loss += Math.exp(lt) * (lt - scratchS[id]);
        }
        double tailS = Math.max(1e-30, 1 - studentTop), tailT = teacherTail;
        if (tailT > 0) loss += tailT * (Math.log(tailT) - Math.log(tailS));
        if (dz != null) {
            double g = scale * tau, ratio = tailT / tailS;
            for (int j = 0; j < V; j++) {
                double ps = Math.exp(scratchS[j]);
                dz[dOff + j] = (float) (g * (inTopK[j] ? ps : ps * (1 - ratio)));
            }
            for (int i = 0; i < k; i++) dz[dOff + ids[idOff + i]] -= (float) (g * Math.exp(teacherLogp[lpOff + i]));
        }
        for (int i = 0; i < k; i++) inTopK[ids[idOff + i]] = false;
        return loss * tau * tau;
    }

    /** The teacher's k most likely tokens of one row at temperature tau: ids, log-probabilities, and the tail mass. */
    public static float topKOf(
            float[] zT,
            int tOff,
            int V,
            int k,
            float tau,
            int[] ids,
            int idOff,
            float[] logp,
            int lpOff,
            double[] scratch) {
        logSoftmax(scratch, zT, tOff, V, tau);
        // partial selection: k passes are fine for the small k used here; a heap for larger k
        java.util.PriorityQueue<Integer> heap =
                new java.util.PriorityQueue<>(k + 1, (a, b) -> Double.compare(scratch[a], scratch[b]));
        for (int i = 0; i < V; i++) {
            if (heap.size() < k) heap.add(i);
            else if (scratch[i] > scratch[heap.peek()]) {
                heap.poll();
                heap.add(i);
            }
        }
        double top = 0;
        for (int i = k - 1; i >= 0; i--) {
            int id = heap.poll();
            ids[idOff + i] = id;
            logp[lpOff + i] = (float) scratch[id];
            top += Math.exp(scratch[id]);
        }
        return k >= V ? 0f : (float) Math.max(0, 1 - top);
    }
}
