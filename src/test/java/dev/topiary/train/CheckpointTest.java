package dev.topiary.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.format.ModelFormatException;
import dev.topiary.io.DType;
import dev.topiary.io.Safetensors;
import dev.topiary.model.Init;
import dev.topiary.model.LlamaWeights;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint file: one tensor per parameter tensor and moment, moments off the heap, the older flat layout read. */
class CheckpointTest {
    @TempDir
    Path tmp;

    /** A model after two optimizer steps, so that parameters and both moments hold distinct values. */
    static AdamW trained(LlamaWeights w) {
        AdamW opt = new AdamW(w, 0.9f, 0.95f, 1e-8f, 0.1f, false);
        LlamaWeights g = new LlamaWeights(w.config);
        for (int s = 0; s < 2; s++) {
            int k = 0;
            for (LlamaWeights.View v : g.views()) {
                k++;
                for (int i = 0; i < v.size(); i++) v.array()[i] = (float) Math.sin(0.3 * i + k + s);
            }
            opt.update(g, 1e-2f);
        }
        return opt;
    }

    static float[] floats(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_FLOAT);
    }

    @Test
    void momentsLiveOffTheHeapAndComeBackExactly() throws Exception {
        LlamaWeights w = Init.normal(ResumeTest.TINY, 1, 0.05);
        AdamW opt = trained(w);
        assertThat(opt.firstMoment().isNative()).isTrue();
        assertThat(opt.firstMoment().byteSize()).isEqualTo(4 * w.parameterCount());
        Checkpoint.save(tmp, w, opt, new Checkpoint.State(2, "key", 7, Checkpoint.configJson(w.config)));
        try (Safetensors st = Safetensors.open(tmp.resolve(Checkpoint.FILE))) {
            assertThat(st.tensors()).containsKey("params.model.embed_tokens.weight");
            assertThat(st.tensors()).containsKey("adam_v.model.layers.1.mlp.down_proj.weight");
            assertThat(st.metadata()).containsEntry("topiary_checkpoint", "2");
        }
        LlamaWeights back = Init.normal(ResumeTest.TINY, 9, 0.05);
        AdamW backOpt = new AdamW(back, 0.9f, 0.95f, 1e-8f, 0.1f, false);
        Checkpoint.State s = Checkpoint.load(tmp, back, backOpt);
        assertThat(s.step()).isEqualTo(2);
        assertThat(back.flat()).containsExactly(w.flat());
        assertThat(floats(backOpt.firstMoment())).containsExactly(floats(opt.firstMoment()));
        assertThat(floats(backOpt.secondMoment())).containsExactly(floats(opt.secondMoment()));
        opt.close();
        opt.close(); // twice is harmless
        assertThatThrownBy(() -> opt.firstMoment().get(ValueLayout.JAVA_FLOAT, 0))
                .isInstanceOf(IllegalStateException.class); // freed
    }

    @Test
    void aFlatVersionOneCheckpointStillResumes() throws Exception {
        LlamaWeights w = Init.normal(ResumeTest.TINY, 1, 0.05);
        AdamW opt = trained(w);
        // the layout of Topiary before per-tensor checkpoints: three flat tensors
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("topiary_checkpoint", "1");
        meta.put("step", "2");
        meta.put("trajectory", "key");
        meta.put("data_fingerprint", "7");
        meta.put("config", Checkpoint.configJson(w.config));
        long[] shape = {w.parameterCount()};
        List<Safetensors.Entry> entries = List.of(
                new Safetensors.Entry("params", DType.F32, shape, w.flat()),
                new Safetensors.Entry("adam_m", DType.F32, shape, floats(opt.firstMoment())),
                new Safetensors.Entry("adam_v", DType.F32, shape, floats(opt.secondMoment())));
        String metaCrc = Checkpoint.crc(meta);
        for (Safetensors.Entry e : entries)
            meta.put("crc32c." + e.name(), Checkpoint.crc(MemorySegment.ofArray(e.values())));
        meta.put("crc32c.__metadata__", metaCrc);
        Safetensors.write(tmp.resolve(Checkpoint.FILE), entries, meta);

        LlamaWeights back = Init.normal(ResumeTest.TINY, 9, 0.05);
        AdamW backOpt = new AdamW(back, 0.9f, 0.95f, 1e-8f, 0.1f, false);
        assertThat(Checkpoint.load(tmp, back, backOpt).step()).isEqualTo(2);
        assertThat(back.flat()).containsExactly(w.flat());
        assertThat(floats(backOpt.firstMoment())).containsExactly(floats(opt.firstMoment()));
        assertThat(floats(backOpt.secondMoment())).containsExactly(floats(opt.secondMoment()));
    }

    @Test
    void aCheckpointOfAnotherShapeIsRefusedByName() throws Exception {
        LlamaWeights w = Init.normal(ResumeTest.TINY, 1, 0.05);
        Checkpoint.save(tmp, w, trained(w), new Checkpoint.State(2, "key", 7, Checkpoint.configJson(w.config)));
        LlamaWeights other = Init.normal(
                ResumeTest.TINY.withShape(
                        ResumeTest.TINY.hidden(), 12, ResumeTest.TINY.layers(), ResumeTest.TINY.heads()),
                1,
                0.05);
        assertThatThrownBy(() -> Checkpoint.load(tmp, other, new AdamW(other, 0.9f, 0.95f, 1e-8f, 0f, false)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("mlp")
                .hasMessageContaining("another model");
        LlamaWeights shallower = Init.normal(
                ResumeTest.TINY.withShape(
                        ResumeTest.TINY.hidden(),
                        ResumeTest.TINY.intermediate(),
                        ResumeTest.TINY.layers() - 1,
                        ResumeTest.TINY.heads()),
                1,
                0.05);
        assertThatThrownBy(() -> Checkpoint.load(tmp, shallower, new AdamW(shallower, 0.9f, 0.95f, 1e-8f, 0f, false)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("parameter tensors")
                .hasMessageContaining("another model");
    }
}
