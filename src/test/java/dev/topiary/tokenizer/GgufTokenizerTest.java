// GgufTokenizerTest: tokenizers from small GGUF vocabularies written here: pre-tokenizer choice and errors.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.format.GgufFile;
import dev.topiary.format.GgufFileTest;
import dev.topiary.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufTokenizerTest {
    @TempDir
    Path dir;

    /** The byte characters, "Ġt" "he" "Ġthe" "me", "Ġtheme" (no merge makes it), the digits pair "12", and <|end|>. */
    private static List<String> tokens() {
        List<String> t = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            t.add(TokenizerJsonTokenizerTest.byteChar(b));
        }
        t.addAll(List.of("Ġt", "he", "Ġthe", "me", "Ġtheme", "12", "<|end|>"));
        return t;
    }

    private static final List<String> MERGES = List.of("Ġ t", "h e", "Ġt he", "m e", "1 2");

    /** A weightless GGUF with a gpt2 vocabulary; {@code pre} null leaves the key out. */
    private Path gpt2Gguf(String name, String pre, List<String> tokens, int[] types) {
        return gpt2Gguf(name, pre, tokens, types, Map.of());
    }

    /** As above, with boolean tokenizer.ggml.* keys ({@code flags}: key suffix -> value). */
    private Path gpt2Gguf(String name, String pre, List<String> tokens, int[] types, Map<String, Boolean> flags) {
        int kvs = 4 + (pre == null ? 0 : 1) + (types == null ? 0 : 1) + flags.size();
        GgufFileTest.Writer w = new GgufFileTest.Writer()
                .header(3, 0, kvs)
                .kv("tokenizer.ggml.model", 8)
                .str("gpt2")
                .kv("tokenizer.ggml.eos_token_id", 4)
                .u32(tokens.size() - 1)
                .kv("tokenizer.ggml.tokens", 9)
                .u32(8)
                .u64(tokens.size());
        tokens.forEach(w::str);
        w.kv("tokenizer.ggml.merges", 9).u32(8).u64(MERGES.size());
        MERGES.forEach(w::str);
        if (pre != null) {
            w.kv("tokenizer.ggml.pre", 8).str(pre);
        }
        if (types != null) {
            w.kv("tokenizer.ggml.token_type", 9).u32(5).u64(types.length);
            for (int t : types) {
                w.u32(t);
            }
        }
        flags.forEach((k, v) -> w.kv("tokenizer.ggml." + k, 7).u8(v ? 1 : 0));
        return w.write(dir.resolve(name));
    }

    /** SentencePiece pieces: unk, BOS, EOS, ▁, a, b, ▁a, ▁b and the byte token of 'x'. */
    private static final List<String> SPM_PIECES =
            List.of("<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "\u2581b", "<0x78>");

    /** A weightless GGUF with a "llama" (SentencePiece) vocabulary and boolean tokenizer.ggml.* keys. */
    private Path spmGguf(String name, Map<String, Boolean> flags) {
        float[] scores = {0, 0, 0, -10, -10, -10, -1, -1, 0};
        int[] types = {2, 3, 3, 1, 1, 1, 1, 1, 6};
        GgufFileTest.Writer w = new GgufFileTest.Writer()
                .header(3, 0, 4 + flags.size())
                .kv("tokenizer.ggml.model", 8)
                .str("llama")
                .kv("tokenizer.ggml.tokens", 9)
                .u32(8)
                .u64(SPM_PIECES.size());
        SPM_PIECES.forEach(w::str);
        w.kv("tokenizer.ggml.scores", 9).u32(6).u64(scores.length);
        for (float s : scores) {
            w.f32(s);
        }
        w.kv("tokenizer.ggml.token_type", 9).u32(5).u64(types.length);
        for (int t : types) {
            w.u32(t);
        }
        flags.forEach((k, v) -> w.kv("tokenizer.ggml." + k, 7).u8(v ? 1 : 0));
        return w.write(dir.resolve(name));
    }

    private static int[] controlLast(int n) {
        int[] types = new int[n];
        Arrays.fill(types, 1);
        types[n - 1] = 3;
        return types;
    }

    private Tokenizer load(Path gguf) throws IOException {
        try (GgufFile g = GgufFile.open(gguf)) {
            return Tokenizers.fromGguf(g);
        }
    }

    @Test
    void preSelectsTheRegexAndLlama3IgnoresMerges() throws IOException {
        List<String> t = tokens();
        int theme = t.indexOf("Ġtheme");
        int the = t.indexOf("Ġthe");
        int me = t.indexOf("me");
        int twelve = t.indexOf("12");
        Tokenizer gpt2 = load(gpt2Gguf("gpt2.gguf", "gpt2", t, null));
        assertThat(gpt2.encode(" the theme 12", false)).containsExactly(the, the, me, ' ', twelve);
        Tokenizer llama3 = load(gpt2Gguf("llama3.gguf", "llama-bpe", t, null));
        assertThat(llama3.encode(" the theme 12", false)).containsExactly(the, theme, ' ', twelve);
        Tokenizer qwen2 = load(gpt2Gguf("qwen2.gguf", "qwen2", t, null));
        assertThat(qwen2.encode(" the theme 12", false)).containsExactly(the, the, me, ' ', '1', '2');
        Tokenizer missing = load(gpt2Gguf("nopre.gguf", null, t, null));
        assertThat(missing.encode(" the theme 12", false)).containsExactly(gpt2.encode(" the theme 12", false));
    }

    @Test
    void controlTokensFromTokenTypes() throws IOException {
        List<String> t = tokens();
        Tokenizer tok = load(gpt2Gguf("types.gguf", "gpt2", t, controlLast(t.size())));
        int end = t.size() - 1;
        assertThat(tok.eosId()).isEqualTo(end);
        assertThat(tok.bosId()).isEqualTo(-1);
        assertThat(tok.addBosByDefault()).isFalse();
        assertThat(tok.encode("x<|end|>", false, true)).containsExactly('x', end);
        assertThat(tok.encode("x<|end|>", false, false)).doesNotContain(end);
        assertThat(tok.decode(new int[] {'x', end})).isEqualTo("x");
    }

    @Test
    void unknownPreIsAnErrorThatListsTheKnownNames() {
        Path f = gpt2Gguf("mystery.gguf", "mystery-bpe", tokens(), null);
        assertThatThrownBy(() -> load(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("tokenizer.ggml.pre' = 'mystery-bpe'")
                .hasMessageContaining("known: ")
                .hasMessageContaining("deepseek-coder")
                .hasMessageContaining("llama-bpe")
                .hasMessageContaining("qwen2")
                .hasMessageContaining("tekken");
        Path gemma = gpt2Gguf("gemma.gguf", "gemma4", tokens(), null);
        assertThatThrownBy(() -> load(gemma))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'gemma4'")
                .hasMessageContaining("not byte-level BPE");
    }

    @Test
    void otherFamiliesSplitDigitsTheirWay() throws IOException {
        List<String> t = tokens();
        int the = t.indexOf("Ġthe");
        int twelve = t.indexOf("12");
        for (String pre : List.of("deepseek-coder", "refact", "starcoder", "command-r", "viking")) {
            assertThat(load(gpt2Gguf(pre + ".gguf", pre, t, null)).encode(" the 12", false))
                    .as(pre)
                    .containsExactly(the, ' ', '1', '2');
        }
        for (String pre : List.of("falcon", "mpt", "deepseek-v3", "gpt-4o", "bloom")) {
            int[] ids = load(gpt2Gguf(pre + ".gguf", pre, t, null)).encode(" the 12", false);
            assertThat(ids).as(pre).endsWith(twelve);
        }
    }

    @Test
    void bosAndEosDefaultsFollowThePreTokenizerAndTheKeys() throws IOException {
        List<String> t = tokens();
        t.set(0, "<s>");
        Tokenizer llama3 = load(gpt2Gguf("l3.gguf", "llama-bpe", t, null, Map.of()));
        assertThat(llama3.addBosByDefault())
                .as("llama3 adds BOS by default in llama.cpp")
                .isTrue();
        assertThat(llama3.addEosByDefault()).isFalse();
        Tokenizer flags = load(
                gpt2Gguf("flags.gguf", "llama-bpe", t, null, Map.of("add_bos_token", false, "add_eos_token", true)));
        assertThat(flags.addBosByDefault()).isFalse();
        assertThat(flags.addEosByDefault()).isTrue();
        assertThat(load(gpt2Gguf("qwen.gguf", "qwen2", t, null)).addBosByDefault())
                .isFalse();
    }

    @Test
    void sentencePieceFollowsItsMetadata() throws IOException {
        Tokenizer plain = load(spmGguf("spm.gguf", Map.of()));
        assertThat(plain.encode("a b", false)).containsExactly(6, 7);
        assertThat(plain.encode("  a   b ", false)).containsExactly(3, 3, 6, 3, 3, 7, 3);
        assertThat(plain.encode("ax", false)).as("byte fallback").containsExactly(6, 8);
        assertThat(plain.addBosByDefault()).isTrue();
        assertThat(plain.addEosByDefault()).isFalse();

        Tokenizer collapse = load(spmGguf("ws.gguf", Map.of("remove_extra_whitespaces", true)));
        assertThat(collapse.encode("  a   b ", false)).containsExactly(6, 7);
        assertThat(collapse.encode("   ", false)).isEmpty();

        Tokenizer noPrefix = load(
                spmGguf("np.gguf", Map.of("add_space_prefix", false, "add_bos_token", false, "add_eos_token", true)));
        assertThat(noPrefix.encode("a b", false)).containsExactly(4, 7);
        assertThat(noPrefix.addBosByDefault()).isFalse();
        assertThat(noPrefix.addEosByDefault()).isTrue();
        assertThat(noPrefix.eosId()).isEqualTo(2);
    }

    @Test
    void tokenTypeLengthMismatchIsAnError() {
        Path f = gpt2Gguf("short-types.gguf", "gpt2", tokens(), new int[] {1, 1, 1});
        assertThatThrownBy(() -> load(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tokenizer.ggml.token_type' has 3 entries");
    }

    @Test
    void mergeOfUnknownPiecesIsAnError() {
        List<String> t = tokens();
        t.remove("me");
        t.add("xx");
        Path f = gpt2Gguf("merge.gguf", "gpt2", t, null);
        assertThatThrownBy(() -> load(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tokenizer.ggml.merges'[3] = 'm e'")
                .hasMessageContaining("'me' is not in the vocabulary");
    }

    @Test
    void unsupportedOrMissingModel() {
        Path bert = new GgufFileTest.Writer()
                .header(3, 0, 1)
                .kv("tokenizer.ggml.model", 8)
                .str("bert")
                .write(dir.resolve("bert.gguf"));
        assertThatThrownBy(() -> load(bert))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.model' = 'bert' is not supported");
        Path none = new GgufFileTest.Writer().header(3, 0, 0).write(dir.resolve("none.gguf"));
        assertThatThrownBy(() -> load(none))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no tokenizer")
                .hasMessageContaining("tokenizer.ggml.model");
    }
}
