package dev.topiary.cli;

import dev.topiary.io.Models;
import dev.topiary.kernels.Parallel;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.TensorKind;
import dev.topiary.model.Weights;
import dev.topiary.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code topiary bench --model}: prefill and decode tokens/s of one model file on its mapped
 * weights in their stored type, measured the way llama-bench measures them:
 *
 * <ul>
 *   <li>prefill ({@code ppP}): P prompt tokens in one batch into an empty cache, logits of the last;</li>
 *   <li>decode ({@code tgN}): N tokens one at a time from an empty cache, logits of each;</li>
 * </ul>
 *
 * each warmed up (at least --warmup runs and, when that is not 0, five seconds, so that the JIT has
 * compiled the kernels), then repeated R times (median, standard deviation, min and max reported). It adds
 * the peak resident memory of the process (VmHWM), the machine's memory bandwidth (a parallel copy
 * loop) and the bandwidth decoding draws: the weight bytes one token reads times tokens/s.
 */
final class ModelBench {
    private ModelBench() {}

    /** One measured test: tokens per second over the repetitions. */
    record Rates(String test, int tokens, double[] perSecond) {
        double median() {
            double[] s = perSecond.clone();
            Arrays.sort(s);
            int n = s.length;
            return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        }

        double stdev() {
            double mean = Arrays.stream(perSecond).average().orElse(0);
            double ss = 0;
            for (double v : perSecond) ss += (v - mean) * (v - mean);
            return perSecond.length > 1 ? Math.sqrt(ss / (perSecond.length - 1)) : 0;
        }

        double min() {
            return Arrays.stream(perSecond).min().orElse(0);
        }

        double max() {
            return Arrays.stream(perSecond).max().orElse(0);
        }
    }

    /** Everything one run measured. */
    record Result(
            Path model,
            String format,
            String dtype,
            long params,
            long storedBytes,
            long bytesPerToken,
            int threads,
            Rates prefill,
            Rates decode,
            long peakRssBytes,
            double copyBytesPerSecond) {
        /** Bytes of weights decoding reads per second. */
        double decodeBytesPerSecond() {
            return decode == null ? Double.NaN : bytesPerToken * decode.median();
        }
    }

    /** Runs the benchmark; {@code measureBandwidth} false skips the copy loop (tests). */
    static Result run(Path path, int promptTokens, int genTokens, int repeat, int warmup, boolean measureBandwidth) {
        if (promptTokens < 0 || genTokens < 0 || promptTokens + genTokens == 0)
            throw new IllegalArgumentException("--prompt-tokens and --gen-tokens must be >= 0, not both 0");
        if (repeat < 1) throw new IllegalArgumentException("--repeat must be at least 1, got " + repeat);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        Models.Loaded loaded = Models.load(path);
        Weights w = loaded.inference();
        LlamaConfig c = w.config();
        int capacity = Math.max(1, Math.max(promptTokens, genTokens));
        Llama.State state = new Llama.State(c, capacity);
        int[] ids = new int[capacity];
        for (int i = 0; i < capacity; i++) ids[i] = (int) ((i * 7919L + 11) % c.vocab());

        Rates prefill = promptTokens == 0
                ? null
                : measure("pp" + promptTokens, promptTokens, repeat, warmup, () -> {
                    state.reset();
                    Llama.forward(w, state, ids, 0, promptTokens, Llama.Logits.LAST);
                });
        Rates decode = genTokens == 0
                ? null
                : measure("tg" + genTokens, genTokens, repeat, warmup, () -> {
                    state.reset();
                    for (int t = 0; t < genTokens; t++) Llama.forward(w, state, ids, t, 1, Llama.Logits.LAST);
                });
        long rss = peakRss();
        double copy = measureBandwidth ? copyBandwidth() : Double.NaN;
        return new Result(
                path,
                loaded.format().name(),
                dtype(w),
                c.parameterCount(),
                w.storedBytes(),
                bytesPerToken(w),
                Parallel.threads(),
                prefill,
                decode,
                rss,
                copy);
    }

    /** Unmeasured runs go on for at least this long (C2 compiles the kernels meanwhile), besides the --warmup count. */
    static final double WARMUP_SECONDS = Double.parseDouble(System.getProperty("topiary.benchWarmupSeconds", "5"));

    private static Rates measure(String test, int tokens, int repeat, int warmup, Runnable body) {
        long start = System.nanoTime();
        for (int i = 0; i < warmup || (warmup > 0 && System.nanoTime() - start < WARMUP_SECONDS * 1e9); i++) body.run();
        double[] rates = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            body.run();
            rates[i] = tokens / ((System.nanoTime() - t0) / 1e9);
        }
        return new Rates(test, tokens, rates);
    }

    /** The stored type of the projections (the bulk of the bytes), plus the embedding's when it differs. */
    static String dtype(Weights w) {
        String proj = w.tensor(TensorKind.WQ, 0).type().name();
        String emb = w.tensor(TensorKind.EMBED, 0).type().name();
        return proj.equals(emb) ? proj : proj + " (embedding " + emb + ")";
    }

    /**
     * Bytes of weights one decoded token reads: every layer's tensors, the final norm and the output
     * layer, plus one row of the embedding (a separate embedding matrix is not streamed).
     */
    static long bytesPerToken(Weights w) {
        LlamaConfig c = w.config();
        Tensor emb = w.tensor(TensorKind.EMBED, 0);
        long embRow = emb.byteSize() / Math.max(1, emb.rows());
        long n = w.storedBytes() + embRow;
        if (TensorKind.LM_HEAD.present(c)) n -= emb.byteSize();
        return n;
    }

    /** VmHWM of this process in bytes (peak resident set), or -1 where /proc is absent. */
    static long peakRss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status")))
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
        } catch (Exception ignored) {
            // not Linux
        }
        return -1;
    }

    /**
     * Memory bandwidth with a parallel copy loop over two 256 MiB arrays (far beyond any cache), one
     * contiguous part per thread; bytes counted as read plus written (the STREAM convention). Best
     * of several passes after a warm-up.
     */
    static double copyBandwidth() {
        int n = 64 << 20; // floats: 256 MiB each
        float[] src = new float[n], dst = new float[n];
        Arrays.fill(src, 1f);
        Arrays.fill(dst, 2f);
        double best = 0;
        for (int pass = 0; pass < 8; pass++) {
            long t0 = System.nanoTime();
            Parallel.forRange(n, (chunk, from, to) -> System.arraycopy(src, from, dst, from, to - from));
            double s = (System.nanoTime() - t0) / 1e9;
            if (pass >= 2) best = Math.max(best, 2.0 * 4 * n / s);
        }
        return best;
    }

    /** The human-readable report, in the layout of llama-bench's table. */
    static String format(Result r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "model %s: %s, %s, %.1fM parameters, %s stored%n",
                r.model(),
                r.format(),
                r.dtype(),
                r.params() / 1e6,
                Sizes.human(r.storedBytes())));
        b.append(String.format(
                Locale.ROOT,
                "%-8s | %7s | %12s | %10s | %10s | %10s%n",
                "test",
                "threads",
                "tokens/s",
                "+- sd",
                "min",
                "max"));
        for (Rates x : new Rates[] {r.prefill(), r.decode()}) {
            if (x == null) continue;
            b.append(String.format(
                    Locale.ROOT,
                    "%-8s | %7d | %12.2f | %10.2f | %10.2f | %10.2f%n",
                    x.test(),
                    r.threads(),
                    x.median(),
                    x.stdev(),
                    x.min(),
                    x.max()));
        }
        b.append(String.format(
                Locale.ROOT, "peak RSS (VmHWM): %s%n", r.peakRssBytes() < 0 ? "-" : Sizes.human(r.peakRssBytes())));
        if (!Double.isNaN(r.copyBytesPerSecond()))
            b.append(String.format(
                    Locale.ROOT,
                    "memory bandwidth (copy, %d threads): %.1f GB/s%n",
                    r.threads(),
                    r.copyBytesPerSecond() / 1e9));
        if (r.decode() != null) {
            b.append(String.format(
                    Locale.ROOT,
                    "decode reads %s of weights per token: %.1f GB/s",
                    Sizes.human(r.bytesPerToken()),
                    r.decodeBytesPerSecond() / 1e9));
            if (!Double.isNaN(r.copyBytesPerSecond()))
                b.append(String.format(
                        Locale.ROOT,
                        " = %.0f%% of the copy bandwidth",
                        100 * r.decodeBytesPerSecond() / r.copyBytesPerSecond()));
            b.append(System.lineSeparator());
        }
        return b.toString();
    }
}
