package dev.topiary.prune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.format.ModelFormatException;
import dev.topiary.io.HfCheckpoint;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The importance scores of one model, computed once and serving any target shape (spec section
 * 3.7). Written as JSON ({@code topiary-importance/1}):
 * <pre>
 * { "format": "topiary-importance/1",
 *   "config": {the model's config.json},
 *   "calibration": {"data": "...", "samples": N, "seq_len": S, "tokens": N*S},
 *   "aggregation": {"sequence": "MEAN_ABS", "batch": "L2"},
 *   "hidden":  [C]        sum over the 2L norm outputs of each hook's score (one global ranking)
 *   "heads":   [L][H]     per layer: L2 over each head's channels of the o_proj-input scores
 *   "neurons": [L][F]     per layer: scores of the down_proj input
 *   "block_influence": [L]  1 - mean cos(layer input, layer output) over all calibration tokens
 *   "layer_loss": {"baseline": x, "window": n, "increase": [L-n+1]}   (optional)
 * }
 * </pre>
 * Higher is more important everywhere.
 */
public record Scores(
        JsonNode config,
        String data,
        int samples,
        int seqLen,
        String seqAgg,
        String batchAgg,
        double[] hidden,
        double[][] heads,
        double[][] neurons,
        double[] blockInfluence,
        Double baselineLoss,
        int window,
        double[] layerLoss) {
    public static final String FORMAT = "topiary-importance/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public int layers() {
        return blockInfluence.length;
    }

    public void write(Path file) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        n.set("config", config);
        n.putObject("calibration")
                .put("data", data)
                .put("samples", samples)
                .put("seq_len", seqLen)
                .put("tokens", (long) samples * seqLen);
        n.putObject("aggregation").put("sequence", seqAgg).put("batch", batchAgg);
        array(n.putArray("hidden"), hidden);
        ArrayNode h = n.putArray("heads");
        for (double[] r : heads) array(h.addArray(), r);
        ArrayNode f = n.putArray("neurons");
        for (double[] r : neurons) array(f.addArray(), r);
        array(n.putArray("block_influence"), blockInfluence);
        if (layerLoss != null) {
            ObjectNode ll = n.putObject("layer_loss");
            ll.put("baseline", baselineLoss).put("window", window);
            array(ll.putArray("increase"), layerLoss);
        }
        HfCheckpoint.writeJson(file, n);
    }

    private static void array(ArrayNode a, double[] v) {
        for (double x : v) a.add(x);
    }

    public static Scores read(Path file) {
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelFormatException(file, "not a readable JSON scores file: " + e.getMessage(), e);
        }
        if (n == null || !FORMAT.equals(n.path("format").asText()))
            throw new ModelFormatException(
                    file,
                    "not a Topiary scores file (field 'format' is not '" + FORMAT
                            + "'); make one with topiary importance");
        JsonNode ll = n.get("layer_loss");
        return new Scores(
                n.get("config"),
                n.path("calibration").path("data").asText(),
                n.path("calibration").path("samples").asInt(),
                n.path("calibration").path("seq_len").asInt(),
                n.path("aggregation").path("sequence").asText(),
                n.path("aggregation").path("batch").asText(),
                vector(file, n, "hidden"),
                matrix(file, n, "heads"),
                matrix(file, n, "neurons"),
                vector(file, n, "block_influence"),
                ll == null ? null : ll.path("baseline").asDouble(),
                ll == null ? 0 : ll.path("window").asInt(),
                ll == null ? null : vector(file, ll, "increase"));
    }

    private static double[] vector(Path file, JsonNode n, String field) {
        return numbers(file, n.get(field), field);
    }

    private static double[][] matrix(Path file, JsonNode n, String field) {
        JsonNode a = n.get(field);
        if (a == null || !a.isArray()) throw new ModelFormatException(file, "missing array '" + field + "'");
        double[][] m = new double[a.size()][];
        for (int i = 0; i < m.length; i++) m[i] = numbers(file, a.get(i), field + "[" + i + "]");
        return m;
    }

    private static double[] numbers(Path file, JsonNode a, String field) {
        if (a == null || !a.isArray()) throw new ModelFormatException(file, "missing array '" + field + "'");
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            if (!a.get(i).isNumber())
                throw new ModelFormatException(file, field + "[" + i + "] is not a number: " + a.get(i));
            v[i] = a.get(i).asDouble();
        }
        return v;
    }
}
