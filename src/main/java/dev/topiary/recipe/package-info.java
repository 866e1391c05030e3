/**
 * The whole recipe as one resumable pipeline ({@link Compress}: teacher correction, importance,
 * prune or search, distill, evaluate, export, report) of {@link Stage}s run by a stage runner, the chat
 * data set of {@code topiary chat-set} ({@link ChatSet}) and the self-made corpus and tokenizer of the demo
 * ({@link StoryCorpus}, {@link ByteTokenizerFiles}).
 */
package dev.topiary.recipe;
