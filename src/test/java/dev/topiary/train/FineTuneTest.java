package dev.topiary.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import dev.topiary.generate.Sampler;
import dev.topiary.io.Models;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fine-tuning the real stories260K on in-domain text lowers its validation loss and keeps it coherent. */
class FineTuneTest {
    @TempDir
    Path tmp;

    @Test
    void fineTuningStories260KOnTinyStories() throws Exception {
        Models.Loaded m = Models.load(SharedFiles.require("models/stories260K-hf"));
        String text = Files.readString(SharedFiles.require("data/tinystories-valid-head/tinystories_valid_head.txt"));
        Path corpus = tmp.resolve("c.txt");
        Files.writeString(corpus, text.substring(0, 60_000));
        TokenDataset ds = TokenDataset.load(corpus, "text", m.tokenizer(), 64, 0.1, 1);
        TrainOptions o =
                new TrainOptions(64, 4, 1, 12, 3e-4f, 3e-5f, 2, 0.1f, 0.9f, 0.95f, 1e-8f, 1f, 1, 0, 0, 0, false);
        LlamaWeights w = m.weights();
        Trainer t = new Trainer(w, ds, o, tmp.resolve("ck"), null);
        double before = t.validationLoss();
        t.run(new Trainer.Listener() {});
        assertThat(t.lastValidationLoss()).isLessThan(before);
        // still the model it was: greedy from BOS opens the way stories260K does
        int[] ids = new int[40];
        ids[0] = 1;
        Llama.State s = new Llama.State(w.config, ids.length);
        float[] logits = Llama.forward(w, s, ids, 0, 1, Llama.Logits.LAST);
        for (int i = 1; i < ids.length; i++) {
            ids[i] = Sampler.argmax(logits, 0, logits.length);
            if (i + 1 < ids.length) logits = Llama.forward(w, s, ids, i, 1, Llama.Logits.LAST);
        }
        assertThat(m.tokenizer().decode(ids)).startsWith("Once upon a time");
    }
}
