// Llama2cTokenizerReader: reads llama2.c's tokenizer.bin (e.g. tok512.bin) into a SentencePiece tokenizer.
package dev.topiary.tokenizer;

import dev.topiary.format.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * llama2.c's tokenizer file, written by its {@code tokenizer.py} export (little-endian):
 * <pre>
 * uint32 max_token_length;
 * repeated until the end of the file, once per token id:
 *     float32 score; uint32 len; uint8 utf8[len];
 * </pre>
 * The export spelled SentencePiece's {@code ▁} as a plain space and wrote BOS/EOS as {@code "\n<s>\n"} /
 * {@code "\n</s>\n"}; both are turned back into SentencePiece spelling here, so that pieces read the same
 * as from the GGUF or tokenizer.json of the same model. BOS is 1 and EOS 2, as llama2.c's run.c assumes.
 */
final class Llama2cTokenizerReader {
    private static final int MAX_PIECE_BYTES = 1 << 16;

    private Llama2cTokenizerReader() {}

    static Tokenizer read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new ModelFormatException(file, "max_token_length: file has only " + buf.remaining() + " bytes");
        }
        int maxLength = buf.getInt();
        if (maxLength <= 0 || maxLength > MAX_PIECE_BYTES) {
            throw new ModelFormatException(
                    file,
                    "max_token_length = " + Integer.toUnsignedString(maxLength)
                            + " is not a plausible piece length (1.." + MAX_PIECE_BYTES + ")");
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (buf.hasRemaining()) {
            scores.add(readScore(file, buf, pieces.size()));
            pieces.add(spmSpelling(readPiece(file, buf, pieces.size(), maxLength)));
        }
        return build(file, pieces, scores);
    }

    private static float readScore(Path file, ByteBuffer buf, int id) {
        if (buf.remaining() < 8) {
            throw new ModelFormatException(
                    file,
                    "token " + id + ": record truncated (" + buf.remaining()
                            + " bytes left, need 8 for score and length)");
        }
        return buf.getFloat();
    }

    private static String readPiece(Path file, ByteBuffer buf, int id, int maxLength) {
        int len = buf.getInt();
        if (len < 0 || len > maxLength || len > buf.remaining()) {
            throw new ModelFormatException(
                    file,
                    "token " + id + ": length " + Integer.toUnsignedString(len) + " exceeds max_token_length "
                            + maxLength + " or the " + buf.remaining() + " bytes left");
        }
        ByteBuffer bytes = buf.slice(buf.position(), len);
        buf.position(buf.position() + len);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(file, "token " + id + ": piece is not valid UTF-8");
        }
    }

    /** Undoes the export's spelling: BOS/EOS without newlines, spaces back to {@code ▁}. */
    private static String spmSpelling(String piece) {
        return switch (piece) {
            case "\n<s>\n" -> "<s>";
            case "\n</s>\n" -> "</s>";
            default -> piece.replace(' ', '\u2581');
        };
    }

    private static Tokenizer build(Path file, List<String> pieces, List<Float> scoreList) {
        if (pieces.size() < 3) {
            throw new ModelFormatException(
                    file, "only " + pieces.size() + " tokens; expected <unk>, <s>, </s> and pieces");
        }
        float[] scores = new float[scoreList.size()];
        TokenType[] types = new TokenType[pieces.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = scoreList.get(i);
            types[i] = Vocabulary.guessType(pieces.get(i));
        }
        int unk = types[0] == TokenType.UNKNOWN ? 0 : -1;
        Vocabulary vocab = new Vocabulary(pieces.toArray(String[]::new), scores, types, 1, 2, unk);
        return new SentencePieceTokenizer(vocab, true, true);
    }
}
