package dev.topiary.kernels;

import dev.topiary.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hot loops of the engine. Two implementations: {@link ScalarKernels}, the plain reference,
 * and {@link VectorKernels}, the Vector API version (packed, register-blocked matmul). The tests
 * run both over awkward sizes and require them to agree.
 *
 * <p>Chosen once, at start-up, with one log line; {@code -Dtopiary.simd=false} forces the scalar
 * path. Arrays are passed with offsets (llm.c's pointer arithmetic), so that a kernel can work on
 * a slice of a larger array (a row block, one sequence of a batch) without copying.
 */
public interface Kernels {

    /**
     * {@code out[b, n] = sum_k x[b, k] * w[n, k] (+ bias[n])}: a linear layer over B rows.
     *
     * @param out  (B, N) at outOff, overwritten
     * @param x    (B, K) at xOff
     * @param w    (N, K) at wOff, PyTorch's (out_features, in_features)
     * @param bias (N) at biasOff, or null
     */
    void matmul(
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
            int N);

    /**
     * As {@link #matmul(float[], int, float[], int, float[], int, float[], int, int, int, int)}, with the
     * weight (N, K) in its stored type (F32, BF16, F16, Q8_0), converted to fp32 in registers; the
     * sums are fp32. A heap fp32 tensor takes the plain array path.
     */
    void matmul(float[] out, int outOff, float[] x, int xOff, Tensor w, float[] bias, int biasOff, int B, int K, int N);

    /**
     * Several linear layers of one input: {@code out[i] = x w[i]^T (+ bias[i])} for each i, each as
     * {@link #matmul(float[], int, float[], int, Tensor, float[], int, int, int, int)} with N the rows
     * of {@code w[i]}. Decoding's q/k/v and gate/up projections go through here, so that a kernel can
     * run them as one parallel loop instead of one per matrix. Null biases are allowed.
     */
    default void matmulMany(
            float[] x, int xOff, int B, int K, Tensor[] w, float[][] bias, int[] biasOff, float[][] out, int[] outOff) {
        for (int i = 0; i < w.length; i++)
            matmul(out[i], outOff[i], x, xOff, w[i], bias[i], biasOff[i], B, K, Math.toIntExact(w[i].rows()));
    }

    /**
     * {@code out[m, n] (+)= sum_k a[m, k] * b[k, n]}: a (M, K), b (K, N), out (M, N), row-major.
     * The input gradient of a linear layer: dx (B, in) += dy (B, out) * W (out, in).
     */
    void matmulNN(
            float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int M, int K, int N, boolean accumulate);

    /**
     * {@code out[m, n] (+)= sum_k a[k, m] * b[k, n]}: a (K, M), b (K, N), out (M, N), row-major.
     * The weight gradient of a linear layer: dW (out, in) += dy (B, out)^T * x (B, in).
     */
    void matmulTN(
            float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int M, int K, int N, boolean accumulate);

    /**
     * The general product on the calling thread, for use inside parallel loops (attention heads):
     * {@code C[i, j] (+)= sum_k A[i, k] * B[k, j]} with C[i, j] = c[cOff + i*ldc + j],
     * A[i, k] = aTrans ? a[aOff + k*lda + i] : a[aOff + i*lda + k],
     * B[k, j] = bTrans ? b[bOff + j*ldb + k] : b[bOff + k*ldb + j].
     */
    void gemmSerial(
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
            boolean accumulate);

    /**
     * One head's causal attention scores, on the calling thread: {@code s[sOff + t*lds + j] = sum_d
     * q[qOff + t*ldq + d] * k[kOff + j*ldk + d]} for {@code j <= t < T}, d < D. Entries past the
     * diagonal (j > t, j < lds) may be overwritten with anything; the caller masks them. Training's
     * S = Q K^T and dP = dO V^T: only the lower triangle is computed.
     */
    void causalScores(
            float[] s, int sOff, int lds, float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, int T, int D);

    /**
     * {@code out[t, :] (+)= sum_{j <= t} p[t, j] v[j, :]} for t < T over D columns, with out[t, d] at
     * outOff + t*ldo + d, p[t, j] at pOff + t*ldp + j, v[j, d] at vOff + j*ldv + d: attention's O = P V
     * and dQ = dS K. With {@code pTransposed}, p enters transposed: {@code out[j, :] (+)= sum_{t >= j}
     * p[t, j] v[t, :]}, attention's dK = dS^T Q and dV = P^T dO. p past the diagonal is not read. (The vector
     * kernels add 0 times v for keys past the diagonal in a block: a non-finite v can make such outputs NaN.)
     */
    void causalMix(
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
            boolean accumulate);

    /** The SwiGLU gate over n elements: {@code h = silu(g) * u}, silu(g) = g / (1 + e^-g); h may be g. */
    void swiglu(float[] h, int hOff, float[] g, int gOff, float[] u, int uOff, int n);

    /**
     * Its backward: {@code dg = dh * u * silu'(g)}, {@code du = dh * silu(g)}, silu'(g) = sig(g) (1 + g (1 -
     * sig(g))); overwrites dg and du.
     */
    void swigluBackward(
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
            int n);

    /** {@code sum_i a[aOff + i] * b[bOff + i]} over n elements. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code y[yOff + i] += alpha * x[xOff + i]} over n elements. */
    void axpy(float[] y, int yOff, float alpha, float[] x, int xOff, int n);

    /** The largest of {@code x[off .. off + n)} (-infinity when n is 0). */
    float max(float[] x, int off, int n);

    /**
     * {@code sum_i exp(x[off + i] - shift)} over n elements, summed in double across lanes; when
     * {@code out} is set, also writes each term to {@code out[outOff + i]} (which may be x itself).
     * The softmax and cross-entropy's inner loop.
     */
    double expShiftSum(float[] x, int off, int n, float shift, float[] out, int outOff);

    /** {@code x[off + i] *= s} over n elements. */
    void scale(float[] x, int off, int n, float s);

    /**
     * The softmax's backward on one row: {@code d[dOff + i] = p[pOff + i] * (d[dOff + i] - dot) * scale} over n
     * elements (d holds dL/dp on entry, dL/dscores on return; dot = sum p dL/dp), each operation rounded to
     * fp32 in that order.
     */
    void softmaxBackward(float[] d, int dOff, float[] p, int pOff, int n, float dot, float scale);

    /**
     * Rows of the causal softmaxes of training attention are taken up to a multiple of this many entries (at most
     * the row length): whole vectors at every lane width up to 512 bits, none of the kernels' scalar tails.
     */
    int CAUSAL_PAD = 16;

    /** {@code valid} rounded up to a multiple of {@link #CAUSAL_PAD}, at most {@code len}. */
    static int causalPadded(int valid, int len) {
        return Math.min(len, (valid + CAUSAL_PAD - 1) / CAUSAL_PAD * CAUSAL_PAD);
    }

    /**
     * One head's causal softmax in training: the (T, T) scores at {@code p[pOff + t * T + j]} become
     * probabilities. Row t takes entries 0 .. t (entries already -infinity, keys of earlier packed documents,
     * come out 0); past them the row is set to -infinity up to {@link #causalPadded}(t + 1, T), and that
     * stretch is scaled, shifted by its maximum ({@link #max}), exponentiated and summed ({@link #expShiftSum})
     * and scaled by {@code (float) (1 / sum)}. The rest of the row is left as it is: nothing reads P past the
     * padded length (the mixes stop at the diagonal; zeroing it cost 6 of 37 us a head of 256 rows). Kernels may
     * fuse these passes, never change their values.
     */
    default void causalSoftmax(float[] p, int pOff, int T, float scale) {
        for (int t = 0; t < T; t++) {
            int o = pOff + t * T, n = causalPadded(t + 1, T);
            java.util.Arrays.fill(p, o + t + 1, o + n, Float.NEGATIVE_INFINITY);
            scale(p, o, n, scale);
            double sum = expShiftSum(p, o, n, max(p, o, n), p, o);
            scale(p, o, n, (float) (1.0 / sum));
        }
    }

    /**
     * The backward of {@link #causalSoftmax} for one head: {@code d} (T, T) at dOff holds dL/dP on its lower
     * triangle (anything above it) and gets dL/dscores there; per row, past t set to 0 up to the padded length n,
     * {@link #softmaxBackward} with {@code dot = }{@link #dot}{@code (p row, d row, n)}. Entries of d past n are
     * left as they are (the mixes that read dS stop at the diagonal).
     */
    default void causalSoftmaxBackward(float[] d, int dOff, float[] p, int pOff, int T, float scale) {
        for (int t = 0; t < T; t++) {
            int o = dOff + t * T, po = pOff + t * T, n = causalPadded(t + 1, T);
            java.util.Arrays.fill(d, o + t + 1, o + n, 0f);
            softmaxBackward(d, o, p, po, n, dot(p, po, d, o, n), scale);
        }
    }

    /**
     * AdamW on elements [from, to) of p, with gradients g and the moments m, v (fp32, native byte order)
     * of element i at index mo + i: {@code m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g g;
     * p = p shrink - stepSize m / (sqrt(v) / sqrtBc2 + eps)}, each operation rounded to fp32 in that
     * order (no fused multiply-adds), so every implementation gives the same bits.
     */
    void adamw(
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
            float sqrtBc2);

    String name();

    /** Checks that a weight tensor is the (N, K) matrix a matmul expects. */
    static void checkWeight(Tensor w, int K, int N) {
        if (w.rows() != N || w.cols() != K)
            throw new IllegalArgumentException("weight " + w + " is not (" + N + ", " + K + ")");
    }

    static Kernels get() {
        return Holder.INSTANCE;
    }

    static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    final class Holder {
        private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);
        static final Kernels INSTANCE = choose();

        private static Kernels choose() {
            if (!Boolean.parseBoolean(System.getProperty("topiary.simd", "true"))) {
                LOG.info("kernels: scalar (forced by -Dtopiary.simd=false)");
                return ScalarKernels.INSTANCE;
            }
            try {
                Kernels k = VectorKernels.create();
                LOG.info("kernels: {}", k.name());
                return k;
            } catch (LinkageError | RuntimeException e) {
                LOG.info(
                        "kernels: scalar (Vector API unavailable: {}; launch with --add-modules jdk.incubator.vector)",
                        e.toString());
                return ScalarKernels.INSTANCE;
            }
        }
    }
}
