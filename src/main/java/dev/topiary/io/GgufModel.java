package dev.topiary.io;

import dev.topiary.format.GgufFile;
import dev.topiary.format.ModelFormatException;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.TensorKind;
import dev.topiary.nn.Rope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Llama-family weights from a GGUF file ({@code general.architecture} llama or qwen2). Tensor
 * names come from {@link TensorKind#ggufName}; quantized tensors (Q8_0, F16, BF16) are dequantized
 * to fp32. llama.cpp stores llama q/k rows (and q/k biases) in the interleaved RoPE layout, which is permuted
 * into rotate-half here; qwen2 GGUFs are already rotate-half ("neox") and are left as they are.
 * Llama 3 RoPE scaling stored as a rope_freqs.weight tensor becomes {@code RopeScaling("llama3", ...)}
 * (see {@link GgufExport}).
 */
public final class GgufModel {
    private GgufModel() {}

    public static LlamaConfig readConfig(GgufFile g) {
        Path f = g.path();
        String arch = g.optionalString("general.architecture")
                .orElseThrow(() -> new ModelFormatException(f, "missing key general.architecture"));
        if (!arch.equals("llama") && !arch.equals("qwen2"))
            throw new ModelFormatException(f, "general.architecture = '" + arch + "' is not supported (llama, qwen2)");
        int C = (int) required(g, arch + ".embedding_length");
        int H = (int) required(g, arch + ".attention.head_count");
        int F = (int) required(g, arch + ".feed_forward_length");
        int L = (int) required(g, arch + ".block_count");
        int KV = (int) g.getLong(arch + ".attention.head_count_kv", H);
        int D = (int) g.getLong(arch + ".attention.key_length", H > 0 ? C / H : 0);
        Rope.Scaling scaling = null;
        String st = g.optionalString(arch + ".rope.scaling.type").orElse("none");
        if (st.equals("linear"))
            scaling = new Rope.Scaling("linear", g.getDouble(arch + ".rope.scaling.factor", 1), 0, 0, 0);
        else if (!st.equals("none"))
            throw new ModelFormatException(
                    f, arch + ".rope.scaling.type = '" + st + "' is not supported (none, linear)");
        GgufFile.TensorInfo emb = g.tensor("token_embd.weight")
                .orElseThrow(() -> new ModelFormatException(f, "missing tensor token_embd.weight"));
        long[] embDims = emb.dims();
        if (embDims.length != 2 || embDims[1] > Integer.MAX_VALUE)
            throw new ModelFormatException(
                    f, "tensor token_embd.weight has dims " + Arrays.toString(embDims) + ", expected [hidden, vocab]");
        int V = (int) embDims[1];
        boolean tied = g.tensor("output.weight").isEmpty();
        boolean qwen = arch.equals("qwen2");
        int bos = (int) g.getLong("tokenizer.ggml.bos_token_id", 1),
                eos = (int) g.getLong("tokenizer.ggml.eos_token_id", 2);
        LlamaConfig c;
        try {
            c = new LlamaConfig(
                            qwen ? "qwen2" : "llama",
                            C,
                            F,
                            L,
                            H,
                            KV,
                            D,
                            V,
                            (float) g.getDouble(arch + ".attention.layer_norm_rms_epsilon", 1e-5),
                            g.getDouble(arch + ".rope.freq_base", 10000),
                            scaling,
                            tied,
                            qwen || g.tensor("blk.0.attn_q.bias").isPresent(),
                            !qwen && g.tensor("blk.0.attn_output.bias").isPresent(),
                            (int) g.getLong(arch + ".context_length", 2048),
                            bos,
                            List.of(eos),
                            "float32")
                    .validate(f.toString());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(null, e.getMessage());
        }
        return ropeFreqs(g, c);
    }

    /** Tolerance (relative) when checking rope_freqs.weight against the scaling rebuilt from it. */
    private static final double ROPE_FREQS_TOLERANCE = 1e-5;

    /**
     * With a rope_freqs.weight tensor (Llama 3 RoPE scaling as llama.cpp stores it: per frequency the divisor
     * of its inverse frequency), the equivalent {@code RopeScaling("llama3", ...)}: from Topiary's
     * topiary.rope.scaling.* keys when present, else fitted to the divisors (the blend region is linear in
     * the inverse frequency, which needs at least two blended frequencies). Either way the scaling is
     * accepted only if it reproduces every divisor within 1e-5 (relative).
     */
    private static LlamaConfig ropeFreqs(GgufFile g, LlamaConfig c) {
        Path f = g.path();
        GgufFile.TensorInfo t = g.tensor(GgufExport.ROPE_FREQS).orElse(null);
        if (t == null) return c;
        if (c.ropeScaling() != null)
            throw new ModelFormatException(f, "has both " + GgufExport.ROPE_FREQS + " and rope.scaling.type linear");
        if (!Arrays.equals(t.dims(), new long[] {c.headDim() / 2}))
            throw new ModelFormatException(
                    f,
                    "tensor " + GgufExport.ROPE_FREQS + " has dims " + Arrays.toString(t.dims()) + ", expected ["
                            + c.headDim() / 2 + "] (head_dim / 2)");
        float[] divisors = g.readFloats(GgufExport.ROPE_FREQS);
        boolean allOne = true;
        for (float d : divisors) allOne &= d == 1f;
        if (allOne) return c;
        Rope.Scaling s;
        if (g.has(GgufExport.LLAMA3_FACTOR)) {
            s = new Rope.Scaling(
                    "llama3",
                    g.getDouble(GgufExport.LLAMA3_FACTOR, 8),
                    g.getDouble(GgufExport.LLAMA3_LOW, 1),
                    g.getDouble(GgufExport.LLAMA3_HIGH, 4),
                    (int) g.getLong(GgufExport.LLAMA3_ORIGINAL, 8192));
            if (!reproduces(c, s, divisors))
                throw new ModelFormatException(
                        f,
                        "tensor " + GgufExport.ROPE_FREQS + " does not match the llama3 RoPE scaling "
                                + "of the topiary.rope.scaling.* keys " + s);
        } else {
            s = fitLlama3(c, divisors);
            if (s == null)
                throw new ModelFormatException(
                        f,
                        "tensor " + GgufExport.ROPE_FREQS + " " + Arrays.toString(divisors)
                                + " is not a llama3 RoPE scaling that can be rebuilt (it needs two frequencies in the blend region)");
        }
        return GgufExport.withRopeScaling(c, s);
    }

    private static boolean reproduces(LlamaConfig c, Rope.Scaling s, float[] divisors) {
        if (s.factor() <= 0 || s.highFreqFactor() <= s.lowFreqFactor() || s.originalMaxPositions() <= 0) return false;
        float[] d = GgufExport.ropeFreqDivisors(GgufExport.withRopeScaling(c, s));
        for (int i = 0; i < d.length; i++)
            if (!(Math.abs(d[i] - divisors[i]) <= ROPE_FREQS_TOLERANCE * Math.abs(divisors[i]))) return false;
        return true;
    }

    /**
     * Llama 3's blend: {@code s = (O / wavelength - low) / (high - low)} with {@code wavelength = 2 pi / invFreq},
     * and divisor {@code 1 / ((1 - s) / factor + s)}. So s is affine in invFreq: fitted over the blended
     * frequencies, its zero and one give the wavelengths O/low and O/high; O is taken as the (rounded) first,
     * and the factors are snapped to multiples of 1/1024 when that still reproduces the divisors.
     */
    private static Rope.Scaling fitLlama3(LlamaConfig c, float[] divisors) {
        double factor = 0;
        for (float d : divisors) factor = Math.max(factor, d);
        double[] inv = GgufExport.withRopeScaling(c, null).ropeInverseFrequencies();
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = 0; i < divisors.length; i++) {
            double d = divisors[i];
            if (d <= 1 + 1e-6 || d >= factor * (1 - 1e-6)) continue;
            double s = (1 / d - 1 / factor) / (1 - 1 / factor);
            n++;
            sx += inv[i];
            sy += s;
            sxx += inv[i] * inv[i];
            sxy += inv[i] * s;
        }
        if (n < 2 || factor <= 1) return null;
        double alpha = (n * sxy - sx * sy) / (n * sxx - sx * sx), beta = (sy - alpha * sx) / n;
        double lowWavelength = -2 * Math.PI * alpha / beta, highWavelength = 2 * Math.PI * alpha / (1 - beta);
        if (!(alpha > 0 && beta < 0 && lowWavelength > highWavelength) || lowWavelength > Integer.MAX_VALUE)
            return null;
        int original = (int) Math.round(lowWavelength);
        double low = original / lowWavelength, high = original / highWavelength;
        var snapped = new Rope.Scaling("llama3", snap(factor), snap(low), snap(high), original);
        if (reproduces(c, snapped, divisors)) return snapped;
        var exact = new Rope.Scaling("llama3", factor, low, high, original);
        return reproduces(c, exact, divisors) ? exact : null;
    }

    private static double snap(double x) {
        return Math.round(x * 1024) / 1024.0;
    }

    private static long required(GgufFile g, String key) {
        long v = g.getLong(key, Long.MIN_VALUE);
        if (v == Long.MIN_VALUE) throw new ModelFormatException(g.path(), "missing metadata key " + key);
        return v;
    }

    public static LlamaWeights load(Path file) {
        try (GgufFile g = GgufFile.open(file)) {
            return load(g);
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    public static LlamaWeights load(GgufFile g) {
        LlamaConfig c = readConfig(g);
        // the file must hold at least as many values as the metadata describes before the weights are allocated
        long stored = 0;
        for (GgufFile.TensorInfo t : g.tensors()) stored += t.elementCount();
        long needed = c.parameterCount();
        if (needed > stored)
            throw new ModelFormatException(
                    g.path(),
                    "the metadata describes a model of "
                            + (needed == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(needed))
                            + " parameters, but the file's tensors hold only " + stored + " values");
        LlamaWeights w;
        try {
            w = new LlamaWeights(c);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(g.path(), e.getMessage());
        }
        boolean permute = c.modelType().equals("llama");
        for (LlamaWeights.View v : w.views()) {
            String name = v.kind().ggufName(v.layer());
            GgufFile.TensorInfo t =
                    g.tensor(name).orElseThrow(() -> new ModelFormatException(g.path(), "missing tensor " + name));
            long[] expected = new long[v.shape().length];
            for (int i = 0; i < expected.length; i++)
                expected[i] = v.shape()[v.shape().length - 1 - i]; // GGUF: fastest first
            if (!Arrays.equals(t.dims(), expected))
                throw new ModelFormatException(
                        g.path(),
                        "tensor " + name + " has dims " + Arrays.toString(t.dims()) + ", the metadata implies "
                                + Arrays.toString(expected));
            float[] values = g.readFloats(name);
            int heads = switch (v.kind()) {
                case WQ, BQ -> c.heads();
                case WK, BK -> c.kvHeads();
                default -> 0;
            };
            if (permute && heads > 0) // q/k biases are permuted like their weights' rows (convert_hf_to_gguf does both)
            values = Llama2c.interleavedToHalf(values, heads, c.headDim(), v.shape().length == 2 ? v.shape()[1] : 1);
            w.set(v, values);
        }
        return w;
    }
}
