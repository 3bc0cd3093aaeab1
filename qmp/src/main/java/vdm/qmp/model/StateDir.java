package vdm.qmp.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import vdm.qmp.QmpError;

/**
 * The one directory {@code vdm serve --state-dir DIR} lets QMP file arguments reach (issue 16: snapshot-save wrote,
 * and snapshot-load read and quoted, any path the server's user could). A name is taken relative to DIR (or an
 * absolute path inside it); {@code ..} is refused, and so is any symbolic link on the way, so nothing resolves out of
 * DIR. Only regular files are read (a FIFO would block the reader for good, {@code /dev/zero} never ends), at most
 * {@link #MAX_BYTES}. A save writes a temporary file in DIR and renames it over the name, which replaces a link
 * rather than following it. Errors name the file and the reason, never the file's content. These methods block: the
 * caller runs them off the model thread.
 */
final class StateDir {
    /** The largest snapshot read or written: 4 MiB (the default host's document is about 60 KiB). */
    static final int MAX_BYTES = 4 << 20;

    private final Path dir;

    private StateDir(Path dir) {
        this.dir = dir;
    }

    /** DIR, which must be a directory; its own path may go through links (it is the operator's choice). */
    static StateDir of(Path dir) throws IOException {
        Path real = dir.toRealPath();
        if (!Files.isDirectory(real)) throw new IOException(dir + ": Not a directory");
        return new StateDir(real);
    }

    Path path() {
        return dir;
    }

    /** The file {@code name} names inside DIR, with no link and no ".." on the way. */
    Path resolve(String name) throws QmpError {
        if (name.isEmpty()) throw refused(name, "the name is empty");
        if (name.indexOf('\0') >= 0) throw refused(name, "the name holds a NUL character");
        Path given;
        try {
            given = Path.of(name);
        } catch (RuntimeException e) {
            throw refused(name, "not a file name");
        }
        for (Path part : given) if (part.toString().equals("..")) throw refused(name, "'..' may not be used");
        Path target = given.isAbsolute() ? given.normalize() : dir.resolve(given).normalize();
        if (!target.startsWith(dir) || target.equals(dir)) throw refused(name, "it is not a file inside the state directory " + dir);
        Path at = dir;
        for (Path part : dir.relativize(target)) {
            at = at.resolve(part);
            if (Files.isSymbolicLink(at)) throw refused(name, at + " is a symbolic link");
        }
        return target;
    }

    /** The document in {@code name}: a regular file of at most {@link #MAX_BYTES}, UTF-8. */
    String read(String name) throws QmpError {
        Path file = resolve(name);
        BasicFileAttributes a = attributes(name, file);
        if (a == null) throw refused(name, "No such file or directory");
        if (!a.isRegularFile()) throw refused(name, a.isDirectory() ? "it is a directory" : "it is not a regular file");
        if (a.size() > MAX_BYTES) throw refused(name, "it has " + a.size() + " bytes, more than the " + MAX_BYTES + " a snapshot may have");
        byte[] bytes;
        // NOFOLLOW_LINKS: a link put there since resolve() is refused by open(2) (ELOOP), not followed
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             InputStream in = Channels.newInputStream(ch)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw refused(name, reason(e));
        }
        if (bytes.length > MAX_BYTES) throw refused(name, "it has more than the " + MAX_BYTES + " bytes a snapshot may have");
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw refused(name, "it is not UTF-8 text");
        }
    }

    /** Writes {@code document} to {@code name}: a new file, or one replacing a regular file. */
    void write(String name, String document) throws QmpError {
        Path file = resolve(name);
        byte[] bytes = document.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BYTES) throw refused(name, "the document has " + bytes.length + " bytes, more than the " + MAX_BYTES + " a snapshot may have");
        BasicFileAttributes a = attributes(name, file);
        if (a != null && !a.isRegularFile()) throw refused(name, a.isDirectory() ? "it is a directory" : "it is not a regular file");
        if (!Files.isDirectory(file.getParent(), LinkOption.NOFOLLOW_LINKS)) throw refused(name, file.getParent() + ": No such directory");
        Path tmp = null;
        try {
            tmp = Files.createTempFile(file.getParent(), ".vdm-snapshot-", ".tmp");
            Files.write(tmp, bytes, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw refused(name, reason(e));
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary name is in DIR and says what it is
                }
            }
        }
    }

    private static BasicFileAttributes attributes(String name, Path file) throws QmpError {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw refused(name, reason(e));
        }
    }

    /** The system's reason in words (the exception's message names the path, which the error already does). */
    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) return "No such file or directory";
        if (e instanceof AccessDeniedException) return "Permission denied";
        if (e instanceof FileAlreadyExistsException) return "File exists";
        String r = e instanceof java.nio.file.FileSystemException f ? f.getReason() : null;
        return r != null ? r : "input/output error";
    }

    static QmpError refused(String name, String why) {
        return QmpError.generic("'" + name + "': " + why);
    }
}
