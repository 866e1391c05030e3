package dev.topiary.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.chat.ChatTemplate;
import dev.topiary.chat.ChatTemplates;
import dev.topiary.chat.Message;
import dev.topiary.chat.ParsedReply;
import dev.topiary.chat.ToolCall;
import dev.topiary.generate.Sampler;
import dev.topiary.io.Models;
import dev.topiary.model.Llama;
import dev.topiary.model.Weights;
import dev.topiary.tokenizer.StreamDecoder;
import dev.topiary.tokenizer.Tokenizer;
import dev.topiary.verify.ToolSchema;
import dev.topiary.verify.ToolsFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        header = "Chat with a model in the terminal, with tools.",
        description = {
            "An interactive chat: each line you type is a user turn; the conversation is rendered with the model's",
            "chat template (or --chat-template) and the answer streams as it is generated, until the end-of-turn",
            "marker.",
            "--system sets a system message; --tools FILE gives JSON schemas of tools ([{\"name\", \"description\",",
            "\"parameters\"}]): a tool call in the answer is parsed, checked against its schema, and shown.",
            "A template without tool support, or tools that fill the model's context, are refused at start.",
            "Empty line or end of input: quit.",
            ""
        })
final class ChatCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(
            index = "0",
            paramLabel = "MODEL",
            description = "HF folder or .gguf (each with its own chat template, else ChatML), or a llama2.c .bin")
    Path model;

    @Option(names = "--system", description = "System message.")
    String system;

    @Option(names = "--tools", paramLabel = "FILE", description = "JSON array of tool schemas.")
    Path tools;

    @Option(
            names = {"--chat-template", "--template"},
            description = "A built-in template instead of the model's own"
                    + " (llama3, llama3.1, llama2, chatml, qwen2, qwen2.5, mistral).")
    String templateName;

    @Option(
            names = "--max-tokens",
            defaultValue = "256",
            description = "Answer length at most (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(
            names = "--temperature",
            defaultValue = "0.7",
            description = "Sampling temperature; 0 = greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus mass (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    private static final List<String> END_MARKERS = List.of("<|eot_id|>", "<|eom_id|>", "<|im_end|>", "</s>");

    @Override
    public Integer call() throws Exception {
        Sampler sampler = new Sampler(temperature, topP, seed);
        ToolsFile toolsFile = tools == null ? ToolsFile.none() : ToolsFile.read(tools);
        List<JsonNode> toolDefs = toolsFile.definitions();
        Map<String, ToolSchema> schemas = toolsFile.schemas();
        ChatTemplate template = ChatTemplates.choose(model, templateName);
        String toolsPrompt = toolDefs.isEmpty() ? null : ChatTemplates.toolsPrompt(template, system, toolDefs);
        Models.Loaded m = Models.load(model);
        Weights w = m.inference();
        Tokenizer tok = m.requireTokenizer();
        if (toolsPrompt != null) {
            int n = tok.encode(toolsPrompt, false, true).length;
            if (n >= w.config().maxPositions())
                throw new IllegalArgumentException("the system message and " + toolDefs.size()
                        + " tool definitions take " + n + " tokens, the model's whole context ("
                        + w.config().maxPositions() + "); give fewer or shorter tools");
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("chat with " + model + " (template " + template.name()
                + (schemas.isEmpty() ? "" : ", tools " + schemas.keySet()) + "); an empty line quits");
        List<Message> messages = new ArrayList<>();
        if (system != null) messages.add(Message.system(system));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (true) {
            out.print("> ");
            out.flush();
            String line = in.readLine();
            if (line == null || line.isBlank()) break;
            messages.add(Message.user(line));
            String prompt = template.render(messages, toolDefs, true);
            String answer = generate(w, tok, prompt, sampler, out);
            ParsedReply reply = template.parseReply(answer);
            messages.add(Message.assistant(reply.content(), reply.toolCalls()));
            for (ToolCall c : reply.toolCalls()) showCall(c, schemas, out);
        }
        return 0;
    }

    /** Streams the answer to a rendered prompt; stops at EOS or an end-of-turn marker (not printed). */
    private String generate(Weights w, Tokenizer tok, String prompt, Sampler sampler, PrintStream out) {
        int[] p = tok.encode(prompt, false, true);
        int cap = Math.min(w.config().maxPositions(), p.length + maxTokens);
        if (p.length >= cap)
            throw new IllegalStateException(
                    "the conversation (" + p.length + " tokens) fills the context; start again");
        StreamDecoder dec = tok.streamDecoder();
        StringBuilder text = new StringBuilder();
        int[] printed = {0};
        dev.topiary.generate.Generator.continueFrom(
                w, new Llama.State(w.config(), cap), p, maxTokens, sampler, tok.eosId(), id -> {
                    text.append(dec.next(id));
                    String marker = END_MARKERS.stream()
                            .filter(mk -> text.indexOf(mk) >= 0)
                            .findFirst()
                            .orElse(null);
                    if (marker != null) {
                        text.setLength(text.indexOf(marker));
                        return false;
                    }
                    int safe = text.length() - 12; // hold back what could be the start of a marker
                    if (safe > printed[0]) {
                        out.print(text.substring(printed[0], safe));
                        printed[0] = safe;
                    }
                    return true;
                });
        int done = printed[0];
        if (text.length() > done) out.print(text.substring(done));
        out.println();
        return text.toString();
    }

    static void showCall(ToolCall c, Map<String, ToolSchema> schemas, PrintStream out) {
        ToolSchema s = schemas.get(c.name());
        if (s == null) {
            out.println("[tool call " + c.name() + c.arguments() + ": no such tool"
                    + (schemas.isEmpty() ? "" : "; tools: " + schemas.keySet()) + "]");
            return;
        }
        List<String> problems = s.check(c);
        out.println("[tool call " + c.name() + c.arguments()
                + (problems.isEmpty() ? ": valid" : ": invalid: " + String.join("; ", problems)) + "]");
    }
}
