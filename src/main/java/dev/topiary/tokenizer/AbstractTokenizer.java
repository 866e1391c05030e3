// AbstractTokenizer: what all tokenizers share: BOS, special-token splitting, decoding, piece lookups.
package dev.topiary.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/** Base of the tokenizers: subclasses only encode plain-text fragments. */
abstract class AbstractTokenizer implements Tokenizer {
    protected final Vocabulary vocab;
    private final Detokenizer detokenizer;
    private final SpecialTokens specialTokens;
    private final boolean addBos;
    private final boolean addEos;

    AbstractTokenizer(Vocabulary vocab, Detokenizer detokenizer, boolean addBos, boolean addEos) {
        this.vocab = vocab;
        this.detokenizer = detokenizer;
        this.specialTokens = new SpecialTokens(vocab);
        this.addBos = addBos;
        this.addEos = addEos && vocab.eos() >= 0;
    }

    /**
     * Appends the ids of a non-empty plain-text fragment.
     *
     * @param atStart whether the fragment starts the text (nothing, not even a special token, before it)
     */
    abstract void encodeText(String text, boolean atStart, IntList out);

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int bosId() {
        return vocab.bos();
    }

    @Override
    public int eosId() {
        return vocab.eos();
    }

    @Override
    public boolean addBosByDefault() {
        return addBos;
    }

    @Override
    public boolean addEosByDefault() {
        return addEos;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        return encode(text, addBos, false);
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        IntList out = new IntList();
        if (addBos && vocab.bos() >= 0) {
            out.add(vocab.bos());
        }
        for (SpecialTokens.Fragment f : specialTokens.split(text, parseSpecial)) {
            if (f.isToken()) {
                out.add(f.id());
            } else {
                encodeText(f.text(), f.start() == 0, out);
            }
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids) {
        return detokenizer.decode(ids);
    }

    @Override
    public String piece(int id) {
        return vocab.piece(id);
    }

    @Override
    public OptionalInt id(String piece) {
        int id = vocab.id(piece);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new StreamDecoder(detokenizer);
    }

    /** Appends the byte-fallback tokens for the UTF-8 bytes of {@code text}, or the unknown token if one is missing. */
    final void appendBytes(String text, IntList out) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = vocab.byteToken(bytes[i] & 0xFF);
            if (ids[i] < 0) {
                appendUnknown(text, out);
                return;
            }
        }
        out.addAll(ids);
    }

    /** Appends the unknown token; fails when the vocabulary has none. */
    final void appendUnknown(String text, IntList out) {
        if (vocab.unk() < 0) {
            throw new IllegalArgumentException(
                    "cannot encode " + describe(text) + ": it is not in the vocabulary, which has no unknown token");
        }
        out.add(vocab.unk());
    }

    private static String describe(String text) {
        StringBuilder sb = new StringBuilder("'").append(text).append("' (");
        text.codePoints().forEach(cp -> sb.append(String.format("U+%04X ", cp)));
        return sb.toString().trim() + ")";
    }
}
