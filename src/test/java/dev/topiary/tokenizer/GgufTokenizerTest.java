// GgufTokenizerTest: tokenizers from small GGUF vocabularies written here: pre-tokenizer choice and errors.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.io.GgufFile;
import dev.topiary.io.GgufFileTest;
import dev.topiary.io.ModelFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
        int kvs = 4 + (pre == null ? 0 : 1) + (types == null ? 0 : 1);
        GgufFileTest.Writer w = new GgufFileTest.Writer().header(3, 0, kvs)
                .kv("tokenizer.ggml.model", 8).str("gpt2")
                .kv("tokenizer.ggml.eos_token_id", 4).u32(tokens.size() - 1)
                .kv("tokenizer.ggml.tokens", 9).u32(8).u64(tokens.size());
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
    void unknownPreIsAnError() {
        Path f = gpt2Gguf("mystery.gguf", "mystery-bpe", tokens(), null);
        assertThatThrownBy(() -> load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("tokenizer.ggml.pre' = 'mystery-bpe'");
    }

    @Test
    void tokenTypeLengthMismatchIsAnError() {
        Path f = gpt2Gguf("short-types.gguf", "gpt2", tokens(), new int[] {1, 1, 1});
        assertThatThrownBy(() -> load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tokenizer.ggml.token_type' has 3 entries");
    }

    @Test
    void mergeOfUnknownPiecesIsAnError() {
        List<String> t = tokens();
        t.remove("me");
        t.add("xx");
        Path f = gpt2Gguf("merge.gguf", "gpt2", t, null);
        assertThatThrownBy(() -> load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tokenizer.ggml.merges'[3] = 'm e'").hasMessageContaining("'me' is not in the vocabulary");
    }

    @Test
    void unsupportedOrMissingModel() {
        Path bert = new GgufFileTest.Writer().header(3, 0, 1).kv("tokenizer.ggml.model", 8).str("bert")
                .write(dir.resolve("bert.gguf"));
        assertThatThrownBy(() -> load(bert)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.model' = 'bert' is not supported");
        Path none = new GgufFileTest.Writer().header(3, 0, 0).write(dir.resolve("none.gguf"));
        assertThatThrownBy(() -> load(none)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no tokenizer").hasMessageContaining("tokenizer.ggml.model");
    }
}
