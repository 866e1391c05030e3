package dev.topiary.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.Close;
import dev.topiary.SharedFiles;
import dev.topiary.format.GgmlType;
import dev.topiary.format.GgufFile;
import dev.topiary.format.ModelFormatException;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaWeights;
import dev.topiary.model.Weights;
import dev.topiary.tensor.WeightType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The memory-mapped path (weights in their stored types, kernels converting in registers) gives the
 * logits of the fp32 path over the same values: HF folders in F32, BF16 (one and two shards) and
 * F16, and GGUF files in F32, BF16 and Q8_0 read with llama.cpp's interleaved q/k rows.
 */
class MappedModelTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    static final int[] IDS = {
        1, 403, 407, 261, 378, 275, 259, 411, 300, 266, 288, 271, 260, 500, 263, 2, 9, 77, 123, 321
    };

    @TempDir
    Path tmp;

    /**
     * Within tol (absolute and relative). The sums run in the same order, but a Vector API lane
     * reduction may associate differently before and after the JIT compiles it: last-bit rounding.
     */
    static void assertSameLogits(String what, Weights mapped, Weights reference, int[] ids, double tol) {
        float[] a = Llama.logits(mapped, ids), b = Llama.logits(reference, ids);
        Close.assertClose(what, a, b, tol, tol);
        // decoding one token at a time takes the GEMV: the same numbers as the reference decoding
        Close.assertClose(what + " decode", decode(mapped, ids), decode(reference, ids), tol, tol);
    }

    static float[] decode(Weights w, int[] ids) {
        Llama.State s = new Llama.State(w.config(), ids.length);
        int V = w.config().vocab();
        float[] all = new float[ids.length * V];
        for (int t = 0; t < ids.length; t++)
            System.arraycopy(Llama.forward(w, s, ids, t, 1, Llama.Logits.LAST), 0, all, t * V, V);
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama3", "tiny-qwen2", "tiny-mistral-f32"})
    void fixturesMappedEqualLoaded(String name) {
        Path dir = FIXTURES.resolve(name);
        LlamaWeights loaded = HfCheckpoint.load(dir);
        int[] ids =
                java.util.Arrays.stream(IDS).map(i -> i % loaded.config.vocab()).toArray();
        try (MappedModel m = MappedModel.openHf(dir)) {
            assertSameLogits(name, m, loaded, ids, 1e-5);
        }
    }

    @Test
    void bf16TwoShardFixtureIsReadAsBf16() {
        try (MappedModel m = MappedModel.openHf(FIXTURES.resolve("tiny-llama3"))) {
            assertThat(m.weightType()).isEqualTo(WeightType.BF16);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "BF16", "F16"})
    void stories260KHfCopiesInEachDtype(String dtype) throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf");
        LlamaWeights w = HfCheckpoint.load(src);
        Path out = tmp.resolve(dtype);
        HfCheckpoint.save(out, w, DType.valueOf(dtype), dtype.equals("F16") ? 200_000 : 0);
        LlamaWeights widened = HfCheckpoint.load(out);
        try (MappedModel m = MappedModel.openHf(out)) {
            assertThat(m.weightType().name()).isEqualTo(dtype);
            assertSameLogits("stories260K " + dtype, m, widened, IDS, 1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "F16", "BF16", "Q8_0"})
    void ggufKeepsInterleavedRowsAndGivesTheSameLogits(String type) throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf");
        LlamaWeights w = HfCheckpoint.load(src);
        Path gguf = tmp.resolve("m-" + type + ".gguf");
        GgufExport.write(gguf, w, Models.tokenizer(src), GgmlType.valueOf(type), "stories260K");
        LlamaWeights dequantized = GgufModel.load(gguf); // q/k rows permuted to rotate-half, fp32
        try (MappedModel m = MappedModel.openGguf(gguf)) {
            assertThat(m.interleavedRope()).isTrue();
            // q.k sums run over interleaved pairs, and Q8_0 sums factor each block's scale: rounding only
            assertSameLogits("gguf " + type, m, dequantized, IDS, 1e-4);
        }
    }

    @Test
    void bf16HfExportsToBf16GgufStreamedFromTheMapping() throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf");
        Path bf16 = tmp.resolve("bf16");
        HfCheckpoint.save(bf16, HfCheckpoint.load(src), DType.BF16, 0);
        Path gguf = tmp.resolve("bf16.gguf");
        try (MappedModel m = MappedModel.openHf(bf16)) {
            GgufExport.write(gguf, m, Models.tokenizer(src), GgmlType.BF16, "stories260K");
            try (GgufFile g = GgufFile.open(gguf)) {
                assertThat(g.tensor("blk.0.attn_q.weight").orElseThrow().type()).isEqualTo(GgmlType.BF16);
                assertThat(g.getLong("general.file_type", -1)).isEqualTo(32);
            }
            try (MappedModel back = MappedModel.openGguf(gguf)) {
                assertSameLogits("bf16 -> gguf bf16", back, m, IDS, 1e-4);
            }
            // and back to HF: the same bytes as the source
            Path again = tmp.resolve("again");
            try (MappedModel back = MappedModel.openGguf(gguf)) {
                dev.topiary.prune.StreamingSurgery.write(
                        back,
                        dev.topiary.prune.Surgery.all(back.config(), new int[] {0, 1, 2, 3, 4}),
                        again,
                        DType.BF16,
                        0);
            }
            assertThat(Files.readAllBytes(again.resolve("model.safetensors")))
                    .isEqualTo(Files.readAllBytes(bf16.resolve("model.safetensors")));
        }
    }

    @Test
    void importanceScoresOfMappedBf16EqualTheFp32Path() throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf");
        Path out = tmp.resolve("bf16");
        HfCheckpoint.save(out, HfCheckpoint.load(src), DType.BF16, 0);
        LlamaWeights widened = HfCheckpoint.load(out);
        var tok = Models.tokenizer(src);
        java.util.List<int[]> cal = dev.topiary.prune.Calibration.samples(
                SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"), "text", tok, 4, 64, 1);
        var seq = dev.topiary.prune.Aggregation.Seq.MEAN_ABS;
        var batch = dev.topiary.prune.Aggregation.Batch.L2;
        try (MappedModel m = MappedModel.openHf(out)) {
            var a = dev.topiary.prune.Importance.score(m, cal, seq, batch, null, "x", null);
            var b = dev.topiary.prune.Importance.score(widened, cal, seq, batch, null, "x", null);
            assertClose(a.hidden(), b.hidden());
            assertClose(a.blockInfluence(), b.blockInfluence());
            for (int l = 0; l < a.layers(); l++) {
                assertClose(a.heads()[l], b.heads()[l]);
                assertClose(a.neurons()[l], b.neurons()[l]);
            }
        }
    }

    static void assertClose(double[] a, double[] b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.length; i++)
            assertThat(a[i]).isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-6 * Math.abs(b[i]) + 1e-12));
    }

    @Test
    void missingOrMisshapenTensorsAreNamed() throws Exception {
        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Files.copy(FIXTURES.resolve("tiny-qwen2/config.json"), dir.resolve("config.json"));
        Safetensors.write(
                dir.resolve("model.safetensors"),
                java.util.List.of(
                        new Safetensors.Entry("model.embed_tokens.weight", DType.F32, new long[] {2, 2}, new float[4])),
                java.util.Map.of());
        assertThatThrownBy(() -> MappedModel.openHf(dir))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("config.json: describes a model of 20224 parameters")
                .hasMessageContaining("hold only 4 values");
        // enough values in all, but the embedding misshapen
        Safetensors.write(
                dir.resolve("model.safetensors"),
                java.util.List.of(
                        new Safetensors.Entry("model.embed_tokens.weight", DType.F32, new long[] {2, 2}, new float[4]),
                        new Safetensors.Entry("filler", DType.F32, new long[] {20224}, new float[20224])),
                java.util.Map.of());
        assertThatThrownBy(() -> MappedModel.openHf(dir))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("model.embed_tokens.weight")
                .hasMessageContaining("config.json implies");
    }
}
