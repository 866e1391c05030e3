package dev.topiary.format;

import java.nio.file.Path;

/**
 * A model, tokenizer or data file that cannot be read as what it claims to be.
 *
 * <p>The message always names the file, and where it applies the field (or tensor) and the
 * offending value, so that the command line can print it as is, without a stack trace:
 * {@code model.safetensors: tensor 'model.norm.weight': data_offsets [0, 300] end beyond the data section (256 bytes)}.
 */
public final class ModelFormatException extends RuntimeException {
    private final Path file;

    public ModelFormatException(Path file, String message) {
        super((file == null ? "" : file + ": ") + message);
        this.file = file;
    }

    public ModelFormatException(Path file, String message, Throwable cause) {
        super((file == null ? "" : file + ": ") + message, cause);
        this.file = file;
    }

    /** The file that was being read, or null when the bytes did not come from a file. */
    public Path file() {
        return file;
    }
}
