package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NegotiationTimeoutTest {
    private static final String EXPIRED = expired("300 ms");

    private static String expired(String within) {
        return "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Capabilities negotiation did not complete within "
                + within + " (send qmp_capabilities first); closing the connection\"}}";
    }

    private static TestServer start(QmpServer.Config config) throws IOException {
        return TestServer.start(CommandRegistry.withCoreCommands(), config, false);
    }

    @Test
    void theDefaultIsTenSeconds() {
        assertEquals(Duration.ofSeconds(10), QmpServer.Config.DEFAULTS.negotiationTimeout());
    }

    @Test
    void aConnectionThatNeverNegotiatesGetsOneErrorAndIsClosed() throws IOException {
        try (TestServer s = start(QmpServer.Config.DEFAULTS.withNegotiationTimeout(Duration.ofMillis(300)));
             var c = s.connect()) {
            assertEquals(List.of(EXPIRED), c.untilClosed());
        }
    }

    @Test
    void commandsOtherThanQmpCapabilitiesDoNotStopTheTimer() throws IOException {
        try (TestServer s = start(QmpServer.Config.DEFAULTS.withNegotiationTimeout(Duration.ofMillis(300)));
             var c = s.connect()) {
            assertTrue(c.ask("{\"execute\": \"query-version\"}").contains("CommandNotFound"));
            assertEquals(List.of(EXPIRED), c.untilClosed());
        }
    }

    @Test
    void aNegotiatedConnectionOutlivesTheTimeout() throws Exception {
        try (TestServer s = start(QmpServer.Config.DEFAULTS.withNegotiationTimeout(Duration.ofMillis(100)));
             var c = s.negotiated();
             var idle = s.connect()) {
            assertTrue(idle.untilClosed().getFirst().contains("did not complete within 100 ms"), "the timer has run");
            assertTrue(c.ask("{\"execute\": \"query-version\", \"id\": 7}").endsWith("\"id\": 7}"));
        }
    }

    @Test
    void idleConnectionsAtTheCapNoLongerLockEveryoneOut() throws IOException {
        // 3 s: long enough for the five connections below to be made on a loaded machine before any slot frees
        QmpServer.Config config = QmpServer.Config.DEFAULTS.withMaxConnections(4).withNegotiationTimeout(Duration.ofSeconds(3));
        try (TestServer s = start(config)) {
            List<TestServer.Conn> idle = new ArrayList<>();
            for (int i = 0; i < 4; i++) idle.add(s.connect());
            try (QmpLineClient extra = QmpLineClient.connect(new Endpoint.Unix(s.socket))) {
                assertTrue(extra.readLine(TestServer.TIMEOUT).contains("Too many QMP connections"));
            }
            for (var c : idle) {
                assertEquals(List.of(expired("3 s")), c.untilClosed());
                c.close();
            }
            TestServer.await("the idle slots to free up", () -> s.server.connectionCount() == 0);
            try (var c = s.negotiated()) {
                assertTrue(c.ask("{\"execute\": \"query-version\", \"id\": 1}").endsWith("\"id\": 1}"));
            }
        }
    }

    @Test
    void aTimeoutUnderOneMillisecondIsRefused() {
        assertEquals("negotiationTimeout must be at least 1 ms, not PT0S", assertThrows(IllegalArgumentException.class,
                () -> QmpServer.Config.DEFAULTS.withNegotiationTimeout(Duration.ZERO)).getMessage());
    }
}
