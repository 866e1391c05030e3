package dev.topiary.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Exact match and token F1 of an answer against reference answers, as the SQuAD evaluation script
 * defines them. Both sides are normalized: lower-cased, ASCII punctuation removed (Python's
 * {@code string.punctuation}, the same 32 characters as Java's {@code \p{Punct}}), the articles
 * a/an/the removed as whole words, white space collapsed. F1 is over bags of the normalized
 * tokens (a token shared twice counts twice). With several references each metric takes the
 * maximum. When either side normalizes to no tokens, F1 is 1 if both do and 0 otherwise (the
 * SQuAD 2.0 rule; SQuAD 1.1's script gave 0 in both cases).
 */
public final class SquadMetrics {
    private SquadMetrics() {}

    private static final Pattern PUNCT = Pattern.compile("\\p{Punct}");
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    /** SQuAD's normalize_answer. */
    public static String normalize(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        t = PUNCT.matcher(t).replaceAll("");
        t = ARTICLES.matcher(t).replaceAll(" ");
        return SPACE.matcher(t.strip()).replaceAll(" ");
    }

    static List<String> tokens(String s) {
        String n = normalize(s);
        return n.isEmpty() ? List.of() : List.of(SPACE.split(n));
    }

    /** 1 when the normalized answer equals the normalized reference, else 0. */
    public static double exactMatch(String answer, String reference) {
        return normalize(answer).equals(normalize(reference)) ? 1 : 0;
    }

    /** Token F1 between the answer and one reference. */
    public static double f1(String answer, String reference) {
        List<String> a = tokens(answer), r = tokens(reference);
        if (a.isEmpty() || r.isEmpty()) return a.isEmpty() && r.isEmpty() ? 1 : 0;
        Map<String, Integer> bag = new HashMap<>();
        for (String t : r) bag.merge(t, 1, Integer::sum);
        int same = 0;
        for (String t : a) {
            Integer c = bag.get(t);
            if (c != null && c > 0) {
                same++;
                bag.put(t, c - 1);
            }
        }
        if (same == 0) return 0;
        double precision = (double) same / a.size(), recall = (double) same / r.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** The best exact match over the references (0 for none). */
    public static double exactMatch(String answer, List<String> references) {
        double best = 0;
        for (String r : references) best = Math.max(best, exactMatch(answer, r));
        return best;
    }

    /** The best F1 over the references (0 for none). */
    public static double f1(String answer, List<String> references) {
        double best = 0;
        for (String r : references) best = Math.max(best, f1(answer, r));
        return best;
    }

    /** Mean exact match and F1 over a set of answers. */
    public record Score(int questions, double exactMatch, double f1) {}

    /** Scores answers.get(i) against references.get(i), averaging EM and F1 (NaN for no questions). */
    public static Score score(List<String> answers, List<List<String>> references) {
        if (answers.size() != references.size())
            throw new IllegalArgumentException(answers.size() + " answers for " + references.size() + " questions");
        List<Double> em = new ArrayList<>(), f = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            em.add(exactMatch(answers.get(i), references.get(i)));
            f.add(f1(answers.get(i), references.get(i)));
        }
        return new Score(answers.size(), mean(em), mean(f));
    }

    private static double mean(List<Double> xs) {
        if (xs.isEmpty()) return Double.NaN;
        double s = 0;
        for (double x : xs) s += x;
        return s / xs.size();
    }
}
