// TokenizerJsonReader: builds a BpeTokenizer from a Hugging Face tokenizer.json (+ tokenizer_config.json).
package dev.topiary.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.format.ModelFormatException;
import dev.topiary.format.TextFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the parts of a {@code tokenizer.json} that BPE tokenizers of Llama-family models use:
 * <pre>
 * model          {type "BPE", vocab {piece: id}, merges ["a b" | ["a","b"]], unk_token, byte_fallback, fuse_unk, ignore_merges}
 * added_tokens   [{id, content, special}]            special -> control token, otherwise user-defined
 * normalizer     Sequence | Prepend | Replace | NFC | NFD | NFKC | NFKD | Lowercase | null
 * pre_tokenizer  Sequence | ByteLevel | Split | Metaspace | Digits | Punctuation | Whitespace | WhitespaceSplit | null
 * post_processor TemplateProcessing (or inside Sequence): a leading special token means "add BOS"
 * decoder        ByteLevel (byte-level flavour) or Replace("▁"," ") / Metaspace + ByteFallback + Fuse + Strip(" ",1,0)
 * </pre>
 * BOS/EOS, add_bos_token and add_eos_token come from {@code tokenizer_config.json}, else
 * {@code special_tokens_map.json} beside it, else the post-processor. Anything else is rejected with a
 * {@link ModelFormatException} naming the field.
 */
final class TokenizerJsonReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Unused ids a vocabulary may leave between its tokens (padding rows); more means a corrupt id. */
    private static final int MAX_ID_GAP = 1 << 16;

    private final Path file;
    private final JsonNode root;
    private final JsonNode config;
    private final JsonNode specialTokensMap;

    private TokenizerJsonReader(Path file) throws IOException {
        this.file = file;
        this.root = parse(file);
        this.config = parseSibling("tokenizer_config.json");
        this.specialTokensMap = parseSibling("special_tokens_map.json");
    }

    static Tokenizer read(Path tokenizerJson) throws IOException {
        return new TokenizerJsonReader(tokenizerJson).build();
    }

    private static JsonNode parse(Path f) throws IOException {
        try {
            return JSON.readTree(TextFiles.read(f)); // UTF-8 only, as the format is; Jackson would guess UTF-16/32
        } catch (JacksonException e) {
            throw new ModelFormatException(f, "not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private JsonNode parseSibling(String name) throws IOException {
        Path sibling = file.resolveSibling(name);
        return Files.isRegularFile(sibling) ? parse(sibling) : JSON.missingNode();
    }

    private Tokenizer build() {
        JsonNode model = root.path("model");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw error("model.type = '" + type + "' is not supported (only BPE)");
        }
        rejectSubwordAffixes(model);
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        Vocabulary vocab = vocabulary(model, byteFallback);
        MergeTable merges = new MergeTable(file, "model.merges", mergePairs(model.path("merges")), vocab);
        BpeTokenizer.Options options = new BpeTokenizer.Options(
                normalizer(root.path("normalizer"), "normalizer"),
                preTokenizer(root.path("pre_tokenizer"), "pre_tokenizer"),
                byteFallback,
                model.path("fuse_unk").asBoolean(false),
                model.path("ignore_merges").asBoolean(false));
        return new BpeTokenizer(
                vocab,
                merges,
                options,
                detokenizer(vocab),
                addBos(vocab),
                config.path("add_eos_token").asBoolean(false));
    }

    private void rejectSubwordAffixes(JsonNode model) {
        for (String key : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (!model.path(key).asText("").isEmpty()) {
                throw error("model." + key + " = '" + model.path(key).asText() + "' is not supported");
            }
        }
    }

    // ---- vocabulary ----

    private Vocabulary vocabulary(JsonNode model, boolean byteFallback) {
        TreeMap<Integer, String> byId = new TreeMap<>();
        Map<Integer, Boolean> added = new TreeMap<>();
        model.path("vocab")
                .properties()
                .forEach(e -> byId.put(tokenId(e.getValue(), "model.vocab['" + e.getKey() + "']"), e.getKey()));
        JsonNode addedTokens = root.path("added_tokens");
        for (int i = 0; i < addedTokens.size(); i++) {
            JsonNode t = addedTokens.get(i);
            int id = tokenId(t.path("id"), "added_tokens[" + i + "].id");
            byId.put(id, t.path("content").asText());
            added.put(id, t.path("special").asBoolean(false));
        }
        if (byId.isEmpty()) {
            throw error("model.vocab is missing or empty");
        }
        int size = byId.lastKey() + 1;
        if (size > byId.size() + MAX_ID_GAP) {
            throw error("token ids run up to " + byId.lastKey() + " but there are only " + byId.size()
                    + " tokens (ids must be nearly dense: at most " + MAX_ID_GAP + " unused)");
        }
        String[] pieces = new String[size];
        TokenType[] types = new TokenType[size];
        String unkPiece = model.path("unk_token").asText(null);
        for (int id = 0; id < size; id++) {
            pieces[id] = byId.getOrDefault(id, "");
            types[id] = typeOf(pieces[id], byId.containsKey(id), added.get(id), unkPiece, byteFallback);
        }
        int unk = unkPiece == null ? -1 : indexOf(pieces, unkPiece);
        return new Vocabulary(pieces, null, types, specialId(pieces, "bos_token"), specialId(pieces, "eos_token"), unk);
    }

    private static TokenType typeOf(
            String piece, boolean present, Boolean addedSpecial, String unkPiece, boolean byteFallback) {
        if (!present) {
            return TokenType.UNUSED;
        }
        if (piece.equals(unkPiece)) {
            return TokenType.UNKNOWN;
        }
        if (addedSpecial != null) {
            return addedSpecial ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        return byteFallback && Vocabulary.isBytePiece(piece) ? TokenType.BYTE : TokenType.NORMAL;
    }

    private int tokenId(JsonNode node, String where) {
        if (!node.canConvertToInt() || node.asInt() < 0 || node.asInt() > (1 << 24)) {
            throw error(where + " = " + node + " is not a valid token id");
        }
        return node.asInt();
    }

    private static int indexOf(String[] pieces, String piece) {
        for (int i = 0; i < pieces.length; i++) {
            if (pieces[i].equals(piece)) {
                return i;
            }
        }
        return -1;
    }

    private List<String[]> mergePairs(JsonNode merges) {
        List<String[]> pairs = new ArrayList<>(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            JsonNode m = merges.get(i);
            if (m.isTextual()) {
                pairs.add(MergeTable.splitPair(file, "model.merges", i, m.asText()));
            } else if (m.isArray()
                    && m.size() == 2
                    && m.get(0).isTextual()
                    && m.get(1).isTextual()) {
                pairs.add(new String[] {m.get(0).asText(), m.get(1).asText()});
            } else {
                throw error("model.merges[" + i + "] = " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return pairs;
    }

    // ---- special tokens ----

    /** The id of the config's {@code bos_token}/{@code eos_token} (a string or {content: ...}), else the post-processor's BOS. */
    private int specialId(String[] pieces, String key) {
        String piece = configToken(config.path(key));
        if (piece == null) {
            piece = configToken(specialTokensMap.path(key));
        }
        if (piece == null && key.equals("bos_token")) {
            piece = templateBosPiece();
        }
        if (piece == null) {
            return -1;
        }
        int id = indexOf(pieces, piece);
        if (id < 0) {
            throw error(key + " '" + piece + "' is not in the vocabulary");
        }
        return id;
    }

    private static String configToken(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        return node.path("content").isTextual() ? node.path("content").asText() : null;
    }

    /** The special token the post-processor puts first, if any (that is BOS). */
    private String templateBosPiece() {
        JsonNode first = template().path("single").path(0).path("SpecialToken").path("id");
        return first.isTextual() ? first.asText() : null;
    }

    /** The TemplateProcessing post-processor, alone or inside a Sequence; missing node if none. */
    private JsonNode template() {
        JsonNode pp = root.path("post_processor");
        if (pp.path("type").asText().equals("Sequence")) {
            for (JsonNode p : pp.path("processors")) {
                if (p.path("type").asText().equals("TemplateProcessing")) {
                    return p;
                }
            }
        }
        return pp.path("type").asText().equals("TemplateProcessing") ? pp : JSON.missingNode();
    }

    private boolean addBos(Vocabulary vocab) {
        JsonNode flag = config.path("add_bos_token");
        if (flag.isBoolean()) {
            return flag.asBoolean();
        }
        String piece = templateBosPiece();
        return piece != null && vocab.id(piece) >= 0;
    }

    // ---- normalizer ----

    private UnaryOperator<String> normalizer(JsonNode n, String where) {
        if (n.isMissingNode() || n.isNull()) {
            return UnaryOperator.identity();
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "Sequence" -> sequence(n.path("normalizers"), where + ".normalizers");
            case "Prepend" -> prepend(n.path("prepend").asText());
            case "Replace" -> replace(n, where);
            case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            default -> throw unsupported(where, type, "Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase");
        };
    }

    private UnaryOperator<String> sequence(JsonNode list, String where) {
        List<UnaryOperator<String>> steps = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            steps.add(normalizer(list.get(i), where + "[" + i + "]"));
        }
        return s -> {
            for (UnaryOperator<String> step : steps) {
                s = step.apply(s);
            }
            return s;
        };
    }

    /** Prepend adds its string to non-empty text only. */
    private static UnaryOperator<String> prepend(String prefix) {
        return s -> s.isEmpty() ? s : prefix + s;
    }

    private UnaryOperator<String> replace(JsonNode n, String where) {
        String content = n.path("content").asText();
        Pattern p = pattern(n.path("pattern"), where + ".pattern");
        String quoted = Matcher.quoteReplacement(content);
        return s -> p.matcher(s).replaceAll(quoted);
    }

    /** A {"String": literal} or {"Regex": pattern} object. */
    private Pattern pattern(JsonNode n, String where) {
        if (n.path("String").isTextual()) {
            return Pattern.compile(Pattern.quote(n.path("String").asText()));
        }
        if (n.path("Regex").isTextual()) {
            try {
                return PreTokenizer.compile(n.path("Regex").asText());
            } catch (PatternSyntaxException e) {
                throw error(
                        where + ".Regex = '" + n.path("Regex").asText() + "' does not compile: " + e.getDescription());
            }
        }
        throw error(where + " = " + n + " is neither {\"String\": ...} nor {\"Regex\": ...}");
    }

    // ---- pre-tokenizer ----

    private PreTokenizer preTokenizer(JsonNode n, String where) {
        if (n.isMissingNode() || n.isNull()) {
            return PreTokenizer.none();
        }
        String type = n.path("type").asText();
        return switch (type) {
            case "Sequence" -> preSequence(n.path("pretokenizers"), where + ".pretokenizers");
            case "ByteLevel" ->
                new PreTokenizer.ByteLevelWords(
                        n.path("add_prefix_space").asBoolean(false),
                        n.path("use_regex").asBoolean(true));
            case "Split" ->
                new PreTokenizer.Split(
                        pattern(n.path("pattern"), where + ".pattern"),
                        behavior(n.path("behavior").asText(), where + ".behavior"),
                        n.path("invert").asBoolean(false));
            case "Metaspace" -> metaspace(n, where);
            case "Digits" ->
                new PreTokenizer.Split(
                        Pattern.compile(n.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+"),
                        PreTokenizer.Behavior.ISOLATED,
                        false);
            case "Punctuation" ->
                new PreTokenizer.Split(
                        PUNCTUATION, behavior(n.path("behavior").asText("Isolated"), where + ".behavior"), false);
            case "Whitespace" -> new PreTokenizer.Split(WORDS_OR_SYMBOLS, PreTokenizer.Behavior.REMOVED, true);
            case "WhitespaceSplit" -> new PreTokenizer.Split(WHITESPACE, PreTokenizer.Behavior.REMOVED, false);
            default ->
                throw unsupported(
                        where,
                        type,
                        "Sequence, ByteLevel, Split, Metaspace, Digits, Punctuation, Whitespace, WhitespaceSplit");
        };
    }

    /** Hugging Face's Punctuation: one ASCII punctuation character or Unicode punctuation (P*) at a time. */
    private static final Pattern PUNCTUATION = Pattern.compile("[\\p{P}!-/:-@\\[-`{-~]");
    /** Hugging Face's Whitespace keeps the matches of {@code \w+|[^\w\s]+} (Unicode classes) as the words. */
    private static final Pattern WORDS_OR_SYMBOLS = PreTokenizer.compile("\\w+|[^\\w\\s]+");
    /** Hugging Face's WhitespaceSplit drops white space (Unicode White_Space) and splits there. */
    private static final Pattern WHITESPACE = PreTokenizer.compile("\\s+");

    private PreTokenizer preSequence(JsonNode list, String where) {
        List<PreTokenizer> stages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            stages.add(preTokenizer(list.get(i), where + "[" + i + "]"));
        }
        return new PreTokenizer.Sequence(stages);
    }

    private PreTokenizer.Behavior behavior(String name, String where) {
        return switch (name) {
            case "Removed" -> PreTokenizer.Behavior.REMOVED;
            case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
            case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
            default ->
                throw unsupported(where, name, "Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
        };
    }

    private PreTokenizer metaspace(JsonNode n, String where) {
        String replacement = n.path("replacement").asText("\u2581");
        if (replacement.length() != 1) {
            throw error(where + ".replacement = '" + replacement + "' is not one character");
        }
        return new PreTokenizer.Metaspace(
                replacement.charAt(0), prependScheme(n, where), n.path("split").asBoolean(true));
    }

    /** prepend_scheme ("always", "first", "never"), or the older add_prefix_space flag. */
    private PreTokenizer.Metaspace.Prepend prependScheme(JsonNode n, String where) {
        String scheme =
                n.path("prepend_scheme").asText(n.path("add_prefix_space").asBoolean(true) ? "always" : "never");
        return switch (scheme) {
            case "always" -> PreTokenizer.Metaspace.Prepend.ALWAYS;
            case "first" -> PreTokenizer.Metaspace.Prepend.FIRST;
            case "never" -> PreTokenizer.Metaspace.Prepend.NEVER;
            default -> throw unsupported(where + ".prepend_scheme", scheme, "always, first, never");
        };
    }

    // ---- decoder ----

    /** What the decoder chain does, gathered from its steps. */
    private static final class DecoderSteps {
        boolean byteLevel;
        boolean spaceMark;
        boolean stripLeadingSpace;
    }

    private Detokenizer detokenizer(Vocabulary vocab) {
        DecoderSteps steps = new DecoderSteps();
        collectDecoder(root.path("decoder"), "decoder", steps);
        if (steps.byteLevel) {
            return Detokenizer.byteLevel(vocab);
        }
        if (!steps.spaceMark) {
            throw error(
                    "decoder: neither ByteLevel nor a \u2581-to-space step (Replace or Metaspace); decoding is not supported");
        }
        return Detokenizer.sentencePiece(vocab, steps.stripLeadingSpace);
    }

    private void collectDecoder(JsonNode n, String where, DecoderSteps steps) {
        String type = n.path("type").asText("null");
        switch (type) {
            case "Sequence" -> {
                JsonNode list = n.path("decoders");
                for (int i = 0; i < list.size(); i++) {
                    collectDecoder(list.get(i), where + ".decoders[" + i + "]", steps);
                }
            }
            case "ByteLevel" -> steps.byteLevel = true;
            case "ByteFallback", "Fuse" -> {}
            case "Replace" -> {
                requireSpaceMarkReplace(n, where);
                steps.spaceMark = true;
            }
            case "Metaspace" -> {
                steps.spaceMark = true;
                steps.stripLeadingSpace = prependScheme(n, where) != PreTokenizer.Metaspace.Prepend.NEVER;
            }
            case "Strip" -> steps.stripLeadingSpace = stripsOneLeadingSpace(n, where);
            default ->
                throw unsupported(where, type, "Sequence, ByteLevel, ByteFallback, Fuse, Replace, Metaspace, Strip");
        }
    }

    private void requireSpaceMarkReplace(JsonNode n, String where) {
        if (!n.path("pattern").path("String").asText().equals("\u2581")
                || !n.path("content").asText().equals(" ")) {
            throw error(where + ": only Replace(\"\u2581\" -> \" \") is supported, not " + n);
        }
    }

    private boolean stripsOneLeadingSpace(JsonNode n, String where) {
        int start = n.path("start").asInt(0);
        if (!n.path("content").asText(" ").equals(" ")
                || start > 1
                || n.path("stop").asInt(0) != 0) {
            throw error(where + ": only Strip(\" \", start 0 or 1, stop 0) is supported, not " + n);
        }
        return start == 1;
    }

    // ---- errors ----

    private ModelFormatException unsupported(String where, String type, String supported) {
        return error(where + " type '" + type + "' is not supported (supported: " + supported + ")");
    }

    private ModelFormatException error(String message) {
        return new ModelFormatException(file, message);
    }
}
