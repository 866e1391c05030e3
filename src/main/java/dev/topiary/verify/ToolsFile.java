// ToolsFile: a JSON file of tool definitions (--tools), read and checked once for every command that takes one.
package dev.topiary.verify;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.format.ModelFormatException;
import dev.topiary.format.TextFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tool definitions of a {@code --tools} file: a JSON array of tool schemas
 * ({@code [{"name", "description", "parameters"}]}, or the {@code {"type": "function", "function": ...}}
 * wrapper), each checked by {@link ToolSchema#fromJson}.
 *
 * @param definitions the definitions as written, for the chat template
 * @param schemas the checked schemas by tool name, for checking calls
 */
public record ToolsFile(List<JsonNode> definitions, Map<String, ToolSchema> schemas) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ToolsFile {
        definitions = List.copyOf(definitions);
        schemas = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(schemas));
    }

    /** No tools. */
    public static ToolsFile none() {
        return new ToolsFile(List.of(), Map.of());
    }

    /**
     * Reads and checks a tools file.
     *
     * @throws ModelFormatException naming the file: missing, not valid JSON, not an array, or a tool that is
     *     not a valid schema (by index)
     */
    public static ToolsFile read(Path file) throws IOException {
        if (!Files.exists(file)) throw new ModelFormatException(file, "no such tools file");
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(file, "is not a file (expected a JSON array of tool schemas)");
        }
        JsonNode array;
        try {
            array = JSON.readTree(TextFiles.read(file));
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "not valid JSON: " + e.getOriginalMessage());
        }
        if (array == null || !array.isArray()) {
            throw new ModelFormatException(file, "must be a JSON array of tool schemas");
        }
        List<JsonNode> definitions = new ArrayList<>();
        Map<String, ToolSchema> schemas = new LinkedHashMap<>();
        for (int i = 0; i < array.size(); i++) {
            try {
                ToolSchema s = ToolSchema.fromJson(array.get(i), "[" + i + "]");
                schemas.put(s.name(), s);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, "tool " + i + ": " + e.getMessage());
            }
            definitions.add(array.get(i));
        }
        return new ToolsFile(definitions, schemas);
    }
}
