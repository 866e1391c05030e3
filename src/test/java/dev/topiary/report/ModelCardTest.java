package dev.topiary.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.model.LlamaConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The model card of a compressed model, line by line. */
class ModelCardTest {
    @Test
    void theCardNamesTheRecipeTheShapeAndTheNumbers() throws Exception {
        var eval = new ObjectMapper().readTree("""
                {"teacher": {"params": 260000, "val_loss": 1.5, "perplexity": 4.48, "cloze_acc": 0.5},
                 "student": {"params": 130000, "val_loss": 1.75, "perplexity": 5.75, "cloze_acc": 0.25}}""");
        var recipe = new Report.Recipe("models/t", List.of("a.txt", "b.txt"), 64, 128, 1000, 5000);
        LlamaConfig c = LlamaConfig.preset("stories260K");
        String card = ModelCard.text("run", recipe, c, eval);
        assertThat(card.lines().toList())
                .containsExactly(
                        "# run, compressed by Topiary",
                        "",
                        "* **Source model:** `models/t` (corrected on the data for 1000 tokens first)",
                        "* **Recipe:** Minitron: activation-based importance (64 calibration sequences of 128 tokens),"
                                + " structured pruning, then logit distillation (forward KL, temperature 1) for 5,000 tokens.",
                        String.format(
                                "* **Shape:** hidden %d, ffn %d, layers %d, heads %d (kv %d, head_dim %d), vocab %d:"
                                        + " %,d parameters (teacher 260,000).",
                                c.hidden(),
                                c.intermediate(),
                                c.layers(),
                                c.heads(),
                                c.kvHeads(),
                                c.headDim(),
                                c.vocab(),
                                c.parameterCount()),
                        "* **Data:** a.txt, b.txt",
                        "* **Held-out loss:** 1.7500 (teacher 1.5000); perplexity 5.750 (teacher 4.480); cloze accuracy 0.250"
                                + " (teacher 0.500).",
                        "",
                        "Written by `topiary compress`; the run folder holds the scores, the pruning record, the metrics and"
                                + " report.html.");
    }
}
