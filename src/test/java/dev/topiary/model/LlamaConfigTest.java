package dev.topiary.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.format.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class LlamaConfigTest {
    @TempDir
    Path dir;

    public static final String LLAMA_31_8B = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 128000,
             "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu", "hidden_size": 4096,
             "intermediate_size": 14336, "max_position_embeddings": 131072, "model_type": "llama",
             "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 128256}
            """;

    private Path write(String json) throws Exception {
        Path p = dir.resolve("config.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void llama31_8B() throws Exception {
        LlamaConfig c = LlamaConfig.readHf(write(LLAMA_31_8B));
        assertThat(c.parameterCount()).isEqualTo(8_030_261_248L);
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.groupSize()).isEqualTo(4);
        assertThat(c.eosIds()).containsExactly(128001, 128008, 128009);
        assertThat(c.ropeScaling().type()).isEqualTo("llama3");
        assertThat(c.ropeScaling().originalMaxPositions()).isEqualTo(8192);
        // round trip through the writer
        LlamaConfig back = LlamaConfig.readHf(write(c.toHfJson("bfloat16").toString()));
        assertThat(back).isEqualTo(c);
    }

    @Test
    void llama3RopeScalingMatchesTransformers() {
        // Llama 3.1: the 64 inverse frequencies of head_dim 128; values checked against
        // transformers' _compute_llama3_parameters: index 0 unchanged, 63 divided by 8, 32 blended.
        LlamaConfig c = LlamaConfig.fromHfJson(readTree(LLAMA_31_8B));
        double[] inv = c.ropeInverseFrequencies();
        double base63 = 1 / Math.pow(500000, 126.0 / 128);
        assertThat(inv[0]).isEqualTo(1.0);
        assertThat(inv[63]).isCloseTo(base63 / 8, org.assertj.core.data.Offset.offset(1e-18));
        double base32 = 1 / Math.pow(500000, 64.0 / 128), wavelen = 2 * Math.PI / base32;
        double smooth = (8192 / wavelen - 1) / (4 - 1);
        assertThat(smooth).isBetween(0.0, 1.0);
        assertThat(inv[32])
                .isCloseTo((1 - smooth) * base32 / 8 + smooth * base32, org.assertj.core.data.Offset.offset(1e-15));
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badConfigsNameTheField() throws Exception {
        assertThatThrownBy(() -> LlamaConfig.readHf(
                        write(LLAMA_31_8B.replace("\"num_key_value_heads\": 8", "\"num_key_value_heads\": 5"))))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("num_key_value_heads")
                .hasMessageContaining("5");
        assertThatThrownBy(() -> LlamaConfig.readHf(write(LLAMA_31_8B.replace("\"hidden_size\": 4096,", ""))))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("hidden_size");
        assertThatThrownBy(() -> LlamaConfig.readHf(write(LLAMA_31_8B.replace("\"llama\"", "\"gpt2\""))))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("model_type 'gpt2'");
        assertThatThrownBy(() -> LlamaConfig.readHf(write("{\"hidden_size\": ")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("config.json")
                .hasMessageContaining("not valid JSON");
    }
}
