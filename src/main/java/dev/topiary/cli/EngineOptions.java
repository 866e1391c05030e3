package dev.topiary.cli;

import dev.topiary.kernels.Parallel;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options of every command that computes with the engine, as a picocli mixin: {@code --threads} and
 * {@code --verbose}. Both act while the command line is parsed, before the engine starts: the thread pool
 * reads {@code topiary.threads} once, and slf4j-simple reads its level when the first logger is made
 * ({@link Main#main} also looks for {@code --verbose} before anything else runs).
 */
final class EngineOptions {
    /** The system property the engine's thread pool reads ({@code dev.topiary.kernels.Parallel}). */
    static final String THREADS = "topiary.threads";
    /** slf4j-simple's default level: warn unless --verbose (or set on the JVM command line). */
    static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "Threads the engine computes with (default: all cores; the same as -Dtopiary.threads=N).")
    void threads(int n) {
        if (n < 1) throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + n);
        System.setProperty(THREADS, Integer.toString(n));
        int running = Parallel.threads(); // starts the pool now, with n threads, unless it already runs
        if (running != n)
            System.err.println(
                    "topiary: --threads " + n + " is ignored: the engine already runs with " + running + " threads");
    }

    private boolean verbose;

    @Option(names = "--verbose", description = "Log what the engine chose (threads, kernels, lane width) at INFO.")
    void verbose(boolean verbose) {
        this.verbose = verbose;
        if (verbose) System.setProperty(LOG_LEVEL, "info");
    }

    /** With --verbose: the engine's thread count, once the options are parsed (the thread pool starts here). */
    static void announce(CommandLine command) {
        CommandSpec mixin = command.getCommandSpec().mixins().get("engine");
        if (mixin != null && mixin.userObject() instanceof EngineOptions e && e.verbose)
            LoggerFactory.getLogger(EngineOptions.class).info("engine: {} threads", Parallel.threads());
    }

    /** Before any logger exists: warn and above only, unless {@code --verbose} is among args or the level was set. */
    static void quietLogging(String[] args) {
        if (System.getProperty(LOG_LEVEL) != null) return;
        boolean verbose = false;
        for (String a : args) {
            if (a.equals("--")) break;
            verbose |= a.equals("--verbose");
        }
        System.setProperty(LOG_LEVEL, verbose ? "info" : "warn");
    }
}
