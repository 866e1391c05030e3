package dev.topiary.recipe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A synthetic instruction set in the TinyStories world, for aligning a small model end to end:
 * <ul>
 *   <li>stories with checkable instructions: about a named character, including a given word,
 *       ending with a given sentence, in lowercase, under N words;
 *   <li>tool calls: get_weather(city) and set_timer(minutes), as JSON;
 *   <li>questions about a short passage, answered with a name or a thing from it.
 * </ul>
 * Writes sft.jsonl (prompt, completion), prefs.jsonl (prompt, chosen, rejected: the rejected
 * answer breaks the instruction) and eval.jsonl (held-out prompts in the alignment task format,
 * with their verifiers), all deterministic for a seed.
 */
public final class ChatSet {
    private ChatSet() {}

    private static final String[] NAMES = {
        "Lily", "Tom", "Sam", "Mia", "Ben", "Anna", "Max", "Lucy", "Tim", "Sara", "Zoe", "Leo"
    };
    private static final String[] WORDS = {
        "ball", "kite", "cake", "tree", "boat", "hat", "flower", "dog", "cat", "sun", "rain", "box"
    };
    private static final String[] ENDINGS = {
        "They were happy.", "The end.", "It was a good day.", "They played all day."
    };
    private static final String[] CITIES = {"Paris", "London", "Tokyo", "Rome", "Berlin", "Madrid", "Oslo", "Lima"};
    private static final String[] PLACES = {"park", "garden", "beach", "forest", "farm", "lake"};
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void write(Path dir, int train, int eval, long seed) throws IOException {
        Files.createDirectories(dir);
        SplittableRandom r = new SplittableRandom(seed);
        java.io.StringWriter sft = new java.io.StringWriter(),
                prefs = new java.io.StringWriter(),
                ev = new java.io.StringWriter();
        for (int i = 0; i < train + eval; i++) {
            boolean held = i >= train;
            int kind = i % 3;
            String name = pick(r, NAMES), word = pick(r, WORDS), place = pick(r, PLACES);
            if (kind == 0) {
                String ending = pick(r, ENDINGS);
                String prompt = "Write a short story about " + name + ". Use the word \"" + word + "\". End with \""
                        + ending + "\"";
                String good =
                        " " + name + " went to the " + place + " with a " + word + ". " + name + " had fun. " + ending;
                String bad = " " + name + " went to the " + place + ". " + name + " was sad.";
                if (held) {
                    ObjectNode n = JSON.createObjectNode().put("type", "ifeval").put("prompt", prompt);
                    ArrayNode ins = n.putArray("instructions");
                    ins.addObject()
                            .put("type", "include_words")
                            .putArray("words")
                            .add(word);
                    ins.addObject().put("type", "ends_with").put("phrase", ending);
                    ins.addObject().put("type", "max_words").put("n", 40);
                    line(ev, n);
                } else {
                    line(sft, JSON.createObjectNode().put("prompt", prompt).put("completion", good));
                    line(
                            prefs,
                            JSON.createObjectNode()
                                    .put("prompt", prompt)
                                    .put("chosen", good)
                                    .put("rejected", bad));
                }
            } else if (kind == 1) {
                boolean weather = r.nextBoolean();
                String city = pick(r, CITIES);
                int minutes = 1 + r.nextInt(30);
                String prompt =
                        weather ? "What is the weather in " + city + "?" : "Set a timer for " + minutes + " minutes.";
                String good = weather
                        ? " {\"name\": \"get_weather\", \"arguments\": {\"city\": \"" + city + "\"}}"
                        : " {\"name\": \"set_timer\", \"arguments\": {\"minutes\": " + minutes + "}}";
                String bad = weather ? " {\"name\": \"set_timer\", \"arguments\": {\"minutes\": 5}}" : " It is sunny.";
                String tools = "Tools: get_weather(city), set_timer(minutes). ";
                if (held) {
                    ObjectNode n =
                            JSON.createObjectNode().put("type", "function_call").put("prompt", prompt);
                    ArrayNode t = n.putArray("tools");
                    ObjectNode gw = t.addObject().put("name", "get_weather").put("description", "weather in a city");
                    gw.putObject("parameters")
                            .put("type", "object")
                            .putObject("properties")
                            .putObject("city")
                            .put("type", "string");
                    ((ObjectNode) gw.get("parameters")).putArray("required").add("city");
                    ObjectNode st = t.addObject().put("name", "set_timer").put("description", "start a timer");
                    st.putObject("parameters")
                            .put("type", "object")
                            .putObject("properties")
                            .putObject("minutes")
                            .put("type", "integer");
                    ((ObjectNode) st.get("parameters")).putArray("required").add("minutes");
                    ObjectNode ex = n.putObject("expected").put("name", weather ? "get_weather" : "set_timer");
                    if (weather) ex.putObject("arguments").putArray("city").add(city);
                    else ex.putObject("arguments").putArray("minutes").add(minutes);
                    line(ev, n);
                } else {
                    line(
                            sft,
                            JSON.createObjectNode()
                                    .put("prompt", tools + prompt)
                                    .put("completion", good));
                    line(
                            prefs,
                            JSON.createObjectNode()
                                    .put("prompt", tools + prompt)
                                    .put("chosen", good)
                                    .put("rejected", bad));
                }
            } else {
                String other = pick(r, NAMES);
                if (other.equals(name)) other = name.equals("Tom") ? "Ben" : "Tom";
                String passage = name + " had a " + word + ". " + other + " went to the " + place + ".";
                boolean askWho = r.nextBoolean();
                String question = askWho ? "Who had a " + word + "?" : "Where did " + other + " go?";
                String answer = askWho ? name : "the " + place;
                if (held) {
                    ObjectNode n = JSON.createObjectNode().put("type", "qa").put("prompt", question);
                    n.putArray("passages").add(passage);
                    n.putArray("answers").add(answer);
                    line(ev, n);
                } else {
                    String prompt = "Passages:\n" + passage + "\nQuestion: " + question + "\nAnswer:";
                    line(sft, JSON.createObjectNode().put("prompt", prompt).put("completion", " " + answer));
                    line(
                            prefs,
                            JSON.createObjectNode()
                                    .put("prompt", prompt)
                                    .put("chosen", " " + answer)
                                    .put(
                                            "rejected",
                                            " "
                                                    + (askWho
                                                            ? other
                                                            : "the "
                                                                    + pick(r, PLACES)
                                                                            .replace(place, "sky"))));
                }
            }
        }
        dev.topiary.format.AtomicFiles.writeString(dir.resolve("sft.jsonl"), sft.toString());
        dev.topiary.format.AtomicFiles.writeString(dir.resolve("prefs.jsonl"), prefs.toString());
        dev.topiary.format.AtomicFiles.writeString(dir.resolve("eval.jsonl"), ev.toString());
    }

    private static void line(Writer w, ObjectNode n) throws IOException {
        w.write(JSON.writeValueAsString(n));
        w.write('\n');
    }

    private static String pick(SplittableRandom r, String[] a) {
        return a[r.nextInt(a.length)];
    }
}
