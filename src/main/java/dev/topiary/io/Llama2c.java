package dev.topiary.io;

import dev.topiary.format.ModelFormatException;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.TensorKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * llama2.c checkpoints (legacy version 0, as written by its export.py / train.py):
 *
 * <pre>
 *   int32 dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative: untied classifier), seq_len
 *   float32 token_embedding (V, C), rms_att (L, C), wq (L, C, C), wk (L, KV*D, C), wv (L, KV*D, C),
 *           wo (L, C, C), rms_ffn (L, C), w1 (L, F, C), w2 (L, C, F), w3 (L, F, C), rms_final (C),
 *           freq_cis_real (S, D/2), freq_cis_imag (S, D/2), [wcls (V, C) when untied]
 * </pre>
 *
 * q/k rows are in the interleaved RoPE layout and are permuted into Topiary's rotate-half layout
 * ({@link #interleavedToHalf}). RMSNorm eps is 1e-5 and theta 10000, as in run.c.
 */
public final class Llama2c {
    private Llama2c() {}

    public static LlamaWeights load(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 28)
                throw new ModelFormatException(file, "truncated: " + size + " bytes, the header alone is 28");
            ByteBuffer hb = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
            while (hb.hasRemaining() && ch.read(hb) >= 0) {}
            hb.flip();
            int dim = hb.getInt(),
                    hidden = hb.getInt(),
                    layers = hb.getInt(),
                    heads = hb.getInt(),
                    kvHeads = hb.getInt(),
                    vocab = hb.getInt(),
                    seqLen = hb.getInt();
            if (dim == 0x616b3432)
                throw new ModelFormatException(
                        file, "llama2.c version 1/2 files (magic 'ak42') are not supported; export version 0");
            boolean tied = vocab > 0;
            vocab = Math.abs(vocab);
            for (var f : List.of(
                    new Object[] {"dim", dim},
                    new Object[] {"hidden_dim", hidden},
                    new Object[] {"n_layers", layers},
                    new Object[] {"n_heads", heads},
                    new Object[] {"n_kv_heads", kvHeads},
                    new Object[] {"vocab_size", vocab},
                    new Object[] {"seq_len", seqLen}))
                if ((int) f[1] <= 0 || (int) f[1] > (1 << 24))
                    throw new ModelFormatException(
                            file, "header field " + f[0] + " = " + f[1] + " is not a plausible size");
            if (dim % heads != 0 || heads % kvHeads != 0)
                throw new ModelFormatException(
                        file,
                        "header: dim " + dim + ", n_heads " + heads + ", n_kv_heads " + kvHeads + " are inconsistent");
            int D = dim / heads;
            if (D % 2 != 0)
                throw new ModelFormatException(
                        file, "header: dim " + dim + " / n_heads " + heads + " = head dim " + D + ", which is odd");
            LlamaConfig c = new LlamaConfig(
                    "llama",
                    dim,
                    hidden,
                    layers,
                    heads,
                    kvHeads,
                    D,
                    vocab,
                    1e-5f,
                    10000.0,
                    null,
                    tied,
                    false,
                    false,
                    seqLen,
                    1,
                    List.of(2),
                    "float32");
            // the weights (the lm_head too when untied) and the freq_cis tables, checked against the file
            // before anything is allocated
            long params = c.parameterCount();
            long floats = params >= Long.MAX_VALUE / 8 ? Long.MAX_VALUE : params + (long) seqLen * D;
            if (floats > (size - 28) / 4)
                throw new ModelFormatException(
                        file,
                        "truncated: the header's shape needs "
                                + (floats >= Long.MAX_VALUE / 8 ? "more than 2^63" : String.valueOf(28 + floats * 4))
                                + " bytes, the file has " + size);
            var data = ch.map(FileChannel.MapMode.READ_ONLY, 28, size - 28)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            LlamaWeights w = new LlamaWeights(c);
            read(data, w, TensorKind.EMBED);
            read(data, w, TensorKind.ATTN_NORM);
            read(data, w, TensorKind.WQ);
            read(data, w, TensorKind.WK);
            read(data, w, TensorKind.WV);
            read(data, w, TensorKind.WO);
            read(data, w, TensorKind.FFN_NORM);
            read(data, w, TensorKind.W_GATE);
            read(data, w, TensorKind.W_DOWN);
            read(data, w, TensorKind.W_UP);
            read(data, w, TensorKind.NORM);
            data.position(data.position() + seqLen * D); // freq_cis tables: recomputed by Rope
            if (!tied) read(data, w, TensorKind.LM_HEAD);
            for (int l = 0; l < layers; l++) {
                permute(w, w.layer(l, TensorKind.WQ), heads, D);
                permute(w, w.layer(l, TensorKind.WK), kvHeads, D);
            }
            return w;
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static void read(java.nio.FloatBuffer data, LlamaWeights w, TensorKind k) {
        int count = k.perLayer ? w.config.layers() : 1;
        for (int l = 0; l < count; l++) {
            LlamaWeights.View v = w.view(k, l);
            data.get(v.array(), 0, v.size());
        }
    }

    private static void permute(LlamaWeights w, LlamaWeights.View v, int heads, int D) {
        w.set(v, interleavedToHalf(w.get(v), heads, D, v.shape()[1]));
    }

    /**
     * Reorders the rows of a q or k projection (heads*D, cols) from the interleaved RoPE layout
     * (pairs 2i, 2i+1) to rotate-half (pairs i, i + D/2): new row {@code h*D + j*D/2 + i} is old row
     * {@code h*D + 2i + j}. The inverse of transformers' convert_llama_weights_to_hf permute.
     */
    public static float[] interleavedToHalf(float[] w, int heads, int D, int cols) {
        return permuteRows(w, heads, D, cols, true);
    }

    /** The inverse of {@link #interleavedToHalf}: rotate-half rows back to interleaved (for GGUF export). */
    public static float[] halfToInterleaved(float[] w, int heads, int D, int cols) {
        return permuteRows(w, heads, D, cols, false);
    }

    private static float[] permuteRows(float[] w, int heads, int D, int cols, boolean toHalf) {
        float[] out = new float[w.length];
        int half = D / 2;
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < half; i++) {
                    int interleaved = (h * D + 2 * i + j) * cols, rotateHalf = (h * D + j * half + i) * cols;
                    if (toHalf) System.arraycopy(w, interleaved, out, rotateHalf, cols);
                    else System.arraycopy(w, rotateHalf, out, interleaved, cols);
                }
        return out;
    }

    public static boolean looksLikeLlama2c(Path p) {
        return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".bin");
    }
}
