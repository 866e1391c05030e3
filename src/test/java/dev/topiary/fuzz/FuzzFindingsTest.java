// FuzzFindingsTest: the crashes and oversized allocations the fuzzers (and the review around them) found.
package dev.topiary.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.format.GgufFile;
import dev.topiary.format.ModelFormatException;
import dev.topiary.io.GgufModel;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.io.Llama2c;
import dev.topiary.io.Safetensors;
import dev.topiary.tokenizer.Tokenizers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per problem found: each input now fails with a ModelFormatException saying what is wrong. */
class FuzzFindingsTest {
    @TempDir
    Path tmp;

    static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Test
    void configJsonLargerThanTheWeightsIsRefusedBeforeAllocating() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        HfCheckpoint.save(dir, Seeds.tinyWeights(), dev.topiary.io.DType.F32, 1L << 30);
        ObjectNode config =
                (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        config.put("num_hidden_layers", 1_000_000);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertThatThrownBy(() -> HfCheckpoint.load(dir))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(dir.resolve("config.json")
                        + ": describes a model of 592000136 parameters, but the safetensors files"
                        + " hold only 728 values");
        config.put("num_hidden_layers", 1)
                .put("vocab_size", Integer.MAX_VALUE)
                .put("intermediate_size", Integer.MAX_VALUE);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertThatThrownBy(() -> HfCheckpoint.load(dir))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("parameters, but the safetensors files hold only 728 values");
    }

    @Test
    void ggufMetadataLargerThanTheTensorsIsRefusedBeforeAllocating() throws Exception {
        byte[] seed = Seeds.ggufs(tmp).getFirst();
        // llama.embedding_length 8 -> 10289160: find the u32 value after its key
        byte[] key = "llama.embedding_length".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(seed, key) + key.length + 4;
        ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).putInt(at, 10289160);
        Path f = tmp.resolve("big.gguf");
        Files.write(f, seed);
        try (GgufFile g = GgufFile.open(f)) {
            assertThatThrownBy(() -> GgufModel.load(g))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("the metadata describes a model of ")
                    .hasMessageContaining("but the file's tensors hold only");
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++)
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) return i;
        throw new AssertionError("not found");
    }

    @Test
    void tokenizerJsonWithAFarTokenIdIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("t"));
        Files.writeString(
                dir.resolve("tokenizer.json"), Seeds.BYTE_LEVEL_TOKENIZER.replace("\"1\": 9", "\"1\": 16777216"));
        assertThatThrownBy(() -> Tokenizers.fromTokenizerJson(dir.resolve("tokenizer.json")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(dir.resolve("tokenizer.json")
                        + ": token ids run up to 16777216 but there are only 16 tokens"
                        + " (ids must be nearly dense: at most 65536 unused)");
    }

    @Test
    void tokenizerJsonThatIsNotUtf8IsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("t"));
        // four bytes Jackson would take for UTF-32, then garbage: a CharConversionException before the fix
        Files.write(dir.resolve("tokenizer.json"), new byte[] {0, 0, 0, '{', (byte) 0x80, 's', 'h', 'o'});
        assertThatThrownBy(() -> Tokenizers.fromTokenizerJson(dir.resolve("tokenizer.json")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(dir.resolve("tokenizer.json") + ": not ");
        Files.write(dir.resolve("tokenizer.json"), new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'});
        assertThatThrownBy(() -> Tokenizers.fromTokenizerJson(dir.resolve("tokenizer.json")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(dir.resolve("tokenizer.json") + ": not UTF-8 text (invalid byte at offset 2)");
    }

    @Test
    void jsonlThatIsNotUtf8IsRefusedWithItsLine() throws Exception {
        Path f = tmp.resolve("data.jsonl");
        String line = "{\"context\": \"The sky is\", \"choices\": [\" blue\", \" red\"], \"gold\": 0}\n";
        byte[] good = line.getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 'p', (byte) 0xFF, '"', '}', '\n'};
        byte[] both = Arrays.copyOf(good, good.length + bad.length);
        System.arraycopy(bad, 0, both, good.length, bad.length);
        Files.write(f, both);
        assertThatThrownBy(() -> dev.topiary.eval.TaskFile.read(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(f + ": line 2: not UTF-8 text");
    }

    @Test
    void llama2cHeaderWhoseSizeOverflowsIsRefused() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(1 << 24)
                .putInt(1 << 24)
                .putInt(1 << 24)
                .putInt(1 << 12)
                .putInt(1 << 12)
                .putInt(1 << 24)
                .putInt(1 << 24);
        Path f = tmp.resolve("huge.bin");
        Files.write(f, b.array());
        assertThatThrownBy(() -> Llama2c.load(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(f + ": truncated: the header's shape needs more than 2^63 bytes, the file has 64");
        b.clear();
        b.putInt(6).putInt(16).putInt(1).putInt(2).putInt(1).putInt(16).putInt(4); // head dim 3
        Files.write(f, b.array());
        assertThatThrownBy(() -> Llama2c.load(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(f + ": header: dim 6 / n_heads 2 = head dim 3, which is odd");
    }

    @Test
    void safetensorsShapeThatOverflowsIsRefused() throws Exception {
        String header = "{\"t\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 0]}}";
        ByteBuffer b = ByteBuffer.allocate(8 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        Path f = tmp.resolve("x.safetensors");
        Files.write(f, b.array());
        assertThatThrownBy(() -> Safetensors.open(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage(f + ": tensor 't': shape [4611686018427387904,4] overflows 64-bit sizes");
        String wraps = "{\"t\": {\"dtype\": \"F32\", \"shape\": [4611686018427387905], \"data_offsets\": [0, 4]}}";
        b = ByteBuffer.allocate(8 + wraps.length() + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(wraps.length()).put(wraps.getBytes(StandardCharsets.US_ASCII));
        Files.write(f, b.array());
        assertThatThrownBy(() -> Safetensors.open(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("overflows 64-bit sizes");
    }

    @Test
    void ggufEmbeddingWithOneDimensionIsRefused() throws Exception {
        dev.topiary.format.GgufWriter g = new dev.topiary.format.GgufWriter();
        g.putString("general.architecture", "llama");
        for (String k : new String[] {"embedding_length", "attention.head_count", "feed_forward_length", "block_count"})
            g.putU32("llama." + k, 2);
        g.addTensor("token_embd.weight", new long[] {8}, dev.topiary.format.GgmlType.F32, new float[8]);
        Path f = tmp.resolve("one.gguf");
        g.write(f);
        try (GgufFile file = GgufFile.open(f)) {
            assertThatThrownBy(() -> GgufModel.readConfig(file))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessage(f + ": tensor token_embd.weight has dims [8], expected [hidden, vocab]");
        }
        assertThat(f).exists();
    }

    @Test
    void ggufByteTokenNotSpelledAsAByteIsRefused() throws Exception {
        dev.topiary.format.GgufWriter g = new dev.topiary.format.GgufWriter();
        g.putString("general.architecture", "llama");
        g.putString("tokenizer.ggml.model", "llama");
        g.putStrings("tokenizer.ggml.tokens", java.util.List.of("<unk>", "<s>", "</s>", "?!"));
        g.putF32s("tokenizer.ggml.scores", new float[4]);
        g.putI32s("tokenizer.ggml.token_type", new int[] {2, 3, 3, 6});
        Path f = tmp.resolve("vocab.gguf");
        g.write(f);
        try (GgufFile file = GgufFile.open(f)) {
            assertThatThrownBy(() -> Tokenizers.fromGguf(file))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessage(f
                            + ": metadata 'tokenizer.ggml.token_type'[3] = 6 (byte) but token 3 '?!' is not spelled "
                            + "like a byte, <0xHH>");
        }
    }
}
