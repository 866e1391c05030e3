package dev.topiary.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.format.Json;
import dev.topiary.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Alignment tasks as JSONL, one item per line, of three kinds told apart by {@code type}:
 * <pre>
 * {"type": "ifeval", "prompt": "...", "instructions": [{"type": "max_words", "n": 50}, ...]}
 * {"type": "function_call", "prompt": "...", "tools": [tool definitions], "expected": {"name": "...", "arguments": {...}}}
 * {"type": "qa", "prompt": "...", "passages": ["...", ...], "answers": ["...", ...]}
 * </pre>
 * Instructions are described at {@link Instruction}, tool definitions at {@link ToolSchema}, the
 * expected call at {@link ExpectedCall}. The expected function must be one of the item's tools and
 * its arguments must be declared by that tool. Blank lines are skipped. Any error is a
 * {@link ModelFormatException} naming the file, the line and the field:
 * {@code tasks.jsonl: line 3: field 'instructions[1].n': must be a non-negative integer, got -2}.
 */
public final class AlignTaskFile {
    private AlignTaskFile() {}

    /** One task; the response to it is scored by {@link AlignmentEval}. */
    public sealed interface Item {
        /** What the model is asked. */
        String prompt();

        /** The {@code type} of the JSON form. */
        String type();
    }

    /** An IFEval-style prompt with the instructions its response must follow. */
    public record InstructionItem(String prompt, List<Instruction> instructions) implements Item {
        public InstructionItem {
            instructions = List.copyOf(instructions);
        }

        @Override
        public String type() {
            return "ifeval";
        }
    }

    /** A prompt with tools on offer and the call the response should make. */
    public record FunctionCallItem(String prompt, List<ToolSchema> tools, ExpectedCall expected) implements Item {
        public FunctionCallItem {
            tools = List.copyOf(tools);
        }

        /** The tool of that name, or null. */
        public ToolSchema tool(String name) {
            for (ToolSchema t : tools) if (t.name().equals(name)) return t;
            return null;
        }

        @Override
        public String type() {
            return "function_call";
        }
    }

    /** A question grounded in passages, with the acceptable answers. */
    public record QaItem(String prompt, List<String> passages, List<String> answers) implements Item {
        public QaItem {
            passages = List.copyOf(passages);
            answers = List.copyOf(answers);
        }

        @Override
        public String type() {
            return "qa";
        }
    }

    public static List<Item> read(Path file) throws IOException {
        List<Item> items = new ArrayList<>();
        Json.forEachLine(file, "task file", (n, lineNo) -> {
            try {
                items.add(parse(n));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, "line " + lineNo + ": " + e.getMessage());
            }
            return true;
        });
        if (items.isEmpty()) throw new ModelFormatException(file, "holds no items");
        return items;
    }

    /** Parses one item; errors are IllegalArgumentExceptions naming the field. */
    public static Item parse(JsonNode n) {
        if (!n.isObject()) throw new IllegalArgumentException("an item must be a JSON object, got " + n);
        String type = Json.text(n, "type", "");
        String prompt = Json.nonBlankText(n, "prompt", "");
        return switch (type) {
            case "ifeval" -> {
                JsonNode a = Json.array(n, "instructions", "");
                if (a.isEmpty()) throw Json.bad("instructions", "must not be empty");
                List<Instruction> list = new ArrayList<>();
                for (int i = 0; i < a.size(); i++) list.add(Instruction.fromJson(a.get(i), "instructions[" + i + "]"));
                yield new InstructionItem(prompt, list);
            }
            case "function_call" -> {
                JsonNode a = Json.array(n, "tools", "");
                if (a.isEmpty()) throw Json.bad("tools", "must not be empty");
                List<ToolSchema> tools = new ArrayList<>();
                for (int i = 0; i < a.size(); i++) {
                    ToolSchema t = ToolSchema.fromJson(a.get(i), "tools[" + i + "]");
                    for (ToolSchema o : tools)
                        if (o.name().equals(t.name()))
                            throw Json.bad("tools[" + i + "].name", "duplicate tool '" + t.name() + "'");
                    tools.add(t);
                }
                ExpectedCall expected = ExpectedCall.fromJson(n.get("expected"), "expected");
                FunctionCallItem item = new FunctionCallItem(prompt, tools, expected);
                ToolSchema tool = item.tool(expected.name());
                if (tool == null)
                    throw Json.bad(
                            "expected.name",
                            "'" + expected.name() + "' is not among the tools "
                                    + tools.stream().map(ToolSchema::name).toList());
                for (String arg : expected.arguments().keySet())
                    if (!tool.properties().containsKey(arg))
                        throw Json.bad("expected.arguments." + arg, "not a parameter of tool '" + tool.name() + "'");
                yield item;
            }
            case "qa" -> new QaItem(prompt, Json.texts(n, "passages", "", false), Json.texts(n, "answers", "", true));
            default -> throw Json.bad("type", "unknown item type '" + type + "' (known: ifeval, function_call, qa)");
        };
    }
}
