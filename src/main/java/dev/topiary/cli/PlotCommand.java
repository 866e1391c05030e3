package dev.topiary.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.report.SvgChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "plot",
        mixinStandardHelpOptions = true,
        header = "Plot loss curves of runs as SVG.",
        description = {
            "Plot loss curves from metrics.jsonl files (as `topiary train` writes) into one SVG:",
            "validation loss (the 'val_loss' field) against tokens seen, one line per file.",
            "Label a file with FILE=LABEL (default: its folder name)."
        })
final class PlotCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "METRICS", description = "metrics.jsonl files, optionally FILE=LABEL.")
    List<String> files;

    @Option(names = "--out", required = true, description = "SVG file to write.")
    Path out;

    @Option(
            names = "--title",
            defaultValue = "Validation loss",
            description = "Chart title (default: ${DEFAULT-VALUE}).")
    String title;

    @Option(
            names = "--field",
            defaultValue = "val_loss",
            description = "Metric to plot (default ${DEFAULT-VALUE}; also loss).")
    String field;

    @Override
    public Integer call() throws IOException {
        SvgChart chart = new SvgChart(title, "tokens seen", field.replace('_', ' ') + " (nats/token)");
        ObjectMapper json = new ObjectMapper();
        for (String spec : files) {
            int eq = spec.indexOf('=');
            Path file = Path.of(eq < 0 ? spec : spec.substring(0, eq));
            String label =
                    eq < 0 ? String.valueOf(file.toAbsolutePath().getParent().getFileName()) : spec.substring(eq + 1);
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such metrics file: " + file);
            List<double[]> pts = new ArrayList<>();
            double tokensPerStep = 0;
            int lineNo = 0;
            for (String line : dev.topiary.format.TextFiles.read(file).lines().toList()) {
                lineNo++;
                if (line.isBlank()) continue;
                JsonNode n;
                try {
                    n = json.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException(file + ": line " + lineNo
                            + " is not JSON; plot reads the metrics.jsonl that train, distill and compress write");
                }
                if (n == null || !n.isObject())
                    throw new IllegalArgumentException(
                            file + ": line " + lineNo + " is not a JSON object; not a metrics.jsonl file");
                if (n.has("tokens") && n.path("step").asLong() > 0)
                    tokensPerStep = n.get("tokens").asDouble() / n.get("step").asDouble();
                if (n.has(field))
                    pts.add(new double[] {
                        n.path("step").asDouble(), n.get(field).asDouble()
                    });
            }
            if (pts.isEmpty())
                throw new IllegalArgumentException(file + ": no '" + field
                        + "' values; is it a metrics.jsonl of a training run? (--field names the metric)");
            double[] x = new double[pts.size()], y = new double[pts.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = pts.get(i)[0] * tokensPerStep;
                y[i] = pts.get(i)[1];
            }
            chart.add(label, x, y);
        }
        dev.topiary.format.AtomicFiles.writeString(out, chart.render());
        System.out.println("wrote " + out);
        return 0;
    }
}
