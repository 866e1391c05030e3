package dev.topiary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.SharedFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failures listed in docs/failures.md, end to end: each prints one line naming the real
 * problem (file, field, value) and exits with 2.
 */
class FailureMessagesTest {
    @TempDir
    Path tmp;

    static final ObjectMapper JSON = new ObjectMapper();

    /** A copy of stories260K-hf whose tokenizer.json is {@code tokenizerJson}. */
    Path hfWithTokenizer(String tokenizerJson) throws Exception {
        Path src = SharedFiles.require("models/stories260K-hf"), dir = tmp.resolve("model");
        Files.createDirectories(dir);
        for (String f :
                new String[] {"config.json", "model.safetensors", "tokenizer_config.json", "special_tokens_map.json"})
            Files.copy(src.resolve(f), dir.resolve(f));
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson);
        return dir;
    }

    ObjectNode tokenizerJson() throws Exception {
        return (ObjectNode) JSON.readTree(
                SharedFiles.require("models/stories260K-hf/tokenizer.json").toFile());
    }

    static String oneLine(CommandsTest.Run r) {
        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.err()).endsWith("\n").doesNotContain("\tat ");
        assertThat(r.err().strip()).doesNotContain("\n");
        return r.err().strip();
    }

    @Test
    void tokenizerJsonThatIsNotJson() throws Exception {
        Path dir = hfWithTokenizer("{\"model\": {\"vocab\": ");
        String err = oneLine(CommandsTest.run("generate", dir.toString(), "--max-tokens", "1"));
        assertThat(err)
                .startsWith("topiary generate: " + dir.resolve("tokenizer.json")
                        + ": not valid JSON: Unexpected end-of-input");
    }

    @Test
    void tokenizerJsonWithoutVocab() throws Exception {
        ObjectNode t = tokenizerJson();
        ((ObjectNode) t.get("model")).remove("vocab");
        t.remove("added_tokens");
        Path dir = hfWithTokenizer(t.toString());
        assertThat(oneLine(CommandsTest.run("generate", dir.toString(), "--max-tokens", "1")))
                .isEqualTo("topiary generate: " + dir.resolve("tokenizer.json") + ": model.vocab is missing or empty");
    }

    @Test
    void tokenizerJsonWithBadMerges() throws Exception {
        ObjectNode t = tokenizerJson();
        ((com.fasterxml.jackson.databind.node.ArrayNode) t.get("model").get("merges")).set(3, "zz q");
        Path dir = hfWithTokenizer(t.toString());
        assertThat(oneLine(CommandsTest.run("generate", dir.toString(), "--max-tokens", "1")))
                .isEqualTo("topiary generate: " + dir.resolve("tokenizer.json")
                        + ": model.merges[3] = 'zz q': 'zz' is not in the vocabulary");
    }

    @Test
    void truncatedTok512Bin() throws Exception {
        Path src = SharedFiles.require("models/stories260K");
        Path model = tmp.resolve("stories260K.bin"), tok = tmp.resolve("tok512.bin");
        Files.copy(src.resolve("stories260K.bin"), model);
        byte[] bytes = Files.readAllBytes(src.resolve("tok512.bin"));
        Files.write(tok, Arrays.copyOf(bytes, 3001));
        assertThat(oneLine(CommandsTest.run("generate", model.toString(), "--max-tokens", "1")))
                .startsWith("topiary generate: " + tok + ": token ")
                .contains("record truncated");
    }

    @Test
    void missingToolsFile() throws Exception {
        Path missing = tmp.resolve("tools.json");
        assertThat(oneLine(CommandsTest.run(
                        "chat",
                        SharedFiles.require("models/stories260K-hf").toString(),
                        "--tools",
                        missing.toString())))
                .isEqualTo("topiary chat: " + missing + ": no such tools file");
    }

    @Test
    void wrongJsonTypeInADpoRow() throws Exception {
        Path f = tmp.resolve("p.jsonl");
        Files.writeString(
                f,
                "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n"
                        + "{\"prompt\": \"a\", \"chosen\": 7, \"rejected\": \"c\"}\n");
        assertThat(oneLine(CommandsTest.run(
                        "dpo",
                        SharedFiles.require("models/stories260K-hf").toString(),
                        "--data",
                        f.toString(),
                        "--out",
                        tmp.resolve("o").toString())))
                .isEqualTo("topiary dpo: " + f
                        + ": line 2: field 'chosen' has the wrong type (expected a string, got a number)");
        Files.writeString(f, "{\"prompt\": [\"a\"], \"chosen\": \"b\", \"rejected\": \"c\"}\n");
        assertThat(oneLine(CommandsTest.run(
                        "dpo",
                        SharedFiles.require("models/stories260K-hf").toString(),
                        "--data",
                        f.toString(),
                        "--out",
                        tmp.resolve("o").toString())))
                .isEqualTo("topiary dpo: " + f
                        + ": line 1: field 'prompt' has the wrong type (expected a string, got an array)");
    }

    @Test
    void aByteOrderMarkStartingAJsonlFileIsSkipped() throws Exception {
        Path f = tmp.resolve("bom.jsonl");
        String rows = "{\"prompt\": \"Once\", \"completion\": \" upon a time\"}\n".repeat(4);
        Files.write(f, ("\uFEFF" + rows).getBytes(StandardCharsets.UTF_8));
        CommandsTest.Run r = CommandsTest.run(
                "sft",
                SharedFiles.require("models/stories260K-hf").toString(),
                "--data",
                f.toString(),
                "--out",
                tmp.resolve("o").toString(),
                "--seq-len",
                "32",
                "--batch",
                "2",
                "--steps",
                "1",
                "--val-fraction",
                "0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("4 examples");
    }

    @Test
    void everyJsonlReaderSkipsAByteOrderMark() throws Exception {
        Path task = tmp.resolve("task.jsonl");
        Files.writeString(
                task, "\uFEFF{\"context\": \"The sky is\", \"choices\": [\" blue\", \" green\"], \"gold\": 0}\n");
        assertThat(dev.topiary.eval.TaskFile.read(task)).hasSize(1);
        Path corpus = tmp.resolve("corpus.jsonl");
        Files.writeString(corpus, "\uFEFF{\"text\": \"Once upon a time\"}\n");
        assertThat(dev.topiary.eval.Corpus.read(corpus, "text", 1000)).containsExactly("Once upon a time");
        Path align = tmp.resolve("align.jsonl");
        Files.writeString(
                align,
                "\uFEFF{\"type\": \"qa\", \"prompt\": \"Who?\", \"passages\": [\"Lily.\"], \"answers\": [\"Lily\"]}\n");
        assertThat(dev.topiary.verify.AlignTaskFile.read(align)).hasSize(1);
        assertThat(EvalCommand.isAlignmentTask(align)).isTrue();
    }

    @Test
    void wrongJsonTypeInEvalFiles() throws Exception {
        Path corpus = tmp.resolve("corpus.jsonl");
        Files.writeString(corpus, "{\"text\": 12}\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.topiary.eval.Corpus.read(corpus, "text", 1000))
                .hasMessage(corpus + ": line 1: field 'text' has the wrong type (expected a string, got a number)");
        Path task = tmp.resolve("task.jsonl");
        Files.writeString(task, "{\"context\": {}, \"choices\": [\"a\", \"b\"], \"gold\": 0}\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.topiary.eval.TaskFile.read(task))
                .hasMessage(task + ": line 1: field 'context' has the wrong type (expected a string, got an object)");
    }
}
