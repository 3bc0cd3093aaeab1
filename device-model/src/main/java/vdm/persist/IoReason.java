package vdm.persist;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * A failed file operation's reason in the system's words (strerror: {@code No such file or directory}, {@code Not a
 * directory}). Java's NoSuchFileException and its kin carry only the path as their message, which is how a missing
 * host file came to say {@code cannot read: nope.json}; the path is named by the caller, once.
 */
public final class IoReason {
    private IoReason() {}

    public static String of(IOException e) {
        return switch (e) {
            case NoSuchFileException x -> "No such file or directory";
            case NotDirectoryException x -> "Not a directory";
            case AccessDeniedException x -> "Permission denied";
            case FileAlreadyExistsException x -> "File exists";
            case DirectoryNotEmptyException x -> "Directory not empty";
            case FileSystemException x when x.getReason() != null -> x.getReason();
            default -> e.getMessage() == null ? "input/output error" : e.getMessage();
        };
    }
}
