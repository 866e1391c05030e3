package dev.topiary.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.TensorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random checkpoints: the configured shape, Llama's initialisation, reproducible from the seed, sharded when asked. */
class RandomCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void shapeValuesAndSeed() throws Exception {
        LlamaConfig c = LlamaConfig.preset("stories260K");
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), other = tmp.resolve("other");
        RandomCheckpoint.write(a, c, DType.BF16, 7, 0.02, 0);
        RandomCheckpoint.write(b, c, DType.BF16, 7, 0.02, 100_000);
        RandomCheckpoint.write(other, c, DType.BF16, 8, 0.02, 0);
        assertThat(Files.exists(b.resolve(HfCheckpoint.INDEX))).isTrue();
        LlamaWeights wa = HfCheckpoint.load(a), wb = HfCheckpoint.load(b), wo = HfCheckpoint.load(other);
        assertThat(wa.config.toHfJson("x")).isEqualTo(c.toHfJson("x"));
        assertThat(wb.flat()).containsExactly(wa.flat());
        assertThat(wo.flat()).isNotEqualTo(wa.flat());
        for (float v : wa.get(wa.layer(2, TensorKind.FFN_NORM))) assertThat(v).isEqualTo(1f);
        float[] q = wa.get(wa.layer(1, TensorKind.WQ));
        double sum = 0, sq = 0;
        for (float v : q) {
            sum += v;
            sq += v * v;
        }
        double mean = sum / q.length, std = Math.sqrt(sq / q.length - mean * mean);
        assertThat(std).isBetween(0.018, 0.022);
        assertThat(Math.abs(mean)).isLessThan(0.002);
        try (MappedModel m = MappedModel.openHf(a)) {
            assertThat(m.weightType().name()).isEqualTo("BF16");
        }
    }
}
