// SentencePieceTokenizer: SentencePiece-style BPE driven by piece scores (llama2.c, GGUF "llama" vocabularies).
package dev.topiary.tokenizer;

import java.util.Arrays;

/**
 * Score-driven BPE as in SentencePiece's BPE model, llama.cpp's SPM tokenizer and llama2.c's
 * {@code encode()}:
 * <ol>
 *   <li>with {@code removeExtraWhitespaces} (SentencePiece's normalizer option, GGUF
 *       {@code tokenizer.ggml.remove_extra_whitespaces}), each plain-text fragment loses its leading and
 *       trailing spaces and runs of spaces become one;</li>
 *   <li>each plain-text fragment gets one space in front (when {@code addSpacePrefix}) and its spaces
 *       become {@code ▁};</li>
 *   <li>every character starts as its own symbol;</li>
 *   <li>repeatedly, the adjacent pair whose concatenation is the highest-scoring vocabulary piece is
 *       merged (leftmost on ties);</li>
 *   <li>a symbol that is still not a piece (a character outside the vocabulary) becomes the byte
 *       tokens {@code <0xXX>} of its UTF-8, or the unknown token if the vocabulary lacks them.</li>
 * </ol>
 * Only normal and user-defined pieces are merge results; control, unknown, byte and unused pieces never are.
 */
final class SentencePieceTokenizer extends AbstractTokenizer {
    private static final char SPACE_MARK = '\u2581';

    private final boolean addSpacePrefix;
    private final boolean removeExtraWhitespaces;
    /** Per id: dense rank of its score, best first; Integer.MAX_VALUE for pieces that never result from a merge. */
    private final int[] mergePriority;

    SentencePieceTokenizer(Vocabulary vocab, boolean addSpacePrefix, boolean addBos) {
        this(vocab, addSpacePrefix, false, addBos, false);
    }

    SentencePieceTokenizer(
            Vocabulary vocab, boolean addSpacePrefix, boolean removeExtraWhitespaces, boolean addBos, boolean addEos) {
        super(vocab, Detokenizer.sentencePiece(vocab, addSpacePrefix), addBos, addEos);
        this.addSpacePrefix = addSpacePrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.mergePriority = rankScores(vocab);
    }

    /** Whether each plain-text fragment gets a space in front (for {@link TokenizerExport}). */
    boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    private static int[] rankScores(Vocabulary vocab) {
        float[] sorted = new float[vocab.size()];
        for (int id = 0; id < vocab.size(); id++) {
            sorted[id] = -vocab.score(id);
        }
        Arrays.sort(sorted);
        int distinct = 0;
        for (float f : sorted) {
            if (distinct == 0 || Float.compare(f, sorted[distinct - 1]) != 0) {
                sorted[distinct++] = f;
            }
        }
        int[] priority = new int[vocab.size()];
        for (int id = 0; id < vocab.size(); id++) {
            TokenType t = vocab.type(id);
            boolean mergeable = t == TokenType.NORMAL || t == TokenType.USER_DEFINED;
            priority[id] = mergeable ? Arrays.binarySearch(sorted, 0, distinct, -vocab.score(id)) : Integer.MAX_VALUE;
        }
        return priority;
    }

    @Override
    void encodeText(String text, boolean atStart, IntList out) {
        if (removeExtraWhitespaces) {
            text = collapseSpaces(text);
            if (text.isEmpty()) {
                return;
            }
        }
        String word = (addSpacePrefix ? " " + text : text).replace(' ', SPACE_MARK);
        BpeMerger.Symbols symbols = BpeMerger.mergeCharacters(word, vocab::id, (left, right, start, end) -> {
            int merged = vocab.id(word.substring(start, end));
            return merged < 0 || mergePriority[merged] == Integer.MAX_VALUE
                    ? BpeMerger.NONE
                    : BpeMerger.pack(mergePriority[merged], merged);
        });
        for (int i = 0; i < symbols.count(); i++) {
            int id = symbols.ids()[i];
            if (id >= 0 && vocab.type(id) != TokenType.UNUSED) {
                out.add(id);
            } else {
                appendBytes(word.substring(symbols.from()[i], symbols.to()[i]), out);
            }
        }
    }

    /** SentencePiece's remove_extra_whitespaces: no leading or trailing spaces, no two spaces in a row. */
    static String collapseSpaces(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ' ' || !sb.isEmpty() && sb.charAt(sb.length() - 1) != ' ') {
                sb.append(c);
            }
        }
        int end = sb.length();
        while (end > 0 && sb.charAt(end - 1) == ' ') {
            end--;
        }
        return sb.substring(0, end);
    }
}
