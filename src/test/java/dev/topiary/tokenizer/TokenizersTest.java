// TokenizersTest: Tokenizers.load finds the tokenizer for each kind of model path, or says what it looked for.
package dev.topiary.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.SharedFiles;
import dev.topiary.format.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizersTest {
    @TempDir
    Path dir;

    @Test
    void loadsEachKindOfModelPath() throws IOException {
        Path stories = SharedFiles.require("models/stories260K");
        int[] expected = Tokenizers.load(stories.resolve("tok512.bin")).encode("Hello world", true);
        assertThat(expected).containsExactly(1, 346, 306, 414, 263, 304, 341);
        for (Path p : new Path[] {
            stories.resolve("stories260K.bin"),
            stories.resolve("stories260K.gguf"),
            SharedFiles.require("models/stories260K-hf"),
            SharedFiles.require("models/stories260K-hf/tokenizer.json")
        }) {
            assertThat(Tokenizers.load(p).encode("Hello world", true))
                    .as(p.toString())
                    .containsExactly(expected);
        }
    }

    @Test
    void weightlessVocabularyGguf() throws IOException {
        Tokenizer tok = Tokenizers.load(SharedFiles.require("data/tokenizer-vectors/ggml-vocab-llama-spm.gguf"));
        assertThat(tok.vocabSize()).isEqualTo(32000);
        assertThat(tok.encode("Hello world", true)).containsExactly(1, 15043, 3186);
        assertThat(tok.piece(15043)).isEqualTo("\u2581Hello");
    }

    @Test
    void folderWithoutTokenizerSaysWhatItLookedFor() {
        assertThatThrownBy(() -> Tokenizers.load(dir))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no tokenizer found")
                .hasMessageContaining("tokenizer.json");
    }

    @Test
    void llama2cModelWithoutTokenizerSaysWhatItLookedFor() throws IOException {
        Path model = dir.resolve("model.bin");
        ByteBuffer header = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(64).putInt(172).putInt(5).putInt(8).putInt(4).putInt(-512).putInt(512);
        Files.write(model, header.array());
        assertThatThrownBy(() -> Tokenizers.load(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(model.toString())
                .hasMessageContaining("tok512.bin")
                .hasMessageContaining("tokenizer.bin");
    }

    @Test
    void llama2cTokenizerOfTheWrongSize() throws IOException {
        Path model = dir.resolve("model.bin");
        Files.write(
                model,
                ByteBuffer.allocate(28)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(20, 100)
                        .array());
        Files.copy(SharedFiles.require("models/stories260K/tok512.bin"), dir.resolve("tokenizer.bin"));
        assertThatThrownBy(() -> Tokenizers.load(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("512 tokens")
                .hasMessageContaining("vocab_size 100");
    }

    @Test
    void truncatedLlama2cTokenizer() throws IOException {
        byte[] full = Files.readAllBytes(SharedFiles.require("models/stories260K/tok512.bin"));
        Path cut = Files.write(dir.resolve("tokenizer.bin"), Arrays.copyOf(full, full.length - 3));
        assertThatThrownBy(() -> Tokenizers.load(cut))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(cut.toString())
                .hasMessageContaining("token 511");
    }

    @Test
    void missingAndUnknownPaths() throws IOException {
        assertThatThrownBy(() -> Tokenizers.load(dir.resolve("nothing-here")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no such model file or folder");
        Path txt = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertThatThrownBy(() -> Tokenizers.load(txt))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("not a tokenizer source");
    }
}
