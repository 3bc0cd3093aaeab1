package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A listener added to a running server has its own command table and event bus, and closing it removes its socket. */
class QmpListenerTest {
    private static CommandRegistry withOnly(String extra) {
        CommandRegistry r = CommandRegistry.withCoreCommands();
        r.register(QmpCommand.of(extra, "test", ArgumentSchema.NONE, Execution.INLINE, call -> {
            call.events().emit("X_VDM_TEST", null);
            return null;
        }));
        return r;
    }

    @Test
    void anAddedListenerAnswersFromItsOwnTableAndEmitsOnlyToItsOwnClients() throws IOException {
        try (TestServer t = TestServer.start(withOnly("x-vdm-main-only"), QmpServer.Config.DEFAULTS, false)) {
            Path side = t.dir.resolve("qmp-libxl-1");
            QmpServer.Listener l = t.server.listen(new Endpoint.Unix(side), withOnly("x-vdm-side-only"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(side, LinkOption.NOFOLLOW_LINKS)));
            try (TestServer.Conn mainConn = t.negotiated(); TestServer.Conn sideConn = TestServer.Conn.open(new Endpoint.Unix(side))) {
                sideConn.negotiate();
                assertEquals("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x-vdm-main-only has not been found\"}}",
                        sideConn.ask("{\"execute\":\"x-vdm-main-only\"}"));
                // The side's event reaches the side's client before its reply, and never the main client.
                sideConn.send("{\"execute\":\"x-vdm-side-only\"}\n");
                String first = sideConn.line();
                assertTrue(first.contains("\"event\": \"X_VDM_TEST\""), first);
                assertEquals("{\"return\": {}}", sideConn.line());
                assertTrue(mainConn.ask("{\"execute\":\"query-status\"}").startsWith("{\"return\":"), "no event reached the main client");
                assertEquals(1, l.connectionCount());
                l.close().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
                assertFalse(Files.exists(side, LinkOption.NOFOLLOW_LINKS), "the socket file goes with the listener");
                assertEquals(null, sideConn.client.readLine(Duration.ofSeconds(5)), "its connections are closed");
                assertTrue(mainConn.ask("{\"execute\":\"x-vdm-main-only\"}").contains("\"event\": \"X_VDM_TEST\""),
                        "the main endpoint goes on serving");
            }
        }
    }

    @Test
    void aListenerThatCannotBindLeavesNothingBehind() throws IOException {
        try (TestServer t = TestServer.start()) {
            IOException e = assertThrows(IOException.class,
                    () -> t.server.listen(new Endpoint.Unix(t.dir.resolve("no-such-dir/qmp-libxl-1")), CommandRegistry.withCoreCommands()));
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        }
    }
}
