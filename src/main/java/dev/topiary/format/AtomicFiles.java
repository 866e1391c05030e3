package dev.topiary.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;

/**
 * Every output of Topiary is written through here, so that nothing half-written is ever left
 * under its final name: a file is written to a temporary name in its destination folder and
 * renamed over the destination only when complete; a folder (a Hugging Face model) is written
 * into a sibling {@code DIR.tmp-XXXX} and renamed to {@code DIR} when complete. On any failure
 * (a full disk, a signal, a bug) the temporary is removed and the previous version, if any, is
 * left as it was.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content of a temporary file or folder whose path it is given. */
    @FunctionalInterface
    public interface Writing {
        void to(Path temporary) throws IOException;
    }

    /**
     * Writes {@code file} atomically: {@code writing} fills a temporary file beside it (which it may
     * open, map or replace as it likes), then the temporary is renamed to {@code file}. Missing parent
     * folders are created.
     */
    public static void write(Path file, Writing writing) throws IOException {
        Path parent = parentOf(file);
        Files.createDirectories(parent);
        if (Files.isDirectory(file))
            throw new FileAlreadyExistsException(file.toString(), null, "is a folder; a file is to be written there");
        Path prefix = parent.resolve(file.getFileName() + ".tmp-");
        Path tmp = null;
        try {
            tmp = fresh(parent, file.getFileName() + ".tmp-", false);
            writing.to(tmp);
            move(tmp, file);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw named(e, prefix, file);
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /**
     * A write error names the destination, not the temporary: a bare {@code IOException("No space
     * left on device")} from a channel, or a {@link FileSystemException} of a path under the
     * temporary name ({@code prefix...}), becomes a {@link FileSystemException} of the destination
     * (the same path below it, for a folder), with the same reason.
     */
    static IOException named(IOException e, Path prefix, Path dest) {
        String tmpName = prefix.toString();
        String file = dest.toString(), reason = e.getMessage();
        if (e instanceof FileSystemException f) {
            if (f.getFile() != null && !f.getFile().startsWith(tmpName)) return e;
            reason = f.getReason() != null ? f.getReason() : f.getMessage();
            if (f.getFile() != null) {
                int slash = f.getFile().indexOf(java.io.File.separatorChar, tmpName.length());
                if (slash >= 0)
                    file = dest.resolve(f.getFile().substring(slash + 1)).toString();
            }
        }
        FileSystemException named = e instanceof java.nio.file.AccessDeniedException
                ? new java.nio.file.AccessDeniedException(file, null, reason)
                : new FileSystemException(file, null, reason);
        named.initCause(e);
        return named;
    }

    /** Writes a UTF-8 text file atomically. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }

    /** Writes a file of bytes atomically. */
    public static void writeBytes(Path file, byte[] bytes) throws IOException {
        write(file, tmp -> Files.write(tmp, bytes));
    }

    /**
     * Writes the folder {@code dir} as a whole: {@code writing} fills an empty sibling folder
     * {@code DIR.tmp-XXXX}, which is then renamed to {@code dir}. An existing {@code dir} is replaced
     * only if it is empty or was itself a model folder ({@code config.json} inside); any other
     * existing folder is refused, so that a mistyped {@code --out} never deletes unrelated files.
     */
    public static void writeFolder(Path dir, Writing writing) throws IOException {
        Path parent = parentOf(dir);
        Files.createDirectories(parent);
        checkReplaceable(dir);
        Path prefix = parent.resolve(dir.getFileName() + ".tmp-");
        Path tmp = null, old = null;
        try {
            tmp = fresh(parent, dir.getFileName() + ".tmp-", true);
            writing.to(tmp);
            if (Files.exists(dir)) {
                old = parent.resolve(dir.getFileName() + ".old-" + Long.toUnsignedString(RANDOM.nextLong(), 36));
                move(dir, old);
            }
            move(tmp, dir);
        } catch (IOException e) {
            undo(tmp, old, dir);
            throw named(e, prefix, dir);
        } catch (RuntimeException | Error e) {
            undo(tmp, old, dir);
            throw e;
        }
        if (old != null) deleteTree(old);
    }

    /** After a failed folder write: the temporary goes, the previous folder (if moved aside) comes back. */
    private static void undo(Path tmp, Path old, Path dir) throws IOException {
        deleteTree(tmp);
        if (old != null && !Files.exists(dir) && Files.exists(old)) move(old, dir);
    }

    /** Refuses to replace {@code dir} unless it is absent, empty, or a model folder written before. */
    static void checkReplaceable(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir))
            throw new FileAlreadyExistsException(dir.toString(), null, "is a file; a folder is to be written there");
        if (Files.isRegularFile(dir.resolve("config.json"))) return;
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isPresent())
                throw new FileSystemException(
                        dir.toString(),
                        null,
                        "is a folder of other files (no config.json),"
                                + " not replaced by a model folder; choose a new or empty folder");
        }
    }

    /** Deletes a file or a folder with everything in it; absent paths are fine. Errors are ignored. */
    public static void deleteTree(Path p) {
        if (p == null || !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.deleteIfExists(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: the caller is already reporting the failure that brought it here
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort, as above
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * A new empty file or folder named prefix + a random suffix, created with the default permissions
     * (unlike {@link Files#createTempFile}, which makes it private to the user).
     */
    private static Path fresh(Path parent, String prefix, boolean folder) throws IOException {
        while (true) {
            Path p = parent.resolve(prefix + Long.toUnsignedString(RANDOM.nextLong(), 36));
            try {
                return folder ? Files.createDirectory(p) : Files.createFile(p);
            } catch (FileAlreadyExistsException taken) {
                // another name
            }
        }
    }

    private static Path parentOf(Path p) {
        Path parent = p.toAbsolutePath().getParent();
        if (parent == null) throw new IllegalArgumentException(p + ": cannot write the root folder");
        return parent;
    }
}
