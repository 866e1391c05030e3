// ChatTemplates: finds the chat template for a model folder, or one of the built-in formats by name.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where chat templates come from: a model folder ({@link #forModel}), a built-in format by name
 * ({@link #builtIn}), or Jinja source ({@link #fromJinja}).
 */
public final class ChatTemplates {
    /** Built-in names, in the order {@link #builtIn} lists them. */
    public static final List<String> BUILT_IN =
            List.of("llama3", "llama3.1", "llama2", "chatml", "qwen2", "qwen2.5", "mistral");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SPECIAL_TOKENS =
            List.of("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token");

    private ChatTemplates() {}

    /**
     * A built-in format: {@code llama3} (Llama 3 Instruct), {@code llama3.1} (Llama 3.1 Instruct, date
     * "26 Jul 2024", tools in the first user turn), {@code llama2} (Llama 2 Chat), {@code chatml}
     * (ChatML, no default system turn), {@code qwen2} / {@code qwen2.5} (ChatML with Qwen's default
     * system turn and Qwen2.5's tool style), {@code mistral} (Mistral Instruct v0.3). Case-insensitive.
     */
    public static ChatTemplate builtIn(String name) {
        if (name == null)
            throw new IllegalArgumentException("no chat template name given; built-in: " + String.join(", ", BUILT_IN));
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "llama3", "llama-3" -> new Llama3Template("llama3", false, Llama3Template.DEFAULT_DATE, true);
            case "llama3.1", "llama-3.1" -> llama31(Llama3Template.DEFAULT_DATE, true);
            case "llama2", "llama-2" -> new Llama2Template();
            case "chatml" -> new ChatMLTemplate("chatml", null);
            case "qwen2" -> new ChatMLTemplate("qwen2", ChatMLTemplate.QWEN2_SYSTEM);
            case "qwen2.5" -> new ChatMLTemplate("qwen2.5", ChatMLTemplate.QWEN25_SYSTEM);
            case "mistral" -> new MistralTemplate();
            default ->
                throw new IllegalArgumentException(
                        "unknown chat template '" + name + "'; built-in: " + String.join(", ", BUILT_IN));
        };
    }

    /**
     * Llama 3.1 with its two template variables set: {@code date_string} (the "Today Date" line) and
     * {@code tools_in_user_message} (tool definitions in the first user turn, else in the system turn).
     */
    public static ChatTemplate llama31(String dateString, boolean toolsInUserMessage) {
        return new Llama3Template("llama3.1", true, dateString, toolsInUserMessage);
    }

    /**
     * The chat template of a model: a {@code chat_template.jinja} file in the folder, else the
     * {@code chat_template} of its {@code tokenizer_config.json} (a string, or a list of
     * {@code {name, template}} of which {@code default} is used, and {@code tool_use} when tools are
     * given), rendered as Jinja; else a built-in chosen from {@code config.json}'s {@code model_type}:
     * {@code llama} with a {@code <|eot_id|>} token (in tokenizer_config.json or tokenizer.json) is
     * {@code llama3}, other {@code llama} is {@code llama2}, {@code mistral} is {@code mistral},
     * {@code qwen2} is {@code chatml}; anything else (or no config.json) is {@code chatml}.
     *
     * @throws IllegalArgumentException if a file is there but cannot be read as JSON or has a
     *     chat_template of the wrong shape
     */
    public static ChatTemplate forModel(Path modelDir) {
        if (!Files.isDirectory(modelDir)) throw new IllegalArgumentException(modelDir + " is not a model folder");
        Path tokenizerConfig = modelDir.resolve("tokenizer_config.json");
        JsonNode config = Files.isRegularFile(tokenizerConfig) ? readJson(tokenizerConfig) : JSON.createObjectNode();
        Path jinjaFile = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinjaFile)) {
            try {
                return new JinjaChatTemplate(
                        jinjaFile.toString(), Map.of("default", Files.readString(jinjaFile)), specialTokens(config));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (config.hasNonNull("chat_template")) return fromTokenizerConfig(tokenizerConfig, config);
        return builtIn(builtInFor(modelDir, config));
    }

    /**
     * The template the commands use for a model: the built-in {@code builtInName} when one is given
     * ({@code --chat-template}), else the model folder's own ({@link #forModel}), else a .gguf file's
     * {@code tokenizer.chat_template} ({@link #forGguf}), else {@code chatml} (a llama2.c file, or a
     * GGUF file without a template).
     */
    public static ChatTemplate choose(Path model, String builtInName) {
        if (builtInName != null) return builtIn(builtInName);
        if (!Files.exists(model)) throw new IllegalArgumentException(model + ": no such model file or folder");
        if (Files.isDirectory(model)) return forModel(model);
        if (model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            ChatTemplate t = forGguf(model);
            if (t != null) return t;
        }
        return builtIn("chatml");
    }

    /**
     * The Jinja template a GGUF file keeps as {@code tokenizer.chat_template} (as llama.cpp reads it), with
     * its BOS and EOS tokens as {@code bos_token} and {@code eos_token}; null when the file has none.
     *
     * @throws IllegalArgumentException when the file cannot be read as GGUF
     */
    public static ChatTemplate forGguf(Path file) {
        try (dev.topiary.format.GgufFile g = dev.topiary.format.GgufFile.open(file)) {
            java.util.Optional<String> source = g.optionalString("tokenizer.chat_template");
            if (source.isEmpty() || source.get().isBlank()) return null;
            Map<String, Object> special = new LinkedHashMap<>();
            List<String> tokens = g.has("tokenizer.ggml.tokens") ? g.stringArray("tokenizer.ggml.tokens") : List.of();
            for (String[] key : new String[][] {{"bos_token", "bos"}, {"eos_token", "eos"}, {"unk_token", "unknown"}}) {
                long id = g.getLong("tokenizer.ggml." + key[1] + "_token_id", -1);
                if (id >= 0 && id < tokens.size()) special.put(key[0], tokens.get((int) id));
            }
            return new JinjaChatTemplate(file + " tokenizer.chat_template", Map.of("default", source.get()), special);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the GGUF file: " + e.getMessage(), e);
        }
    }

    /**
     * The prompt that opens a chat with tools: the system message (when not null) and an empty user
     * turn, rendered with the tool definitions and the generation prompt.
     *
     * @throws IllegalArgumentException when the template has no tool support: it refuses tools, ignores
     *     them (the prompt is the same without them), or writes tool calls in a syntax not known here
     */
    public static String toolsPrompt(ChatTemplate template, String system, List<JsonNode> tools) {
        List<Message> opening =
                system == null ? List.of(Message.user("")) : List.of(Message.system(system), Message.user(""));
        String what = "chat template " + template.name() + " has no tool support";
        String with;
        try {
            with = template.render(opening, tools, true);
        } catch (IllegalArgumentException e) {
            String why = e.getMessage(), prefix = "chat template " + template.name() + ": ";
            if (why.startsWith(prefix)) why = why.substring(prefix.length());
            throw new IllegalArgumentException(what + ": " + why, e);
        }
        if (with.equals(template.render(opening, List.of(), true)))
            throw new IllegalArgumentException(what + ": it does not show the tool definitions to the model");
        if (template.toolCallFormat() == ToolCallFormat.NONE)
            throw new IllegalArgumentException(what + ": its tool-call syntax is not one Topiary can read");
        return with;
    }

    /**
     * The model's own template source (chat_template.jinja, or the {@code chat_template} of
     * tokenizer_config.json; of a list, the one named "default"), for exports that keep it; empty
     * when the folder has none.
     */
    public static java.util.Optional<String> jinjaSource(Path modelDir) {
        try {
            Path jinjaFile = modelDir.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinjaFile)) return java.util.Optional.of(Files.readString(jinjaFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path cfg = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(cfg)) return java.util.Optional.empty();
        JsonNode t = readJson(cfg).path("chat_template");
        if (t.isTextual()) return java.util.Optional.of(t.textValue());
        for (JsonNode e : t)
            if ("default".equals(e.path("name").asText()))
                return java.util.Optional.of(e.path("template").asText());
        return java.util.Optional.empty();
    }

    /** The {@code chat_template} of a tokenizer_config.json file (with its special tokens). */
    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfigJson) {
        return fromTokenizerConfig(tokenizerConfigJson, readJson(tokenizerConfigJson));
    }

    private static ChatTemplate fromTokenizerConfig(Path file, JsonNode config) {
        JsonNode t = config.path("chat_template");
        Map<String, String> templates = new LinkedHashMap<>();
        if (t.isTextual()) {
            templates.put("default", t.textValue());
        } else if (t.isArray()) {
            for (JsonNode e : t) {
                if (!e.path("name").isTextual() || !e.path("template").isTextual())
                    throw new IllegalArgumentException(
                            file + ": chat_template list entries need a name and a template");
                templates.put(e.get("name").textValue(), e.get("template").textValue());
            }
        } else {
            throw new IllegalArgumentException(
                    file + ": no chat_template (or not a string or a list of {name, template})");
        }
        if (templates.isEmpty()) throw new IllegalArgumentException(file + ": chat_template is an empty list");
        return new JinjaChatTemplate(file + " chat_template", templates, specialTokens(config));
    }

    /**
     * A Jinja2 chat template from its source, as Hugging Face renders it (see the class comment of
     * this package). {@code variables} holds the special tokens ({@code bos_token},
     * {@code eos_token}, ...) and any other variables the template reads (for Llama 3.1:
     * {@code date_string}, {@code tools_in_user_message}).
     *
     * <p>Assistant spans ({@link ChatTemplate#renderWithSpans}) come from rendering prefixes of the
     * conversation (the rule is given there).
     */
    public static ChatTemplate fromJinja(String name, String source, Map<String, ?> variables) {
        if (source == null || source.isBlank()) throw new IllegalArgumentException(name + ": empty chat template");
        return new JinjaChatTemplate(name, Map.of("default", source), new LinkedHashMap<>(variables));
    }

    private static String builtInFor(Path modelDir, JsonNode tokenizerConfig) {
        Path configFile = modelDir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) return "chatml";
        String type = readJson(configFile).path("model_type").asText("").toLowerCase(Locale.ROOT);
        return switch (type) {
            case "llama" -> hasEotId(modelDir, tokenizerConfig) ? "llama3" : "llama2";
            case "mistral" -> "mistral";
            default -> "chatml";
        };
    }

    private static boolean hasEotId(Path modelDir, JsonNode tokenizerConfig) {
        String eot = "<|eot_id|>";
        for (JsonNode t : tokenizerConfig.path("added_tokens_decoder"))
            if (eot.equals(t.path("content").asText())) return true;
        if (eot.equals(tokenText(tokenizerConfig.get("eos_token")))) return true;
        Path tokenizerJson = modelDir.resolve("tokenizer.json");
        if (Files.isRegularFile(tokenizerJson)) {
            for (JsonNode t : readJson(tokenizerJson).path("added_tokens"))
                if (eot.equals(t.path("content").asText())) return true;
        }
        return false;
    }

    /** The special tokens of a tokenizer_config.json: a string, or an AddedToken object's content. */
    private static Map<String, Object> specialTokens(JsonNode config) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKENS) {
            String v = tokenText(config.get(key));
            if (v != null) out.put(key, v);
        }
        return out;
    }

    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.textValue();
        if (n.isObject() && n.path("content").isTextual())
            return n.get("content").textValue();
        return null;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not readable as JSON: " + e.getMessage(), e);
        }
    }
}
