package dev.topiary.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.model.LlamaConfig;

/**
 * The model card (README.md) of a compressed model: where it comes from, the recipe and its budgets, the shape, the
 * data, and the held-out numbers of student and teacher from the run's eval.json.
 */
public final class ModelCard {
    private ModelCard() {}

    /**
     * @param name the model's name (the run folder's)
     * @param c    the student's config
     * @param eval the run's eval.json: "teacher" and "student" with params, val_loss, perplexity, cloze_acc
     */
    public static String text(String name, Report.Recipe plan, LlamaConfig c, JsonNode eval) {
        JsonNode t = eval.get("teacher"), s = eval.get("student");
        return """
                # %s, compressed by Topiary

                * **Source model:** `%s`%s
                * **Recipe:** Minitron: activation-based importance (%d calibration sequences of %d tokens), \
                structured pruning, then logit distillation (forward KL, temperature 1) for %,d tokens.
                * **Shape:** hidden %d, ffn %d, layers %d, heads %d (kv %d, head_dim %d), vocab %d: %,d parameters \
                (teacher %,d).
                * **Data:** %s
                * **Held-out loss:** %.4f (teacher %.4f); perplexity %.3f (teacher %.3f); cloze accuracy %.3f \
                (teacher %.3f).

                Written by `topiary compress`; the run folder holds the scores, the pruning record, the metrics and \
                report.html.
                """.formatted(
                        name,
                        plan.model(),
                        plan.correctTokens() > 0
                                ? " (corrected on the data for " + plan.correctTokens() + " tokens first)"
                                : "",
                        plan.calibSamples(),
                        plan.seqLen(),
                        plan.distillTokens(),
                        c.hidden(),
                        c.intermediate(),
                        c.layers(),
                        c.heads(),
                        c.kvHeads(),
                        c.headDim(),
                        c.vocab(),
                        c.parameterCount(),
                        t.get("params").asLong(),
                        String.join(", ", plan.data()),
                        s.get("val_loss").asDouble(),
                        t.get("val_loss").asDouble(),
                        s.get("perplexity").asDouble(),
                        t.get("perplexity").asDouble(),
                        s.get("cloze_acc").asDouble(),
                        t.get("cloze_acc").asDouble());
    }
}
