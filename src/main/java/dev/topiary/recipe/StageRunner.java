package dev.topiary.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.io.HfCheckpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs the {@link Stage}s of a pipeline in order over a run folder whose state.json records the finished ones.
 * A stage's fingerprint is a SHA-256 of the pipeline's fingerprint (the plan and its data), the stage's name and
 * the fingerprints of its inputs. A stage is skipped when state.json lists it as done with the same fingerprint (a
 * state.json from before fingerprints counts as the same) and its artifact is there; otherwise it runs, and so
 * does every later stage that reads it. Each finished stage is recorded at once (with its seconds), so a stopped
 * pipeline continues where it stopped.
 */
final class StageRunner {
    private final Path run;
    private final ObjectNode state;
    private final Consumer<String> log;
    private final BooleanSupplier stopped;

    /**
     * @param state   the run's state.json (written back to run/state.json after each stage)
     * @param stopped whether a stop was requested (checked before each stage)
     */
    StageRunner(Path run, ObjectNode state, Consumer<String> log, BooleanSupplier stopped) {
        this.run = run;
        this.state = state;
        this.log = log;
        this.stopped = stopped;
    }

    /** Runs the stages not done yet; returns false if stopped before the end. */
    boolean run(List<Stage> stages, String pipelineFingerprint) throws Exception {
        ArrayNode done = state.withArray("done");
        ObjectNode prints = state.with("fingerprints");
        Map<String, String> fingerprint = new HashMap<>();
        Map<String, Boolean> rerun = new HashMap<>();
        for (Stage stage : stages) {
            StringBuilder key =
                    new StringBuilder(pipelineFingerprint).append('|').append(stage.name());
            boolean inputRerun = false;
            for (String in : stage.inputs()) {
                if (!fingerprint.containsKey(in))
                    throw new IllegalStateException(
                            "stage " + stage.name() + " reads " + in + ", not an earlier stage");
                key.append('|').append(fingerprint.get(in));
                inputRerun |= rerun.get(in);
            }
            String print = sha256(key.toString());
            fingerprint.put(stage.name(), print);
            JsonNode before = prints.get(stage.name());
            boolean same = before == null || before.asText().equals(print);
            boolean there = stage.output() == null || Files.exists(run.resolve(stage.output()));
            if (contains(done, stage.name()) && same && there && !inputRerun) {
                log.accept("[" + stage.name() + "] done earlier, skipped");
                rerun.put(stage.name(), false);
                continue;
            }
            remove(done, stage.name());
            rerun.put(stage.name(), true);
            if (stopped.getAsBoolean()) return false;
            long t0 = System.nanoTime();
            log.accept("[" + stage.name() + "] ...");
            if (!stage.body().run()) {
                log.accept("[" + stage.name() + "] stopped at a checkpoint; run the same command again to continue");
                return false;
            }
            done.add(stage.name());
            prints.put(stage.name(), print);
            state.with("seconds").put(stage.name(), (System.nanoTime() - t0) / 1e9);
            HfCheckpoint.writeJson(run.resolve("state.json"), state);
            log.accept(String.format("[%s] done in %.1f s", stage.name(), (System.nanoTime() - t0) / 1e9));
        }
        return true;
    }

    private static boolean contains(ArrayNode a, String s) {
        for (JsonNode n : a) if (n.asText().equals(s)) return true;
        return false;
    }

    private static void remove(ArrayNode a, String s) {
        for (int i = a.size() - 1; i >= 0; i--) if (a.get(i).asText().equals(s)) a.remove(i);
    }

    static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
