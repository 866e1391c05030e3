package dev.topiary.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.format.Json;
import dev.topiary.format.ModelFormatException;
import dev.topiary.format.TextFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Text corpora for evaluation and training: a {@code .jsonl} file is one document per line (its
 * {@code text} field, or another named one); any other file is plain UTF-8 text and one document.
 */
public final class Corpus {
    private Corpus() {}

    public static List<String> read(Path file, String field, long maxChars) throws IOException {
        if (!Files.isRegularFile(file)) throw new ModelFormatException(file, "no such data file");
        List<String> docs = new ArrayList<>();
        if (file.getFileName().toString().endsWith(".jsonl")) {
            long[] chars = {0};
            if (maxChars <= 0) return docs;
            Json.forEachLine(file, "data file", (n, lineNo) -> {
                JsonNode t = n.get(field);
                if (t == null || !t.isTextual())
                    throw new ModelFormatException(
                            file,
                            "line " + lineNo
                                    + (t == null
                                            ? ": missing text field '" + field + "'"
                                            : ": field '" + field + "' has the wrong type (expected a string, got "
                                                    + TextFiles.jsonType(t) + ")"));
                String s = t.asText();
                if (chars[0] + s.length() > maxChars) s = s.substring(0, (int) (maxChars - chars[0]));
                docs.add(s);
                chars[0] += s.length();
                return chars[0] < maxChars;
            });
        } else {
            String s = TextFiles.read(file);
            if (s.length() > maxChars) s = s.substring(0, (int) maxChars);
            docs.add(s);
        }
        return docs;
    }
}
