package dev.topiary.distill;

import dev.topiary.io.Models;
import dev.topiary.tokenizer.Tokenizer;

/** Whether a teacher and a student can be distilled: the same tokenizer, embedding rows padded or not. */
public final class Vocabularies {
    private Vocabularies() {}

    /**
     * The number of logits to compare: the tokenizer's vocabulary, which both models' embedding
     * tables must hold (extra rows are padding). Fails naming the first differing token.
     */
    public static int shared(Models.Loaded teacher, Models.Loaded student) {
        Tokenizer a = teacher.requireTokenizer(), b = student.requireTokenizer();
        if (a.vocabSize() != b.vocabSize())
            throw new IllegalArgumentException(
                    "teacher and student tokenizers differ: " + a.vocabSize() + " tokens (" + teacher.path() + ") vs "
                            + b.vocabSize() + " (" + student.path() + "); distillation needs one tokenizer");
        for (int i = 0; i < a.vocabSize(); i++)
            if (!a.piece(i).equals(b.piece(i)))
                throw new IllegalArgumentException("teacher and student tokenizers differ at id " + i + ": '"
                        + a.piece(i) + "' vs '" + b.piece(i) + "'; distillation needs one tokenizer");
        int n = a.vocabSize();
        for (Models.Loaded m : new Models.Loaded[] {teacher, student})
            if (m.config().vocab() < n)
                throw new IllegalArgumentException(
                        m.path() + " has " + m.config().vocab() + " embedding rows, fewer than the tokenizer's " + n);
        return n;
    }
}
