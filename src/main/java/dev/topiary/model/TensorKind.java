package dev.topiary.model;

/**
 * The one declarative table of a Llama model's tensors: Hugging Face name, GGUF name, shape and
 * whether the configuration has it. Loading (HF, GGUF, llama2.c) and saving (HF, GGUF) both
 * walk this table, so a tensor cannot be read under one name and written under another.
 *
 * <p>Shapes are PyTorch's: (out_features, in_features) for projections, row-major.
 * {@code %d} in a name is the layer index (HF counting, from 0).
 */
public enum TensorKind {
    EMBED("model.embed_tokens.weight", "token_embd.weight", false),
    ATTN_NORM("model.layers.%d.input_layernorm.weight", "blk.%d.attn_norm.weight", true),
    WQ("model.layers.%d.self_attn.q_proj.weight", "blk.%d.attn_q.weight", true),
    BQ("model.layers.%d.self_attn.q_proj.bias", "blk.%d.attn_q.bias", true),
    WK("model.layers.%d.self_attn.k_proj.weight", "blk.%d.attn_k.weight", true),
    BK("model.layers.%d.self_attn.k_proj.bias", "blk.%d.attn_k.bias", true),
    WV("model.layers.%d.self_attn.v_proj.weight", "blk.%d.attn_v.weight", true),
    BV("model.layers.%d.self_attn.v_proj.bias", "blk.%d.attn_v.bias", true),
    WO("model.layers.%d.self_attn.o_proj.weight", "blk.%d.attn_output.weight", true),
    BO("model.layers.%d.self_attn.o_proj.bias", "blk.%d.attn_output.bias", true),
    FFN_NORM("model.layers.%d.post_attention_layernorm.weight", "blk.%d.ffn_norm.weight", true),
    W_GATE("model.layers.%d.mlp.gate_proj.weight", "blk.%d.ffn_gate.weight", true),
    W_UP("model.layers.%d.mlp.up_proj.weight", "blk.%d.ffn_up.weight", true),
    W_DOWN("model.layers.%d.mlp.down_proj.weight", "blk.%d.ffn_down.weight", true),
    NORM("model.norm.weight", "output_norm.weight", false),
    LM_HEAD("lm_head.weight", "output.weight", false);

    /**
     * The order tensors are stored in everywhere (the fp32 buffer, written checkpoints, hashes): the
     * embedding, then each per-layer kind for all layers, then the final norm and the head.
     */
    public static final java.util.List<TensorKind> STORAGE_ORDER = storageOrder();

    private static java.util.List<TensorKind> storageOrder() {
        java.util.List<TensorKind> o = new java.util.ArrayList<>();
        o.add(EMBED);
        for (TensorKind k : values()) if (k.perLayer) o.add(k);
        o.add(NORM);
        o.add(LM_HEAD);
        return java.util.List.copyOf(o);
    }

    public final String hfPattern;
    public final String ggufPattern;
    public final boolean perLayer;

    TensorKind(String hfPattern, String ggufPattern, boolean perLayer) {
        this.hfPattern = hfPattern;
        this.ggufPattern = ggufPattern;
        this.perLayer = perLayer;
    }

    public String hfName(int layer) {
        return perLayer ? hfPattern.formatted(layer) : hfPattern;
    }

    public String ggufName(int layer) {
        return perLayer ? ggufPattern.formatted(layer) : ggufPattern;
    }

    /** Whether a model of this configuration has the tensor. */
    public boolean present(LlamaConfig c) {
        return switch (this) {
            case BQ, BK, BV -> c.qkvBias();
            case BO -> c.oBias();
            case LM_HEAD -> !c.tieEmbeddings();
            default -> true;
        };
    }

    /** (rows, cols) for matrices, (n) for vectors. */
    public int[] shape(LlamaConfig c) {
        int C = c.hidden(), F = c.intermediate(), Q = c.qDim(), K = c.kvDim(), V = c.vocab();
        return switch (this) {
            case EMBED, LM_HEAD -> new int[] {V, C};
            case ATTN_NORM, FFN_NORM, NORM, BO -> new int[] {C};
            case WQ -> new int[] {Q, C};
            case BQ -> new int[] {Q};
            case WK, WV -> new int[] {K, C};
            case BK, BV -> new int[] {K};
            case WO -> new int[] {C, Q};
            case W_GATE, W_UP -> new int[] {F, C};
            case W_DOWN -> new int[] {C, F};
        };
    }

    /** Norm weights, biases and embeddings: excluded from weight decay by default. */
    public boolean isNormOrBias() {
        return switch (this) {
            case ATTN_NORM, FFN_NORM, NORM, BQ, BK, BV, BO -> true;
            default -> false;
        };
    }

    public static int elements(int[] shape) {
        int n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return n;
    }
}
