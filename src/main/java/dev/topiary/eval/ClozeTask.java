package dev.topiary.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small built-in multiple-choice task made from held-out text: each item is a sentence with
 * its last word removed (the context), the true last word, and three distractors drawn from
 * the text's frequent words. Deterministic for a seed. Chance is 25%.
 */
public final class ClozeTask {
    private ClozeTask() {}

    public static List<TaskFile.Item> from(String text, int items, long seed) {
        List<String> sentences = new ArrayList<>();
        for (String s : text.split("(?<=[.!?])\\s+")) {
            String t = s.strip();
            if (t.matches("[A-Z][^\\n]{20,160}[a-z]\\.")) sentences.add(t);
        }
        Map<String, Integer> freq = new LinkedHashMap<>();
        for (String s : sentences)
            for (String w : s.replaceAll("[^A-Za-z ]", " ").toLowerCase().split("\\s+"))
                if (w.length() > 2) freq.merge(w, 1, Integer::sum);
        List<String> common = freq.entrySet().stream()
                .sorted((a, b) -> b.getValue() - a.getValue())
                .limit(200)
                .map(Map.Entry::getKey)
                .toList();
        SplittableRandom r = new SplittableRandom(seed);
        List<TaskFile.Item> out = new ArrayList<>();
        for (int i = 0; i < sentences.size() && out.size() < items; i++) {
            String s = sentences.get(r.nextInt(sentences.size()));
            int cut = s.lastIndexOf(' ');
            String answer = s.substring(cut + 1, s.length() - 1);
            if (answer.length() < 3 || !answer.matches("[a-z]+")) continue;
            List<String> choices = new ArrayList<>(List.of(answer));
            while (choices.size() < 4) {
                String d = common.get(r.nextInt(common.size()));
                if (!choices.contains(d)) choices.add(d);
            }
            java.util.Collections.shuffle(choices, new java.util.Random(r.nextLong()));
            out.add(new TaskFile.Item(s.substring(0, cut), choices, choices.indexOf(answer)));
        }
        return out;
    }
}
