package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection pipeline (frame decoder, flow control, output) on an EmbeddedChannel: framing of split and merged
 * input, one command at a time, held input and its resumption, limits, back-pressure (with no stall cut-off) and
 * half-close, each without sockets, threads or sleeps.
 */
class QmpPipelineTest {
    private static final String STATUS = "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}";
    /** Replies of the held command, completed by the test in the order the command was started. */
    private final ArrayDeque<CompletableFuture<JsonNode>> held = new ArrayDeque<>();
    private TestServer server;

    private EmbeddedQmp connect(QmpServer.Config config) throws IOException {
        CommandRegistry r = CommandRegistry.withCoreCommands();
        r.register(QmpCommand.async("x-vdm-test-held", "test: answers when the test says", ArgumentSchema.NONE,
                Execution.INLINE, call -> {
                    CompletableFuture<JsonNode> f = new CompletableFuture<>();
                    held.add(f);
                    return f;
                }));
        server = TestServer.start(r, config, false);
        return new EmbeddedQmp(server.server);
    }

    private EmbeddedQmp negotiated() throws IOException {
        return connect(QmpServer.Config.DEFAULTS).negotiated();
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) server.close();
    }

    private static String status(int id) {
        return "{\"execute\": \"query-status\", \"id\": " + id + "}";
    }

    private static String statusReply(int id) {
        return STATUS + ", \"id\": " + id + "}";
    }

    private static QmpServer.Config config(int maxMessageBytes, int maxDepth, int maxQueued) {
        QmpServer.Config d = QmpServer.Config.DEFAULTS;
        return new QmpServer.Config(d.maxConnections(), maxMessageBytes, maxDepth, d.writeLowWaterMark(),
                d.writeHighWaterMark(), d.maxPendingEventBytes(), maxQueued);
    }

    // ---- framing

    @Test
    void aRequestSplitIntoOneByteReadsIsAnsweredOnceComplete() throws IOException {
        try (EmbeddedQmp c = negotiated()) {
            byte[] request = status(1).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < request.length - 1; i++) {
                c.sendBytes(new byte[] {request[i]});
                assertEquals(List.of(), c.lines(), "nothing before the closing brace (byte " + i + ")");
            }
            c.sendBytes(new byte[] {request[request.length - 1]});
            assertEquals(List.of(statusReply(1)), c.lines());
        }
    }

    @Test
    void requestsMergedIntoOneReadAreAnsweredInOrder() throws IOException {
        try (EmbeddedQmp c = negotiated()) {
            c.send(status(1) + status(2) + "\n" + status(3) + "[1, ]" + status(4));
            assertEquals(List.of(statusReply(1), statusReply(2), statusReply(3),
                    QmpProtocolTest.generic("JSON parse error, expecting value"), statusReply(4)), c.lines());
        }
    }

    @Test
    void aMultiByteCharacterSplitBetweenReadsIsOneCharacter() throws IOException {
        try (EmbeddedQmp c = negotiated()) {
            byte[] request = "{\"execute\": \"query-status\", \"id\": \"\u00e9\"}".getBytes(StandardCharsets.UTF_8);
            int cut = new String(request, StandardCharsets.ISO_8859_1).indexOf('\u00c3') + 1; // inside the two bytes of é
            c.sendBytes(java.util.Arrays.copyOfRange(request, 0, cut));
            c.sendBytes(java.util.Arrays.copyOfRange(request, cut, request.length));
            assertEquals(List.of(STATUS + ", \"id\": \"\\u00E9\"}"), c.lines());
        }
    }

    // ---- one command at a time

    @Test
    void aRequestWhileOneRunsWaitsForItsReplyAndRepliesKeepRequestOrder() throws IOException {
        try (EmbeddedQmp c = negotiated()) {
            c.send("{\"execute\": \"x-vdm-test-held\", \"id\": 1}" + status(2));
            assertEquals(List.of(), c.lines(), "the second request waits behind the running one");
            assertEquals(1, held.size(), "and is not started");
            held.poll().complete(JsonNodeFactory.instance.objectNode().put("done", true));
            c.runTasks();
            assertEquals(List.of("{\"return\": {\"done\": true}, \"id\": 1}", statusReply(2)), c.lines());
        }
    }

    @Test
    void inputPastTheQueueLimitIsHeldUnlexedAndResumesWhenTheCommandEnds() throws IOException {
        try (EmbeddedQmp c = connect(config(1 << 20, 64, 2)).negotiated()) {
            c.send("{\"execute\": \"x-vdm-test-held\", \"id\": 1}" + status(2) + status(3) + "\u0001" + status(4)
                    + "{\"execute\": \"x-vdm-test-held\", \"id\": 5}" + status(6));
            assertFalse(c.reading(), "two requests wait: input is paused");
            assertTrue(c.holdsInput(), "the rest stays unlexed");
            assertEquals(List.of(), c.lines());
            held.poll().complete(null);
            c.runTasks();
            assertEquals(List.of("{\"return\": {}, \"id\": 1}", statusReply(2), statusReply(3),
                    QmpProtocolTest.generic("JSON parse error, stray '\\u0001'"), statusReply(4)), c.lines(),
                    "the held input is lexed in order once the command ends");
            assertTrue(c.reading(), "one request (6) waits behind 5: under the limit, input goes on");
            assertFalse(c.holdsInput());
            held.poll().complete(null);
            c.runTasks();
            assertEquals(List.of("{\"return\": {}, \"id\": 5}", statusReply(6)), c.lines());
        }
    }

    // ---- limits

    @Test
    void aMessageOverTheSizeLimitSplitOverReadsGetsOneErrorAndTheNextIsServed() throws IOException {
        try (EmbeddedQmp c = connect(config(64, 64, 8)).negotiated()) {
            String big = "{\"execute\": \"query-status\", \"id\": \"" + "x".repeat(100) + "\"}";
            c.send(big.substring(0, 50));
            c.send(big.substring(50) + status(2));
            assertEquals(List.of(QmpProtocolTest.generic("JSON token size limit exceeded"), statusReply(2)), c.lines());
        }
    }

    @Test
    void nestingPastTheDepthLimitGetsOneErrorAndTheLimitItselfIsServed() throws IOException {
        try (EmbeddedQmp c = connect(config(1 << 20, 3, 8)).negotiated()) {
            c.send("{\"execute\": \"query-status\", \"id\": [[[1]]]}" + "{\"execute\": \"query-status\", \"id\": [[1]]}");
            assertEquals(List.of(QmpProtocolTest.generic("JSON nesting depth limit exceeded"), STATUS + ", \"id\": [[1]]}"), c.lines());
        }
    }

    // ---- output back-pressure

    @Test
    void aClientThatDoesNotReadItsOutputIsNotReadEitherUntilItDoes() throws IOException {
        try (EmbeddedQmp c = negotiated()) {
            c.clientReads(false);
            assertFalse(c.reading(), "output blocked: input is paused");
            c.send(status(1) + status(2));
            assertTrue(c.holdsInput(), "a read already under way is held, not lexed");
            assertEquals(List.of(), c.lines());
            c.clientReads(true);
            assertEquals(List.of(statusReply(1), statusReply(2)), c.lines());
            assertTrue(c.reading());
            assertFalse(c.holdsInput());
        }
    }

    @Test
    void outputBlockedForAnHourPausesInputButNeverDisconnects() throws IOException {
        try (EmbeddedQmp c = negotiated()) {
            c.clientReads(false);
            c.send(status(1) + status(2));
            c.ch.advanceTimeBy(1, TimeUnit.HOURS); // the old stall timeout was 10 s
            c.ch.runScheduledPendingTasks();
            assertTrue(c.ch.isActive(), "a client held back by its own replies is not cut off");
            assertFalse(c.reading(), "and is still not read");
            c.clientReads(true);
            assertEquals(List.of(statusReply(1), statusReply(2)), c.lines());
            assertTrue(c.reading());
        }
    }

    // ---- half-close

    @Test
    void afterAHalfCloseTheRunningAndWaitingRequestsAreAnsweredThenTheConnectionCloses() throws IOException {
        try (EmbeddedQmp c = negotiated()) {
            c.send("{\"execute\": \"x-vdm-test-held\", \"id\": 1}" + status(2));
            c.shutdownInput();
            assertTrue(c.ch.isActive(), "a command is still running");
            held.poll().complete(null);
            c.runTasks();
            assertEquals(List.of("{\"return\": {}, \"id\": 1}", statusReply(2)), c.lines());
            assertFalse(c.ch.isActive(), "closed once everything sent is answered");
        }
    }

    @Test
    void aHalfCloseWhileInputIsHeldWaitsForThatInputToBeAnswered() throws IOException {
        try (EmbeddedQmp c = negotiated()) {
            c.clientReads(false);
            c.send(status(1) + status(2));
            c.shutdownInput();
            assertTrue(c.ch.isActive(), "the held requests are not answered yet");
            c.clientReads(true);
            assertEquals(List.of(statusReply(1), statusReply(2)), c.lines());
            assertFalse(c.ch.isActive());
        }
    }

    @Test
    void aHalfCloseWithNothingPendingClosesAtOnce() throws IOException {
        try (EmbeddedQmp c = negotiated()) {
            c.shutdownInput();
            assertFalse(c.ch.isActive());
        }
    }
}
