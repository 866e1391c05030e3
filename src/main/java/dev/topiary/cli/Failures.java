package dev.topiary.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.topiary.format.ModelFormatException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;

/**
 * The one error path of the command line: turns what a command threw into the single line the
 * user sees and the exit status. Expected failures (bad input, options, files, a full disk, too
 * little memory) exit with {@link #USER}; anything else is a bug and exits with {@link #BUG}.
 * Neither prints a stack trace unless {@code -Dtopiary.trace=true}.
 */
final class Failures {
    private Failures() {}

    /** Exit status of an expected failure: bad input, an option, a file, a resource. */
    static final int USER = 2;
    /** Exit status of an internal error (a bug in Topiary). */
    static final int BUG = 1;

    /** What to print and the exit status. */
    record Outcome(int code, String line) {}

    static Outcome of(Throwable t) {
        Throwable e = unwrap(t);
        String line = expected(e);
        if (line != null) return new Outcome(USER, line);
        return new Outcome(BUG, "internal error: " + e + " (a bug in Topiary; -Dtopiary.trace=true shows where)");
    }

    private static Throwable unwrap(Throwable t) {
        while (true) {
            if (t instanceof UncheckedIOException u && u.getCause() != null) t = u.getCause();
            else if (t instanceof picocli.CommandLine.ExecutionException x && x.getCause() != null) t = x.getCause();
            else return t;
        }
    }

    /** The line for an expected failure, or null when t is a bug. */
    static String expected(Throwable t) {
        return switch (t) {
            case ModelFormatException m -> m.getMessage();
            case IllegalArgumentException a -> a.getMessage();
            case IllegalStateException s -> s.getMessage();
            case OutOfMemoryError o ->
                "out of memory (Java heap at most "
                        + Sizes.human(Runtime.getRuntime().maxMemory())
                        + "): lower --seq-len or --batch, or give the JVM more with TOPIARY_JAVA_OPTS=-Xmx...";
            case ReadOnlyFileSystemException r -> "the file system is read-only; choose another --out";
            case JsonProcessingException j -> json(j);
            case CharacterCodingException c ->
                "the input is not UTF-8 text (" + c + "); convert it, e.g. iconv -t UTF-8";
            case IOException io -> file(io);
            default -> null;
        };
    }

    private static String file(IOException e) {
        if (!(e instanceof FileSystemException f)) return "I/O error: " + e.getMessage();
        String file = f.getFile(), reason = f.getReason();
        return switch (f) {
            case NoSuchFileException n ->
                "no such file or folder: " + file + (f.getOtherFile() != null ? " (to " + f.getOtherFile() + ")" : "")
                        + "; check the path";
            case AccessDeniedException a ->
                file + ": permission denied; choose a place you may write to, or change its permissions";
            case FileAlreadyExistsException x ->
                file + " already exists"
                        + (reason != null
                                ? " and " + reason
                                : Files.isRegularFile(Path.of(file)) ? " as a file where a folder is needed" : "")
                        + "; choose another path";
            case NotDirectoryException d -> file + " is not a folder; a folder is needed there";
            case DirectoryNotEmptyException d -> file + " is a folder that is not empty; choose a new or empty folder";
            default ->
                reason == null
                        ? file + ": " + e.getMessage()
                        : reason.contains("No space left on device")
                                ? "no space left on device while writing " + file
                                        + "; free some space or choose another --out (nothing partial was kept)"
                                : reason.contains("Read-only file system")
                                        ? file + ": the file system is read-only; choose another --out"
                                        : file + (reason.startsWith("is ") ? " " : ": ") + reason;
        };
    }

    private static String json(JsonProcessingException j) {
        JsonLocation loc = j.getLocation();
        String where = "";
        if (loc != null) {
            Object src = loc.contentReference() == null
                    ? null
                    : loc.contentReference().getRawContent();
            if (src instanceof File f) where = f + ": ";
            else if (src instanceof Path p) where = p + ": ";
            if (loc.getLineNr() > 0) where += "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
        }
        return where + "not the JSON expected: " + j.getOriginalMessage();
    }
}
