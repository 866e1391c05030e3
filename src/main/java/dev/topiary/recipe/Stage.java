package dev.topiary.recipe;

import java.util.List;

/**
 * One stage of a pipeline over a run folder: its name, the stages whose artifacts it reads, the artifact it
 * writes (a path in the run folder; null when it writes nothing, e.g. a skipped teacher correction) and its body,
 * which returns false when stopped at a checkpoint. A {@link StageRunner} gives each stage a fingerprint from the
 * pipeline's and its inputs' and skips the stages done earlier with the same fingerprint.
 *
 * @param name   the stage's name in state.json and the log
 * @param inputs the names of earlier stages it reads
 * @param output its artifact, relative to the run folder, or null
 */
public record Stage(String name, List<String> inputs, String output, Body body) {
    /** What a stage does; false: stopped before the end (run the pipeline again to continue). */
    public interface Body {
        boolean run() throws Exception;
    }
}
