package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Several clients at once: nobody waits on a slow one, a departure loses nothing, quit stops everything. */
class QmpFlowTest {
    @Test
    void aClientThatStopsReadingDoesNotDelayAnotherAndIsDisconnected() throws Exception {
        QmpServer.Config config = QmpServer.Config.DEFAULTS.withOutputLimits(8 * 1024, 32 * 1024, 256 * 1024,
                Duration.ofSeconds(3));
        try (TestServer s = TestServer.start(CommandRegistry.withCoreCommands(), config, false);
             var slow = s.negotiated(); var fast = s.negotiated()) {
            // The slow client floods requests with large replies and never reads, until its socket takes no more:
            // the server must stop reading it rather than buffer without bound. (When and how it pauses is
            // QmpPipelineTest's, on an EmbeddedChannel; this is the real transport.)
            ByteBuffer flood = ByteBuffer.wrap("{\"execute\": \"query-commands\"}\n".repeat(2000).getBytes(StandardCharsets.US_ASCII));
            do {
                if (!flood.hasRemaining()) flood.rewind();
            } while (slow.client.trySend(flood) > 0);
            byte[] more = "{\"execute\": \"query-commands\"}\n".repeat(1 << 15).getBytes(StandardCharsets.US_ASCII);
            // A second of no progress, well inside the stall timeout: a server that read on would take some.
            assertThrows(SocketTimeoutException.class, () -> slow.client.send(more, Duration.ofSeconds(1)),
                    "the server kept reading a client that does not read its replies");
            // Meanwhile the other client is served.
            for (int i = 0; i < 200; i++) {
                assertTrue(fast.ask("{\"execute\": \"query-version\", \"id\": " + i + "}").endsWith("\"id\": " + i + "}"));
            }
            // The stalled client is dropped after the stall timeout; the other stays.
            TestServer.await("the stalled client to be disconnected", () -> s.server.connectionCount() == 1);
            assertTrue(fast.ask("{\"execute\": \"query-status\", \"id\": 1}").endsWith("\"id\": 1}"));
        }
    }

    @Test
    void eventsPilingUpForAClientThatDoesNotReadDisconnectItAtTheBacklogLimit() throws Exception {
        QmpServer.Config config = QmpServer.Config.DEFAULTS.withOutputLimits(4 * 1024, 16 * 1024, 64 * 1024,
                Duration.ofMinutes(5));
        try (TestServer s = TestServer.start(CommandRegistry.withCoreCommands(), config, false);
             var _ = s.negotiated(); var reader = s.negotiated()) { // the first never reads
            var data = JsonNodeFactory.instance.objectNode().put("pad", "z".repeat(1000));
            int emitted = 0, read = 0;
            for (int i = 0; i < 3000 && s.server.connectionCount() == 2; i++) {
                s.server.events().emit("TEST_EVENT", data);
                emitted++;
                if (i % 50 == 0) {
                    // keep the good client drained so that only the deaf one backs up
                    for (; read < emitted; read++) assertTrue(reader.line().contains("\"event\": \"TEST_EVENT\""));
                }
            }
            TestServer.await("the deaf client to be disconnected", () -> s.server.connectionCount() == 1);
            for (; read < emitted; read++) assertTrue(reader.line().contains("\"event\": \"TEST_EVENT\""));
            assertTrue(reader.ask("{\"execute\": \"query-version\", \"id\": 5}").endsWith("\"id\": 5}"));
        }
    }

    @Test
    void aClientLeavingMidCommandLosesNothingForOthers() throws Exception {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        CommandRegistry r = CommandRegistry.withCoreCommands();
        r.register(QmpCommand.async("x-vdm-test-slow", "test: a long model operation", ArgumentSchema.NONE,
                Execution.MODEL, call -> {
                    started.countDown();
                    return CompletableFuture.supplyAsync(() -> {
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        call.events().emit("TEST_DONE");
                        return JsonNodeFactory.instance.objectNode().put("done", true);
                    });
                }));
        r.register(QmpCommand.of("x-vdm-test-model", "test: a quick model operation", ArgumentSchema.NONE,
                Execution.MODEL, call -> JsonNodeFactory.instance.objectNode().put("ok", true)));
        try (TestServer s = TestServer.start(r, QmpServer.Config.DEFAULTS, false); var other = s.negotiated()) {
            var leaver = s.negotiated();
            leaver.send("{\"execute\": \"x-vdm-test-slow\", \"id\": 1}\n");
            assertTrue(started.await(10, TimeUnit.SECONDS));
            leaver.close();
            assertTrue(other.ask("{\"execute\": \"query-version\", \"id\": 2}").endsWith("\"id\": 2}"));
            assertEquals("{\"return\": {\"ok\": true}, \"id\": 3}", other.ask("{\"execute\": \"x-vdm-test-model\", \"id\": 3}"),
                    "the model executor is free while the slow operation waits");
            release.countDown();
            assertTrue(other.line().contains("\"event\": \"TEST_DONE\""), "the operation completed for the others");
            TestServer.await("the leaver's connection to be released", () -> s.server.connectionCount() == 1);
        }
    }

    @Test
    void repliesComeInRequestOrderEvenWhenAnEarlierCommandIsSlow() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<JsonNode> later = new CompletableFuture<>();
        CommandRegistry r = CommandRegistry.withCoreCommands();
        r.register(QmpCommand.async("x-vdm-test-later", "test: completes when the test says", ArgumentSchema.NONE,
                Execution.MODEL, call -> {
                    started.countDown();
                    return later;
                }));
        try (TestServer s = TestServer.start(r, QmpServer.Config.DEFAULTS, false); var c = s.negotiated()) {
            c.send("{\"execute\": \"x-vdm-test-later\", \"id\": 1}\n{\"execute\": \"query-version\", \"id\": 2}\n");
            assertTrue(started.await(10, TimeUnit.SECONDS));
            later.complete(null);
            assertEquals("{\"return\": {}, \"id\": 1}", c.line());
            assertTrue(c.line().endsWith("\"id\": 2}"));
        }
    }

    @Test
    void quitEmitsShutdownRepliesAndStopsTheServer() throws Exception {
        try (TestServer s = TestServer.start(); var asker = s.negotiated(); var watcher = s.negotiated()) {
            asker.send("{\"execute\": \"quit\", \"id\": 9}\n");
            List<String> seen = asker.untilClosed();
            assertEquals(2, seen.size(), seen.toString());
            assertTrue(seen.get(0).matches("\\{\"timestamp\": \\{\"seconds\": \\d+, \"microseconds\": \\d+}, "
                    + "\"event\": \"SHUTDOWN\", \"data\": \\{\"guest\": false, \"reason\": \"host-qmp-quit\"}}"), seen.get(0));
            assertEquals("{\"return\": {}, \"id\": 9}", seen.get(1), "QEMU sends the event before the reply");
            List<String> watched = watcher.untilClosed();
            assertEquals(1, watched.size());
            assertTrue(watched.getFirst().contains("SHUTDOWN"));
            s.server.terminated().get(10, TimeUnit.SECONDS);
            assertFalse(Files.exists(s.socket), "the socket file is removed");
        }
    }
}
