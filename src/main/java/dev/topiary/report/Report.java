package dev.topiary.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.format.Json;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.prune.Scores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run's report: one self-contained HTML page (charts inlined as SVG, no scripts, no external
 * files) and metrics.json with the same numbers: before/after table, loss curves, importance heat
 * map (layers x heads), neuron-score histogram, Block Influence per layer with the dropped layers
 * marked, the candidate table of a search, and sample generations.
 */
public final class Report {
    private Report() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the report says of the recipe that made the run: the teacher, the data, and the budgets of calibration,
     * teacher correction (0: none) and distillation.
     */
    public record Recipe(
            String model, List<String> data, int calibSamples, int seqLen, long correctTokens, long distillTokens) {}

    /** Writes run/report.html and run/metrics.json from the artifacts of the run's stages. */
    public static void write(Path run, Recipe plan) throws IOException {
        JsonNode eval = JSON.readTree(run.resolve("eval.json").toFile());
        Scores scores = Scores.read(run.resolve("scores.json"));
        JsonNode pruning = JSON.readTree(run.resolve("pruned/pruning.json").toFile());
        JsonNode search = Files.exists(run.resolve("search.json"))
                ? JSON.readTree(run.resolve("search.json").toFile())
                : null;
        List<JsonNode> distill = metrics(run.resolve("distill/metrics.jsonl"));
        List<JsonNode> correct = metrics(run.resolve("correct/metrics.jsonl"));

        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Topiary report</title><style>")
                .append(
                        "body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse}")
                .append(
                        "td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f3f3f3}td.l{text-align:left}")
                .append(
                        "figure{margin:1.5em 0}pre{background:#f7f7f7;padding:8px;white-space:pre-wrap}</style></head><body>\n");
        h.append("<h1>Topiary: ").append(esc(plan.model())).append(" compressed</h1>\n");
        h.append("<p>Data: ")
                .append(esc(String.join(", ", plan.data())))
                .append(". Calibration: ")
                .append(plan.calibSamples())
                .append(" sequences of ")
                .append(plan.seqLen())
                .append(" tokens. Distillation: ")
                .append(String.format(Locale.ROOT, "%,d", plan.distillTokens()))
                .append(" tokens, forward KL on logits.")
                .append(
                        plan.correctTokens() > 0
                                ? String.format(
                                        Locale.ROOT,
                                        " Teacher corrected first on %,d tokens (%.0f%% of the"
                                                + " distillation tokens).",
                                        plan.correctTokens(),
                                        100.0 * plan.correctTokens() / plan.distillTokens())
                                : " No teacher correction.")
                .append("</p>\n");

        h.append(
                "<h2>Before and after</h2><table><tr><th></th><th>teacher</th><th>student</th><th>student / teacher</th></tr>\n");
        row(h, "parameters", eval, "params", "%,.0f");
        row(h, "held-out loss (nats/token)", eval, "val_loss", "%.4f");
        row(h, "perplexity", eval, "perplexity", "%.3f");
        row(h, "cloze accuracy (4 choices)", eval, "cloze_acc", "%.3f");
        row(h, "prefill tokens/s", eval, "prefill_tokens_per_s", "%,.0f");
        h.append("</table>\n");

        if (!distill.isEmpty()) {
            SvgChart c = new SvgChart(
                    "Distillation: student validation loss and KL to the teacher", "tokens seen", "nats/token");
            series(c, "validation loss", distill, "val_loss");
            series(c, "KL(teacher || student)", distill, "val_kl");
            h.append("<figure>").append(c.render()).append("</figure>\n");
        }
        if (!correct.isEmpty()) {
            SvgChart c = new SvgChart("Teacher correction: validation loss", "tokens seen", "nats/token");
            series(c, "teacher validation loss", correct, "val_loss");
            h.append("<figure>").append(c.render()).append("</figure>\n");
        }
        h.append("<h2>Importance</h2>\n<figure>")
                .append(SvgPlots.heatmap("Attention head importance", "layer", "head", scores.heads()))
                .append("</figure>\n");
        List<Double> all = new ArrayList<>();
        for (double[] r : scores.neurons()) for (double v : r) all.add(v);
        h.append("<figure>")
                .append(SvgPlots.histogram(
                        "MLP neuron scores, all layers",
                        "score",
                        all.stream().mapToDouble(Double::doubleValue).toArray(),
                        30))
                .append("</figure>\n");
        boolean[] dropped = new boolean[scores.layers()];
        java.util.Arrays.fill(dropped, true);
        for (JsonNode l : pruning.get("kept_layers")) dropped[l.asInt()] = false;
        h.append("<figure>")
                .append(SvgPlots.bars(
                        "Block Influence per layer", "layer", scores.blockInfluence(), dropped, "dropped"))
                .append("</figure>\n");
        if (search != null) {
            h.append("<h2>Candidates (ranked by ")
                    .append(esc(search.get("ranking").asText()))
                    .append(
                            ")</h2><table><tr><th>hidden</th><th>ffn</th><th>heads</th><th>layers</th><th>parameters</th><th>loss</th></tr>\n");
            List<JsonNode> cands = new ArrayList<>();
            search.get("candidates").forEach(cands::add);
            cands.sort(
                    java.util.Comparator.comparingDouble(c -> c.get("val_loss").asDouble()));
            for (JsonNode c : cands)
                h.append(String.format(
                        Locale.ROOT,
                        "<tr><td>%d</td><td>%d</td><td>%d</td><td>%d</td><td>%,d</td><td>%.4f</td></tr>%n",
                        c.get("hidden").asInt(),
                        c.get("ffn").asInt(),
                        c.get("heads").asInt(),
                        c.get("layers").asInt(),
                        c.get("params").asLong(),
                        c.get("val_loss").asDouble()));
            h.append("</table>\n");
        }
        h.append("<h2>Samples (greedy)</h2>\n");
        for (String who : List.of("teacher", "student")) {
            h.append("<h3>").append(who).append("</h3>\n");
            for (JsonNode s : eval.get(who).get("samples"))
                h.append("<pre>").append(esc(s.asText())).append("</pre>\n");
        }
        h.append("<p><small>Written by topiary compress. Numbers also in metrics.json.</small></p></body></html>\n");
        dev.topiary.format.AtomicFiles.writeString(run.resolve("report.html"), h.toString());

        ObjectNode m = JSON.createObjectNode();
        m.set("plan", JSON.valueToTree(plan));
        m.set("eval", eval);
        m.set("kept_layers", pruning.get("kept_layers"));
        m.set("block_influence", JSON.valueToTree(scores.blockInfluence()));
        if (search != null) m.set("search", search);
        if (!distill.isEmpty()) m.set("distill_final", distill.getLast());
        HfCheckpoint.writeJson(run.resolve("metrics.json"), m);
    }

    private static void row(StringBuilder h, String label, JsonNode eval, String field, String fmt) {
        double t = eval.get("teacher").get(field).asDouble(),
                s = eval.get("student").get(field).asDouble();
        h.append("<tr><td class=\"l\">")
                .append(label)
                .append("</td><td>")
                .append(String.format(Locale.ROOT, fmt, t))
                .append("</td><td>")
                .append(String.format(Locale.ROOT, fmt, s))
                .append("</td><td>")
                .append(String.format(Locale.ROOT, "%.2f", s / t))
                .append("</td></tr>\n");
    }

    private static void series(SvgChart c, String label, List<JsonNode> metrics, String field) {
        List<double[]> pts = new ArrayList<>();
        double perStep = 0;
        for (JsonNode n : metrics)
            if (n.has("tokens") && n.get("step").asLong() > 0)
                perStep = n.get("tokens").asDouble() / n.get("step").asDouble();
        for (JsonNode n : metrics)
            if (n.has(field))
                pts.add(new double[] {n.get("step").asDouble(), n.get(field).asDouble()});
        double[] x = new double[pts.size()], y = new double[pts.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = pts.get(i)[0] * perStep;
            y[i] = pts.get(i)[1];
        }
        if (x.length > 0) c.add(label, x, y);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** The lines of a metrics.jsonl (none when the file is missing). */
    static List<JsonNode> metrics(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        Json.forEachLine(file, "metrics file", (n, lineNo) -> out.add(n));
        return out;
    }
}
