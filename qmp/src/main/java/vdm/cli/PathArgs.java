package vdm.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks the files and directories named on the command line, and words a failed file operation as the system does
 * (strerror: {@code No such file or directory}, {@code Not a directory}): Java's NoSuchFileException and its kin
 * carry only the path, which is how {@code --host nope.json} came to say {@code cannot read: nope.json}.
 * A path argument that cannot be used is a usage error, exit {@link CatalogDevices#USAGE} in every command.
 */
final class PathArgs {
    private PathArgs() {}

    /** The system's reason for {@code e}, in strerror's words where Java drops them. */
    static String reason(IOException e) {
        return vdm.persist.IoReason.of(e);
    }

    /** "PATH: reason" for a failed operation on a file (the file the exception names, else only the reason). */
    static String describe(IOException e) {
        return e instanceof FileSystemException f && f.getFile() != null ? f.getFile() + ": " + reason(e) : reason(e);
    }

    /** "OPTION PATH: reason", e.g. {@code --replay x.json: No such file or directory}. */
    static IllegalArgumentException bad(String option, Path path, String reason) {
        return new IllegalArgumentException(option + " " + path + ": " + reason);
    }

    static IllegalArgumentException bad(String option, Path path, IOException e) {
        return bad(option, path, reason(e));
    }

    /** Throws the usage error unless {@code path} is a file this process can open for reading. */
    static void readableFile(String option, Path path) {
        try (var ignored = Files.newByteChannel(path)) {
            if (Files.isDirectory(path)) throw bad(option, path, "Is a directory");
        } catch (IOException e) {
            throw bad(option, path, e);
        }
    }

    /** Throws the usage error unless {@code path} is an existing directory. */
    static void directory(String option, Path path) {
        try {
            if (!Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).isDirectory()) {
                throw bad(option, path, "Not a directory");
            }
        } catch (IOException e) {
            throw bad(option, path, e);
        }
    }

    /** Throws the usage error if {@code path} exists and is not a directory (one that does not exist is made later). */
    static void directoryOrAbsent(String option, Path path) {
        if (Files.exists(path) && !Files.isDirectory(path)) throw bad(option, path, "Not a directory");
        Path parent = path.toAbsolutePath().getParent();
        while (parent != null && !Files.exists(parent)) parent = parent.getParent();
        if (parent != null && !Files.isDirectory(parent)) throw bad(option, path, "Not a directory");
    }
}
