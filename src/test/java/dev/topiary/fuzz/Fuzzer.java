// Fuzzer: a seeded mutation fuzzer for the file parsers, run as plain JUnit tests.
package dev.topiary.fuzz;

import dev.topiary.format.ModelFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs a parser on mutated copies of valid seed files and fails on the first input that makes it
 * misbehave: an exception other than {@link ModelFormatException} (the readers' declared failure),
 * an {@link Error} (out of memory, stack overflow), or more memory allocated on the calling thread
 * than the input can warrant ({@link #allocationLimit}), or more than 10 s spent on one input. The
 * failing input is saved to {@code target/fuzz-failures/} so it can be replayed.
 *
 * <p>The number of inputs per target is {@code -Dtopiary.fuzz.iterations=N} (default: the target's
 * own, sized so that all fuzz tests together take a few seconds); {@code -Dtopiary.fuzz.seed=S}
 * changes the random stream. The same seed and count always produce the same inputs.
 * {@code -Dtopiary.fuzz.replay=target/fuzz-failures/NAME-...} runs the target named by the file on that
 * one input and lets whatever it throws through.
 */
final class Fuzzer {
    /** What the parser does with one input file; it may throw ModelFormatException. */
    interface Target {
        void parse(Path file) throws Exception;
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** An input that takes longer than this to parse is a failure (a near-hang on a small file). */
    private static final long SLOW_MILLIS = 10_000;

    private final String name;
    private final List<byte[]> seeds;
    private final Path file;
    private final Mutator mutator;
    private final long iterations;

    /**
     * @param name the target, for messages and saved failures
     * @param seeds valid inputs to mutate
     * @param file where each input is written before the parser reads it (its name matters to some readers)
     * @param defaultIterations inputs to run unless -Dtopiary.fuzz.iterations says otherwise
     */
    Fuzzer(String name, List<byte[]> seeds, Path file, long defaultIterations) {
        this.name = name;
        this.seeds = List.copyOf(seeds);
        this.file = file;
        long seed = Long.getLong("topiary.fuzz.seed", 20251201L) ^ name.hashCode();
        this.mutator = new Mutator(new SplittableRandom(seed), this.seeds);
        this.iterations = Long.getLong("topiary.fuzz.iterations", defaultIterations);
    }

    /** Memory a parser may allocate for an input of {@code n} bytes: 64 MiB plus 1 KiB per input byte. */
    static long allocationLimit(long n) {
        return (64L << 20) + 1024 * n;
    }

    /** Runs the seeds unchanged, then {@code iterations} mutated inputs; returns the number of inputs run. */
    long run(Target target) throws Exception {
        String replay = System.getProperty("topiary.fuzz.replay");
        if (replay != null) {
            if (!Path.of(replay).getFileName().toString().startsWith(name + "-")) return 0;
            Files.write(file, Files.readAllBytes(Path.of(replay)));
            target.parse(file); // any exception, with its stack trace
            return 1;
        }
        long t0 = System.nanoTime(), rejected = 0;
        for (byte[] s : seeds) if (!check(target, s, -1)) throw new AssertionError(name + ": a seed input is rejected");
        for (long i = 0; i < iterations; i++) if (!check(target, mutator.mutate(), i)) rejected++;
        System.err.printf(
                "fuzz %s: %,d inputs (%,d rejected with ModelFormatException) in %.1f s, no crashes%n",
                name, iterations + seeds.size(), rejected, (System.nanoTime() - t0) / 1e9);
        return iterations + seeds.size();
    }

    /** True when the parser accepted the input, false when it rejected it properly; throws on anything else. */
    private boolean check(Target target, byte[] input, long iteration) throws IOException {
        Files.write(file, input);
        long before = THREADS.getCurrentThreadAllocatedBytes(), t0 = System.nanoTime();
        boolean accepted;
        try {
            target.parse(file);
            accepted = true;
        } catch (ModelFormatException e) {
            accepted = false;
        } catch (Throwable e) {
            throw failure(input, iteration, "unexpected " + e.getClass().getName() + ": " + e.getMessage(), e);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before,
                millis = (System.nanoTime() - t0) / 1_000_000;
        if (millis > SLOW_MILLIS)
            throw failure(input, iteration, "took " + millis + " ms for a " + input.length + "-byte input", null);
        if (allocated > allocationLimit(input.length))
            throw failure(
                    input, iteration, "allocated " + allocated + " bytes for a " + input.length + "-byte input", null);
        return accepted;
    }

    private AssertionError failure(byte[] input, long iteration, String what, Throwable cause) throws IOException {
        Path dir = Path.of("target", "fuzz-failures");
        Files.createDirectories(dir);
        Path saved = dir.resolve(name + "-" + iteration + "-" + file.getFileName());
        Files.write(saved, input);
        String trace = "";
        if (cause != null) {
            StringWriter w = new StringWriter();
            cause.printStackTrace(new PrintWriter(w));
            trace = "\n" + w;
        }
        return new AssertionError(
                "fuzz " + name + ": input " + iteration + " (saved to " + saved + "): " + what + trace, cause);
    }
}
