package dev.topiary.nn;

import static dev.topiary.GradCheck.check;
import static dev.topiary.GradCheck.project;
import static dev.topiary.GradCheck.projection;

import dev.topiary.kernels.Kernels;
import dev.topiary.model.LlamaConfig;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of every layer's backward, on small shapes with awkward sizes. */
class LayerGradientTest {
    static float[] random(int n, long seed, double scale) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    @Test
    void rmsNorm() {
        int R = 3, C = 7;
        float[] x = random(R * C, 1, 1), w = random(C, 2, 1), y = new float[R * C], rstd = new float[R];
        float[] c = projection(R * C, 3);
        float[] dx = new float[R * C], dw = new float[C];
        RmsNorm.forward(y, 0, rstd, 0, x, 0, w, 0, R, C, 1e-5f);
        RmsNorm.backward(dx, 0, false, dw, 0, c, 0, x, 0, rstd, 0, w, 0, R, C);
        Runnable fwd = () -> RmsNorm.forward(y, 0, rstd, 0, x, 0, w, 0, R, C, 1e-5f);
        check("rmsnorm dx", x, 0, dx, 0, R * C, 100, 1e-2, () -> {
            fwd.run();
            return project(y, 0, R * C, 3);
        });
        check("rmsnorm dw", w, 0, dw, 0, C, 100, 1e-2, () -> {
            fwd.run();
            return project(y, 0, R * C, 3);
        });
    }

    @Test
    void swiGlu() {
        int n = 33;
        float[] g = random(n, 4, 2), u = random(n, 5, 1), h = new float[n], dg = new float[n], du = new float[n];
        float[] c = projection(n, 6);
        dev.topiary.kernels.Kernels.get().swigluBackward(dg, 0, du, 0, c, 0, g, 0, u, 0, n);
        check("swiglu dg", g, 0, dg, 0, n, 100, 1e-2, () -> {
            dev.topiary.kernels.Kernels.get().swiglu(h, 0, g, 0, u, 0, n);
            return project(h, 0, n, 6);
        });
        check("swiglu du", u, 0, du, 0, n, 100, 1e-2, () -> {
            dev.topiary.kernels.Kernels.get().swiglu(h, 0, g, 0, u, 0, n);
            return project(h, 0, n, 6);
        });
    }

    @Test
    void ropeWithLlama3Scaling() {
        LlamaConfig cfg = new LlamaConfig(
                "llama",
                24,
                8,
                1,
                2,
                1,
                12,
                10,
                1e-5f,
                500000,
                new Rope.Scaling("llama3", 8, 1, 4, 16),
                false,
                false,
                false,
                64,
                1,
                List.of(2),
                "float32");
        int T = 5, H = 2, D = 12, n = T * H * D, pos0 = 3;
        float[][] tab = cfg.ropeTables(pos0 + T);
        float[] x = random(n, 7, 1), y = new float[n], c = projection(n, 8), d = c.clone();
        Rope.backward(d, 0, T, H, D, pos0, tab[0], tab[1]);
        check("rope", x, 0, d, 0, n, 200, 1e-2, () -> {
            System.arraycopy(x, 0, y, 0, n);
            Rope.forward(y, 0, T, H, D, pos0, tab[0], tab[1]);
            return project(y, 0, n, 8);
        });
    }

    @Test
    void crossEntropyWithIgnoredRows() {
        int rows = 4, V = 9;
        float[] logits = random(rows * V, 9, 2), d = new float[rows * V];
        int[] targets = {3, CrossEntropy.IGNORE, 0, 8};
        CrossEntropy.forwardBackward(d, logits, targets, 0, rows, V, 0.5f);
        check(
                "cross-entropy",
                logits,
                0,
                d,
                0,
                rows * V,
                100,
                1e-2,
                () -> 0.5 * CrossEntropy.forwardBackward(null, logits, targets, 0, rows, V, 1f));
        for (int i = V; i < 2 * V; i++)
            org.assertj.core.api.Assertions.assertThat(d[i]).isZero();
    }

    @Test
    void groupedQueryAttention() {
        for (Kernels k : new Kernels[] {Kernels.get(), Kernels.scalar()}) {
            int B = 2, T = 5, H = 4, KV = 2, D = 6, R = B * T;
            float[] q = random(R * H * D, 10, 1), kx = random(R * KV * D, 11, 1), vx = random(R * KV * D, 12, 1);
            float[] out = new float[R * H * D], probs = new float[B * H * T * T];
            float[] c = projection(R * H * D, 13);
            float[] dq = new float[q.length], dk = new float[kx.length], dv = new float[vx.length];
            Attention.forwardTrain(k, out, probs, q, kx, vx, B, T, H, KV, D);
            Attention.backwardTrain(k, dq, dk, dv, c, probs, q, kx, vx, B, T, H, KV, D);
            java.util.function.DoubleSupplier loss = () -> {
                Attention.forwardTrain(k, out, probs, q, kx, vx, B, T, H, KV, D);
                return project(out, 0, out.length, 13);
            };
            check(k.name() + " attention dq", q, 0, dq, 0, q.length, 120, 1e-2, loss);
            check(k.name() + " attention dk", kx, 0, dk, 0, kx.length, 120, 1e-2, loss);
            check(k.name() + " attention dv", vx, 0, dv, 0, vx.length, 120, 1e-2, loss);
        }
    }

    @Test
    void trainingAttentionEqualsInferenceAttention() {
        int T = 7, H = 4, KV = 2, D = 6;
        float[] q = random(T * H * D, 20, 1), kx = random(T * KV * D, 21, 1), vx = random(T * KV * D, 22, 1);
        float[] a = new float[T * H * D], b = new float[T * H * D];
        Attention.forwardTrain(Kernels.get(), a, new float[H * T * T], q, kx, vx, 1, T, H, KV, D);
        Attention.forward(Kernels.get(), b, q, kx, vx, T, 0, H, KV, D);
        dev.topiary.Close.assertClose("attention", a, b, 1e-6, 1e-5);
        // and token by token through the cache (the decode path)
        float[] c = new float[T * H * D];
        for (int t = 0; t < T; t++) {
            float[] one = new float[H * D];
            Attention.forward(
                    Kernels.get(),
                    one,
                    java.util.Arrays.copyOfRange(q, t * H * D, (t + 1) * H * D),
                    kx,
                    vx,
                    1,
                    t,
                    H,
                    KV,
                    D);
            System.arraycopy(one, 0, c, t * H * D, H * D);
        }
        dev.topiary.Close.assertClose("attention decode", c, b, 1e-6, 1e-5);
    }

    /** Prompts over several query and key blocks (the running softmax), from an empty and a filled cache. */
    @org.junit.jupiter.params.ParameterizedTest(name = "T={0} pos0={1}")
    @org.junit.jupiter.params.provider.CsvSource({"4,0", "5,3", "70,0", "300,0", "300,37", "65,300", "600,1"})
    void blockedPromptAttentionEqualsTrainingAndDecodeAttention(int T, int pos0) {
        int H = 4, KV = 2, D = 12, len = pos0 + T;
        float[] q = random(T * H * D, 30, 2), kx = random(len * KV * D, 31, 2), vx = random(len * KV * D, 32, 2);
        float[] prompt = new float[T * H * D];
        Attention.forward(Kernels.get(), prompt, q, kx, vx, T, pos0, H, KV, D);
        if (pos0 == 0) {
            float[] a = new float[T * H * D];
            Attention.forwardTrain(Kernels.scalar(), a, new float[H * T * T], q, kx, vx, 1, T, H, KV, D);
            dev.topiary.Close.assertClose("prompt vs training attention", prompt, a, 1e-5, 1e-4);
        }
        float[] c = new float[T * H * D], one = new float[H * D];
        for (int t = 0; t < T; t++) {
            Attention.forward(
                    Kernels.scalar(),
                    one,
                    java.util.Arrays.copyOfRange(q, t * H * D, (t + 1) * H * D),
                    kx,
                    vx,
                    1,
                    pos0 + t,
                    H,
                    KV,
                    D);
            System.arraycopy(one, 0, c, t * H * D, H * D);
        }
        dev.topiary.Close.assertClose("prompt vs decode attention", prompt, c, 1e-5, 1e-4);
    }
}
