package dev.topiary.cli;

import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/** The MODEL positional argument of the commands that read one model, as a picocli mixin. */
final class ModelArgument {
    @Parameters(index = "0", paramLabel = "MODEL", description = "HF folder, .gguf or llama2.c .bin")
    Path path;
}
