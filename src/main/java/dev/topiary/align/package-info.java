/**
 * Programmatic verifiers for the evaluation half of "align the student": scoring a model's
 * responses without a judge model.
 *
 * <ul>
 *   <li>{@link Instruction}: verifiable instructions in the manner of IFEval (Zhou et al. 2023),
 *       with the strict and loose evaluation of {@link IfEval};
 *   <li>{@link FunctionCall}, {@link ExpectedCall} and {@link ToolSchema}: function calling in the
 *       manner of the Berkeley Function-Calling Leaderboard's AST check;
 *   <li>{@link SquadMetrics}: exact match and token F1 of retrieval-grounded answers as SQuAD
 *       defines them;
 *   <li>{@link AlignTaskFile}: the JSONL task file mixing the three kinds of item, and
 *       {@link AlignmentEval}, which scores a list of responses against them.
 * </ul>
 *
 * <p>Everything here is pure string and JSON work (Jackson); nothing loads a model.
 */
package dev.topiary.align;
