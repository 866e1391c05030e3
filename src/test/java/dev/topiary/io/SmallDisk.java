package dev.topiary.io;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted on a test folder, to fill a disk for real. Mounting needs root (or the
 * right capability); where it is not permitted the calling test is skipped with the reason, and the
 * same cases are covered by tests that inject the IOException instead.
 */
public final class SmallDisk implements AutoCloseable {
    public final Path dir;

    private SmallDisk(Path dir) {
        this.dir = dir;
    }

    private static final java.util.concurrent.atomic.AtomicBoolean REPORTED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Mounts a tmpfs of {@code kib} KiB on a new folder under parent; skips the test when not permitted. */
    public static SmallDisk mount(Path parent, int kib) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(parent.resolve("small-disk"));
        String why = "SKIPPED: cannot mount a " + kib + " KiB tmpfs on " + dir + " (needs root or CAP_SYS_ADMIN);"
                + " the injected-IOException tests cover the same paths";
        boolean ok;
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + kib + "k", "tmpfs", dir.toString())
                    .redirectErrorStream(true)
                    .start();
            ok = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            ok = false;
        }
        if (!ok && REPORTED.compareAndSet(false, true)) System.err.println(why); // once, on the build's console
        assumeTrue(ok, why);
        return new SmallDisk(dir);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("umount", dir.toString())
                .redirectErrorStream(true)
                .start()
                .waitFor(20, TimeUnit.SECONDS);
    }
}
