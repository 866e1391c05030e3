// TextFiles: opens the UTF-8 text files users hand in (JSON, JSONL), skipping a byte order mark.
package dev.topiary.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * UTF-8 text files as written by people and editors: a leading byte order mark (U+FEFF, which some
 * Windows editors write) is skipped rather than read as the first character of the first JSON value.
 */
public final class TextFiles {
    private static final char BOM = '\uFEFF';

    private TextFiles() {}

    /** A reader of the file's UTF-8 text, positioned after a byte order mark if there is one. */
    public static BufferedReader open(Path file) throws IOException {
        BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        r.mark(1);
        if (r.read() != BOM) r.reset();
        return r;
    }

    /** The whole file as UTF-8 text, without a leading byte order mark. */
    public static String read(Path file) throws IOException {
        return withoutBom(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** The text without a leading byte order mark. */
    public static String withoutBom(String text) {
        return !text.isEmpty() && text.charAt(0) == BOM ? text.substring(1) : text;
    }

    /** The JSON type of a value, for error messages: "a string", "a number", "an array", ... */
    public static String jsonType(JsonNode n) {
        if (n == null || n.isMissingNode()) return "nothing";
        if (n.isTextual()) return "a string";
        if (n.isNumber()) return "a number";
        if (n.isBoolean()) return "a boolean";
        if (n.isNull()) return "null";
        if (n.isArray()) return "an array";
        if (n.isObject()) return "an object";
        return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
