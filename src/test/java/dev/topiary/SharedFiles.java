package dev.topiary;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only {@code ../shared} folder (real models, corpora, reference outputs) that
 * sits beside the project root on developer and CI machines.
 *
 * <p>Tests that need it call {@link #require(String)}: on a machine without it the test is
 * reported as skipped, with the missing path and the reason, never silently passed.
 * Override the location with {@code -Dtopiary.shared=/path/to/shared}.
 */
public final class SharedFiles {
    private SharedFiles() {}

    public static Path root() {
        String override = System.getProperty("topiary.shared");
        return override != null
                ? Path.of(override)
                : Path.of("..", "shared").toAbsolutePath().normalize();
    }

    /** The shared file or folder at {@code relative}; skips the calling test when it is absent. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        String why = "SKIPPED: needs " + p + " (the shared models and data beside the project root;"
                + " set -Dtopiary.shared to point elsewhere)";
        if (!Files.exists(p) && REPORTED.add(p)) System.err.println(why); // once per path, on the build's console
        assumeTrue(Files.exists(p), why);
        return p;
    }

    private static final java.util.Set<Path> REPORTED = java.util.concurrent.ConcurrentHashMap.newKeySet();
}
