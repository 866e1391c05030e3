package dev.topiary.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.format.Json;
import dev.topiary.format.ModelFormatException;
import dev.topiary.format.TextFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Multiple-choice tasks as JSONL, one item per line:
 * {@code {"context": "...", "choices": ["...", "..."], "gold": 1}} ({@code query}/{@code ctx} are
 * accepted for context, {@code label}/{@code answer} for gold).
 */
public final class TaskFile {
    private TaskFile() {}

    public record Item(String context, List<String> choices, int gold) {}

    public static List<Item> read(Path file) throws IOException {
        List<Item> items = new ArrayList<>();
        Json.forEachLine(file, "task file", (n, lineNo) -> {
            String where = "line " + lineNo + ": ";
            JsonNode ctx = first(n, "context", "query", "ctx");
            JsonNode ch = n.get("choices");
            JsonNode gold = first(n, "gold", "label", "answer");
            if (ctx == null) throw new ModelFormatException(file, where + "missing text field 'context'");
            if (!ctx.isTextual())
                throw new ModelFormatException(
                        file,
                        where + "field 'context' has the wrong type" + " (expected a string, got "
                                + TextFiles.jsonType(ctx) + ")");
            if (ch == null || !ch.isArray() || ch.size() < 2)
                throw new ModelFormatException(file, where + "field 'choices' must be an array of at least 2 strings");
            List<String> choices = new ArrayList<>();
            ch.forEach(c -> choices.add(c.asText()));
            if (gold == null || !gold.canConvertToInt() || gold.asInt() < 0 || gold.asInt() >= choices.size())
                throw new ModelFormatException(
                        file,
                        where + "field 'gold' must be an index into choices (0.." + (choices.size() - 1) + "), got "
                                + gold);
            items.add(new Item(ctx.asText(), choices, gold.asInt()));
            return true;
        });
        if (items.isEmpty()) throw new ModelFormatException(file, "holds no items");
        return items;
    }

    private static JsonNode first(JsonNode n, String... names) {
        for (String s : names) if (n.has(s)) return n.get(s);
        return null;
    }
}
