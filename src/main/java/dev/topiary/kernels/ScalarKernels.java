package dev.topiary.kernels;

import dev.topiary.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The plain reference kernels: the simplest loops that compute the definition. */
public final class ScalarKernels implements Kernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {}

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
        Parallel.forRange(N, (long) B * K * N, (chunk, from, to) -> {
            for (int b = 0; b < B; b++) {
                for (int n = from; n < to; n++) {
                    float s = dot(x, xOff + b * K, w, wOff + n * K, K);
                    out[outOff + b * N + n] = bias == null ? s : s + bias[biasOff + n];
                }
            }
        });
    }

    @Override
    public void matmul(
            float[] out, int outOff, float[] x, int xOff, Tensor w, float[] bias, int biasOff, int B, int K, int N) {
        Kernels.checkWeight(w, K, N);
        if (w.array() != null) {
            matmul(out, outOff, x, xOff, w.array(), w.arrayOffset(), bias, biasOff, B, K, N);
            return;
        }
        Parallel.forRange(N, (long) B * K * N, (chunk, from, to) -> {
            float[] row = new float[K];
            for (int n = from; n < to; n++) {
                w.readRow(n, 0, K, row, 0);
                for (int b = 0; b < B; b++) {
                    float s = dot(x, xOff + b * K, row, 0, K);
                    out[outOff + b * N + n] = bias == null ? s : s + bias[biasOff + n];
                }
            }
        });
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
        Parallel.forRange(M, (long) M * K * N, (chunk, from, to) -> {
            for (int m = from; m < to; m++) {
                for (int n = 0; n < N; n++) {
                    float s = 0f;
                    for (int k = 0; k < K; k++) s += a[aOff + m * K + k] * b[bOff + k * N + n];
                    out[outOff + m * N + n] = accumulate ? out[outOff + m * N + n] + s : s;
                }
            }
        });
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
        Parallel.forRange(M, (long) M * K * N, (chunk, from, to) -> {
            for (int m = from; m < to; m++) {
                for (int n = 0; n < N; n++) {
                    float s = 0f;
                    for (int k = 0; k < K; k++) s += a[aOff + k * M + m] * b[bOff + k * N + n];
                    out[outOff + m * N + n] = accumulate ? out[outOff + m * N + n] + s : s;
                }
            }
        });
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
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                float s = 0f;
                for (int k = 0; k < K; k++)
                    s += a[aOff + (aTrans ? k * lda + i : i * lda + k)]
                            * b[bOff + (bTrans ? j * ldb + k : k * ldb + j)];
                int o = cOff + i * ldc + j;
                c[o] = accumulate ? c[o] + s : s;
            }
        }
    }

    @Override
    public void causalScores(
            float[] s, int sOff, int lds, float[] q, int qOff, int ldq, float[] k, int kOff, int ldk, int T, int D) {
        for (int t = 0; t < T; t++)
            for (int j = 0; j <= t; j++) s[sOff + t * lds + j] = dot(q, qOff + t * ldq, k, kOff + j * ldk, D);
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
        for (int i = 0; i < T; i++)
            for (int d = 0; d < D; d++) {
                float sum = 0f;
                if (pTransposed) for (int t = i; t < T; t++) sum += p[pOff + t * ldp + i] * v[vOff + t * ldv + d];
                else for (int j = 0; j <= i; j++) sum += p[pOff + i * ldp + j] * v[vOff + j * ldv + d];
                int o = outOff + i * ldo + d;
                out[o] = accumulate ? out[o] + sum : sum;
            }
    }

    @Override
    public void swiglu(float[] h, int hOff, float[] g, int gOff, float[] u, int uOff, int n) {
        for (int i = 0; i < n; i++) h[hOff + i] = silu(g[gOff + i]) * u[uOff + i];
    }

    static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
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
        for (int i = 0; i < n; i++) {
            float x = g[gOff + i], sig = 1f / (1f + (float) Math.exp(-x)), d = dh[dhOff + i];
            du[duOff + i] = d * x * sig;
            dg[dgOff + i] = d * u[uOff + i] * sig * (1f + x * (1f - sig));
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) s += a[aOff + i] * b[bOff + i];
        return s;
    }

    @Override
    public void axpy(float[] y, int yOff, float alpha, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public float max(float[] x, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    @Override
    public double expShiftSum(float[] x, int off, int n, float shift, float[] out, int outOff) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - shift);
            if (out != null) out[outOff + i] = e;
            sum += e;
        }
        return sum;
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        for (int i = 0; i < n; i++) x[off + i] *= s;
    }

    @Override
    public void softmaxBackward(float[] d, int dOff, float[] p, int pOff, int n, float dot, float scale) {
        for (int i = 0; i < n; i++) d[dOff + i] = p[pOff + i] * (d[dOff + i] - dot) * scale;
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
        for (int i = from; i < to; i++) {
            float gi = g[i];
            float mi = beta1 * m.getAtIndex(F32, mo + i) + c1 * gi;
            float vi = beta2 * v.getAtIndex(F32, mo + i) + c2 * gi * gi;
            m.setAtIndex(F32, mo + i, mi);
            v.setAtIndex(F32, mo + i, vi);
            p[i] = p[i] * shrink - stepSize * mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps);
        }
    }

    /**
     * The scalar twin of the BF16 decode dot (TypedKernels.dot3Bf16) for vectors of {@code lanes}
     * floats, the same bits: w (K values, already widened) dotted with x, where per 4 x lanes values
     * the first 2 x lanes go into lane accumulators s0 (even positions) and s1 (odd), the next into s2 and
     * s3, a last whole 2 x lanes into s0 and s1; then s0 + s1 + (s2 + s3) lane by lane, the lanes
     * folded in halves (Lanes.sum), and the tail one by one.
     */
    static float dotBf16EvenOdd(float[] w, int wo, float[] x, int xo, int K, int lanes) {
        float[][] s = new float[4][lanes];
        int i = 0;
        for (; i + 4 * lanes <= K; i += 4 * lanes)
            for (int half = 0; half < 2; half++)
                for (int l = 0; l < lanes; l++) {
                    int e = i + half * 2 * lanes + 2 * l;
                    s[2 * half][l] = Math.fma(w[wo + e], x[xo + e], s[2 * half][l]);
                    s[2 * half + 1][l] = Math.fma(w[wo + e + 1], x[xo + e + 1], s[2 * half + 1][l]);
                }
        if (i + 2 * lanes <= K) {
            for (int l = 0; l < lanes; l++) {
                int e = i + 2 * l;
                s[0][l] = Math.fma(w[wo + e], x[xo + e], s[0][l]);
                s[1][l] = Math.fma(w[wo + e + 1], x[xo + e + 1], s[1][l]);
            }
            i += 2 * lanes;
        }
        float[] v = new float[lanes];
        for (int l = 0; l < lanes; l++) v[l] = (s[0][l] + s[1][l]) + (s[2][l] + s[3][l]);
        for (int step = lanes / 2; step >= 1; step /= 2) {
            float[] f = new float[lanes];
            for (int l = 0; l < lanes; l++) f[l] = v[l] + v[(l + step) % lanes];
            v = f;
        }
        float sum = v[0];
        for (; i < K; i++) sum += w[wo + i] * x[xo + i];
        return sum;
    }

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    @Override
    public String name() {
        return "scalar";
    }
}
