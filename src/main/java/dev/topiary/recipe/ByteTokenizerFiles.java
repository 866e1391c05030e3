package dev.topiary.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.io.HfCheckpoint;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A byte-level tokenizer with no merges (256 byte tokens, then {@code <s>} and {@code </s>}),
 * written as Hugging Face tokenizer files: what the demo uses when no tokenizer is at hand.
 * Bytes map to characters as in GPT-2 (printable ones to themselves, the rest above U+0100).
 */
public final class ByteTokenizerFiles {
    private ByteTokenizerFiles() {}

    public static final int VOCAB = 258, BOS = 256, EOS = 257;

    public static void write(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode t = json.createObjectNode();
        t.put("version", "1.0");
        var added = t.putArray("added_tokens");
        added.addObject()
                .put("id", BOS)
                .put("content", "<s>")
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true);
        added.addObject()
                .put("id", EOS)
                .put("content", "</s>")
                .put("single_word", false)
                .put("lstrip", false)
                .put("rstrip", false)
                .put("normalized", false)
                .put("special", true);
        t.putNull("normalizer");
        t.putObject("pre_tokenizer")
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", true)
                .put("use_regex", true);
        t.putNull("post_processor");
        t.putObject("decoder")
                .put("type", "ByteLevel")
                .put("add_prefix_space", false)
                .put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = t.putObject("model");
        model.put("type", "BPE")
                .putNull("dropout")
                .putNull("unk_token")
                .put("fuse_unk", false)
                .put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        int[] byteToChar = byteToChar();
        for (int b = 0; b < 256; b++) vocab.put(new String(Character.toChars(byteToChar[b])), b);
        vocab.put("<s>", BOS);
        vocab.put("</s>", EOS);
        model.putArray("merges");
        HfCheckpoint.writeJson(dir.resolve("tokenizer.json"), t);
        HfCheckpoint.writeJson(
                dir.resolve("tokenizer_config.json"),
                json.createObjectNode()
                        .put("add_bos_token", true)
                        .put("bos_token", "<s>")
                        .put("eos_token", "</s>"));
    }

    /** GPT-2's bytes_to_unicode. */
    static int[] byteToChar() {
        int[] m = new int[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF;
            m[b] = printable ? b : 256 + n++;
        }
        return m;
    }
}
