package dev.topiary.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code topiary} command line. Each subcommand is a thin recipe over the engine; the forward
 * pass itself is {@link dev.topiary.model.Llama#forward}.
 */
@Command(
        name = "topiary",
        mixinStandardHelpOptions = true,
        version = "topiary 0.1.0",
        description = {
            "Prune and distill Llama-family language models on the JVM: read real checkpoints (Hugging Face "
                    + "folders, GGUF, llama2.c), run, evaluate and benchmark them.",
            ""
        },
        subcommands = {
            InspectCommand.class,
            InitCommand.class,
            GenerateCommand.class,
            EvalCommand.class,
            TokenizeCommand.class,
            TrainCommand.class,
            ImportanceCommand.class,
            PruneCommand.class,
            SearchCommand.class,
            DistillCommand.class,
            CorrectCommand.class,
            SynthCommand.class,
            CompressCommand.class,
            DemoCommand.class,
            ExportCommand.class,
            SftCommand.class,
            DpoCommand.class,
            ChatSetCommand.class,
            ChatCommand.class,
            TemplateCommand.class,
            PlotCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "MODEL is a Hugging Face folder (config.json + safetensors + tokenizer.json), a .gguf file, or a "
                    + "llama2.c .bin checkpoint (with tok512.bin or tokenizer.bin beside it).",
            "Engine options: --threads N on the commands that compute (default: all cores; also "
                    + "-Dtopiary.threads=N), --verbose for the engine's log lines; -Dtopiary.simd=false (scalar kernels), "
                    + "passed through TOPIARY_JAVA_OPTS by the ./topiary launcher.",
            "A model whose weights hold NaN or infinity is refused, naming the tensor; --allow-nonfinite (any "
                    + "command) loads it anyway. Failures end in one line and exit 2 (1: a bug); -Dtopiary.trace=true adds "
                    + "the trace."
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Global: applies to every command that loads a model; given before or after the command name. */
    @CommandLine.Option(
            names = "--allow-nonfinite",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Load models whose weights hold NaN or infinite values (refused otherwise).")
    void allowNonFinite(boolean allow) {
        dev.topiary.model.NonFinite.allow(allow);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        EngineOptions.quietLogging(args); // before any class makes a logger
        System.exit(commandLine().execute(args));
    }

    /**
     * The configured command line. Every failure ends in one line on stderr, "topiary COMMAND: what,
     * which file or option, what to do" ({@link Failures}): exit 2 for expected failures (input,
     * options, files, resources), 1 for internal errors. {@code -Dtopiary.trace=true} adds the trace.
     */
    public static CommandLine commandLine() {
        dev.topiary.model.NonFinite.allow(false);
        CommandLine cl = new CommandLine(new Main());
        cl.setUsageHelpAutoWidth(true); // help wraps to the terminal's width
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd));
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            try {
                EngineOptions.announce(parsed.asCommandLineList().getLast());
                return run.execute(parsed);
            } catch (CommandLine.ExecutionException e) {
                throw e;
            } catch (Error e) { // OutOfMemoryError and the like escape picocli's own handler
                return report(e, parsed.asCommandLineList().getLast());
            }
        });
        return cl;
    }

    private static int report(Throwable e, CommandLine cmd) {
        Failures.Outcome o = Failures.of(e);
        cmd.getErr().println("topiary " + cmd.getCommandName() + ": " + o.line());
        if (Boolean.getBoolean("topiary.trace")) e.printStackTrace(cmd.getErr());
        cmd.getErr().flush();
        return o.code();
    }
}
