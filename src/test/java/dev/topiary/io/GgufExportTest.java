// GgufExportTest: models exported to GGUF match llama.cpp's own stories260K.gguf and read back with the same logits and
// ids.
package dev.topiary.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.Close;
import dev.topiary.SharedFiles;
import dev.topiary.format.GgmlType;
import dev.topiary.format.GgufFile;
import dev.topiary.format.GgufWriter;
import dev.topiary.format.ModelFormatException;
import dev.topiary.model.Init;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaConfig;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.TensorKind;
import dev.topiary.nn.Rope;
import dev.topiary.tokenizer.Tokenizer;
import dev.topiary.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class GgufExportTest {
    private static final String GGUF = "models/stories260K/stories260K.gguf";
    private static final String BIN = "models/stories260K/stories260K.bin";
    private static final String HF = "models/stories260K-hf";

    @TempDir
    Path dir;

    private record Source(LlamaWeights weights, Tokenizer tokenizer) {}

    /** Sources by path, loaded once per class (read-only in the tests). */
    private static final Map<String, Source> SOURCES = new java.util.concurrent.ConcurrentHashMap<>();

    private static Source load(String relative) throws IOException {
        Path p = SharedFiles.require(relative);
        Source cached = SOURCES.get(relative);
        if (cached != null) return cached;
        LlamaWeights w = switch (relative) {
            case BIN -> Llama2c.load(p);
            case HF -> HfCheckpoint.load(p);
            default -> GgufModel.load(p);
        };
        Source s = new Source(w, Tokenizers.load(p));
        SOURCES.put(relative, s);
        return s;
    }

    private record Tensor(List<Long> dims, GgmlType type, float[] values) {}

    private static Map<String, Tensor> tensors(Path file) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (GgufFile g = GgufFile.open(file)) {
            for (GgufFile.TensorInfo t : g.tensors())
                out.put(
                        t.name(),
                        new Tensor(Arrays.stream(t.dims()).boxed().toList(), t.type(), g.readFloats(t.name())));
        }
        return out;
    }

    private static void assertSameTensors(Map<String, Tensor> actual, Map<String, Tensor> expected) {
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (String name : expected.keySet()) {
            assertThat(actual.get(name).dims())
                    .as(name)
                    .isEqualTo(expected.get(name).dims());
            assertThat(actual.get(name).type())
                    .as(name)
                    .isEqualTo(expected.get(name).type());
            assertThat(actual.get(name).values())
                    .as(name)
                    .containsExactly(expected.get(name).values());
        }
    }

    /**
     * stories260K.bin is tied (llama2.c's shared classifier), so its export has no output.weight; llama.cpp's
     * converter wrote the tied head out as output.weight anyway. Every other tensor is the same: name, dims,
     * type and every value; and the reference's output.weight equals our token_embd.weight.
     */
    @Test
    void stories260KBinExportsAsLlamaCppConvertedIt() throws IOException {
        Source s = load(BIN);
        assertThat(s.weights().config.tieEmbeddings()).isTrue();
        Path file = dir.resolve("bin.gguf");
        GgufExport.write(file, s.weights(), s.tokenizer(), GgmlType.F32, "stories260K");
        Map<String, Tensor> ours = tensors(file), reference = tensors(SharedFiles.require(GGUF));
        assertThat(ours).doesNotContainKey("output.weight");
        Tensor head = reference.remove("output.weight");
        assertSameTensors(ours, reference);
        assertThat(head.values()).containsExactly(ours.get("token_embd.weight").values());
    }

    /** The shared GGUF loads untied (it has output.weight), so exporting it again gives exactly its tensors. */
    @Test
    void stories260KGgufReexportsToTheSameTensors() throws IOException {
        Source s = load(GGUF);
        assertThat(s.weights().config.tieEmbeddings()).isFalse();
        Path file = dir.resolve("again.gguf");
        GgufExport.write(file, s.weights(), s.tokenizer(), GgmlType.F32, "stories260K");
        assertSameTensors(tensors(file), tensors(SharedFiles.require(GGUF)));
        try (GgufFile ours = GgufFile.open(file);
                GgufFile ref = GgufFile.open(SharedFiles.require(GGUF))) {
            for (String key : List.of(
                    "llama.embedding_length",
                    "llama.feed_forward_length",
                    "llama.attention.head_count",
                    "llama.attention.head_count_kv",
                    "llama.block_count",
                    "llama.rope.dimension_count",
                    "tokenizer.ggml.bos_token_id",
                    "tokenizer.ggml.eos_token_id",
                    "tokenizer.ggml.unknown_token_id"))
                assertThat(ours.metadata().get(key))
                        .as(key)
                        .isEqualTo(ref.metadata().get(key));
            assertThat(ours.string("general.architecture")).isEqualTo("llama");
            assertThat(ours.getLong("llama.attention.key_length", 0)).isEqualTo(8);
            assertThat(ours.getDouble("llama.attention.layer_norm_rms_epsilon", 0))
                    .isEqualTo(ref.getDouble("llama.attention.layer_norm_rms_epsilon", 1));
            assertThat(ours.stringArray("tokenizer.ggml.tokens")).isEqualTo(ref.stringArray("tokenizer.ggml.tokens"));
            assertThat(ours.floatArray("tokenizer.ggml.scores"))
                    .containsExactly(ref.floatArray("tokenizer.ggml.scores"));
            assertThat(ours.intArray("tokenizer.ggml.token_type"))
                    .containsExactly(ref.intArray("tokenizer.ggml.token_type"));
        }
    }

    static Stream<Arguments> sourcesAndTypes() {
        List<Arguments> out = new ArrayList<>();
        for (String src : List.of(BIN, HF, GGUF))
            for (GgmlType t : List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0)) out.add(Arguments.of(src, t));
        return out.stream();
    }

    /** The greedy reference text (about 200 tokens) as ids with BOS, for the logits comparisons. */
    private static int[] probeIds(Tokenizer tok) throws IOException {
        String text = Files.readString(SharedFiles.require("models/stories260K/reference/greedy_bos_t0_n200.txt"));
        return tok.encode(text.strip(), true);
    }

    @ParameterizedTest
    @MethodSource("sourcesAndTypes")
    void readsBackWithTheSameLogitsAndIds(String source, GgmlType type) throws IOException {
        Source s = load(source);
        Path file = dir.resolve("model.gguf");
        GgufExport.write(file, s.weights(), s.tokenizer(), type, "stories260K");
        LlamaWeights back = GgufModel.load(file);
        Tokenizer tok;
        try (GgufFile g = GgufFile.open(file)) {
            tok = Tokenizers.fromGguf(g);
            long matrices = g.tensors().stream()
                    .filter(t -> t.dims().length == 2 && t.type() == type)
                    .count();
            assertThat(matrices)
                    .as("matrices stored as " + type)
                    .isGreaterThanOrEqualTo(type == GgmlType.Q8_0 ? 31 : 36);
            assertThat(g.tensors().stream().filter(t -> t.dims().length == 1)).allMatch(t -> t.type() == GgmlType.F32);
        }
        assertThat(List.of(
                        back.config.hidden(),
                        back.config.intermediate(),
                        back.config.layers(),
                        back.config.heads(),
                        back.config.kvHeads(),
                        back.config.headDim(),
                        back.config.vocab()))
                .containsExactly(64, 172, 5, 8, 4, 8, 512);
        assertThat(back.config.tieEmbeddings()).isEqualTo(s.weights().config.tieEmbeddings());
        int[] ids = probeIds(s.tokenizer());
        assertThat(ids.length).isGreaterThan(150);
        float[] expected = Llama.logits(s.weights(), ids), actual = Llama.logits(back, ids);
        String what = source + " as " + type;
        switch (type) {
            case F32 -> Close.assertClose(what, actual, expected, 1e-5, 0);
            case F16 -> Close.assertClose(what, actual, expected, 2e-2, 0);
            default -> {
                int V = back.config.vocab(), agree = 0, T = ids.length;
                for (int t = 0; t < T; t++) agree += argmax(actual, t * V, V) == argmax(expected, t * V, V) ? 1 : 0;
                System.out.printf(
                        "%s: top-1 agreement %d/%d, max |logit diff| %.4f%n",
                        what, agree, T, Close.maxAbsDiff(actual, expected));
                assertThat(agree).as(what + " top-1 agreement").isGreaterThanOrEqualTo((int) Math.ceil(0.9 * T));
            }
        }
        for (JsonNode c : cases()) {
            String text = c.path("text").asText();
            int[] want = new ObjectMapper().convertValue(c.path("ids_with_bos"), int[].class);
            assertThat(tok.encode(text, true)).as(what + ": " + text).containsExactly(want);
            assertThat(tok.encode(text, true)).containsExactly(s.tokenizer().encode(text, true));
        }
    }

    private static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }

    private static List<JsonNode> cases() throws IOException {
        Path f = SharedFiles.require("models/stories260K/reference/tokenizer_cases.jsonl");
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8))
            if (!line.isBlank()) out.add(new ObjectMapper().readTree(line));
        return out;
    }

    // ---- configurations stories260K does not cover ----

    private static LlamaConfig tiny(
            String type, int headDim, boolean tied, boolean bias, Rope.Scaling scaling, double theta) {
        return new LlamaConfig(
                        type,
                        24,
                        40,
                        2,
                        4,
                        2,
                        headDim,
                        512,
                        1e-5f,
                        theta,
                        scaling,
                        tied,
                        bias || type.equals("qwen2"),
                        bias && !type.equals("qwen2"),
                        4096,
                        1,
                        List.of(2),
                        "float32")
                .validate("test");
    }

    /** Normal init, with random (not zero) biases so that their permutation is checked too. */
    private static LlamaWeights init(LlamaConfig c) {
        LlamaWeights w = Init.normal(c, 42, 0.3);
        SplittableRandom r = new SplittableRandom(7);
        for (LlamaWeights.View v : w.views())
            if (v.kind() == TensorKind.BQ
                    || v.kind() == TensorKind.BK
                    || v.kind() == TensorKind.BV
                    || v.kind() == TensorKind.BO)
                for (int i = 0; i < v.size(); i++) v.array()[i] = (float) r.nextGaussian() * 0.3f;
        return w;
    }

    private LlamaWeights roundTrip(LlamaWeights w, boolean llama3Keys) throws IOException {
        Tokenizer tok = load(BIN).tokenizer();
        Path file = dir.resolve("tiny.gguf");
        GgufExport.writer(w, tok, GgmlType.F32, "tiny", llama3Keys).write(file);
        return GgufModel.load(file);
    }

    private static final int[] IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};

    /**
     * Pruned-like shapes: head_dim 8 while hidden / heads = 6; llama with and without biases, tied or not; mistral
     * (written as llama); qwen2, written as qwen2 with head_dim 6 and as llama (with q/k/v biases) with head_dim 8,
     * since llama.cpp's qwen2 requires heads * head_dim = hidden.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama untied", "llama tied bias", "qwen2 tied", "mistral untied", "qwen2 untied 6"})
    void headDimOtherThanHiddenOverHeadsRoundTrips(String variant) throws IOException {
        String type = variant.split(" ")[0];
        int headDim = variant.endsWith(" 6") ? 6 : 8;
        LlamaConfig c = tiny(
                type,
                headDim,
                variant.contains("tied") && !variant.contains("untied"),
                variant.contains("bias"),
                null,
                10000);
        assertThat(c.heads() * c.headDim() == c.hidden()).isEqualTo(headDim == 6);
        LlamaWeights w = init(c);
        LlamaWeights back = roundTrip(w, true);
        String arch = type.equals("qwen2") && headDim == 6 ? "qwen2" : "llama";
        try (GgufFile g = GgufFile.open(dir.resolve("tiny.gguf"))) {
            assertThat(g.string("general.architecture")).isEqualTo(arch);
            assertThat(g.getLong(arch + ".attention.key_length", 0)).isEqualTo(headDim);
        }
        LlamaConfig expected = new LlamaConfig(
                arch,
                c.hidden(),
                c.intermediate(),
                c.layers(),
                c.heads(),
                c.kvHeads(),
                c.headDim(),
                c.vocab(),
                c.rmsEps(),
                c.ropeTheta(),
                null,
                c.tieEmbeddings(),
                c.qkvBias(),
                c.oBias(),
                c.maxPositions(),
                1,
                List.of(2),
                "float32");
        assertThat(back.config).isEqualTo(expected);
        assertThat(back.flat()).containsExactly(w.flat());
        Close.assertClose(variant, Llama.logits(back, IDS), Llama.logits(w, IDS), 1e-5, 0);
    }

    @Test
    void linearRopeScalingRoundTrips() throws IOException {
        var linear = new Rope.Scaling("linear", 4, 0, 0, 0);
        LlamaWeights back = roundTrip(init(tiny("llama", 8, true, false, linear, 10000)), true);
        assertThat(back.config.ropeScaling()).isEqualTo(linear);
    }

    /** Llama 3.1's scaling with head_dim 128 (several frequencies in the blend): rope_freqs.weight plus Topiary's keys. */
    @Test
    void llama3RopeScalingRoundTripsExactly() throws IOException {
        var llama3 = new Rope.Scaling("llama3", 8, 1, 4, 8192);
        LlamaWeights w = init(tiny("llama", 128, true, false, llama3, 500000));
        Path file = dir.resolve("l3.gguf");
        GgufExport.write(file, w, load(BIN).tokenizer(), GgmlType.F32, "l3");
        try (GgufFile g = GgufFile.open(file)) {
            float[] divisors = g.readFloats("rope_freqs.weight");
            assertThat(divisors).hasSize(64).startsWith(1f).endsWith(8f);
            assertThat(g.tensor("rope_freqs.weight").orElseThrow().type()).isEqualTo(GgmlType.F32);
            assertThat(g.has("llama.rope.scaling.type")).isFalse(); // llama.cpp would apply a linear factor on top
        }
        LlamaWeights back = GgufModel.load(file);
        assertThat(back.config.ropeScaling()).isEqualTo(llama3);
        Close.assertClose("llama3", Llama.logits(back, IDS), Llama.logits(w, IDS), 1e-5, 0);
    }

    /** A file as llama.cpp's converter writes it (rope_freqs.weight only): the scaling is fitted back to the same numbers. */
    @Test
    void llama3RopeScalingIsRebuiltFromTheDivisorsAlone() throws IOException {
        var llama3 = new Rope.Scaling("llama3", 8, 1, 4, 8192);
        LlamaWeights back = roundTrip(init(tiny("llama", 128, true, false, llama3, 500000)), false);
        assertThat(back.config.ropeScaling()).isEqualTo(llama3);
        // Divisors as convert_hf_to_gguf.py computes them for Llama 3.1 (float32 base frequencies, float32 result).
        LlamaWeights plain = init(tiny("llama", 128, true, false, null, 500000));
        GgufWriter g = GgufExport.writer(plain, load(BIN).tokenizer(), GgmlType.F32, "converted", false);
        float[] factors = new float[64];
        for (int i = 0; i < 64; i++) {
            double freq = (float) (1.0 / (float) Math.pow(500000f, (float) (2 * i) / 128f));
            double wavelen = 2 * Math.PI / freq, smooth = (8192 / wavelen - 1) / (4 - 1);
            factors[i] = (float) (wavelen < 8192 / 4.0 ? 1 : wavelen > 8192 ? 8 : 1 / ((1 - smooth) / 8 + smooth));
        }
        g.addTensor("rope_freqs.weight", new long[] {64}, GgmlType.F32, factors);
        Path converted = dir.resolve("converted.gguf");
        g.write(converted);
        assertThat(GgufModel.load(converted).config.ropeScaling()).isEqualTo(llama3);
        // With head_dim 8 no frequency lies in the blend region: not rebuildable without the keys.
        var few = new Rope.Scaling("llama3", 8, 1, 4, 64);
        assertThatThrownBy(() -> roundTrip(init(tiny("llama", 8, true, false, few, 10000)), false))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("rope_freqs.weight");
        assertThat(roundTrip(init(tiny("llama", 8, true, false, few, 10000)), true)
                        .config
                        .ropeScaling())
                .isEqualTo(few);
    }

    /** A model vocabulary larger than the tokenizer's is padded with unused pieces; a smaller one is an error. */
    @Test
    void tokenizerIsPaddedToTheModelVocabulary() throws IOException {
        Tokenizer tok = load(BIN).tokenizer();
        LlamaConfig base = tiny("llama", 8, true, false, null, 10000);
        LlamaConfig wide = new LlamaConfig(
                "llama",
                24,
                40,
                2,
                4,
                2,
                8,
                520,
                1e-5f,
                10000,
                null,
                true,
                false,
                false,
                4096,
                1,
                List.of(2),
                "float32");
        Path file = dir.resolve("wide.gguf");
        GgufExport.write(file, init(wide), tok, GgmlType.F16, "wide");
        try (GgufFile g = GgufFile.open(file)) {
            Tokenizer back = Tokenizers.fromGguf(g);
            assertThat(back.vocabSize()).isEqualTo(520);
            assertThat(back.piece(515)).isEqualTo("[PAD515]");
            assertThat(g.intArray("tokenizer.ggml.token_type")[519]).isEqualTo(5);
            assertThat(back.encode("Once upon a time", true)).containsExactly(tok.encode("Once upon a time", true));
            assertThat(g.getLong("general.file_type", -1)).isEqualTo(1);
        }
        LlamaConfig narrow = new LlamaConfig(
                "llama",
                24,
                40,
                2,
                4,
                2,
                8,
                300,
                1e-5f,
                10000,
                null,
                true,
                false,
                false,
                4096,
                1,
                List.of(2),
                "float32");
        assertThatThrownBy(() -> GgufExport.write(dir.resolve("x.gguf"), init(narrow), tok, GgmlType.F32, "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("512 tokens");
        assertThatThrownBy(() -> GgufExport.write(dir.resolve("x.gguf"), init(base), tok, GgmlType.Q4_0, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(dir.resolve("x.gguf")).doesNotExist();
    }
}
