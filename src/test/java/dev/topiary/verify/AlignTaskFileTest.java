package dev.topiary.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.format.ModelFormatException;
import dev.topiary.verify.AlignTaskFile.FunctionCallItem;
import dev.topiary.verify.AlignTaskFile.InstructionItem;
import dev.topiary.verify.AlignTaskFile.Item;
import dev.topiary.verify.AlignTaskFile.QaItem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlignTaskFileTest {
    @TempDir
    Path dir;

    static final String TOOL = "{\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\", "
            + "\"properties\": {\"city\": {\"type\": \"string\"}, \"unit\": {\"type\": \"string\", \"enum\": [\"c\", \"f\"]}}, \"required\": [\"city\"]}}";
    static final String IFEVAL = "{\"type\": \"ifeval\", \"prompt\": \"Describe Paris in lower case.\", "
            + "\"instructions\": [{\"type\": \"all_lowercase\"}, {\"type\": \"max_words\", \"n\": 8}]}";
    static final String CALL =
            "{\"type\": \"function_call\", \"prompt\": \"Weather in Paris?\", \"tools\": [" + TOOL + "], "
                    + "\"expected\": {\"name\": \"get_weather\", \"arguments\": {\"city\": [\"Paris\", \"paris\"], \"unit\": [\"c\", \"\"]}}}";
    static final String QA =
            "{\"type\": \"qa\", \"prompt\": \"Which tower?\", \"passages\": [\"The Eiffel Tower is in Paris.\"], "
                    + "\"answers\": [\"The Eiffel Tower\", \"Eiffel\"]}";

    Path write(String... lines) throws Exception {
        Path f = dir.resolve("tasks.jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void readsAllThreeKinds() throws Exception {
        List<Item> items = AlignTaskFile.read(write(IFEVAL, "", CALL, QA));
        assertThat(items).hasSize(3);
        InstructionItem a = (InstructionItem) items.get(0);
        assertThat(a.prompt()).startsWith("Describe");
        assertThat(a.instructions()).containsExactly(new Instruction.AllLowercase(), new Instruction.MaxWords(8));
        FunctionCallItem b = (FunctionCallItem) items.get(1);
        assertThat(b.tools()).extracting(ToolSchema::name).containsExactly("get_weather");
        assertThat(b.expected().name()).isEqualTo("get_weather");
        assertThat(b.expected().arguments().get("city")).hasSize(2);
        QaItem c = (QaItem) items.get(2);
        assertThat(c.passages()).hasSize(1);
        assertThat(c.answers()).containsExactly("The Eiffel Tower", "Eiffel");
        assertThat(items).extracting(Item::type).containsExactly("ifeval", "function_call", "qa");
    }

    void fails(String badLine, int lineNo, String field) throws Exception {
        Path f = write(IFEVAL, badLine);
        assertThatThrownBy(() -> AlignTaskFile.read(f))
                .as(badLine)
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tasks.jsonl")
                .hasMessageContaining("line " + lineNo + ":")
                .hasMessageContaining("field '" + field + "'");
    }

    @Test
    void errorsNameFileLineAndField() throws Exception {
        fails(
                "{\"type\": \"ifeval\", \"prompt\": \"p\", \"instructions\": [{\"type\": \"all_lowercase\"}, {\"type\": \"max_words\", \"n\": -2}]}",
                2,
                "instructions[1].n");
        fails(
                "{\"type\": \"ifeval\", \"prompt\": \"p\", \"instructions\": [{\"type\": \"yell\"}]}",
                2,
                "instructions[0].type");
        fails("{\"type\": \"ifeval\", \"prompt\": \"p\", \"instructions\": []}", 2, "instructions");
        fails("{\"type\": \"ifeval\", \"instructions\": []}", 2, "prompt");
        fails("{\"type\": \"essay\", \"prompt\": \"p\"}", 2, "type");
        fails("{\"prompt\": \"p\"}", 2, "type");
        fails("{\"type\": \"qa\", \"prompt\": \"p\", \"passages\": [], \"answers\": []}", 2, "answers");
        fails(
                "{\"type\": \"qa\", \"prompt\": \"p\", \"passages\": [\"x\", 3], \"answers\": [\"a\"]}",
                2,
                "passages[1]");
        fails(
                CALL.replace("\"required\": [\"city\"]", "\"required\": [\"town\"]"),
                2,
                "tools[0].parameters.required[0]");
        fails(CALL.replace("\"type\": \"object\"", "\"type\": \"dict\""), 2, "tools[0].parameters.type");
        fails(
                CALL.replace("\"expected\": {\"name\": \"get_weather\"", "\"expected\": {\"name\": \"get_time\""),
                2,
                "expected.name");
        fails(CALL.replace("\"unit\": [\"c\", \"\"]", "\"mood\": \"ok\""), 2, "expected.arguments.mood");
        fails(
                CALL.replace(
                        ", \"expected\": {\"name\": \"get_weather\", \"arguments\": {\"city\": [\"Paris\", \"paris\"], \"unit\": [\"c\", \"\"]}}",
                        ""),
                2,
                "expected");
        fails(CALL.replace("\"tools\": [" + TOOL + "]", "\"tools\": [" + TOOL + ", " + TOOL + "]"), 2, "tools[1].name");
    }

    @Test
    void invalidJsonAndEmptyFiles() throws Exception {
        Path f = write(IFEVAL, "{\"type\": \"qa\",");
        assertThatThrownBy(() -> AlignTaskFile.read(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tasks.jsonl: line 2: not valid JSON");
        Path empty = write("", "  ");
        assertThatThrownBy(() -> AlignTaskFile.read(empty)).hasMessageContaining("holds no items");
        assertThatThrownBy(() -> AlignTaskFile.read(dir.resolve("missing.jsonl")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("missing.jsonl");
    }
}
