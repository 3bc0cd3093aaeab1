package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QmpLimitsTest {
    private static final String SIZE = QmpProtocolTest.generic("JSON token size limit exceeded");
    private static final String DEPTH = QmpProtocolTest.generic("JSON nesting depth limit exceeded");

    @Test
    void aMessageOverOneMebibyteGetsOneErrorAndTheConnectionGoesOn() throws IOException {
        try (TestServer s = TestServer.start(); var c = s.negotiated()) {
            String big = "x".repeat(1 << 20);
            c.sendBytes(("{\"execute\": \"query-status\", \"id\": \"" + big + "\"}\n").getBytes(StandardCharsets.US_ASCII));
            assertEquals(SIZE, c.line());
            assertEquals("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 2}",
                    c.ask("{\"execute\": \"query-status\", \"id\": 2}"), "exactly one error, then normal service");
            // just under the limit is served
            String fits = "y".repeat((1 << 20) - 100);
            String r = c.ask("{\"execute\": \"query-status\", \"id\": \"" + fits + "\"}");
            assertTrue(r.startsWith("{\"return\": ") && r.endsWith(fits + "\"}"));
        }
    }

    @Test
    void nestingDeeperThan64GetsOneErrorAnd64IsServed() throws IOException {
        try (TestServer s = TestServer.start(); var c = s.negotiated()) {
            String deep65 = "[".repeat(64) + "]".repeat(64);   // 64 arrays inside the request object: depth 65
            c.send("{\"execute\": \"query-status\", \"id\": " + deep65 + "}\n");
            assertEquals(DEPTH, c.line());
            String deep64 = "[".repeat(63) + "]".repeat(63);
            String r = c.ask("{\"execute\": \"query-status\", \"id\": " + deep64 + "}");
            assertTrue(r.endsWith("\"id\": " + "[".repeat(63) + "]".repeat(63) + "}"), r);
        }
    }

    @Test
    void connectionsOverTheCapGetAnErrorLineInsteadOfTheGreetingAndAreClosed() throws IOException {
        CommandRegistry r = CommandRegistry.withCoreCommands();
        try (TestServer s = TestServer.start(r, QmpServer.Config.DEFAULTS.withMaxConnections(3), false)) {
            List<TestServer.Conn> admitted = new ArrayList<>();
            for (int i = 0; i < 3; i++) admitted.add(s.negotiated());
            try (QmpLineClient extra = QmpLineClient.connect(new Endpoint.Unix(s.socket))) {
                assertEquals("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Too many QMP connections "
                        + "(the limit is 3); try again later\"}}", extra.readLine(TestServer.TIMEOUT));
                assertNull(extra.readLine(TestServer.TIMEOUT), "closed after the error");
            }
            for (var c : admitted) assertTrue(c.ask("{\"execute\": \"query-version\", \"id\": 1}").endsWith("\"id\": 1}"));
            admitted.removeFirst().close();
            TestServer.await("a slot to free up", () -> s.server.connectionCount() == 2);
            try (var again = s.connect()) {
                assertTrue(again.greeting.startsWith("{\"QMP\""), again.greeting);
            }
            for (var c : admitted) c.close();
        }
    }

    @Test
    void theOutputBoundIsEightMebibytesForRepliesAndForEventsAndTheQueueEightRequests() {
        QmpServer.Config d = QmpServer.Config.DEFAULTS;
        assertEquals(8 << 20, d.writeHighWaterMark(), "input stops past 8 MiB of unwritten output");
        assertEquals(4 << 20, d.writeLowWaterMark(), "and resumes below 4 MiB");
        assertEquals(8L << 20, d.maxPendingEventBytes(), "events: the same bound");
        assertEquals(8, d.maxQueuedRequests(), "QEMU's QMP_REQ_QUEUE_LEN_MAX");
    }

    @Test
    void outputLimitsThatCannotWorkAreRefusedNamingTheProblem() {
        QmpServer.Config d = QmpServer.Config.DEFAULTS;
        assertEquals("need 0 < writeLowWaterMark <= writeHighWaterMark, not 2048 and 1024",
                assertThrows(IllegalArgumentException.class, () -> d.withOutputLimits(2048, 1024, 4096)).getMessage());
        assertEquals("need 0 < writeLowWaterMark <= writeHighWaterMark, not 0 and 1024",
                assertThrows(IllegalArgumentException.class, () -> d.withOutputLimits(0, 1024, 4096)).getMessage());
        assertEquals("maxPendingEventBytes must be >= 1, not 0",
                assertThrows(IllegalArgumentException.class, () -> d.withOutputLimits(512, 1024, 0)).getMessage());
        QmpServer.Config small = d.withOutputLimits(512, 1024, 4096);
        assertEquals(List.of(512, 1024, 4096L, d.maxQueuedRequests(), d.maxConnections()), List.of(small.writeLowWaterMark(),
                small.writeHighWaterMark(), small.maxPendingEventBytes(), small.maxQueuedRequests(), small.maxConnections()));
    }
}
