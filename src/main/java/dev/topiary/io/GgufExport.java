// GgufExport: a Llama/Qwen2 model and its tokenizer as a GGUF file that llama.cpp loads.
package dev.topiary.io;

import dev.topiary.format.GgmlType;
import dev.topiary.format.GgufWriter;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.TensorKind;
import dev.topiary.model.Weights;
import dev.topiary.nn.Rope;
import dev.topiary.tokenizer.Tokenizer;
import dev.topiary.tokenizer.TokenizerExport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a model as llama.cpp's converters do ({@code convert_hf_to_gguf.py}), so that llama.cpp and
 * {@link GgufModel} load it:
 * <pre>
 * general.architecture                 "llama" (llama, mistral) or "qwen2" ({@link #architecture})
 * general.name, general.file_type      0 all F32, 1 mostly F16, 7 mostly Q8_0
 * {arch}.context_length                max_position_embeddings
 * {arch}.embedding_length / block_count / feed_forward_length / vocab_size
 * {arch}.attention.head_count / head_count_kv
 * {arch}.attention.key_length / value_length     head_dim, always written (pruned models may have head_dim != hidden/heads)
 * {arch}.attention.layer_norm_rms_epsilon, {arch}.rope.freq_base
 * {arch}.rope.dimension_count          head_dim
 * {arch}.rope.scaling.type / factor    "linear" scaling only
 * tokenizer.ggml.*                     from {@link TokenizerExport}
 * </pre>
 * Llama 3 RoPE scaling is stored as llama.cpp's converter stores it: tensor {@code rope_freqs.weight} (F32, D/2
 * values) holding the divisor of each inverse frequency (1 for high frequencies, the factor for low ones,
 * the smooth blend in between), plus {@code topiary.rope.scaling.factor / low_freq_factor / high_freq_factor /
 * original_context_length} (keys llama.cpp ignores) from which {@link GgufModel} rebuilds the exact config.
 *
 * <p>Tensors are named by {@link TensorKind#ggufName}, dims in GGUF order (fastest first). 1-D tensors
 * (norms, biases) are always F32; matrices, token_embd and output included, take the chosen type
 * ({@link GgufWriter#storedType}: Q8_0 falls back to F32 for rows that are not a multiple of 32). A tied
 * model has no output.weight. Llama q/k weights (and biases) are permuted from Topiary's rotate-half
 * layout back to llama.cpp's interleaved one ({@link Llama2c#halfToInterleaved}); Qwen2 ("neox" RoPE) is not.
 */
public final class GgufExport {
    /** Keys (outside llama.cpp's namespaces) that carry the Llama 3 RoPE scaling parameters. */
    static final String LLAMA3_FACTOR = "topiary.rope.scaling.factor";

    static final String LLAMA3_LOW = "topiary.rope.scaling.low_freq_factor";
    static final String LLAMA3_HIGH = "topiary.rope.scaling.high_freq_factor";
    static final String LLAMA3_ORIGINAL = "topiary.rope.scaling.original_context_length";
    static final String ROPE_FREQS = "rope_freqs.weight";

    private GgufExport() {}

    /**
     * Writes {@code w} with the vocabulary of {@code tok} to {@code file} (atomically).
     *
     * @param type F32, F16, BF16 or Q8_0 for the matrices
     * @param name general.name
     * @throws IllegalArgumentException when the tokenizer has more tokens than the model's vocabulary, or cannot
     *                                  be exported; a smaller tokenizer is padded with unused {@code [PAD<id>]} pieces
     */
    public static void write(Path file, Weights w, Tokenizer tok, GgmlType type, String name) throws IOException {
        write(file, w, tok, type, name, null);
    }

    /** As above, also keeping a chat template (Jinja source) as {@code tokenizer.chat_template}, as llama.cpp reads it. */
    public static void write(Path file, Weights w, Tokenizer tok, GgmlType type, String name, String chatTemplate)
            throws IOException {
        GgufWriter g = writer(w, tok, type, name, true);
        if (chatTemplate != null) g.putString("tokenizer.chat_template", chatTemplate);
        g.write(file);
    }

    /** The file as a writer; {@code llama3Keys} false leaves out the topiary.rope.scaling.* keys (as llama.cpp's converter). */
    static GgufWriter writer(Weights w, Tokenizer tok, GgmlType type, String name, boolean llama3Keys) {
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16 && type != GgmlType.Q8_0)
            throw new IllegalArgumentException("GGUF export writes F32, F16, BF16 or Q8_0, not " + type);
        LlamaConfig c = w.config();
        String arch = architecture(c);
        GgufWriter g = new GgufWriter();
        g.putString("general.architecture", arch);
        g.putString("general.name", name);
        g.putU32(arch + ".context_length", c.maxPositions());
        g.putU32(arch + ".embedding_length", c.hidden());
        g.putU32(arch + ".block_count", c.layers());
        g.putU32(arch + ".feed_forward_length", c.intermediate());
        g.putU32(arch + ".attention.head_count", c.heads());
        g.putU32(arch + ".attention.head_count_kv", c.kvHeads());
        g.putU32(arch + ".attention.key_length", c.headDim());
        g.putU32(arch + ".attention.value_length", c.headDim());
        g.putF32(arch + ".attention.layer_norm_rms_epsilon", c.rmsEps());
        g.putF32(arch + ".rope.freq_base", (float) c.ropeTheta());
        g.putU32(arch + ".rope.dimension_count", c.headDim());
        Rope.Scaling s = c.ropeScaling();
        if (s != null && s.type().equals("linear")) {
            g.putString(arch + ".rope.scaling.type", "linear");
            g.putF32(arch + ".rope.scaling.factor", (float) s.factor());
        } else if (s != null && s.type().equals("llama3") && llama3Keys) {
            g.putF32(LLAMA3_FACTOR, (float) s.factor());
            g.putF32(LLAMA3_LOW, (float) s.lowFreqFactor());
            g.putF32(LLAMA3_HIGH, (float) s.highFreqFactor());
            g.putU32(LLAMA3_ORIGINAL, s.originalMaxPositions());
        } else if (s != null && !s.type().equals("llama3")) {
            throw new IllegalArgumentException(
                    "RoPE scaling '" + s.type() + "' cannot be written to GGUF (linear, llama3)");
        }
        g.putU32(arch + ".vocab_size", c.vocab());
        g.putU32(
                "general.file_type",
                switch (type) {
                    case F16 -> 1;
                    case Q8_0 -> 7;
                    case BF16 -> 32;
                    default -> 0;
                });
        putTokenizer(g, TokenizerExport.of(tok), c.vocab());

        if (s != null && s.type().equals("llama3"))
            g.addTensor(ROPE_FREQS, new long[] {c.headDim() / 2}, GgmlType.F32, ropeFreqDivisors(c));
        add(g, w, TensorKind.EMBED, 0, type, 0);
        // llama.cpp's llama graph wants q/k rows in the interleaved RoPE layout (a GGUF source has them so already)
        boolean permute = arch.equals("llama") && !w.interleavedRope();
        if (!arch.equals("llama") && w.interleavedRope())
            throw new IllegalArgumentException(
                    "a " + arch + " GGUF needs rotate-half q/k rows; this source has interleaved ones");
        for (int l = 0; l < c.layers(); l++) {
            for (TensorKind k : TensorKind.values()) {
                if (!k.perLayer || !k.present(c)) continue;
                int heads = switch (k) {
                    case WQ, BQ -> c.heads();
                    case WK, BK -> c.kvHeads();
                    default -> 0;
                };
                add(g, w, k, l, type, permute ? heads : 0);
            }
        }
        add(g, w, TensorKind.NORM, 0, type, 0);
        if (!c.tieEmbeddings()) add(g, w, TensorKind.LM_HEAD, 0, type, 0);
        return g;
    }

    /**
     * Adds tensor (kind, layer), streamed row by row from the weights (no copy of the model); with
     * {@code permuteHeads} > 0 the rows (or vector elements) of each head go from rotate-half to interleaved order.
     */
    private static void add(GgufWriter g, Weights w, TensorKind k, int layer, GgmlType type, int permuteHeads) {
        dev.topiary.tensor.Tensor t = w.tensor(k, layer);
        int[] shape = k.shape(w.config());
        long[] dims = new long[shape.length];
        for (int i = 0; i < dims.length; i++) dims[i] = shape[shape.length - 1 - i]; // GGUF: fastest first
        int D = w.config().headDim();
        g.addTensor(k.ggufName(layer), dims, dims.length == 1 ? GgmlType.F32 : type, sink -> {
            if (shape.length == 1) {
                float[] v = t.toFloats();
                if (permuteHeads > 0) v = Llama2c.halfToInterleaved(v, permuteHeads, D, 1);
                sink.accept(v, 0, v.length);
                return;
            }
            int rows = shape[0], cols = shape[1];
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                int src = r;
                if (permuteHeads > 0) { // interleaved row j of a head is rotate-half row j/2 (even) or D/2 + j/2 (odd)
                    int h = r / D, j = r % D;
                    src = h * D + (j % 2 == 0 ? j / 2 : D / 2 + j / 2);
                }
                t.readRow(src, 0, cols, row, 0);
                sink.accept(row, 0, cols);
            }
        });
    }

    /**
     * "qwen2" for Qwen2 models whose query width is the hidden size; else "llama". llama.cpp's qwen2 graph
     * sizes q_proj as hidden x hidden, so a pruned Qwen2 with heads * head_dim != hidden is written as llama,
     * which is the same computation: llama.cpp's llama takes optional q/k/v biases, and the q/k permutation to
     * the interleaved RoPE layout stands in for qwen2's rotate-half ("neox") RoPE.
     */
    static String architecture(LlamaConfig c) {
        return c.modelType().equals("qwen2") && c.qDim() == c.hidden() ? "qwen2" : "llama";
    }

    /**
     * Puts the {@code tokenizer.ggml.*} keys of {@code v}, padded to {@code vocabSize} tokens with unused
     * {@code [PAD<id>]} pieces (score -1000) as llama.cpp's converter pads. A missing BOS/EOS/UNK is written as
     * 0xFFFFFFFF (llama.cpp's "none").
     */
    public static void putTokenizer(GgufWriter g, TokenizerExport.Vocab v, int vocabSize) {
        if (v.size() > vocabSize)
            throw new IllegalArgumentException(
                    "the tokenizer has " + v.size() + " tokens but the model's vocabulary only " + vocabSize);
        List<String> tokens = new ArrayList<>(v.tokens());
        int[] types = Arrays.copyOf(v.types(), vocabSize);
        float[] scores = v.scores() == null ? null : Arrays.copyOf(v.scores(), vocabSize);
        for (int id = v.size(); id < vocabSize; id++) {
            tokens.add("[PAD" + id + "]");
            types[id] = 5;
            if (scores != null) scores[id] = -1000f;
        }
        g.putString("tokenizer.ggml.model", v.model());
        if (v.pre() != null) g.putString("tokenizer.ggml.pre", v.pre());
        g.putStrings("tokenizer.ggml.tokens", tokens);
        if (scores != null) g.putF32s("tokenizer.ggml.scores", scores);
        g.putI32s("tokenizer.ggml.token_type", types);
        if (!v.merges().isEmpty() || v.model().equals("gpt2")) g.putStrings("tokenizer.ggml.merges", v.merges());
        g.putU32("tokenizer.ggml.bos_token_id", v.bos() < 0 ? 0xFFFF_FFFFL : v.bos());
        g.putU32("tokenizer.ggml.eos_token_id", v.eos() < 0 ? 0xFFFF_FFFFL : v.eos());
        if (v.unk() >= 0) g.putU32("tokenizer.ggml.unknown_token_id", v.unk());
        g.putBool("tokenizer.ggml.add_bos_token", v.addBos());
        if (v.model().equals("llama")) g.putBool("tokenizer.ggml.add_space_prefix", v.addSpacePrefix());
    }

    /**
     * The rope_freqs.weight values of {@code c}: per frequency i < D/2, the unscaled inverse frequency
     * divided by the scaled one (1 where scaling leaves it alone), as float.
     */
    static float[] ropeFreqDivisors(LlamaConfig c) {
        double[] scaled = c.ropeInverseFrequencies();
        double[] plain = withRopeScaling(c, null).ropeInverseFrequencies();
        float[] out = new float[scaled.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (plain[i] / scaled[i]);
        return out;
    }

    static LlamaConfig withRopeScaling(LlamaConfig c, Rope.Scaling s) {
        return new LlamaConfig(
                c.modelType(),
                c.hidden(),
                c.intermediate(),
                c.layers(),
                c.heads(),
                c.kvHeads(),
                c.headDim(),
                c.vocab(),
                c.rmsEps(),
                c.ropeTheta(),
                s,
                c.tieEmbeddings(),
                c.qkvBias(),
                c.oBias(),
                c.maxPositions(),
                c.bosId(),
                c.eosIds(),
                c.torchDtype());
    }
}
