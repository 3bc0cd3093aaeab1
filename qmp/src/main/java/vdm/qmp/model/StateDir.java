package vdm.qmp.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import vdm.qmp.QmpError;

/**
 * The one directory {@code vdm serve --state-dir DIR} lets QMP file arguments reach (issue 16: snapshot-save wrote,
 * and snapshot-load read and quoted, any path the server's user could). A name is taken relative to DIR (or an
 * absolute path inside it); {@code ..} is refused, and so is any symbolic link on the way, so nothing resolves out of
 * DIR. The file is then opened by a walk from DIR that follows no link either (openat with O_NOFOLLOW at each step),
 * so a directory swapped for a link between the check and the open is refused. Only regular files are read (a FIFO
 * would block the reader for good, {@code /dev/zero} never ends), at most {@link #MAX_BYTES}. A save writes a
 * temporary file in DIR and renames it over the name, which replaces a link rather than following it. Errors name
 * the file and the reason, never the file's content. These methods block: the caller runs them off the model thread.
 * One case is left: a regular file swapped for a FIFO between the check and the open blocks that open (Java has no
 * O_NONBLOCK), which holds one snapshot I/O thread, never the model thread; only a user who can write DIR can do it.
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
        return readAt(name, resolve(name));
    }

    /**
     * Reads the file {@link #resolve} checked. The open walks DIR's tree again from DIR itself, each step an openat(2)
     * with O_NOFOLLOW relative to the last ({@link SecureDirectoryStream}), so a directory swapped for a link since
     * the check is refused (ELOOP), not followed out of DIR.
     */
    String readAt(String name, Path file) throws QmpError {
        byte[] bytes;
        try (Walk w = walk(name, file)) {
            BasicFileAttributes a = w.attributes();
            if (a == null) throw refused(name, "No such file or directory");
            if (!a.isRegularFile()) throw refused(name, a.isDirectory() ? "it is a directory" : "it is not a regular file");
            if (a.size() > MAX_BYTES) throw refused(name, "it has " + a.size() + " bytes, more than the " + MAX_BYTES + " a snapshot may have");
            // NOFOLLOW_LINKS: a link put there since the check is refused by openat(2) (ELOOP), not followed
            try (SeekableByteChannel ch = w.dir().newByteChannel(w.leaf(), Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
                 InputStream in = Channels.newInputStream(ch)) {
                bytes = in.readNBytes(MAX_BYTES + 1);
            }
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
        writeAt(name, resolve(name), document);
    }

    /**
     * Writes the file {@link #resolve} checked: a temporary file made (O_CREAT|O_EXCL, mode 0600) and renamed over the
     * name in the directory the walk opened (renameat), which replaces a link rather than following it.
     */
    void writeAt(String name, Path file, String document) throws QmpError {
        byte[] bytes = document.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BYTES) throw refused(name, "the document has " + bytes.length + " bytes, more than the " + MAX_BYTES + " a snapshot may have");
        try (Walk w = walk(name, file)) {
            BasicFileAttributes a = w.attributes();
            if (a != null && !a.isRegularFile()) throw refused(name, a.isDirectory() ? "it is a directory" : "it is not a regular file");
            Path tmp = Path.of(".vdm-snapshot-" + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
            boolean made = false;
            try {
                try (SeekableByteChannel ch = w.dir().newByteChannel(tmp, Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW,
                        LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                    made = true;
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) ch.write(b);
                }
                w.dir().move(tmp, w.dir(), w.leaf());
                made = false;
            } finally {
                if (made) {
                    try {
                        w.dir().deleteFile(tmp);
                    } catch (IOException ignored) {
                        // the temporary name is in DIR and says what it is
                    }
                }
            }
        } catch (IOException e) {
            throw refused(name, reason(e));
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The directory that holds a file, opened step by step from DIR without following links, and the file's name in it. */
    private record Walk(SecureDirectoryStream<Path> dir, Path leaf) implements AutoCloseable {
        BasicFileAttributes attributes() throws IOException {
            try {
                return dir.getFileAttributeView(leaf, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        @Override
        public void close() throws IOException {
            dir.close();
        }
    }

    private Walk walk(String name, Path file) throws IOException, QmpError {
        Path rel = dir.relativize(file);
        DirectoryStream<Path> top = Files.newDirectoryStream(dir);
        if (!(top instanceof SecureDirectoryStream<Path> at)) {
            top.close();
            throw refused(name, "this system cannot open files without following links (no openat)");
        }
        try {
            for (int i = 0; i < rel.getNameCount() - 1; i++) {
                SecureDirectoryStream<Path> next;
                try {
                    next = at.newDirectoryStream(rel.getName(i), LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    throw refused(name, dir.resolve(rel.subpath(0, i + 1)) + ": No such directory");
                } catch (NotDirectoryException e) {
                    throw refused(name, dir.resolve(rel.subpath(0, i + 1)) + " is not a directory");
                } catch (FileSystemException e) {
                    // ELOOP from O_NOFOLLOW: the step is a link now, whatever resolve() saw
                    String why = reason(e);
                    throw refused(name, dir.resolve(rel.subpath(0, i + 1)) + (why.contains("symbolic link") ? " is a symbolic link" : ": " + why));
                }
                at.close();
                at = next;
            }
            return new Walk(at, rel.getFileName());
        } catch (QmpError | RuntimeException e) {
            at.close();
            throw e;
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
        return vdm.persist.IoReason.of(e);
    }

    static QmpError refused(String name, String why) {
        return QmpError.generic("'" + name + "': " + why);
    }
}
