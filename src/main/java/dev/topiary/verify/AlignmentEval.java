package dev.topiary.verify;

import dev.topiary.chat.ToolCall;
import dev.topiary.verify.AlignTaskFile.FunctionCallItem;
import dev.topiary.verify.AlignTaskFile.InstructionItem;
import dev.topiary.verify.AlignTaskFile.Item;
import dev.topiary.verify.AlignTaskFile.QaItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Scores responses against {@link AlignTaskFile} items: IFEval's four accuracies for the
 * instruction items, BFCL-style accuracy for the function-call items, SQuAD EM/F1 for the QA
 * items. A section is present only when its kind of item is.
 */
public final class AlignmentEval {
    private AlignmentEval() {}

    /**
     * Function calling over n items: accuracy (the response parses as a call matching the
     * expectation), the share of responses not parseable as a call at all (neither a JSON call nor
     * the Python-like form; these count as wrong), and the share whose call names one of the
     * item's tools and conforms to its schema.
     */
    public record FunctionCallScore(int calls, double accuracy, double unparseable, double schemaValid) {}

    /** How one response fared: its item's type, a score in [0, 1] and a short explanation. */
    public record Verdict(int index, String type, double score, String detail) {}

    /** Every metric of the item types present, plus a verdict per item. */
    public record Result(
            Optional<IfEval.Score> ifeval,
            Optional<FunctionCallScore> functionCalls,
            Optional<SquadMetrics.Score> qa,
            List<Verdict> verdicts) {
        public Result {
            verdicts = List.copyOf(verdicts);
        }

        /** The metrics as a short text table, one metric a line. */
        public String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%-32s %7s %6s%n", "metric", "value", "n"));
            ifeval.ifPresent(s -> {
                row(b, "ifeval prompt-level strict", s.promptStrict(), s.prompts());
                row(b, "ifeval prompt-level loose", s.promptLoose(), s.prompts());
                row(b, "ifeval instruction-level strict", s.instructionStrict(), s.instructions());
                row(b, "ifeval instruction-level loose", s.instructionLoose(), s.instructions());
            });
            functionCalls.ifPresent(s -> {
                row(b, "function-call accuracy", s.accuracy(), s.calls());
                row(b, "function-call unparseable", s.unparseable(), s.calls());
                row(b, "function-call schema-valid", s.schemaValid(), s.calls());
            });
            qa.ifPresent(s -> {
                row(b, "qa exact match", s.exactMatch(), s.questions());
                row(b, "qa token F1", s.f1(), s.questions());
            });
            return b.toString();
        }

        private static void row(StringBuilder b, String name, double v, int n) {
            b.append(String.format(Locale.ROOT, "%-32s %7.4f %6d%n", name, v, n));
        }
    }

    /** Scores responses.get(i) against items.get(i). */
    public static Result score(List<? extends Item> items, List<String> responses) {
        if (items.size() != responses.size())
            throw new IllegalArgumentException(responses.size() + " responses for " + items.size() + " items");
        List<IfEval.Outcome> outcomes = new ArrayList<>();
        int calls = 0, correct = 0, unparseable = 0, schemaValid = 0;
        List<String> answers = new ArrayList<>();
        List<List<String>> references = new ArrayList<>();
        List<Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String response = responses.get(i) == null ? "" : responses.get(i);
            switch (items.get(i)) {
                case InstructionItem it -> {
                    IfEval.Outcome o = IfEval.evaluate(it.instructions(), response);
                    outcomes.add(o);
                    List<String> failed = new ArrayList<>();
                    for (int k = 0; k < o.strict().size(); k++)
                        if (!o.strict().get(k))
                            failed.add(
                                    it.instructions().get(k).type() + (o.loose().get(k) ? " (loose ok)" : ""));
                    int ns = (int) o.strict().stream().filter(x -> x).count(),
                            nl = (int) o.loose().stream().filter(x -> x).count();
                    String detail = "strict " + ns + "/" + o.strict().size() + ", loose " + nl + "/"
                            + o.loose().size() + (failed.isEmpty() ? "" : "; failed: " + String.join(", ", failed));
                    verdicts.add(new Verdict(i, it.type(), o.allStrict() ? 1 : 0, detail));
                }
                case FunctionCallItem it -> {
                    calls++;
                    Optional<ToolCall> call = ToolCalls.parse(response);
                    if (call.isEmpty()) {
                        unparseable++;
                        verdicts.add(new Verdict(i, it.type(), 0, "not parseable as a call"));
                        continue;
                    }
                    ToolSchema tool = it.tool(call.get().name());
                    if (tool != null && tool.check(call.get()).isEmpty()) schemaValid++;
                    ExpectedCall.Match m = it.expected().match(call.get());
                    if (m.ok()) correct++;
                    verdicts.add(new Verdict(i, it.type(), m.ok() ? 1 : 0, m.ok() ? "match" : m.reason()));
                }
                case QaItem it -> {
                    answers.add(response);
                    references.add(it.answers());
                    double em = SquadMetrics.exactMatch(response, it.answers()),
                            f1 = SquadMetrics.f1(response, it.answers());
                    verdicts.add(new Verdict(i, it.type(), f1, String.format(Locale.ROOT, "EM %.0f, F1 %.4f", em, f1)));
                }
            }
        }
        return new Result(
                outcomes.isEmpty() ? Optional.empty() : Optional.of(IfEval.score(outcomes)),
                calls == 0
                        ? Optional.empty()
                        : Optional.of(new FunctionCallScore(
                                calls,
                                IfEval.ratio(correct, calls),
                                IfEval.ratio(unparseable, calls),
                                IfEval.ratio(schemaValid, calls))),
                answers.isEmpty() ? Optional.empty() : Optional.of(SquadMetrics.score(answers, references)),
                verdicts);
    }
}
