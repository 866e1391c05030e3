/**
 * Aligning a student into an assistant. Training: supervised fine-tuning with a loss only on
 * assistant tokens and packed conversations that do not attend to each other ({@link SftPacker}),
 * and Direct Preference Optimization ({@link Dpo}). Evaluation, with programmatic verifiers:
 * instruction following in the manner of IFEval ({@link Instruction}, {@link IfEval}), function
 * calls matched like the Berkeley Function-Calling Leaderboard's AST check ({@link FunctionCall}),
 * and retrieval-grounded answers by SQuAD exact match and token F1 ({@link SquadMetrics}); task
 * files and the scorer are {@link AlignTaskFile} and {@link AlignmentEval}.
 */
package dev.topiary.align;
