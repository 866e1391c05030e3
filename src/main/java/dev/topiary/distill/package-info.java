/**
 * Knowledge distillation (spec section 7): the {@link Distiller} objective (logit KD: forward,
 * reverse or top-k KL at a temperature, an optional cross-entropy mix, optional intermediate-state
 * losses with a learned projection), the memory-mapped {@link TeacherCache}, and the checks that
 * a teacher and a student can be paired.
 */
package dev.topiary.distill;
