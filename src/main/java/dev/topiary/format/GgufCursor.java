// GgufCursor: bounds-checked little-endian reads over a mapped GGUF file, for the header parser.
package dev.topiary.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A read position in a GGUF file. Every read names what it reads, so that a file that ends
 * early or holds an impossible length fails with a {@link ModelFormatException} saying which
 * field, at which offset.
 */
final class GgufCursor {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment data;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private long pos;

    GgufCursor(Path file, MemorySegment data) {
        this.file = file;
        this.data = data;
    }

    Path file() {
        return file;
    }

    long position() {
        return pos;
    }

    long remaining() {
        return data.byteSize() - pos;
    }

    /** Fails unless {@code n} more bytes exist; {@code what} names the field for the message. */
    void need(long n, String what) {
        if (n < 0 || n > remaining()) {
            throw error(what + ": needs " + n + " bytes at offset " + pos + " but the file has " + data.byteSize()
                    + " bytes (truncated?)");
        }
    }

    byte i8(String what) {
        need(1, what);
        return data.get(ValueLayout.JAVA_BYTE, pos++);
    }

    short i16(String what) {
        need(2, what);
        short v = data.get(I16, pos);
        pos += 2;
        return v;
    }

    int i32(String what) {
        need(4, what);
        int v = data.get(I32, pos);
        pos += 4;
        return v;
    }

    long u32(String what) {
        return Integer.toUnsignedLong(i32(what));
    }

    long i64(String what) {
        need(8, what);
        long v = data.get(I64, pos);
        pos += 8;
        return v;
    }

    float f32(String what) {
        return Float.intBitsToFloat(i32(what));
    }

    double f64(String what) {
        return Double.longBitsToDouble(i64(what));
    }

    /** A count or length stored as uint64; fails when it cannot fit in the rest of the file at {@code minBytesEach}. */
    long count(String what, long minBytesEach) {
        long n = i64(what);
        if (n < 0 || (minBytesEach > 0 && n > remaining() / minBytesEach)) {
            throw error(what + ": " + Long.toUnsignedString(n) + " is impossible: only " + remaining()
                    + " bytes remain after offset " + pos);
        }
        return n;
    }

    /** gguf_string_t: {@code uint64 len; char utf8[len]} (no terminator). */
    String string(String what) {
        long start = pos;
        long len = count(what + " length", 1);
        if (len > Integer.MAX_VALUE - 8) {
            throw error(what + ": string length " + len + " at offset " + start + " is too long");
        }
        byte[] bytes = data.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        try {
            return utf8.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw error(what + ": string at offset " + start + " is not valid UTF-8");
        }
    }

    ModelFormatException error(String message) {
        return new ModelFormatException(file, message);
    }
}
