package dev.topiary.verify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Strict and loose evaluation of {@link Instruction}s as IFEval defines them.
 *
 * <p>Strict: the instruction's check on the response as it is. Loose: the check passes on any of
 * eight variants: the response; without its first line; without its last line; without both
 * (each removal joined back with newlines and stripped, as IFEval does); and those four again with
 * every Markdown asterisk {@code *} removed. Loose therefore forgives a preamble ("Sure, here
 * is...") or a closing remark, and bold/italic markup around words.
 *
 * <p>As in IFEval, a blank response follows no instruction, strict or loose, even one such as
 * {@code max_words} that it would trivially satisfy.
 */
public final class IfEval {
    private IfEval() {}

    /** Whether the response follows the instruction, strict. */
    public static boolean strict(Instruction instruction, String response) {
        return !response.isBlank() && instruction.check(response);
    }

    /** Whether the response follows the instruction, loose (any of the {@link #looseVariants}). */
    public static boolean loose(Instruction instruction, String response) {
        for (String v : looseVariants(response)) if (!v.isBlank() && instruction.check(v)) return true;
        return false;
    }

    /** The eight variants of IFEval's loose evaluation, the response itself first. */
    public static List<String> looseVariants(String response) {
        String[] lines = response.split("\n", -1);
        int n = lines.length;
        String noFirst = join(lines, 1, n).strip();
        String noLast = join(lines, 0, n - 1).strip();
        String noBoth = join(lines, 1, n - 1).strip();
        List<String> plain = List.of(response, noFirst, noLast, noBoth);
        List<String> all = new ArrayList<>(plain);
        for (String s : plain) all.add(s.replace("*", ""));
        return all;
    }

    private static String join(String[] lines, int from, int to) {
        return from >= to ? "" : String.join("\n", Arrays.asList(lines).subList(from, to));
    }

    /**
     * IFEval's four numbers over a set of prompts: prompt-level accuracy (a prompt counts when all
     * of its instructions pass) and instruction-level accuracy (each instruction counts once),
     * strict and loose.
     */
    public record Score(
            int prompts,
            int instructions,
            double promptStrict,
            double promptLoose,
            double instructionStrict,
            double instructionLoose) {}

    /** Outcome of one prompt: strict and loose verdicts of each of its instructions, in order. */
    public record Outcome(List<Boolean> strict, List<Boolean> loose) {
        public Outcome {
            strict = List.copyOf(strict);
            loose = List.copyOf(loose);
        }

        public boolean allStrict() {
            return !strict.contains(false);
        }

        public boolean allLoose() {
            return !loose.contains(false);
        }
    }

    /** Evaluates every instruction of one prompt, strict and loose. */
    public static Outcome evaluate(List<Instruction> instructions, String response) {
        List<Boolean> s = new ArrayList<>(), l = new ArrayList<>();
        for (Instruction i : instructions) {
            s.add(strict(i, response));
            l.add(loose(i, response));
        }
        return new Outcome(s, l);
    }

    /** Aggregates prompt outcomes into IFEval's four accuracies (NaN where there is nothing to count). */
    public static Score score(List<Outcome> outcomes) {
        int prompts = outcomes.size(), inst = 0, ps = 0, pl = 0, is = 0, il = 0;
        for (Outcome o : outcomes) {
            inst += o.strict().size();
            if (o.allStrict()) ps++;
            if (o.allLoose()) pl++;
            for (boolean b : o.strict()) if (b) is++;
            for (boolean b : o.loose()) if (b) il++;
        }
        return new Score(prompts, inst, ratio(ps, prompts), ratio(pl, prompts), ratio(is, inst), ratio(il, inst));
    }

    static double ratio(int k, int n) {
        return n == 0 ? Double.NaN : (double) k / n;
    }
}
