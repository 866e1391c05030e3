package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.SharedFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line end to end, on the real stories260K files in all three formats. */
class CommandsTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            var cl = Main.commandLine();
            cl.setOut(new PrintWriter(System.out, true));
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    static String model(String format) {
        return switch (format) {
            case "hf" -> SharedFiles.require("models/stories260K-hf").toString();
            case "gguf" ->
                SharedFiles.require("models/stories260K/stories260K.gguf").toString();
            default -> SharedFiles.require("models/stories260K/stories260K.bin").toString();
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "gguf", "llama2c"})
    void greedyGenerationIsByteIdenticalToRunC(String format) throws Exception {
        String expected = Files.readString(SharedFiles.require("models/stories260K/reference/greedy_bos_t0_n200.txt"));
        Run r = run("generate", model(format), "--temperature", "0", "--max-tokens", "200");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo(expected + "\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "gguf", "llama2c"})
    void tokenizePrintsIdsAndDecodesBack(String format) {
        Run r = run("tokenize", model(format), "--text", "Hello world");
        assertThat(r.out().strip()).isEqualTo("1 346 306 414 263 304 341");
        assertThat(run("tokenize", model(format), "--text", "Hello world", "--no-bos")
                        .out()
                        .strip())
                .isEqualTo("346 306 414 263 304 341");
        assertThat(run("tokenize", model(format), "--decode", "--text", "1 346 306 414 263 304 341")
                        .out())
                .isEqualTo("Hello world\n");
    }

    @Test
    void tokenizeLeavesSpecialStringsAsTextUnlessAsked() {
        String plain = run("tokenize", model("gguf"), "--text", "<s>Hello", "--no-bos")
                .out()
                .strip();
        String special = run("tokenize", model("gguf"), "--text", "<s>Hello", "--no-bos", "--special")
                .out()
                .strip();
        assertThat(special).startsWith("1 ");
        assertThat(plain).doesNotStartWith("1 ").isNotEqualTo(special);
        assertThat(run("tokenize", "--help").out())
                .contains("--special")
                .contains("llama.cpp")
                .contains("Hugging Face");
    }

    @Test
    void sampledGenerationIsSeeded() {
        Run a = run("generate", model("hf"), "--prompt", "Once upon a time", "--seed", "7", "--max-tokens", "40");
        Run b = run("generate", model("hf"), "--prompt", "Once upon a time", "--seed", "7", "--max-tokens", "40");
        assertThat(a.code()).isZero();
        assertThat(a.out()).startsWith("Once upon a time").isEqualTo(b.out());
        assertThat(a.err()).isEmpty(); // speeds go to System.err, not the command's error writer
    }

    @Test
    void inspectDescribesTheModel() {
        Run r = run("inspect", model("hf"));
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .contains("hidden 64, ffn 172, layers 5, heads 8, kv heads 4, head dim 8, vocab 512")
                .contains("parameters   260,032")
                .contains("tied embeddings")
                .contains("F32");
        // llama.cpp's converter wrote output.weight as its own tensor: the GGUF is untied
        assertThat(run("inspect", model("gguf")).out())
                .contains("parameters   292,800")
                .contains("untied")
                .contains("48 x F32");
    }

    @Test
    void multipleChoiceAccuracy() throws Exception {
        // stories260K's log-likelihoods of the choices (sum over tokens): girl -0.45, refrigerator -13.5;
        // park -0.47, quantum -45.5; mom -0.09, spoon -9.9; time -0.001, table -19.1. The model gets the first
        // three right wherever the gold answer stands; the fourth item's gold is wrong on purpose. acc and acc_norm
        // are 3 of 4; a scorer that always took the gold, the first or the last choice would get 4, 2 or 2.
        Path task = tmp.resolve("task.jsonl");
        Files.writeString(task, """
                {"context": "Once upon a time, there was a little", "choices": ["refrigerator", "girl"], "gold": 1}
                {"context": "Lily and Ben went to the", "choices": ["park", "quantum"], "gold": 0}
                {"context": "One day, Tom went to the park with his", "choices": ["spoon", "mom"], "gold": 1}
                {"context": "Once upon a", "choices": ["table", "time"], "gold": 0}
                """);
        Run r = run("eval", model("hf"), "--task", task.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("items 4, acc 0.7500, acc_norm 0.7500");
    }

    @Test
    void badInputGetsOneClearLine() throws Exception {
        Run r = run("generate", tmp.resolve("missing").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .contains("missing")
                .contains("does not exist")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        Path bad = tmp.resolve("bad.safetensors");
        Files.createDirectories(tmp.resolve("m"));
        Files.writeString(tmp.resolve("m/config.json"), "{\"model_type\": \"llama\", \"hidden_size\": 8}");
        r = run("inspect", tmp.resolve("m").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .contains(tmp.resolve("m/config.json").toString())
                .contains("num_attention_heads")
                .doesNotContain("\tat ");
        Path task = tmp.resolve("t.jsonl");
        Files.writeString(task, "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"gold\": 5}\n");
        r = run("eval", model("hf"), "--task", task.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("t.jsonl").contains("line 1").contains("gold");
    }
}
