/**
 * Minitron pruning (see ../shared/docs/minitron-spec.md, sections 3 to 6): activation-based
 * importance of hidden channels, attention heads, MLP neurons and layers from one calibration
 * pass ({@link Importance}, saved as {@link Scores}), the tensor surgery that cuts a model to a
 * target shape ({@link Surgery}), targets and their validation ({@link PruneTarget}), and the
 * candidate search ({@link Search}).
 */
package dev.topiary.prune;
