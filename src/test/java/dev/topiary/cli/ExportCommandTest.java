package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.Close;
import dev.topiary.SharedFiles;
import dev.topiary.io.GgufModel;
import dev.topiary.io.HfCheckpoint;
import dev.topiary.model.Llama;
import dev.topiary.model.LlamaWeights;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** topiary export: GGUF of stories260K and of a pruned student, read back with the same logits. */
class ExportCommandTest {
    @TempDir
    Path tmp;

    static final int[] IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};

    @Test
    void ggufOfStories260KAndOfAPrunedStudent() throws Exception {
        String model = SharedFiles.require("models/stories260K-hf").toString();
        Path gguf = tmp.resolve("s.gguf");
        CommandsTest.Run r = CommandsTest.run("export", model, "--out", gguf.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("top-1 agreement 67/67");
        Close.assertClose(
                "stories260K gguf",
                Llama.logits(GgufModel.load(gguf), IDS),
                Llama.logits(HfCheckpoint.load(Path.of(model)), IDS),
                1e-5,
                0);

        Path student = tmp.resolve("student");
        assertThat(CommandsTest.run(
                                "prune",
                                model,
                                "--scores",
                                "src/test/resources/fixtures/stories260k-pruned/scores.json",
                                "--hidden",
                                "40",
                                "--ffn",
                                "100",
                                "--heads",
                                "4",
                                "--layers",
                                "4",
                                "--out",
                                student.toString())
                        .code())
                .isZero();
        Path sg = tmp.resolve("student.gguf");
        r = CommandsTest.run("export", student.toString(), "--out", sg.toString());
        assertThat(r.code()).as(r.err()).isZero();
        LlamaWeights back = GgufModel.load(sg);
        assertThat(back.config.hidden()).isEqualTo(40);
        assertThat(back.config.headDim()).isEqualTo(8); // explicit: 40 / 4 would be 10
        Close.assertClose(
                "pruned gguf", Llama.logits(back, IDS), Llama.logits(HfCheckpoint.load(student), IDS), 1e-5, 0);
        // and the tokenizer travels with it
        assertThat(CommandsTest.run("tokenize", sg.toString(), "--text", "Hello world")
                        .out()
                        .strip())
                .isEqualTo("1 346 306 414 263 304 341");

        r = CommandsTest.run(
                "export",
                model,
                "--dtype",
                "Q8_0",
                "--out",
                tmp.resolve("q.gguf").toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("read back");
        r = CommandsTest.run(
                "export",
                model,
                "--format",
                "hf",
                "--dtype",
                "BF16",
                "--out",
                tmp.resolve("hf").toString());
        assertThat(r.code()).isZero();
        assertThat(tmp.resolve("hf/tokenizer.json")).exists();
    }

    @Test
    void theChatTemplateTravelsIntoTheGguf() throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf"), dir = tmp.resolve("with-template");
        java.nio.file.Files.createDirectories(dir);
        try (var files = java.nio.file.Files.list(src)) {
            for (Path f : files.toList()) java.nio.file.Files.copy(f, dir.resolve(f.getFileName()));
        }
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var cfg = (com.fasterxml.jackson.databind.node.ObjectNode)
                json.readTree(dir.resolve("tokenizer_config.json").toFile());
        cfg.put("chat_template", "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}");
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), cfg);
        Path gguf = tmp.resolve("t.gguf");
        assertThat(CommandsTest.run("export", dir.toString(), "--out", gguf.toString())
                        .code())
                .isZero();
        try (var g = dev.topiary.format.GgufFile.open(gguf)) {
            assertThat(g.string("tokenizer.chat_template")).startsWith("{% for m in messages %}");
        }
    }
}
