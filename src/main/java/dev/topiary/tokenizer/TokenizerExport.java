// TokenizerExport: any Topiary tokenizer as the tokenizer.ggml.* vocabulary llama.cpp reads from a GGUF file.
package dev.topiary.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The vocabulary of a {@link Tokenizer} in the form GGUF stores it ({@code tokenizer.ggml.*}), so that
 * llama.cpp, and {@link Tokenizers#fromGguf} reading it back, encode text to the same ids:
 * <ul>
 *   <li>SentencePiece tokenizers (llama2.c {@code tok*.bin}, GGUF "llama") export as model "llama" with
 *       their own scores;</li>
 *   <li>SentencePiece-flavoured BPE from a {@code tokenizer.json} (spaces as {@code ▁}, byte fallback; the
 *       "legacy" Llama layout) exports as model "llama" too, with scores derived from the merge ranks:
 *       the score of a piece is {@code -(rank of the first merge that produces it)}; pieces that no merge
 *       produces score 0, except multi-character normal pieces that no merge produces, which get the lowest
 *       score of all ({@code -(number of merges)}). llama.cpp's score-driven merge then follows the same
 *       order as the rank-driven one wherever the merge list holds every split of a piece that the
 *       vocabulary allows, as tokenizers converted from SentencePiece do; a round trip on real text is the
 *       check (see the tests);</li>
 *   <li>byte-level BPE (GGUF "gpt2", GPT-2 / Llama 3 / Qwen2 {@code tokenizer.json}) exports as model
 *       "gpt2" with its merges and the llama.cpp pre-tokenizer name ({@code tokenizer.ggml.pre}) of its
 *       split patterns: the {@link PreTokenizerType} row with the same regexes ("gpt-2", "llama-bpe",
 *       "qwen2", "deepseek-coder", ...).</li>
 * </ul>
 */
public final class TokenizerExport {
    private TokenizerExport() {}

    /**
     * A GGUF vocabulary.
     *
     * @param model          {@code tokenizer.ggml.model}: "llama" (score-driven SentencePiece) or "gpt2" (byte-level BPE)
     * @param pre            {@code tokenizer.ggml.pre}, or null ("llama" models)
     * @param tokens         pieces by id, in vocabulary spelling
     * @param scores         per-id scores ("llama"), or null ("gpt2", which has none)
     * @param types          GGUF token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte
     * @param merges         "left right" in rank order ("gpt2"); empty for "llama"
     * @param bos            BOS id, or -1; likewise {@code eos}, {@code unk}
     * @param addBos         {@code tokenizer.ggml.add_bos_token}
     * @param addSpacePrefix {@code tokenizer.ggml.add_space_prefix} ("llama"; false for "gpt2")
     */
    public record Vocab(
            String model,
            String pre,
            List<String> tokens,
            float[] scores,
            int[] types,
            List<String> merges,
            int bos,
            int eos,
            int unk,
            boolean addBos,
            boolean addSpacePrefix) {
        public Vocab {
            tokens = List.copyOf(tokens);
            merges = List.copyOf(merges);
            scores = scores == null ? null : scores.clone();
            types = types.clone();
            if (types.length != tokens.size() || scores != null && scores.length != tokens.size())
                throw new IllegalArgumentException(tokens.size() + " tokens but " + types.length + " types"
                        + (scores == null ? "" : " and " + scores.length + " scores"));
        }

        @Override
        public float[] scores() {
            return scores == null ? null : scores.clone();
        }

        @Override
        public int[] types() {
            return types.clone();
        }

        public int size() {
            return tokens.size();
        }
    }

    /** Hugging Face spellings of patterns that llama.cpp writes differently, with llama.cpp's spelling. */
    private static final Map<String, String> PRE_SPELLINGS = Map.of(
            PreTokenizer.GPT2,
            PreTokenizerType.GPT2_PATTERN,
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            PreTokenizer.LLAMA3,
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            PreTokenizer.QWEN2);

    /**
     * The GGUF vocabulary of {@code t}.
     *
     * @throws IllegalArgumentException when {@code t} is not a Topiary tokenizer, or is a BPE tokenizer
     *                                  whose text preparation has no GGUF equivalent (the message says which part)
     */
    public static Vocab of(Tokenizer t) {
        return switch (t) {
            case SentencePieceTokenizer spm -> sentencePiece(spm);
            case BpeTokenizer bpe ->
                isByteLevel(bpe.options().preTokenizer()) ? byteLevel(bpe) : sentencePieceFromRanks(bpe);
            default ->
                throw new IllegalArgumentException(
                        "cannot export a " + t.getClass().getName() + " as a GGUF vocabulary");
        };
    }

    private static Vocab sentencePiece(SentencePieceTokenizer t) {
        Vocabulary v = t.vocab;
        float[] scores = new float[v.size()];
        for (int id = 0; id < v.size(); id++) scores[id] = v.score(id);
        return new Vocab(
                "llama",
                null,
                pieces(v),
                scores,
                types(v),
                List.of(),
                v.bos(),
                v.eos(),
                v.unk(),
                t.addBosByDefault(),
                t.addSpacePrefix());
    }

    /** SentencePiece-flavoured rank BPE: scores from the merge ranks, as described in the class comment. */
    private static Vocab sentencePieceFromRanks(BpeTokenizer t) {
        Vocabulary v = t.vocab;
        List<MergeTable.Merge> merges = t.merges().inRankOrder();
        float[] scores = new float[v.size()];
        boolean[] produced = new boolean[v.size()];
        for (MergeTable.Merge m : merges) {
            if (!produced[m.merged()]) {
                produced[m.merged()] = true;
                scores[m.merged()] = -m.rank();
            }
        }
        for (int id = 0; id < v.size(); id++) {
            String p = v.piece(id);
            if (!produced[id] && v.type(id) == TokenType.NORMAL && p.codePointCount(0, p.length()) > 1)
                scores[id] = -merges.size();
        }
        return new Vocab(
                "llama",
                null,
                pieces(v),
                scores,
                types(v),
                List.of(),
                v.bos(),
                v.eos(),
                v.unk(),
                t.addBosByDefault(),
                spaceMarkPrefix(t));
    }

    /** Whether the normalizer and pre-tokenizer turn "a b" into ▁a▁b (space prefix) or a▁b; anything else is not SentencePiece-like. */
    private static boolean spaceMarkPrefix(BpeTokenizer t) {
        BpeTokenizer.Options o = t.options();
        List<String> words = new ArrayList<>();
        o.preTokenizer().split(o.normalizer().apply("a b"), true, words);
        String joined = String.join("", words);
        return switch (joined) {
            case "\u2581a\u2581b" -> true;
            case "a\u2581b" -> false;
            default ->
                throw new IllegalArgumentException("this BPE tokenizer is neither byte-level nor SentencePiece-like"
                        + " (it prepares \"a b\" as " + words + "); it has no GGUF equivalent");
        };
    }

    private static Vocab byteLevel(BpeTokenizer t) {
        Vocabulary v = t.vocab;
        List<String> merges = new ArrayList<>();
        for (MergeTable.Merge m : t.merges().inRankOrder()) merges.add(v.piece(m.left()) + " " + v.piece(m.right()));
        return new Vocab(
                "gpt2",
                preName(t.options()),
                pieces(v),
                null,
                types(v),
                merges,
                v.bos(),
                v.eos(),
                v.unk(),
                t.addBosByDefault(),
                false);
    }

    private static boolean isByteLevel(PreTokenizer p) {
        return p instanceof PreTokenizer.ByteLevelWords
                || p instanceof PreTokenizer.Sequence s && s.stages().stream().anyMatch(TokenizerExport::isByteLevel);
    }

    /**
     * The llama.cpp pre-tokenizer that splits words as {@code o} does: the row of {@link PreTokenizerType} whose
     * regexes are those of the Isolated Splits in front of a plain ByteLevel step (Hugging Face's spellings of
     * the GPT-2, Llama 3 and Qwen2 patterns count as llama.cpp's) and whose ignore_merges agrees.
     */
    private static String preName(BpeTokenizer.Options o) {
        PreTokenizer p = o.preTokenizer();
        List<String> regexes = null;
        if (p instanceof PreTokenizer.ByteLevelWords(boolean prefix, boolean useRegex) && !prefix && useRegex) {
            regexes = List.of(PreTokenizerType.GPT2_PATTERN);
        } else if (p instanceof PreTokenizer.Sequence(List<PreTokenizer> stages)
                && stages.size() == 2
                && stages.get(0) instanceof PreTokenizer.LlamaCpp(PreTokenizerType type)
                && isPlainByteLevel(stages.get(1))) {
            regexes = type.regexes();
        } else if (p instanceof PreTokenizer.Sequence(List<PreTokenizer> stages)
                && stages.size() >= 2
                && isPlainByteLevel(stages.getLast())) {
            regexes = new ArrayList<>();
            for (PreTokenizer stage : stages.subList(0, stages.size() - 1)) {
                if (stage instanceof PreTokenizer.Split(var pattern, var behavior, boolean invert)
                        && behavior == PreTokenizer.Behavior.ISOLATED
                        && !invert) {
                    regexes.add(PRE_SPELLINGS.getOrDefault(pattern.pattern(), pattern.pattern()));
                } else {
                    regexes = null;
                    break;
                }
            }
        }
        if (regexes == null)
            throw new IllegalArgumentException("the pre-tokenizer " + p
                    + " has no llama.cpp tokenizer.ggml.pre equivalent"
                    + " (it must be Isolated regex splits followed by ByteLevel without its regex)");
        PreTokenizerType sameSplits = null;
        for (PreTokenizerType t : PreTokenizerType.values()) {
            if (t.supported() && t.regexes().equals(regexes)) {
                if (t.ignoreMerges() == o.ignoreMerges()) return t.canonicalName();
                sameSplits = t;
            }
        }
        if (sameSplits != null)
            throw new IllegalArgumentException("pre-tokenizer " + sameSplits.canonicalName() + " with ignore_merges = "
                    + o.ignoreMerges() + " has no llama.cpp equivalent");
        throw new IllegalArgumentException("the pre-tokenizer patterns " + regexes
                + " have no llama.cpp tokenizer.ggml.pre equivalent (see PreTokenizerType for the known ones)");
    }

    private static boolean isPlainByteLevel(PreTokenizer p) {
        return p instanceof PreTokenizer.ByteLevelWords(boolean prefix, boolean useRegex) && !prefix && !useRegex;
    }

    private static List<String> pieces(Vocabulary v) {
        String[] out = new String[v.size()];
        for (int id = 0; id < out.length; id++) out[id] = v.piece(id);
        return Arrays.asList(out);
    }

    private static int[] types(Vocabulary v) {
        int[] out = new int[v.size()];
        for (int id = 0; id < out.length; id++) out[id] = v.type(id).ordinal() + 1;
        return out;
    }
}
