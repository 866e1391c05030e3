// TextFiles: opens the UTF-8 text files users hand in (JSON, JSONL), skipping a byte order mark.
package dev.topiary.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
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

    /**
     * The file's lines as UTF-8 text ({@code \n} or {@code \r\n} ends a line), after a byte order mark
     * if there is one; a line that is not UTF-8 fails with a {@link ModelFormatException} naming the
     * file and the line.
     */
    public static LineReader open(Path file) throws IOException {
        return new LineReader(file, new BufferedInputStream(Files.newInputStream(file), 1 << 16));
    }

    /** Reads a file line by line, each line decoded strictly as UTF-8. */
    public static final class LineReader implements Closeable {
        private final Path file;
        private final InputStream in;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private int line;

        private LineReader(Path file, InputStream in) {
            this.file = file;
            this.in = in;
        }

        /** The next line without its end, or null at the end of the file. */
        public String readLine() throws IOException {
            bytes.reset();
            int b;
            while ((b = in.read()) != -1 && b != '\n') bytes.write(b);
            if (b == -1 && bytes.size() == 0) return null;
            line++;
            byte[] a = bytes.toByteArray();
            int end = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
            boolean bom = line == 1 && end >= 3 && a[0] == (byte) 0xEF && a[1] == (byte) 0xBB && a[2] == (byte) 0xBF;
            int start = bom ? 3 : 0;
            try {
                return utf8.decode(ByteBuffer.wrap(a, start, end - start)).toString();
            } catch (CharacterCodingException e) {
                throw new ModelFormatException(
                        file,
                        "line " + line + ": not UTF-8 text; is it a binary file? Convert text to"
                                + " UTF-8 first (e.g. iconv -t UTF-8)");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * The whole file as UTF-8 text, without a leading byte order mark. A binary or otherwise non-UTF-8
     * file is refused naming the file and the byte offset of the first bad byte.
     */
    public static String read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        CharsetDecoder d = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return withoutBom(d.decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(
                    file,
                    "not UTF-8 text (invalid byte at offset " + firstBadByte(bytes)
                            + "); is it a binary file? Convert text to UTF-8 first (e.g. iconv -t UTF-8)");
        }
    }

    /** Offset of the first byte that does not decode, found by decoding in steps. */
    private static long firstBadByte(byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(4096);
        while (true) {
            var r = d.decode(in, out, true);
            if (r.isError()) return in.position();
            if (r.isUnderflow()) return -1;
            out.clear();
        }
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
