// BpeTokenizer: BPE driven by merge ranks (Hugging Face tokenizer.json, GGUF "gpt2" vocabularies).
package dev.topiary.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Rank-driven BPE as in Hugging Face's BPE model and llama.cpp's BPE tokenizer. Each plain-text fragment
 * is normalized, split into words by the pre-tokenizer (which, in the byte-level flavour, also spells
 * the words' bytes as GPT-2 characters), and every word is encoded on its own: its characters start as
 * symbols, and the adjacent pair with the lowest merge rank is merged (leftmost on ties) until no listed
 * merge applies. Characters outside the vocabulary become byte-fallback tokens or the unknown token.
 */
final class BpeTokenizer extends AbstractTokenizer {
    /**
     * How text is prepared and what happens to characters outside the vocabulary.
     *
     * @param byteFallback unknown characters become {@code <0xXX>} tokens
     * @param fuseUnk      consecutive unknown characters of a word become one unknown token
     * @param ignoreMerges a word that is a vocabulary piece as a whole is taken as is (Llama 3)
     */
    record Options(
            UnaryOperator<String> normalizer,
            PreTokenizer preTokenizer,
            boolean byteFallback,
            boolean fuseUnk,
            boolean ignoreMerges) {}

    /** Number of cached words at which the cache is emptied. */
    private static final int CACHE_LIMIT = 50_000;
    /** Longer words are not cached. */
    private static final int CACHE_MAX_WORD = 64;

    private final MergeTable merges;
    private final Options options;
    /** Ids of words encoded before: natural text repeats words a lot. Safe for concurrent encodes. */
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeTokenizer(Vocabulary vocab, MergeTable merges, Options options, Detokenizer detokenizer, boolean addBos) {
        this(vocab, merges, options, detokenizer, addBos, false);
    }

    BpeTokenizer(
            Vocabulary vocab,
            MergeTable merges,
            Options options,
            Detokenizer detokenizer,
            boolean addBos,
            boolean addEos) {
        super(vocab, detokenizer, addBos, addEos);
        this.merges = merges;
        this.options = options;
    }

    /** The merge ranks (for {@link TokenizerExport}). */
    MergeTable merges() {
        return merges;
    }

    /** How text is prepared (for {@link TokenizerExport}). */
    Options options() {
        return options;
    }

    @Override
    void encodeText(String text, boolean atStart, IntList out) {
        String normalized = options.normalizer().apply(text);
        if (normalized.isEmpty()) {
            return;
        }
        List<String> words = new ArrayList<>();
        options.preTokenizer().split(normalized, atStart, words);
        for (String word : words) {
            if (word.length() > CACHE_MAX_WORD) {
                out.addAll(encodeWord(word));
            } else if (!word.isEmpty()) {
                out.addAll(cachedWord(word));
            }
        }
    }

    private int[] cachedWord(String word) {
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = encodeWord(word);
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(word, ids);
        }
        return ids;
    }

    private int[] encodeWord(String word) {
        int whole = options.ignoreMerges() ? vocab.id(word) : -1;
        if (whole >= 0) {
            return new int[] {whole};
        }
        BpeMerger.Symbols symbols = BpeMerger.mergeCharacters(
                word,
                vocab::id,
                (left, right, start, end) -> left < 0 || right < 0 ? BpeMerger.NONE : merges.find(left, right));
        IntList out = new IntList();
        appendSymbols(word, symbols, out);
        return out.toArray();
    }

    private void appendSymbols(String word, BpeMerger.Symbols symbols, IntList out) {
        boolean previousUnknown = false;
        for (int i = 0; i < symbols.count(); i++) {
            int id = symbols.ids()[i];
            String text = word.substring(symbols.from()[i], symbols.to()[i]);
            if (id >= 0) {
                out.add(id);
                previousUnknown = false;
            } else if (options.byteFallback()) {
                appendBytes(text, out);
            } else if (!(options.fuseUnk() && previousUnknown)) {
                appendUnknown(text, out);
                previousUnknown = true;
            }
        }
    }
}
