/**
 * The whole recipe as one resumable pipeline ({@link Compress}: teacher correction, importance,
 * prune or search, distill, evaluate, export, report), its HTML report ({@link Report}), the
 * built-in multiple-choice task ({@link ClozeTask}) and the self-made corpus of the demo
 * ({@link StoryCorpus}).
 */
package dev.topiary.recipe;
