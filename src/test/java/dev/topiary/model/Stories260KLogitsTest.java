package dev.topiary.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.Close;
import dev.topiary.SharedFiles;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.Llama2c;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** stories260K in each format against the reference logits of ../shared (float64 numpy forward). */
class Stories260KLogitsTest {
    static int[] referenceIds() throws Exception {
        var n = new ObjectMapper()
                .readTree(SharedFiles.require("models/stories260K/reference/logits_case0.json")
                        .toFile());
        int[] ids = new int[n.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = n.get("input_ids").get(i).asInt();
        return ids;
    }

    static void check(LlamaWeights w) throws Exception {
        int[] ids = referenceIds();
        float[] expected = Close.readF32(SharedFiles.require("models/stories260K/reference/logits_case0.f32"));
        float[] logits = Llama.logits(w, ids);
        Close.assertClose("logits", logits, expected, 1e-4, 0);
        // The same logits one token at a time through the KV cache.
        Llama.State s = new Llama.State(w.config, ids.length);
        for (int t = 0; t < ids.length; t++) {
            float[] step = Llama.forward(w, s, ids, t, 1, Llama.Logits.LAST);
            float[] ref = java.util.Arrays.copyOfRange(expected, t * 512, (t + 1) * 512);
            Close.assertClose("decode step " + t, step, ref, 1e-4, 0);
        }
    }

    @Test
    void hfFolder() throws Exception {
        LlamaWeights w = HfCheckpoint.load(SharedFiles.require("models/stories260K-hf"));
        assertThat(w.config.parameterCount()).isEqualTo(260_032);
        check(w);
    }

    @Test
    void ggufFile() throws Exception {
        check(dev.topiary.io.GgufModel.load(SharedFiles.require("models/stories260K/stories260K.gguf")));
    }

    @Test
    void llama2cFile() throws Exception {
        Path bin = SharedFiles.require("models/stories260K/stories260K.bin");
        check(Llama2c.load(bin));
    }
}
