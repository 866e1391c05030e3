package dev.topiary.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.SharedFiles;
import dev.topiary.io.Models;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Perplexity of stories260K on the first 20,000 characters of tinystories-valid-head equals
 * exp(mean cross-entropy) of the float64 PyTorch reference (scripts/reference/perplexity_ref.py),
 * and agrees with the 1.381 nats/token that ../shared's README reports.
 */
class Stories260KEvalTest {
    @Test
    void perplexityMatchesTheReference() throws Exception {
        JsonNode ref = new ObjectMapper()
                .readTree(Path.of("src/test/resources/fixtures/stories260k-ppl.json")
                        .toFile());
        Models.Loaded m = Models.load(SharedFiles.require("models/stories260K-hf"));
        String text = Corpus.read(
                        SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"), "text", 20_000)
                .getFirst();
        int[] ids = m.tokenizer().encode(text, true);
        int[] expectedIds = new int[ref.get("ids").size()];
        for (int i = 0; i < expectedIds.length; i++)
            expectedIds[i] = ref.get("ids").get(i).asInt();
        assertThat(ids).containsExactly(expectedIds);

        for (int stride : new int[] {256, 512}) {
            JsonNode r = ref.get("seq512_stride" + stride);
            Perplexity.Result got = Perplexity.evaluate(m.weights(), List.of(ids), 512, stride, null);
            assertThat(got.tokens()).isEqualTo(r.get("scored").asLong());
            assertThat(got.meanNll())
                    .as("stride %d", stride)
                    .isCloseTo(r.get("mean_nll").asDouble(), within(1e-5));
            assertThat(got.perplexity()).isCloseTo(Math.exp(r.get("mean_nll").asDouble()), within(1e-4));
        }
        assertThat(Perplexity.evaluate(m.weights(), List.of(ids), 512, 512, null)
                        .meanNll())
                .isCloseTo(1.381, within(5e-4));
    }
}
