// JinjaChatTemplate: a model's own Jinja2 chat_template, rendered with jinjava set up like Hugging Face's environment.
package dev.topiary.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import dev.topiary.format.Json;
import java.lang.reflect.Method;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Jinja2 chat template (a Hugging Face {@code chat_template}), rendered with jinjava.
 *
 * <p>The environment follows transformers' {@code apply_chat_template}: {@code trim_blocks} and
 * {@code lstrip_blocks} on; the {@code -} whitespace control on expression tags as well as statement
 * tags; {@code \r\n} read as {@code \n} and one final newline dropped; Jinja's operator precedence
 * (filters bind tighter than {@code +}, and {@code not} negates a whole comparison or test, see
 * {@link JinjaSource}); variables {@code messages}, {@code tools} (none when there are no tools),
 * {@code add_generation_prompt} and the special tokens ({@code bos_token}, {@code eos_token}, ...);
 * {@code raise_exception(msg)} fails the rendering with msg; {@code strftime_now(fmt)};
 * {@code {% generation %}} renders its body. Python behaviour where jinjava differs: {@code tojson}
 * is Python's {@code json.dumps} (", " and ": " separators, {@code indent=} honoured, non-ASCII
 * kept) rather than jinjava's compact JSON; {@code trim} strips like {@code str.strip()};
 * {@code is iterable} is true for strings; the string methods {@code startswith}, {@code endswith},
 * {@code strip}, {@code lstrip}, {@code rstrip}, {@code split}, {@code replace}, {@code upper},
 * {@code lower}, {@code title}, {@code capitalize}, {@code find}, {@code count} and {@code join}
 * work ({@link JinjaPython}). A filter or test jinjava lacks is refused when the template is loaded.
 *
 * <p>Values are data, as in Python's jinja2: Jinja syntax inside message content, tool definitions,
 * names or variables ({@code {{ 7*7 }}}, {@code {% raw %}}) is printed as it is, never evaluated
 * (jinjava's nested interpretation is off).
 *
 * <p>Known gaps (not used by the Llama, Qwen2/2.5 and Mistral templates): slices with a step
 * ({@code [::-1]}), string repetition ({@code 'x' * 3}), and {@code none} printing as an empty string
 * rather than {@code None}.
 *
 * <p>Messages reach the template as Hugging Face builds them: {@code role} and {@code content}
 * always; {@code tool_calls} only when there are some, each
 * {@code {"type": "function", "function": {"name", "arguments"}, "id"}}; {@code name} when set;
 * {@code tool_call_id} on tool turns. Ids follow {@link Conversations#toolCallId}: the k-th call is
 * {@code call0000k} and the k-th tool turn answers it.
 */
final class JinjaChatTemplate implements ChatTemplate {
    private final String name;
    private final Map<String, String> templates;
    private final Map<String, Object> variables;
    private final Jinjava jinjava;
    private final ToolCallFormat toolCallFormat;

    /**
     * @param templates the template sources by name ({@code default}, {@code tool_use}, ...); a single
     *     template is {@code default}
     * @param variables special tokens and any extra variables (e.g. {@code date_string})
     */
    JinjaChatTemplate(String name, Map<String, String> templates, Map<String, Object> variables) {
        if (templates.isEmpty()) throw new IllegalArgumentException(name + ": no chat template");
        this.name = name;
        Map<String, String> fixed = new LinkedHashMap<>();
        templates.forEach((k, v) -> fixed.put(k, JinjaSource.fixNotPrecedence(JinjaSource.normalizeNewlines(v))));
        this.templates = Map.copyOf(fixed);
        this.variables = new LinkedHashMap<>(variables);
        this.jinjava = newJinjava();
        for (String source : templates.values()) {
            for (String f : JinjaSource.filters(source))
                if (jinjava.getGlobalContext().getFilter(f) == null)
                    throw error("the template uses filter '" + f + "', which is not available");
            for (String t : JinjaSource.tests(source))
                if (jinjava.getGlobalContext().getExpTest(t) == null)
                    throw error("the template uses test '" + t + "', which is not available");
        }
        String all = String.join("\n", templates.values());
        this.toolCallFormat = all.contains("<tool_call>")
                ? ToolCallFormat.QWEN_XML
                : all.contains("[TOOL_CALLS]")
                        ? ToolCallFormat.MISTRAL
                        : all.contains("<|python_tag|>") || all.contains("\"parameters\": ")
                                ? ToolCallFormat.LLAMA3_JSON
                                : ToolCallFormat.NONE;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ToolCallFormat toolCallFormat() {
        return toolCallFormat;
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + "]";
    }

    @Override
    public String render(List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt) {
        Conversations.check(messages);
        return renderChecked(messages, Conversations.normalizeTools(tools), addGenerationPrompt);
    }

    private IllegalArgumentException error(String why) {
        return new IllegalArgumentException("chat template " + name + ": " + why);
    }

    private String renderChecked(List<Message> messages, List<JsonNode> tools, boolean addGenerationPrompt) {
        String source = !tools.isEmpty() && templates.containsKey("tool_use")
                ? templates.get("tool_use")
                : templates.get("default");
        if (source == null)
            throw error("no 'default' template among " + templates.keySet()
                    + (tools.isEmpty() ? "" : " and no 'tool_use'"));
        Map<String, Object> context = new LinkedHashMap<>(variables);
        context.put("messages", toJinja(messages));
        context.put(
                "tools",
                tools.isEmpty() ? null : tools.stream().map(Json::toJava).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        try {
            result = jinjava.renderForResult(source, context);
        } catch (RuntimeException e) {
            throw error("failed to render: " + describe(e));
        }
        List<String> problems = new ArrayList<>();
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() != TemplateError.ErrorType.FATAL) continue;
            Raised raised = raised(e.getException());
            if (raised != null) throw error("the template raised an exception: " + raised.getMessage());
            problems.add(e.getMessage() + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : ""));
        }
        if (!problems.isEmpty()) throw error("failed to render: " + String.join("; ", problems));
        return result.getOutput();
    }

    private static Raised raised(Throwable t) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) if (t instanceof Raised r) return r;
        return null;
    }

    private static String describe(Throwable e) {
        Raised r = raised(e);
        return r != null
                ? "the template raised an exception: " + r.getMessage()
                : e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The messages as Hugging Face hands them to a template (see the class comment). */
    static List<Map<String, Object>> toJinja(List<Message> messages) {
        List<Map<String, Object>> out = new ArrayList<>();
        int calls = 0, results = 0;
        for (Message m : messages) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("role", m.role());
            j.put("content", m.content());
            if (!m.toolCalls().isEmpty()) {
                List<Map<String, Object>> list = new ArrayList<>();
                for (ToolCall c : m.toolCalls()) {
                    Map<String, Object> function = new LinkedHashMap<>();
                    function.put("name", c.name());
                    function.put("arguments", Json.toJava(c.arguments()));
                    Map<String, Object> call = new LinkedHashMap<>();
                    call.put("type", "function");
                    call.put("function", function);
                    call.put("id", Conversations.toolCallId(calls++));
                    list.add(call);
                }
                j.put("tool_calls", list);
            }
            if (m.name() != null) j.put("name", m.name());
            if (m.role().equals("tool")) j.put("tool_call_id", Conversations.toolCallId(results++));
            out.add(j);
        }
        return out;
    }

    /** Thrown by raise_exception; found again in jinjava's error to report the template's own message. */
    static final class Raised extends RuntimeException {
        Raised(String message) {
            super(message);
        }
    }

    public static String raiseException(Object message) {
        throw new Raised(String.valueOf(message));
    }

    /** Python's datetime.now().strftime for the common directives (%d %m %Y %y %b %B %a %A %H %M %S %j %%). */
    public static String strftimeNow(String format) {
        LocalDateTime now = LocalDateTime.now();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            String pattern = switch (d) {
                case 'd' -> "dd";
                case 'm' -> "MM";
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'b' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'H' -> "HH";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'j' -> "DDD";
                default -> null;
            };
            if (pattern != null) out.append(now.format(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH)));
            else if (d == '%') out.append('%');
            else out.append('%').append(d);
        }
        return out.toString();
    }

    private static Jinjava newJinjava() {
        LegacyOverrides legacy = LegacyOverrides.newBuilder()
                .withUseTrimmingForNotesAndExpressions(true)
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                .withKeepNullableLoopValues(true)
                .withUsePyishObjectMapper(true)
                .withEvaluateMapKeys(true)
                .withIterateOverMapKeys(true)
                .build();
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // values are data: Jinja syntax inside message content, tools or names is printed, not run
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(legacy)
                .withElResolver(JinjaPython.resolver())
                .build();
        Jinjava j = new Jinjava(config);
        try {
            Method raise = JinjaChatTemplate.class.getMethod("raiseException", Object.class);
            Method strftime = JinjaChatTemplate.class.getMethod("strftimeNow", String.class);
            raise.setAccessible(true); // the class is package-private
            strftime.setAccessible(true);
            j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", raise));
            j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", strftime));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
        j.getGlobalContext().registerFilter(new ToJson());
        j.getGlobalContext().registerFilter(new Trim());
        j.getGlobalContext().registerFilter(new Items());
        j.getGlobalContext().registerExpTest(new Iterable());
        j.getGlobalContext().registerTag(new Generation());
        return j;
    }

    /** tojson as transformers defines it: json.dumps(x, ensure_ascii=False, indent=indent, sort_keys=sort_keys). */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            Object sort = kwargs.getOrDefault("sort_keys", null);
            int n = indent == null
                    ? -1
                    : indent instanceof Number num
                            ? num.intValue()
                            : Integer.parseInt(indent.toString().trim());
            return Json.dumps(var, n, sort != null && Boolean.parseBoolean(sort.toString()));
        }
    }

    /** trim as Python's str.strip() (Unicode whitespace), the way Jinja2 does it. */
    static final class Trim implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return var == null ? "None" : PyStr.strip(var.toString());
        }
    }

    /** Jinja2 3.1's items filter: a mapping's (key, value) pairs. */
    static final class Items implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (!(var instanceof Map<?, ?> m)) return List.of();
            List<List<Object>> pairs = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) pairs.add(Arrays.asList(e.getKey(), e.getValue()));
            return pairs;
        }
    }

    /**
     * transformers' {@code {% generation %}...{% endgeneration %}} (it marks assistant text for
     * {@code return_assistant_tokens_mask}); here it just renders its body, as it does in transformers'
     * output text.
     */
    static final class Generation implements Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren())
                out.append(child.render(interpreter).getValue());
            return out.toString();
        }
    }

    /** Python's iterable: strings, sequences and mappings. */
    static final class Iterable implements ExpTest {
        @Override
        public String getName() {
            return "iterable";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence
                    || var instanceof Collection<?>
                    || var instanceof Map<?, ?>
                    || (var != null && var.getClass().isArray())
                    || var instanceof java.lang.Iterable<?>;
        }
    }
}
