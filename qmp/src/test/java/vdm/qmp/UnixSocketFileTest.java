package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketFileTest {
    @TempDir
    Path dir;

    private QmpServer serve(Path socket) throws IOException {
        return QmpServer.start(CommandRegistry.withCoreCommands(), QmpServer.Config.DEFAULTS, List.of(new Endpoint.Unix(socket)));
    }

    @Test
    void theSocketIsCreatedWithMode0600AndRemovedOnStop() throws IOException {
        Path socket = dir.resolve("qmp.sock");
        QmpServer s = serve(socket);
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            try (var c = TestServer.Conn.open(new Endpoint.Unix(socket))) {
                assertTrue(c.greeting.startsWith("{\"QMP\""));
            }
            try (var list = Files.list(dir)) {
                assertEquals(List.of(socket), list.toList(), "no temporary directory left behind");
            }
        } finally {
            s.stop().join();
        }
        assertTrue(Files.notExists(socket));
    }

    @Test
    void aStaleSocketNobodyListensOnIsReplaced() throws IOException {
        Path socket = dir.resolve("qmp.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        } // closed: the file stays, nobody listens
        assertTrue(Files.exists(socket));
        QmpServer s = serve(socket);
        try (var c = TestServer.Conn.open(new Endpoint.Unix(socket))) {
            assertTrue(c.greeting.startsWith("{\"QMP\""));
        } finally {
            s.stop().join();
        }
    }

    @Test
    void aSocketSomeoneListensOnIsRefusedAndLeftAlone() throws IOException {
        Path socket = dir.resolve("qmp.sock");
        QmpServer first = serve(socket);
        try {
            IOException e = assertThrows(IOException.class, () -> serve(socket));
            assertTrue(e.getMessage().contains("another server is listening there"), e.getMessage());
            try (var c = TestServer.Conn.open(new Endpoint.Unix(socket))) {
                assertTrue(c.greeting.startsWith("{\"QMP\""), "the first server still answers");
            }
        } finally {
            first.stop().join();
        }
    }

    @Test
    void aRegularFileInTheWayIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("qmp.sock"), "precious");
        IOException e = assertThrows(IOException.class, () -> serve(file));
        assertTrue(e.getMessage().contains("exists and is not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(file));
    }

    @Test
    void aMissingDirectoryIsAClearError() {
        IOException e = assertThrows(IOException.class, () -> serve(dir.resolve("no/such/dir/qmp.sock")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aPathThroughALinkAndDotDotIsBoundWhereClientsResolveIt() throws IOException {
        Path real = Files.createDirectories(dir.resolve("a").resolve("b"));
        Files.createSymbolicLink(dir.resolve("lnk"), real);
        Path given = dir.resolve("lnk").resolve("..").resolve("x.sock"); // the kernel: DIR/a/x.sock; lexically DIR/x.sock
        QmpServer s = serve(given);
        try {
            assertTrue(Files.exists(dir.resolve("a").resolve("x.sock"), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    "bound where the link leads");
            assertTrue(Files.notExists(dir.resolve("x.sock"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "not lexically normalised");
            try (var c = TestServer.Conn.open(new Endpoint.Unix(given))) {
                assertTrue(c.greeting.startsWith("{\"QMP\""));
            }
            assertEquals(List.of(new Endpoint.Unix(given)), s.endpoints(), "reported as given");
        } finally {
            s.stop().join();
        }
        assertTrue(Files.notExists(dir.resolve("a").resolve("x.sock"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "removed on stop");
    }

    @Test
    void aDirectoryOthersMayWriteWithoutTheStickyBitIsWarnedAbout() throws IOException {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals("its directory " + open + " is writable by others without the sticky bit (mode 0777): anyone can "
                + "replace the socket; use a private directory", UnixSocketFile.exposure(open));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwx---"));
        assertEquals(null, UnixSocketFile.exposure(open), "group-writable only: the group is trusted");
        assertEquals(null, UnixSocketFile.exposure(Path.of("/tmp")), "/tmp is 1777: the sticky bit protects entries");
        assertEquals(null, UnixSocketFile.exposure(dir));
    }

    @Test
    void dotSegmentsAreDroppedAndDotDotIsKept() {
        assertEquals(Path.of("/run/vdm/x.sock"), UnixSocketFile.asGiven(Path.of("/run/./vdm/./x.sock")));
        assertEquals(Path.of("/run/lnk/../x.sock"), UnixSocketFile.asGiven(Path.of("/run/lnk/../x.sock")));
        assertEquals(Path.of("").toAbsolutePath().resolve("q.sock"), UnixSocketFile.asGiven(Path.of("./q.sock")));
    }
}
