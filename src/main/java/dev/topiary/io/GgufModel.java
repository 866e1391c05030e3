package dev.topiary.io;

import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.TensorKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Llama-family weights from a GGUF file ({@code general.architecture} llama or qwen2). Tensor
 * names come from {@link TensorKind#ggufName}; quantized tensors (Q8_0, F16, BF16) are dequantized
 * to fp32. llama.cpp stores llama q/k rows in the interleaved RoPE layout, which is permuted
 * into rotate-half here; qwen2 GGUFs are already rotate-half ("neox") and are left as they are.
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
        if (g.tensor("rope_freqs.weight").isPresent())
            throw new ModelFormatException(f, "tensor rope_freqs.weight (llama3 RoPE scaling stored as factors) is not supported yet;"
                    + " load the Hugging Face folder instead");
        LlamaConfig.RopeScaling scaling = null;
        String st = g.optionalString(arch + ".rope.scaling.type").orElse("none");
        if (st.equals("linear")) scaling = new LlamaConfig.RopeScaling("linear", g.getDouble(arch + ".rope.scaling.factor", 1), 0, 0, 0);
        else if (!st.equals("none"))
            throw new ModelFormatException(f, arch + ".rope.scaling.type = '" + st + "' is not supported (none, linear)");
        GgufFile.TensorInfo emb = g.tensor("token_embd.weight")
                .orElseThrow(() -> new ModelFormatException(f, "missing tensor token_embd.weight"));
        int V = (int) emb.dims()[1];
        boolean tied = g.tensor("output.weight").isEmpty();
        boolean qwen = arch.equals("qwen2");
        int bos = (int) g.getLong("tokenizer.ggml.bos_token_id", 1), eos = (int) g.getLong("tokenizer.ggml.eos_token_id", 2);
        try {
            return new LlamaConfig(qwen ? "qwen2" : "llama", C, F, L, H, KV, D, V,
                    (float) g.getDouble(arch + ".attention.layer_norm_rms_epsilon", 1e-5), g.getDouble(arch + ".rope.freq_base", 10000),
                    scaling, tied, qwen || g.tensor("blk.0.attn_q.bias").isPresent(), !qwen && g.tensor("blk.0.attn_output.bias").isPresent(),
                    (int) g.getLong(arch + ".context_length", 2048), bos, List.of(eos), "float32").validate(f.toString());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(null, e.getMessage());
        }
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
        LlamaWeights w = new LlamaWeights(c);
        boolean permute = c.modelType().equals("llama");
        for (LlamaWeights.View v : w.views()) {
            String name = v.kind().ggufName(v.layer());
            GgufFile.TensorInfo t = g.tensor(name).orElseThrow(() -> new ModelFormatException(g.path(), "missing tensor " + name));
            long[] expected = new long[v.shape().length];
            for (int i = 0; i < expected.length; i++) expected[i] = v.shape()[v.shape().length - 1 - i]; // GGUF: fastest first
            if (!Arrays.equals(t.dims(), expected))
                throw new ModelFormatException(g.path(), "tensor " + name + " has dims " + Arrays.toString(t.dims())
                        + ", the metadata implies " + Arrays.toString(expected));
            float[] values = g.readFloats(name);
            if (permute && (v.kind() == TensorKind.WQ || v.kind() == TensorKind.WK))
                values = Llama2c.interleavedToHalf(values, v.kind() == TensorKind.WQ ? c.heads() : c.kvHeads(), c.headDim(), v.shape()[1]);
            w.set(v, values);
        }
        return w;
    }
}
