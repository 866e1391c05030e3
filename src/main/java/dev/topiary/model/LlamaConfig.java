package dev.topiary.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.format.ModelFormatException;
import dev.topiary.nn.Rope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape and numerics of a Llama-family decoder (Llama 1-3, Mistral, Qwen2, TinyLlama).
 *
 * <p>Dimension letters used across the model package: C = hidden size, F = intermediate (FFN) size,
 * L = layers, H = query heads, KV = key/value heads, D = head dim (may differ from C/H), V = vocab,
 * T = tokens in the current step.
 *
 * @param modelType      "llama", "mistral" or "qwen2"
 * @param qkvBias        q/k/v projections carry a bias (Qwen2; Llama with attention_bias)
 * @param oBias          o_proj carries a bias (Llama with attention_bias)
 * @param ropeScaling    null for plain RoPE
 * @param eosIds         all end-of-sequence ids (Llama 3 lists several)
 * @param maxPositions   max_position_embeddings (the KV cache is sized from the request, not this)
 */
public record LlamaConfig(
        String modelType,
        int hidden,
        int intermediate,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int vocab,
        float rmsEps,
        double ropeTheta,
        Rope.Scaling ropeScaling,
        boolean tieEmbeddings,
        boolean qkvBias,
        boolean oBias,
        int maxPositions,
        int bosId,
        List<Integer> eosIds,
        String torchDtype) {

    public LlamaConfig {
        eosIds = List.copyOf(eosIds);
    }

    public int qDim() {
        return heads * headDim;
    }

    /** RoPE inverse frequencies: {@link Rope#inverseFrequencies} of head_dim, rope_theta and rope_scaling. */
    public double[] ropeInverseFrequencies() {
        return Rope.inverseFrequencies(headDim, ropeTheta, ropeScaling);
    }

    /** RoPE cos and sin tables for positions [0, n): {@link Rope#tables}. */
    public float[][] ropeTables(int n) {
        return Rope.tables(headDim, ropeTheta, ropeScaling, n);
    }

    public int kvDim() {
        return kvHeads * headDim;
    }
    /** Query heads per key/value head (GQA group size). */
    public int groupSize() {
        return heads / kvHeads;
    }

    public int eosId() {
        return eosIds.isEmpty() ? -1 : eosIds.getFirst();
    }

    /** Checks the shape is internally consistent; the message names the source and field. */
    public LlamaConfig validate(String source) {
        require(hidden > 0, source, "hidden_size", hidden);
        require(intermediate > 0, source, "intermediate_size", intermediate);
        require(layers > 0, source, "num_hidden_layers (at least 1)", layers);
        require(heads > 0, source, "num_attention_heads", heads);
        require(
                kvHeads > 0 && heads % kvHeads == 0,
                source,
                "num_key_value_heads (must divide num_attention_heads=" + heads + ")",
                kvHeads);
        require(headDim > 0 && headDim % 2 == 0, source, "head_dim (must be even for RoPE)", headDim);
        require(vocab > 0, source, "vocab_size", vocab);
        require(rmsEps > 0, source, "rms_norm_eps", rmsEps);
        require(ropeTheta > 0, source, "rope_theta", ropeTheta);
        return this;
    }

    private static void require(boolean ok, String source, String field, Object value) {
        if (!ok) throw new IllegalArgumentException(source + ": invalid " + field + " = " + value);
    }

    /**
     * Parameters of the model, counted exactly from the shape (tied lm_head counted once);
     * {@link Long#MAX_VALUE} for a shape too large to count in a long (a corrupt file's).
     */
    public long parameterCount() {
        try {
            long c = hidden, q = (long) heads * headDim, kv = (long) kvHeads * headDim;
            long perLayer = sum(
                    2 * c, // two norms
                    Math.multiplyExact(c, q),
                    Math.multiplyExact(2 * c, kv),
                    Math.multiplyExact(q, c), // q, k, v, o
                    Math.multiplyExact(3 * c, intermediate), // gate, up, down
                    qkvBias ? q + 2 * kv : 0,
                    oBias ? c : 0);
            long embed = Math.multiplyExact((long) vocab, c);
            return sum(embed, Math.multiplyExact(layers, perLayer), c, tieEmbeddings ? 0 : embed);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long sum(long... terms) {
        long s = 0;
        for (long t : terms) s = Math.addExact(s, t);
        return s;
    }

    public LlamaConfig withShape(int hidden, int intermediate, int layers, int heads) {
        return new LlamaConfig(
                modelType,
                hidden,
                intermediate,
                layers,
                heads,
                kvHeads,
                headDim,
                vocab,
                rmsEps,
                ropeTheta,
                ropeScaling,
                tieEmbeddings,
                qkvBias,
                oBias,
                maxPositions,
                bosId,
                eosIds,
                torchDtype);
    }

    /** The names {@link #preset} knows. */
    public static final List<String> PRESETS = List.of(
            "stories260K",
            "stories15M",
            "SmolLM2-360M",
            "Qwen2.5-0.5B",
            "Llama-3.2-1B",
            "Llama-3.2-3B",
            "Llama-3.1-8B");

    /**
     * Named shapes: "stories260K" (dim 64, 5 layers, GQA 8/4, vocab 512) and "stories15M" (dim 288, 6 layers, vocab 32000),
     * tied; and the shapes of published checkpoints, with the numbers of their config.json files: SmolLM2-360M,
     * Qwen2.5-0.5B, Llama-3.2-1B, Llama-3.2-3B and Llama-3.1-8B (bf16).
     */
    public static LlamaConfig preset(String name) {
        Rope.Scaling llama3x32 = new Rope.Scaling("llama3", 32, 1, 4, 8192);
        Rope.Scaling llama3x8 = new Rope.Scaling("llama3", 8, 1, 4, 8192);
        List<Integer> llama3Eos = List.of(128001, 128008, 128009);
        return switch (name) {
            case "SmolLM2-360M" ->
                new LlamaConfig(
                        "llama",
                        960,
                        2560,
                        32,
                        15,
                        5,
                        64,
                        49152,
                        1e-5f,
                        100000,
                        null,
                        true,
                        false,
                        false,
                        8192,
                        1,
                        List.of(2),
                        "bfloat16");
            case "Qwen2.5-0.5B" ->
                new LlamaConfig(
                        "qwen2",
                        896,
                        4864,
                        24,
                        14,
                        2,
                        64,
                        151936,
                        1e-6f,
                        1000000,
                        null,
                        true,
                        true,
                        false,
                        32768,
                        151643,
                        List.of(151643),
                        "bfloat16");
            case "Llama-3.2-1B" ->
                new LlamaConfig(
                        "llama",
                        2048,
                        8192,
                        16,
                        32,
                        8,
                        64,
                        128256,
                        1e-5f,
                        500000,
                        llama3x32,
                        true,
                        false,
                        false,
                        131072,
                        128000,
                        llama3Eos,
                        "bfloat16");
            case "Llama-3.2-3B" ->
                new LlamaConfig(
                        "llama",
                        3072,
                        8192,
                        28,
                        24,
                        8,
                        128,
                        128256,
                        1e-5f,
                        500000,
                        llama3x32,
                        true,
                        false,
                        false,
                        131072,
                        128000,
                        llama3Eos,
                        "bfloat16");
            case "Llama-3.1-8B" ->
                new LlamaConfig(
                        "llama",
                        4096,
                        14336,
                        32,
                        32,
                        8,
                        128,
                        128256,
                        1e-5f,
                        500000,
                        llama3x8,
                        false,
                        false,
                        false,
                        131072,
                        128000,
                        llama3Eos,
                        "bfloat16");
            case "stories260K" ->
                new LlamaConfig(
                        "llama",
                        64,
                        172,
                        5,
                        8,
                        4,
                        8,
                        512,
                        1e-5f,
                        10000,
                        null,
                        true,
                        false,
                        false,
                        512,
                        1,
                        List.of(2),
                        "float32");
            case "stories15M" ->
                new LlamaConfig(
                        "llama",
                        288,
                        768,
                        6,
                        6,
                        6,
                        48,
                        32000,
                        1e-5f,
                        10000,
                        null,
                        true,
                        false,
                        false,
                        256,
                        1,
                        List.of(2),
                        "float32");
            default ->
                throw new IllegalArgumentException(
                        "unknown preset '" + name + "' (" + String.join(", ", PRESETS) + ")");
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Hugging Face config.json

    private static final ObjectMapper JSON = new ObjectMapper();

    public static LlamaConfig readHf(Path configJson) {
        JsonNode n;
        try {
            n = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new ModelFormatException(configJson, "not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) throw new ModelFormatException(configJson, "not a JSON object");
        try {
            return fromHfJson(n).validate("config.json");
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(configJson, e.getMessage().replaceFirst("^config\\.json: ", ""));
        }
    }

    static LlamaConfig fromHfJson(JsonNode n) {
        String type = n.path("model_type").asText("llama");
        if (!List.of("llama", "mistral", "qwen2").contains(type))
            throw new IllegalArgumentException(
                    "config.json: model_type '" + type + "' is not supported (llama, mistral, qwen2)");
        int hidden = requiredInt(n, "hidden_size");
        int heads = requiredInt(n, "num_attention_heads");
        int headDim = n.hasNonNull("head_dim") ? optionalInt(n, "head_dim", 0) : (heads > 0 ? hidden / heads : 0);
        boolean attentionBias = n.path("attention_bias").asBoolean(false);
        boolean qkvBias =
                type.equals("qwen2") || type.equals("llama") && attentionBias; // transformers ignores it for mistral
        boolean oBias = type.equals("llama") && attentionBias;
        if (n.path("mlp_bias").asBoolean(false))
            throw new IllegalArgumentException("config.json: mlp_bias = true is not supported");
        Rope.Scaling scaling = null;
        JsonNode rs = n.get("rope_scaling");
        if (rs != null && !rs.isNull()) {
            String rt = rs.hasNonNull("rope_type")
                    ? rs.get("rope_type").asText()
                    : rs.path("type").asText("");
            switch (rt) {
                case "llama3" ->
                    scaling = new Rope.Scaling(
                            "llama3",
                            rs.path("factor").asDouble(8),
                            rs.path("low_freq_factor").asDouble(1),
                            rs.path("high_freq_factor").asDouble(4),
                            rs.path("original_max_position_embeddings").asInt(8192));
                case "linear" ->
                    scaling = new Rope.Scaling("linear", rs.path("factor").asDouble(1), 0, 0, 0);
                case "default", "" -> scaling = null;
                default ->
                    throw new IllegalArgumentException(
                            "config.json: rope_scaling.rope_type '" + rt + "' is not supported (llama3, linear)");
            }
        }
        List<Integer> eos = new ArrayList<>();
        JsonNode e = n.get("eos_token_id");
        if (e != null && e.isArray()) e.forEach(x -> eos.add(x.asInt()));
        else if (e != null && e.canConvertToInt()) eos.add(e.asInt());
        return new LlamaConfig(
                type,
                hidden,
                requiredInt(n, "intermediate_size"),
                requiredInt(n, "num_hidden_layers"),
                heads,
                optionalInt(n, "num_key_value_heads", heads),
                headDim,
                requiredInt(n, "vocab_size"),
                (float) n.path("rms_norm_eps").asDouble(1e-6),
                n.path("rope_theta").asDouble(10000.0),
                scaling,
                n.path("tie_word_embeddings").asBoolean(false),
                qkvBias,
                oBias,
                optionalInt(n, "max_position_embeddings", 2048),
                n.path("bos_token_id").asInt(1),
                eos,
                n.path("torch_dtype").asText("float32"));
    }

    private static int requiredInt(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt())
            throw new IllegalArgumentException(
                    "config.json: missing or non-integer field '" + field + "' (got " + v + ")");
        return v.asInt();
    }

    /** An integer field that may be absent (or null); a fraction, a string or an int overflow is refused. */
    private static int optionalInt(JsonNode n, String field, int absent) {
        return n.hasNonNull(field) ? requiredInt(n, field) : absent;
    }

    /** This configuration as a Hugging Face config.json tree (head_dim always written explicitly). */
    public ObjectNode toHfJson(String dtype) {
        ObjectNode n = JSON.createObjectNode();
        String arch = switch (modelType) {
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> "LlamaForCausalLM";
        };
        n.putArray("architectures").add(arch);
        n.put("model_type", modelType);
        n.put("hidden_size", hidden);
        n.put("intermediate_size", intermediate);
        n.put("num_hidden_layers", layers);
        n.put("num_attention_heads", heads);
        n.put("num_key_value_heads", kvHeads);
        n.put("head_dim", headDim);
        n.put("vocab_size", vocab);
        n.put("hidden_act", "silu");
        n.put("max_position_embeddings", maxPositions);
        n.put("rms_norm_eps", rmsEps);
        n.put("rope_theta", ropeTheta);
        if (ropeScaling == null) n.putNull("rope_scaling");
        else {
            ObjectNode rs = n.putObject("rope_scaling");
            rs.put("rope_type", ropeScaling.type());
            rs.put("factor", ropeScaling.factor());
            if (ropeScaling.type().equals("llama3")) {
                rs.put("low_freq_factor", ropeScaling.lowFreqFactor());
                rs.put("high_freq_factor", ropeScaling.highFreqFactor());
                rs.put("original_max_position_embeddings", ropeScaling.originalMaxPositions());
            }
        }
        if (!modelType.equals("qwen2")) n.put("attention_bias", qkvBias);
        n.put("mlp_bias", false);
        n.put("tie_word_embeddings", tieEmbeddings);
        n.put("bos_token_id", bosId);
        if (eosIds.size() == 1) n.put("eos_token_id", eosIds.getFirst());
        else eosIds.forEach(n.withArray("eos_token_id")::add);
        n.put("torch_dtype", dtype);
        return n;
    }
}
