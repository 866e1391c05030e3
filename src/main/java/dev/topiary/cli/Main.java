package dev.topiary.cli;

import dev.topiary.io.ModelFormatException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code topiary} command line. Each subcommand is a thin recipe over the engine; the forward
 * pass itself is {@link dev.topiary.model.Llama#forward}.
 */
@Command(name = "topiary", mixinStandardHelpOptions = true, version = "topiary 0.1.0",
        description = {"Prune and distill Llama-family language models on the JVM: read real checkpoints",
                "(Hugging Face folders, GGUF, llama2.c), run, evaluate and benchmark them.", ""},
        subcommands = {InspectCommand.class, GenerateCommand.class, EvalCommand.class, TokenizeCommand.class, TrainCommand.class,
                ImportanceCommand.class, PruneCommand.class, SearchCommand.class, DistillCommand.class, CorrectCommand.class,
                SynthCommand.class, CompressCommand.class, DemoCommand.class, ExportCommand.class, SftCommand.class, DpoCommand.class, ChatSetCommand.class, ChatCommand.class,
                TemplateCommand.class,
                PlotCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "MODEL is a Hugging Face folder (config.json + safetensors + tokenizer.json), a .gguf file,",
                "or a llama2.c .bin checkpoint (with tok512.bin or tokenizer.bin beside it).",
                "Engine options: -Dtopiary.threads=N (default: all cores), -Dtopiary.simd=false (scalar kernels),",
                "passed through TOPIARY_JAVA_OPTS by the ./topiary launcher."})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: user errors print one clear line, not a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
            if (t instanceof ModelFormatException || t instanceof IllegalArgumentException
                    || t instanceof IllegalStateException || t instanceof NoSuchFileException) {
                String msg = t instanceof NoSuchFileException n ? "no such file: " + n.getFile() : t.getMessage();
                cmd.getErr().println("topiary " + cmd.getCommandName() + ": " + msg);
                if (Boolean.getBoolean("topiary.trace")) t.printStackTrace(cmd.getErr());
                return 2;
            }
            throw e;
        });
        return cl;
    }
}
