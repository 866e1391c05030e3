package dev.topiary.io;

import dev.topiary.format.ModelFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text input files (corpora, task files) read as strict UTF-8. A binary or otherwise non-UTF-8 file
 * is refused with a {@link ModelFormatException} naming the file and the byte offset of the first
 * bad byte, instead of a bare {@code MalformedInputException}.
 */
public final class TextFiles {
    private TextFiles() {}

    /** The whole file as text. */
    public static String readString(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return d.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw notText(file, firstBadByte(bytes));
        }
    }

    /** A line reader of the file; reading a non-UTF-8 line throws {@link ModelFormatException}. */
    public static BufferedReader reader(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        return new BufferedReader(new InputStreamReader(in, d) {
            @Override
            public int read(char[] buf, int off, int len) throws IOException {
                try {
                    return super.read(buf, off, len);
                } catch (CharacterCodingException e) {
                    throw notText(file, -1);
                }
            }
        });
    }

    private static ModelFormatException notText(Path file, long offset) {
        String at = offset >= 0 ? " (invalid byte at offset " + offset + ")" : "";
        return new ModelFormatException(file, "not UTF-8 text" + at
                + "; is it a binary file? Convert text to UTF-8 first (e.g. iconv -t UTF-8)");
    }

    /** Offset of the first byte that does not decode, found by decoding in steps. */
    private static long firstBadByte(byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(4096);
        while (true) {
            var r = d.decode(in, out, true);
            if (r.isError()) return in.position();
            if (r.isUnderflow()) return -1;
            out.clear();
        }
    }
}
