// GgufTokenizerReader: builds a Tokenizer from the tokenizer.ggml.* metadata of a GGUF file.
package dev.topiary.tokenizer;

import dev.topiary.format.GgufFile;
import dev.topiary.format.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the vocabulary written by llama.cpp's converters:
 * <pre>
 * tokenizer.ggml.model        string    "llama" (SentencePiece, score-driven) or "gpt2" (byte-level BPE)
 * tokenizer.ggml.tokens       string[]  pieces by id
 * tokenizer.ggml.scores       float32[] piece scores ("llama": required)
 * tokenizer.ggml.token_type   int32[]   1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte (optional)
 * tokenizer.ggml.merges       string[]  "left right", in rank order ("gpt2": required)
 * tokenizer.ggml.pre          string    llama.cpp pre-tokenizer name ("gpt2"; see PreTokenizerType), default "default"
 * tokenizer.ggml.bos_token_id / eos_token_id / unknown_token_id     uint32
 * tokenizer.ggml.add_bos_token bool    "llama": default true; "gpt2": the pre-tokenizer's default (llama3: true)
 * tokenizer.ggml.add_eos_token bool    default false
 * tokenizer.ggml.add_space_prefix bool ("llama", default true)
 * tokenizer.ggml.remove_extra_whitespaces bool ("llama", default false)
 * </pre>
 * Byte fallback needs no key: a "llama" vocabulary with {@code <0xXX>} byte pieces (type 6) spells characters
 * outside the vocabulary as bytes, one without them uses the unknown token.
 */
final class GgufTokenizerReader {
    private static final Logger LOG = LoggerFactory.getLogger(GgufTokenizerReader.class);
    private static final String PREFIX = "tokenizer.ggml.";

    private final GgufFile gguf;
    private final Path file;

    private GgufTokenizerReader(GgufFile gguf) {
        this.gguf = gguf;
        this.file = gguf.path();
    }

    static Tokenizer read(GgufFile gguf) {
        return new GgufTokenizerReader(gguf).read();
    }

    private Tokenizer read() {
        String model = gguf.optionalString(PREFIX + "model")
                .orElseThrow(() ->
                        new ModelFormatException(file, "no tokenizer: metadata key '" + PREFIX + "model' is missing"));
        return switch (model) {
            case "llama" -> sentencePiece();
            case "gpt2" -> byteLevelBpe();
            default ->
                throw new ModelFormatException(
                        file,
                        "metadata '" + PREFIX + "model' = '" + model + "' is not supported (supported: llama, gpt2)");
        };
    }

    private Tokenizer sentencePiece() {
        String[] pieces = gguf.stringArray(PREFIX + "tokens").toArray(String[]::new);
        float[] scores = gguf.floatArray(PREFIX + "scores");
        checkLength(PREFIX + "scores", scores.length, pieces.length);
        Vocabulary vocab = vocabulary(pieces, scores, 1, 2);
        return new SentencePieceTokenizer(
                vocab,
                gguf.getBoolean(PREFIX + "add_space_prefix", true),
                gguf.getBoolean(PREFIX + "remove_extra_whitespaces", false),
                gguf.getBoolean(PREFIX + "add_bos_token", true),
                gguf.getBoolean(PREFIX + "add_eos_token", false));
    }

    private Tokenizer byteLevelBpe() {
        String[] pieces = gguf.stringArray(PREFIX + "tokens").toArray(String[]::new);
        Vocabulary vocab = vocabulary(pieces, null, -1, -1);
        List<String> mergeStrings = gguf.stringArray(PREFIX + "merges");
        List<String[]> pairs = new ArrayList<>(mergeStrings.size());
        for (int i = 0; i < mergeStrings.size(); i++) {
            pairs.add(MergeTable.splitPair(file, "metadata '" + PREFIX + "merges'", i, mergeStrings.get(i)));
        }
        MergeTable merges = new MergeTable(file, "metadata '" + PREFIX + "merges'", pairs, vocab);
        PreTokenizerType pre = preType(gguf.optionalString(PREFIX + "pre").orElse(null));
        PreTokenizer preTokenizer = new PreTokenizer.Sequence(
                List.of(new PreTokenizer.LlamaCpp(pre), new PreTokenizer.ByteLevelWords(false, false)));
        BpeTokenizer.Options options =
                new BpeTokenizer.Options(UnaryOperator.identity(), preTokenizer, false, false, pre.ignoreMerges());
        return new BpeTokenizer(
                vocab,
                merges,
                options,
                Detokenizer.byteLevel(vocab),
                gguf.getBoolean(PREFIX + "add_bos_token", pre.addBos()),
                gguf.getBoolean(PREFIX + "add_eos_token", false));
    }

    /** The row of llama.cpp's pre-tokenizer table for a tokenizer.ggml.pre value; llama.cpp's "default" when absent. */
    private PreTokenizerType preType(String pre) {
        if (pre == null) {
            LOG.warn("{}: metadata '{}pre' is missing; using llama.cpp's 'default' pre-tokenizer", file, PREFIX);
            return PreTokenizerType.DEFAULT;
        }
        PreTokenizerType type = PreTokenizerType.byName(pre)
                .orElseThrow(() -> new ModelFormatException(
                        file,
                        "metadata '" + PREFIX + "pre' = '" + pre + "' is not a known pre-tokenizer (known: "
                                + String.join(", ", PreTokenizerType.knownNames()) + ")"));
        if (!type.supported()) {
            throw new ModelFormatException(
                    file,
                    "metadata '" + PREFIX + "pre' = '" + pre
                            + "' names a vocabulary that is not byte-level BPE (spaces as U+2581 or raw UTF-8 pieces);"
                            + " Topiary does not support it");
        }
        return type;
    }

    private Vocabulary vocabulary(String[] pieces, float[] scores, int defaultBos, int defaultEos) {
        TokenType[] types = types(pieces);
        int bos = specialId("bos_token_id", defaultBos, pieces.length);
        int eos = specialId("eos_token_id", defaultEos, pieces.length);
        int unk = specialId("unknown_token_id", firstOfType(types, TokenType.UNKNOWN), pieces.length);
        return new Vocabulary(pieces, scores, types, bos, eos, unk);
    }

    private TokenType[] types(String[] pieces) {
        TokenType[] types = new TokenType[pieces.length];
        if (!gguf.has(PREFIX + "token_type")) {
            for (int i = 0; i < pieces.length; i++) {
                types[i] = Vocabulary.guessType(pieces[i]);
            }
            return types;
        }
        int[] codes = gguf.intArray(PREFIX + "token_type");
        checkLength(PREFIX + "token_type", codes.length, pieces.length);
        for (int i = 0; i < codes.length; i++) {
            types[i] = TokenType.fromGguf(codes[i]);
            if (types[i] == null) {
                throw new ModelFormatException(
                        file,
                        "metadata '" + PREFIX + "token_type'[" + i + "] = " + codes[i] + " is not a token type (1..6)");
            }
            if (types[i] == TokenType.BYTE && !Vocabulary.isBytePiece(pieces[i])) {
                throw new ModelFormatException(
                        file,
                        "metadata '" + PREFIX + "token_type'[" + i + "] = " + codes[i] + " (byte) but token " + i + " '"
                                + pieces[i] + "' is not spelled like a byte, <0xHH>");
            }
        }
        return types;
    }

    private static int firstOfType(TokenType[] types, TokenType type) {
        for (int i = 0; i < types.length; i++) {
            if (types[i] == type) {
                return i;
            }
        }
        return -1;
    }

    /** A special-token id: {@code dflt} when absent (-1 if that is outside the vocabulary), -1 when written as -1 / 0xFFFFFFFF. */
    private int specialId(String key, int dflt, int vocabSize) {
        long id = gguf.getLong(PREFIX + key, dflt);
        if (id == -1 || id == 0xFFFF_FFFFL) {
            return -1;
        }
        if (id < 0 || id >= vocabSize) {
            if (!gguf.has(PREFIX + key)) {
                return -1;
            }
            throw new ModelFormatException(
                    file,
                    "metadata '" + PREFIX + key + "' = " + id + " is outside the vocabulary (" + vocabSize
                            + " tokens)");
        }
        return (int) id;
    }

    private void checkLength(String key, int length, int expected) {
        if (length != expected) {
            throw new ModelFormatException(
                    file,
                    "metadata '" + key + "' has " + length + " entries but '" + PREFIX + "tokens' has " + expected);
        }
    }
}
