package dev.topiary.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.format.Json;
import java.util.List;
import java.util.Locale;

/**
 * A verifiable instruction in the manner of IFEval (Zhou et al. 2023, "Instruction-Following
 * Evaluation for Large Language Models"): a constraint on the response that a program can check.
 * {@link #check} is the check on one string; strict and loose evaluation (and the rule that a blank
 * response follows nothing) live in {@link IfEval}.
 *
 * <p>Words are counted as IFEval counts them: maximal runs of word characters ({@code \w+}, Unicode
 * aware), so "don't" is two words. Sentences end at a run of {@code . ! ?} followed by white space
 * or the end of the text; a final fragment without punctuation counts as a sentence too.
 * Abbreviations ("e.g. this") are not recognised, unlike IFEval's splitter.
 *
 * <p>JSON form, one object per instruction: {@code {"type": "include_words", "words": [...]}},
 * {@code "exclude_words"} ({@code words}), {@code "max_words"}, {@code "min_words"},
 * {@code "max_sentences"}, {@code "bullet_points"} ({@code n}), {@code "all_lowercase"},
 * {@code "json_output"}, {@code "ends_with"} ({@code phrase}).
 */
public sealed interface Instruction {

    /** Whether the response, taken as it is, follows the instruction. */
    boolean check(String response);

    /** The instruction's {@code type} in the JSON form, e.g. {@code "max_words"}. */
    String type();

    /** Each word (or phrase) occurs as a whole word, ignoring case. */
    record IncludeWords(List<String> words) implements Instruction {
        public IncludeWords {
            words = List.copyOf(words);
        }

        @Override
        public boolean check(String response) {
            for (String w : words) if (!Texts.containsWord(response, w)) return false;
            return true;
        }

        @Override
        public String type() {
            return "include_words";
        }
    }

    /** None of the words (or phrases) occurs as a whole word, ignoring case. */
    record ExcludeWords(List<String> words) implements Instruction {
        public ExcludeWords {
            words = List.copyOf(words);
        }

        @Override
        public boolean check(String response) {
            for (String w : words) if (Texts.containsWord(response, w)) return false;
            return true;
        }

        @Override
        public String type() {
            return "exclude_words";
        }
    }

    /** At most n words. */
    record MaxWords(int n) implements Instruction {
        @Override
        public boolean check(String response) {
            return Texts.words(response) <= n;
        }

        @Override
        public String type() {
            return "max_words";
        }
    }

    /** At least n words. */
    record MinWords(int n) implements Instruction {
        @Override
        public boolean check(String response) {
            return Texts.words(response) >= n;
        }

        @Override
        public String type() {
            return "min_words";
        }
    }

    /** At most n sentences. */
    record MaxSentences(int n) implements Instruction {
        @Override
        public boolean check(String response) {
            return Texts.sentences(response) <= n;
        }

        @Override
        public String type() {
            return "max_sentences";
        }
    }

    /** No upper-case letter anywhere (the response equals its lower-case form). */
    record AllLowercase() implements Instruction {
        @Override
        public boolean check(String response) {
            return response.equals(response.toLowerCase(Locale.ROOT));
        }

        @Override
        public String type() {
            return "all_lowercase";
        }
    }

    /**
     * Exactly n bullet lines: lines that start (after optional indentation) with {@code "* "} or
     * {@code "- "}.
     */
    record BulletPoints(int n) implements Instruction {
        @Override
        public boolean check(String response) {
            return Texts.bullets(response) == n;
        }

        @Override
        public String type() {
            return "bullet_points";
        }
    }

    /**
     * The whole response, stripped, is one JSON value (Jackson, no trailing content), optionally
     * wrapped in a Markdown fence {@code ```json ... ```} (or a bare {@code ``` ... ```}).
     */
    record JsonOutput() implements Instruction {
        @Override
        public boolean check(String response) {
            return Json.parseOrNull(Texts.unfence(response)) != null;
        }

        @Override
        public String type() {
            return "json_output";
        }
    }

    /**
     * The stripped response ends with the phrase exactly (case-sensitive; IFEval's own checker
     * lower-cases both sides, this one does not).
     */
    record EndsWith(String phrase) implements Instruction {
        @Override
        public boolean check(String response) {
            return response.strip().endsWith(phrase);
        }

        @Override
        public String type() {
            return "ends_with";
        }
    }

    /** Parses the JSON form; errors are IllegalArgumentExceptions naming the field. */
    public static Instruction fromJson(JsonNode n) {
        return fromJson(n, "instruction");
    }

    /**
     * Parses the JSON form; {@code at} names the instruction in error messages (e.g.
     * {@code instructions[2]}), which read {@code field 'instructions[2].n': must be ...}.
     */
    public static Instruction fromJson(JsonNode n, String at) {
        if (n == null || !n.isObject()) throw Json.bad(at, "must be an object, got " + n);
        String type = Json.text(n, "type", at);
        return switch (type) {
            case "include_words" -> new IncludeWords(Json.texts(n, "words", at, true));
            case "exclude_words" -> new ExcludeWords(Json.texts(n, "words", at, true));
            case "max_words" -> new MaxWords(Json.nonNegativeInt(n, "n", at));
            case "min_words" -> new MinWords(Json.nonNegativeInt(n, "n", at));
            case "max_sentences" -> new MaxSentences(Json.nonNegativeInt(n, "n", at));
            case "all_lowercase" -> new AllLowercase();
            case "bullet_points" -> new BulletPoints(Json.nonNegativeInt(n, "n", at));
            case "json_output" -> new JsonOutput();
            case "ends_with" -> new EndsWith(Json.nonBlankText(n, "phrase", at));
            default ->
                throw Json.bad(
                        Json.path(at, "type"),
                        "unknown instruction type '" + type
                                + "' (known: include_words, exclude_words, max_words, min_words, max_sentences, all_lowercase,"
                                + " bullet_points, json_output, ends_with)");
        };
    }
}
