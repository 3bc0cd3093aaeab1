package vdm.qmp;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket file of a Unix endpoint: refuses to take over a live socket, replaces a stale one, and publishes the
 * new socket with mode 0600 with no window in which it is reachable with wider permissions: it is bound inside a
 * fresh private directory, chmod-ed, then renamed into place (rename keeps the listening socket). The path is used
 * as given, not normalised lexically: {@code DIR/lnk/../x.sock} is where the kernel resolves it for clients (through
 * the link), as QEMU's unix_listen_saddr binds the sun_path it was given. A directory anyone may write to without the
 * sticky bit lets anyone replace the socket: that is warned about.
 */
final class UnixSocketFile {
    private static final Logger log = LoggerFactory.getLogger(UnixSocketFile.class);
    private static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_ISVTX = 01000, S_IWOTH = 0002;

    interface Binder {
        void bind(Path path) throws Exception;
    }

    private final Path path;
    private Object fileKey;

    private UnixSocketFile(Path path) {
        this.path = path;
    }

    Path path() { return path; }

    /** Clears a stale socket at {@code path}, binds through {@code binder} and publishes the socket there. */
    static UnixSocketFile bind(Path target, Binder binder) throws IOException {
        Path path = asGiven(target);
        clearStale(path);
        Path dir = path.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot create QMP socket " + path + ": directory " + dir + " does not exist");
        }
        String exposure = exposure(dir);
        if (exposure != null) log.warn("QMP socket {}: {}", path, exposure);
        Path privateDir = dir.resolve(".vdm-qmp-" + UUID.randomUUID());
        try {
            Files.createDirectory(privateDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new IOException("cannot create QMP socket " + path + ": " + e.getMessage(), e);
        }
        Path temp = privateDir.resolve("s");
        try {
            binder.bind(temp);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            clearStale(path); // nothing may have appeared meanwhile
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE);
            UnixSocketFile f = new UnixSocketFile(path);
            f.fileKey = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            return f;
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot listen on unix:" + path + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(privateDir);
        }
    }

    /**
     * {@code target} made absolute, without its {@code .} segments (which name the same directory whatever links
     * there are) but with every {@code ..} kept: {@code lnk/..} is the link's target's parent, not the directory that
     * holds {@code lnk}, so only the kernel may resolve it.
     */
    static Path asGiven(Path target) {
        Path abs = target.toAbsolutePath();
        Path out = abs.getRoot();
        for (Path name : abs) if (!name.toString().equals(".")) out = out.resolve(name);
        return out;
    }

    /**
     * Why the socket's directory lets others replace the socket (world-writable without the sticky bit: anyone may
     * rename or delete entries there, so a client could be handed someone else's socket), or null if it does not.
     */
    static String exposure(Path dir) throws IOException {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode");
        if ((mode & S_IWOTH) == 0 || (mode & S_ISVTX) != 0) return null;
        return String.format("its directory %s is writable by others without the sticky bit (mode %04o): anyone can "
                + "replace the socket; use a private directory", dir, mode & 07777);
    }

    private static void clearStale(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) return;
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("cannot listen on unix:" + path + ": the file exists and is not a socket; not replacing it");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException("cannot listen on unix:" + path
                    + ": another server is listening there (a running vdm or QEMU?); not replacing it");
        } catch (ConnectException refused) {
            // Nobody listens: a socket left behind by a server that died. Take its place.
            log.warn("replacing stale socket {} (nothing listens on it)", path);
            Files.delete(path);
        }
    }

    /** Removes the socket file if it is still the one this server created. */
    void delete() {
        try {
            Object now = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            if (fileKey != null && fileKey.equals(now)) Files.delete(path);
        } catch (IOException e) {
            // Already gone, or replaced by someone else: leave it.
        }
    }
}
