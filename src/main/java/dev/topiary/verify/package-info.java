/**
 * Programmatic verifiers of a model's answers, apart from training: instruction following in the manner of IFEval
 * ({@link Instruction}, {@link IfEval}), function calls matched like the Berkeley Function-Calling Leaderboard's
 * AST check ({@link ToolCalls}, {@link ExpectedCall}, {@link ToolSchema}), and retrieval-grounded answers by SQuAD exact match and
 * token F1 ({@link SquadMetrics}); task files and the scorer are {@link AlignTaskFile} and {@link AlignmentEval}.
 */
package dev.topiary.verify;
