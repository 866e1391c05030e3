package dev.topiary.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Student-to-teacher layer pairs for intermediate-state distillation. Layer 0 is the embedding
 * output, layer l (1..L) the residual stream after layer l. The default follows the surgery: when
 * the student folder holds a {@code pruning.json} from topiary prune, student layer i maps to the
 * teacher layer it was copied from (kept_layers[i-1] + 1), so a depth-pruned student starts with
 * identical states below the cut; otherwise the student's layers are spread evenly over the
 * teacher's.
 */
public final class LayerMap {
    private LayerMap() {}

    /** Pairs and where they came from, for printing. */
    public record Pairs(int[][] pairs, String source) {
        public String describe() {
            StringBuilder b = new StringBuilder();
            for (int[] p : pairs)
                b.append(b.isEmpty() ? "" : ",").append(p[0]).append(':').append(p[1]);
            return b + " (" + source + ")";
        }
    }

    /** From an explicit "s:t,..." spec, else from the student's pruning.json, else evenly spread. */
    public static Pairs resolve(String spec, Path student, int Ls, int Lt) throws IOException {
        if (spec != null) return new Pairs(parse(spec, Ls, Lt), "--layer-map");
        int[] kept = keptLayers(student);
        if (kept != null && kept.length == Ls && Arrays.stream(kept).allMatch(l -> l < Lt))
            return new Pairs(
                    fromKept(kept), "each student layer to the teacher layer it was pruned from, pruning.json");
        return new Pairs(evenly(Ls, Lt), "spread evenly");
    }

    /** Student layer i+1 to teacher layer kept[i]+1. */
    public static int[][] fromKept(int[] kept) {
        int[][] p = new int[kept.length][];
        for (int i = 0; i < kept.length; i++) p[i] = new int[] {i + 1, kept[i] + 1};
        return p;
    }

    static int[][] evenly(int Ls, int Lt) {
        int[][] p = new int[Ls][];
        for (int i = 1; i <= Ls; i++) p[i - 1] = new int[] {i, (int) Math.round((double) i * Lt / Ls)};
        return p;
    }

    static int[][] parse(String spec, int Ls, int Lt) {
        List<int[]> pairs = new ArrayList<>();
        for (String p : spec.split(",")) {
            String[] st = p.trim().split(":");
            if (st.length != 2) throw new IllegalArgumentException("--layer-map: '" + p + "' is not s:t");
            int a = Integer.parseInt(st[0].trim()), b = Integer.parseInt(st[1].trim());
            if (a < 0 || a > Ls)
                throw new IllegalArgumentException("--layer-map: student layer " + a + " is not in 0.." + Ls);
            if (b < 0 || b > Lt)
                throw new IllegalArgumentException("--layer-map: teacher layer " + b + " is not in 0.." + Lt);
            pairs.add(new int[] {a, b});
        }
        return pairs.toArray(int[][]::new);
    }

    /** kept_layers of the student's pruning.json, or null. */
    static int[] keptLayers(Path student) throws IOException {
        Path f = student.resolve("pruning.json");
        if (!Files.isRegularFile(f)) return null;
        JsonNode k = new ObjectMapper().readTree(f.toFile()).get("kept_layers");
        if (k == null || !k.isArray()) return null;
        int[] out = new int[k.size()];
        for (int i = 0; i < out.length; i++) out[i] = k.get(i).asInt();
        return out;
    }
}
