package dev.topiary.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes any tokenizer Topiary reads (tokenizer.json, GGUF vocabulary, llama2.c tok512.bin) as
 * Hugging Face {@code tokenizer.json} and {@code tokenizer_config.json}, so that models trained from
 * a GGUF or llama2.c source come out as complete HF folders:
 * <ul>
 *   <li>SentencePiece vocabularies become the "legacy" Llama layout: a BPE model with byte
 *       fallback, the normalizer that prepends and substitutes U+2581, and merges made from the
 *       scores: every split of a piece into two pieces of the vocabulary, ranked by the merged
 *       piece's score (how llama.cpp's converter and the shared stories260K-hf were made);
 *   <li>byte-level vocabularies keep their merges, with the split regexes of their {@code pre}
 *       ({@link PreTokenizerType}; Hugging Face runs them with full Unicode classes, llama.cpp with its
 *       own, which differ only in corners such as ASCII {@code ~} in {@code \p{S}}), its ignore_merges,
 *       and the byte-level decoder.
 * </ul>
 * Files are written atomically.
 */
public final class TokenizerJsonWriter {
    private TokenizerJsonWriter() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String SPACE = "\u2581";

    /**
     * A llama.cpp split regex as a tokenizer.json regex: GPT-2's in Hugging Face's spelling, AFMoE's digit
     * marker as the lookahead that groups a digit run's remainder first and then threes.
     */
    private static String jsonRegex(String regex) {
        if (regex.equals(PreTokenizerType.GPT2_PATTERN)) return PreTokenizer.GPT2;
        if (regex.equals(PreTokenizerType.AFMOE_DIGITS_MARKER)) return "\\p{N}{1,3}(?=(?:\\p{N}{3})*(?!\\p{N}))";
        return regex;
    }

    public static void write(Path dir, Tokenizer tok) throws IOException {
        TokenizerExport.Vocab v = TokenizerExport.of(tok);
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        for (int i = 0; i < v.tokens().size(); i++) {
            int type = v.types()[i];
            if (type == 2 || type == 3 || type == 4)
                added.addObject()
                        .put("id", i)
                        .put("content", v.tokens().get(i))
                        .put("single_word", false)
                        .put("lstrip", false)
                        .put("rstrip", false)
                        .put("normalized", type == 4)
                        .put("special", type != 4);
        }
        ObjectNode model = JSON.createObjectNode();
        model.put("type", "BPE").putNull("dropout");
        if (v.unk() >= 0) model.put("unk_token", v.tokens().get(v.unk()));
        else model.putNull("unk_token");
        ObjectNode vocab = JSON.createObjectNode();
        for (int i = 0; i < v.tokens().size(); i++) vocab.put(v.tokens().get(i), i);
        if (v.model().equals("llama")) {
            ArrayNode norm = t.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
            if (v.addSpacePrefix()) norm.addObject().put("type", "Prepend").put("prepend", SPACE);
            norm.addObject()
                    .put("type", "Replace")
                    .put("content", SPACE)
                    .putObject("pattern")
                    .put("String", " ");
            t.putNull("pre_tokenizer");
            model.put("fuse_unk", true).put("byte_fallback", true);
            model.set("vocab", vocab);
            ArrayNode merges = model.putArray("merges");
            for (String m : mergesFromScores(v)) merges.add(m);
            ArrayNode dec = t.putObject("decoder").put("type", "Sequence").putArray("decoders");
            dec.addObject()
                    .put("type", "Replace")
                    .put("content", " ")
                    .putObject("pattern")
                    .put("String", SPACE);
            dec.addObject().put("type", "ByteFallback");
            dec.addObject().put("type", "Fuse");
            if (v.addSpacePrefix())
                dec.addObject()
                        .put("type", "Strip")
                        .put("content", " ")
                        .put("start", 1)
                        .put("stop", 0);
        } else {
            t.putNull("normalizer");
            PreTokenizerType type = PreTokenizerType.byName(v.pre() == null ? "gpt-2" : v.pre())
                    .filter(PreTokenizerType::supported)
                    .orElse(PreTokenizerType.GPT2);
            ObjectNode pre = t.putObject("pre_tokenizer").put("type", "Sequence");
            ArrayNode steps = pre.putArray("pretokenizers");
            for (String regex : type.regexes())
                steps.addObject()
                        .put("type", "Split")
                        .put("behavior", "Isolated")
                        .put("invert", false)
                        .putObject("pattern")
                        .put("Regex", jsonRegex(regex));
            steps.addObject()
                    .put("type", "ByteLevel")
                    .put("add_prefix_space", false)
                    .put("trim_offsets", true)
                    .put("use_regex", false);
            model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", type.ignoreMerges());
            model.set("vocab", vocab);
            ArrayNode merges = model.putArray("merges");
            v.merges().forEach(merges::add);
            t.putObject("decoder")
                    .put("type", "ByteLevel")
                    .put("add_prefix_space", false)
                    .put("trim_offsets", true)
                    .put("use_regex", true);
        }
        t.putNull("post_processor");
        t.set("model", model);
        write(dir.resolve("tokenizer.json"), t);
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("add_bos_token", v.addBos()).put("add_eos_token", tok.addEosByDefault());
        if (v.bos() >= 0) cfg.put("bos_token", v.tokens().get(v.bos()));
        if (v.eos() >= 0) cfg.put("eos_token", v.tokens().get(v.eos()));
        if (v.unk() >= 0) cfg.put("unk_token", v.tokens().get(v.unk()));
        cfg.put("clean_up_tokenization_spaces", false);
        write(dir.resolve("tokenizer_config.json"), cfg);
    }

    /** Every split of a normal piece into two pieces of the vocabulary, ranked by the merged piece's score (then id). */
    static List<String> mergesFromScores(TokenizerExport.Vocab v) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < v.tokens().size(); i++) ids.putIfAbsent(v.tokens().get(i), i);
        record Merge(String text, float score, int id) {}
        List<Merge> out = new ArrayList<>();
        float[] scores = v.scores();
        for (int i = 0; i < v.tokens().size(); i++) {
            if (v.types()[i] != 1) continue;
            String p = v.tokens().get(i);
            int[] cps = p.codePoints().toArray();
            for (int cut = 1; cut < cps.length; cut++) {
                String a = new String(cps, 0, cut), b = new String(cps, cut, cps.length - cut);
                Integer ia = ids.get(a), ib = ids.get(b);
                if (ia != null && ib != null && v.types()[ia] == 1 && v.types()[ib] == 1)
                    out.add(new Merge(a + " " + b, scores[i], i));
            }
        }
        out.sort(Comparator.comparingDouble((Merge m) -> -m.score()).thenComparingInt(Merge::id));
        return out.stream().map(Merge::text).toList();
    }

    private static void write(Path file, ObjectNode n) throws IOException {
        dev.topiary.format.AtomicFiles.writeBytes(file, JSON.writeValueAsBytes(n));
    }
}
