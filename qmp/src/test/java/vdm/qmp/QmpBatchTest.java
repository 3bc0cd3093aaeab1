package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client that writes a whole batch before it reads a byte: QEMU 7.2 answers every request (its monitor output
 * buffer grows without bound), and so must vdm while the unread replies stay under the output bound (8 MiB by
 * default). Past the bound the server stops reading the client instead: the client is held in its own writes, never
 * disconnected, and gets every reply once it reads.
 */
class QmpBatchTest {
    private static final int BATCH = 20_000;
    private static final String QEMU = "qemu-system-x86_64";
    /** The mixed batch's commands in turn, and whether each succeeds: its replies differ in size and kind. */
    private static final List<String> MIXED = List.of("query-version", "query-commands", "query-status",
            "x-no-such-command", "query-target", "query-commands");

    private static String request(String command, int id) {
        return "{\"execute\": \"" + command + "\", \"id\": " + id + "}\r\n"; // libxl's CRLF framing, integer ids
    }

    private static byte[] batch(List<String> commands) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < BATCH; i++) b.append(request(commands.get(i % commands.size()), i));
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Writes the batch in one go without reading, then reads: one reply per request, in order, each with its id, a
     * CommandNotFound error for the unknown command (exactly as QEMU 7.2 words it) and a return for the others; the
     * connection still serves.
     * Returns the bytes of replies read.
     */
    private static long writeAllThenReadAll(TestServer.Conn c, List<String> commands) throws IOException {
        c.sendBytes(batch(commands));
        long bytes = 0;
        for (int i = 0; i < BATCH; i++) {
            String command = commands.get(i % commands.size());
            String reply = c.line();
            bytes += reply.length() + 2;
            boolean ok = command.startsWith("x-no-such")
                    ? reply.equals("{\"id\": " + i + ", \"error\": {\"class\": \"CommandNotFound\", \"desc\": "
                            + "\"The command " + command + " has not been found\"}}") // QEMU puts the id first here
                    : reply.startsWith("{\"return\": ") && reply.endsWith(", \"id\": " + i + "}");
            if (!ok) throw new AssertionError("reply " + i + " to " + command + ": " + reply);
        }
        assertTrue(c.ask("{\"execute\": \"query-status\", \"id\": \"after\"}").endsWith("\"id\": \"after\"}"),
                "the connection is still open and serving");
        return bytes;
    }

    @Test
    void twentyThousandRequestsWrittenBeforeReadingAreAllAnsweredInOrder() throws IOException {
        try (TestServer s = TestServer.start(); var c = s.negotiated()) {
            long versions = writeAllThenReadAll(c, List.of("query-version"));
            long mixed = writeAllThenReadAll(c, MIXED);
            System.out.printf("vdm answered every one of 2 x %d requests written before reading: %d and %d bytes "
                    + "of replies%n", BATCH, versions, mixed);
            // Both batches' replies are well past the old limit (a 1 MiB high water mark and about 600 KB unread
            // before the server stalled the client), and under the 8 MiB bound.
            assertTrue(versions > 1_500_000 && mixed > 1_500_000, versions + " and " + mixed + " bytes of replies");
            assertEquals(1, s.server.connectionCount());
        }
    }

    @Test
    void qemuAnswersTheSameTwentyThousandRequestBatches() throws Exception {
        assumeTrue(onPath(), QEMU + " is not installed: skipping the comparison with QEMU 7.2's batch behaviour");
        Path dir = Files.createTempDirectory("vdm-qemu-batch");
        Path socket = dir.resolve("qemu.sock"), log = dir.resolve("qemu.log");
        Process qemu = new ProcessBuilder(QEMU, "-machine", "none", "-accel", "tcg", "-S", "-nodefaults",
                "-display", "none", "-qmp", "unix:" + socket + ",server=on,wait=off")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            TestServer.await("QEMU's QMP socket", () -> Files.exists(socket) || !qemu.isAlive());
            assertTrue(qemu.isAlive(), () -> "QEMU exited: " + read(log));
            try (var c = TestServer.Conn.open(new Endpoint.Unix(socket))) {
                c.negotiate();
                long t0 = System.nanoTime();
                long versions = writeAllThenReadAll(c, List.of("query-version"));
                long t1 = System.nanoTime();
                long mixed = writeAllThenReadAll(c, MIXED);
                long t2 = System.nanoTime();
                System.out.printf("QEMU 7.2 answered every one of 2 x %d requests written before reading: %d bytes "
                        + "of replies in %d ms, %d bytes in %d ms%n", BATCH, versions, (t1 - t0) / 1_000_000, mixed,
                        (t2 - t1) / 1_000_000);
            }
        } finally {
            qemu.destroy();
            if (!qemu.waitFor(10, TimeUnit.SECONDS)) qemu.destroyForcibly();
            Files.deleteIfExists(socket);
            Files.deleteIfExists(log);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void aClientPastTheOutputBoundIsHeldInItsWritesNotDisconnectedAndGetsEveryReplyWhenItReads() throws Exception {
        // A 64 KiB bound, resuming at 16 KiB: the kernel's socket buffers add a few hundred KB of their own.
        QmpServer.Config config = QmpServer.Config.DEFAULTS.withOutputLimits(16 * 1024, 64 * 1024, 64 * 1024);
        try (TestServer s = TestServer.start(CommandRegistry.withCoreCommands(), config, false);
             var batcher = s.negotiated(); var other = s.negotiated()) {
            List<String> commands = List.of("query-commands", "query-version");
            ByteBuffer all = ByteBuffer.wrap(batch(commands));
            // Write without reading until the server takes nothing for a second.
            long idleSince = System.nanoTime();
            while (all.hasRemaining() && System.nanoTime() - idleSince < TimeUnit.SECONDS.toNanos(1)) {
                if (batcher.client.trySend(all) > 0) {
                    idleSince = System.nanoTime();
                } else {
                    Thread.sleep(5);
                }
            }
            assertTrue(all.hasRemaining(), "the server read the whole batch past a 64 KiB bound");
            // Another client is served meanwhile.
            for (int i = 0; i < 100; i++) {
                assertTrue(other.ask("{\"execute\": \"query-version\", \"id\": " + i + "}").endsWith("\"id\": " + i + "}"));
            }
            // Held longer than the old stall timeout (10 s): still connected.
            Thread.sleep(10_500);
            assertEquals(2, s.server.connectionCount(), "a client held back by its own replies is never cut off");
            // A loaded machine may still take a little more once it catches up, but never the batch: its replies are unread.
            while (batcher.client.trySend(all) > 0) Thread.sleep(5);
            assertTrue(all.hasRemaining(), "the server read the whole batch while its replies went unread");
            // It reads: a reply for every request it sent whole, in order; then the rest of the cut one.
            int sent = all.position();
            byte[] batch = all.array();
            int whole = 0, end = 0;
            for (int i = 0; i < sent; i++) {
                if (batch[i] == '\n') {
                    whole++;
                    end = i + 1;
                }
            }
            for (int i = 0; i < whole; i++) {
                String reply = batcher.line();
                assertTrue(reply.startsWith("{\"return\": ") && reply.endsWith(", \"id\": " + i + "}"), i + ": " + reply);
            }
            int next = end;
            while (batch[next] != '\n') next++;
            batcher.sendBytes(Arrays.copyOfRange(batch, sent, next + 1));
            assertTrue(batcher.line().endsWith(", \"id\": " + whole + "}"), "the request cut by the stop is answered too");
        }
    }

    private static boolean onPath() {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, QEMU))) return true;
        }
        return false;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
