// TokenizerJsonTokenizerTest: tokenizer.json variants written here (byte-level Llama 3 style, Metaspace) and their
// errors.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.SharedFiles;
import dev.topiary.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerJsonTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BOS = 261;
    private static final int EOT = 262;
    private static final int TOOL = 263;

    @TempDir
    Path dir;

    /** GPT-2's bytes_to_unicode, written out independently of ByteLevel. */
    static String byteChar(int b) {
        boolean printable = b >= 0x21 && b <= 0x7E || b >= 0xA1 && b <= 0xAC || b >= 0xAE;
        if (printable) {
            return String.valueOf((char) b);
        }
        int n = 0;
        for (int x = 0; x < b; x++) {
            n += x >= 0x21 && x <= 0x7E || x >= 0xA1 && x <= 0xAC || x >= 0xAE ? 0 : 1;
        }
        return String.valueOf((char) (256 + n));
    }

    /**
     * A tiny Llama 3 style tokenizer: the 256 byte characters (id = byte value), merges
     * "Ġ t" (256 Ġt), "h e" (257 he), "Ġt he" (258 Ġthe), "m e" (259 me), the piece "Ġtheme" (260) that no
     * merge makes, two special added tokens and one non-special one.
     */
    static ObjectNode byteLevelJson(boolean mergesAsPairs, boolean ignoreMerges) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model").put("type", "BPE").put("ignore_merges", ignoreMerges);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) {
            vocab.put(byteChar(b), b);
        }
        String[][] merges = {{"Ġ", "t"}, {"h", "e"}, {"Ġt", "he"}, {"m", "e"}};
        ArrayNode m = model.putArray("merges");
        for (int i = 0; i < merges.length; i++) {
            vocab.put(merges[i][0] + merges[i][1], 256 + i);
            if (mergesAsPairs) {
                m.addArray().add(merges[i][0]).add(merges[i][1]);
            } else {
                m.add(merges[i][0] + " " + merges[i][1]);
            }
        }
        vocab.put("Ġtheme", 260);
        ArrayNode added = root.putArray("added_tokens");
        added.addObject().put("id", BOS).put("content", "<|begin_of_text|>").put("special", true);
        added.addObject().put("id", EOT).put("content", "<|eot_id|>").put("special", true);
        added.addObject().put("id", TOOL).put("content", "<tool>").put("special", false);
        ArrayNode pre = root.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers");
        pre.addObject()
                .put("type", "Split")
                .put("behavior", "Isolated")
                .put("invert", false)
                .putObject("pattern")
                .put("Regex", PreTokenizer.LLAMA3);
        pre.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", false);
        root.putObject("decoder").put("type", "ByteLevel");
        ObjectNode template = root.putObject("post_processor")
                .put("type", "Sequence")
                .putArray("processors")
                .addObject()
                .put("type", "TemplateProcessing");
        template.putArray("single").addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>");
        return root;
    }

    private Tokenizer load(JsonNode json) throws IOException {
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), json);
        return Tokenizers.load(dir);
    }

    private ModelFormatException loadError(JsonNode json) {
        return assertThrows(ModelFormatException.class, () -> load(json));
    }

    @Test
    void byteLevelMergesByRankWithEitherMergeSpelling() throws IOException {
        for (boolean pairs : new boolean[] {true, false}) {
            Tokenizer tok = load(byteLevelJson(pairs, false));
            assertThat(tok.encode(" the theme", false)).containsExactly(258, 258, 259);
            assertThat(tok.encode("é", false)).containsExactly(0xC3, 0xA9);
            assertThat(tok.decode(tok.encode(" the theme é\n", true))).isEqualTo(" the theme é\n");
        }
    }

    @Test
    void ignoreMergesTakesWholeWords() throws IOException {
        Tokenizer tok = load(byteLevelJson(true, true));
        assertThat(tok.encode(" the theme", false)).containsExactly(258, 260);
    }

    @Test
    void bosFromThePostProcessorAndSpecialTokens() throws IOException {
        Tokenizer tok = load(byteLevelJson(true, false));
        assertThat(tok.bosId()).isEqualTo(BOS);
        assertThat(tok.eosId()).isEqualTo(-1);
        assertThat(tok.addBosByDefault()).isTrue();
        assertThat(tok.encode("<|begin_of_text|> the<|eot_id|>", false, true)).containsExactly(BOS, 258, EOT);
        int[] plain = tok.encode("<|eot_id|>", false, false);
        assertThat(plain).doesNotContain(EOT).hasSizeGreaterThan(3);
        assertThat(tok.encode(" the<tool>", false, false))
                .as("non-special added tokens always split")
                .containsExactly(258, TOOL);
        assertThat(tok.decode(new int[] {BOS, 258, TOOL, EOT})).isEqualTo(" the<tool>");
    }

    @Test
    void configOverridesBosEosAndAddBos() throws IOException {
        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"<|begin_of_text|>\"}, \"eos_token\": \"<|eot_id|>\", \"add_bos_token\": false,"
                        + " \"add_eos_token\": true}");
        Tokenizer tok = load(byteLevelJson(true, false));
        assertThat(tok.bosId()).isEqualTo(BOS);
        assertThat(tok.eosId()).isEqualTo(EOT);
        assertThat(tok.addBosByDefault()).isFalse();
        assertThat(tok.addEosByDefault()).isTrue();
    }

    /**
     * The non-legacy SentencePiece layout: no normalizer, a Metaspace pre-tokenizer with prepend_scheme
     * "first" (no ▁ after a special token) and a Metaspace decoder.
     */
    @Test
    void metaspaceLayoutOfTheSameVocabulary() throws IOException {
        ObjectNode json = (ObjectNode) JSON.readTree(
                SharedFiles.require("models/stories260K-hf/tokenizer.json").toFile());
        json.putNull("normalizer");
        json.putObject("pre_tokenizer")
                .put("type", "Metaspace")
                .put("replacement", "\u2581")
                .put("prepend_scheme", "first")
                .put("split", false);
        json.putObject("decoder")
                .put("type", "Metaspace")
                .put("replacement", "\u2581")
                .put("prepend_scheme", "first");
        Tokenizer metaspace = load(json);
        Tokenizer legacy = Tokenizers.load(SharedFiles.require("models/stories260K-hf"));
        for (String text :
                new String[] {"Once upon a time, there was a little girl named Lily.", "two  spaces", "Ünïcödé → 字 🙂"
                }) {
            assertThat(metaspace.encode(text, true)).containsExactly(legacy.encode(text, true));
            assertThat(metaspace.decode(metaspace.encode(text, true))).isEqualTo(text);
        }
        // Hugging Face's Metaspace prepends nothing to text that already starts with a space.
        int[] legacyTwo = legacy.encode("  two", false);
        assertThat(metaspace.encode("  two", false))
                .containsExactly(Arrays.copyOfRange(legacyTwo, 1, legacyTwo.length));
        int[] afterSpecial = metaspace.encode("<s>hi", false, true);
        int[] legacyAfterSpecial = legacy.encode("<s>hi", false, true);
        assertThat(legacyAfterSpecial).containsExactly(concat(1, legacy.encode("hi", false)));
        assertThat(afterSpecial[0]).isEqualTo(1);
        assertThat(afterSpecial).as("'first': no \u2581 after a special token").isNotEqualTo(legacyAfterSpecial);
        assertThat(metaspace.piece(afterSpecial[1])).doesNotStartWith("\u2581");
    }

    @Test
    void errorsNameTheFieldAndValue() {
        ObjectNode unigram = byteLevelJson(true, false);
        ((ObjectNode) unigram.path("model")).put("type", "Unigram");
        assertThat(loadError(unigram))
                .hasMessageContaining("tokenizer.json")
                .hasMessageContaining("model.type = 'Unigram'");

        ObjectNode bert = byteLevelJson(true, false);
        ((ObjectNode) bert.path("pre_tokenizer").path("pretokenizers").get(0)).put("type", "BertPreTokenizer");
        assertThat(loadError(bert))
                .hasMessageContaining("pre_tokenizer.pretokenizers[0] type 'BertPreTokenizer'")
                .hasMessageContaining("WhitespaceSplit");

        ObjectNode badMerge = byteLevelJson(false, false);
        ((ArrayNode) badMerge.path("model").path("merges"))
                .set(1, JSON.getNodeFactory().textNode("h zz"));
        assertThat(loadError(badMerge))
                .hasMessageContaining("model.merges[1] = 'h zz'")
                .hasMessageContaining("'zz'");

        ObjectNode badRegex = byteLevelJson(false, false);
        ((ObjectNode) badRegex.path("pre_tokenizer")
                        .path("pretokenizers")
                        .get(0)
                        .path("pattern"))
                .put("Regex", "(unclosed");
        assertThat(loadError(badRegex))
                .hasMessageContaining("pre_tokenizer.pretokenizers[0].pattern.Regex = '(unclosed'");

        ObjectNode badDecoder = byteLevelJson(false, false);
        badDecoder.putObject("decoder").put("type", "WordPiece");
        assertThat(loadError(badDecoder)).hasMessageContaining("decoder type 'WordPiece'");
    }

    @Test
    void invalidJsonIsAModelFormatError() throws IOException {
        Path f = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": ");
        assertThatThrownBy(() -> Tokenizers.fromTokenizerJson(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("not valid JSON");
    }

    private static int[] concat(int first, int[] rest) {
        int[] out = new int[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
