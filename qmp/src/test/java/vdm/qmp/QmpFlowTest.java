package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Several clients at once: nobody waits on a slow one, a departure loses nothing, quit stops everything. */
class QmpFlowTest {
    /** Reads {@code conn}'s lines up to the reply with {@code id}, counting the events before it. */
    private static int eventsBeforeReply(TestServer.Conn conn, int id) throws IOException {
        for (int events = 0; ; events++) {
            String l = conn.line();
            if (l.endsWith("\"id\": " + id + "}")) return events;
            assertTrue(l.contains("\"event\": \"TEST_EVENT\""), l);
        }
    }

    @Test
    void aClientThatNeverReadsWhileEventsPileUpIsDisconnectedAndAnotherIsAnsweredMeanwhile() throws Exception {
        long eventBound = 64 * 1024;
        QmpServer.Config config = QmpServer.Config.DEFAULTS.withOutputLimits(4 * 1024, 16 * 1024, eventBound);
        try (TestServer s = TestServer.start(CommandRegistry.withCoreCommands(), config, false);
             var deaf = s.negotiated(); var reader = s.negotiated()) {
            // The deaf client also floods requests until the server stops reading it: that alone never cuts it off.
            ByteBuffer flood = ByteBuffer.wrap("{\"execute\": \"query-commands\"}\n".repeat(2000).getBytes(StandardCharsets.US_ASCII));
            long idleSince = System.nanoTime();
            while (System.nanoTime() - idleSince < TimeUnit.MILLISECONDS.toNanos(500)) {
                if (!flood.hasRemaining()) flood.rewind();
                if (deaf.client.trySend(flood) > 0) {
                    idleSince = System.nanoTime();
                } else {
                    Thread.sleep(2);
                }
            }
            assertEquals(2, s.server.connectionCount(), "held back by its replies, not disconnected");
            var data = JsonNodeFactory.instance.objectNode().put("pad", "z".repeat(1000));
            int emitted = 0, seen = 0, asked = 0;
            for (int i = 0; i < 20_000 && s.server.connectionCount() == 2; i++) {
                s.server.events().emit("TEST_EVENT", data);
                emitted++;
                if (i % 20 == 0) { // the reader is answered at once, whatever the deaf one's backlog
                    reader.send("{\"execute\": \"query-version\", \"id\": " + asked + "}\n");
                    seen += eventsBeforeReply(reader, asked++);
                }
            }
            TestServer.await("the deaf client to be disconnected", () -> s.server.connectionCount() == 1);
            // Cut off once its unwritten events passed the bound, not before (each event line is 1000 to 1200 bytes).
            assertTrue(emitted * 1200L > eventBound && emitted * 1000L < 4 * eventBound,
                    "disconnected after " + emitted + " events of 1000 to 1200 bytes, with a bound of " + eventBound);
            reader.send("{\"execute\": \"query-version\", \"id\": " + asked + "}\n");
            seen += eventsBeforeReply(reader, asked);
            assertEquals(emitted, seen, "the reader got every event");
        }
    }

    @Test
    void eventsPilingUpForAClientThatDoesNotReadDisconnectItAtTheBacklogLimit() throws Exception {
        QmpServer.Config config = QmpServer.Config.DEFAULTS.withOutputLimits(4 * 1024, 16 * 1024, 64 * 1024);
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
