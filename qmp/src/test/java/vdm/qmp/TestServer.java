package vdm.qmp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** A server on a Unix socket in a private temporary directory (and TCP loopback when asked), stopped on close. */
final class TestServer implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    final QmpServer server;
    final Path dir;
    final Path socket;

    private TestServer(QmpServer server, Path dir, Path socket) {
        this.server = server;
        this.dir = dir;
        this.socket = socket;
    }

    static TestServer start() throws IOException {
        return start(CommandRegistry.withCoreCommands(), QmpServer.Config.DEFAULTS, false);
    }

    static TestServer start(CommandRegistry commands, QmpServer.Config config, boolean tcpToo) throws IOException {
        Path dir = Files.createTempDirectory("vdm-qmp-test");
        Path socket = dir.resolve("qmp.sock");
        List<Endpoint> endpoints = new ArrayList<>(List.of(new Endpoint.Unix(socket)));
        if (tcpToo) endpoints.add(new Endpoint.Tcp("127.0.0.1", 0));
        return new TestServer(QmpServer.start(commands, config, endpoints), dir, socket);
    }

    Endpoint tcp() {
        return server.endpoints().stream().filter(e -> e instanceof Endpoint.Tcp).findFirst().orElseThrow();
    }

    /** A connection that has read the greeting. */
    Conn connect() throws IOException {
        return Conn.open(new Endpoint.Unix(socket));
    }

    /** A connection that has read the greeting and negotiated. */
    Conn negotiated() throws IOException {
        Conn c = connect();
        c.negotiate();
        return c;
    }

    /** Polls {@code condition} until true or the timeout: for state that no message announces. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.onSpinWait();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.stop().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }

    /** One client connection at line level. */
    static final class Conn implements AutoCloseable {
        final QmpLineClient client;
        final String greeting;

        private Conn(QmpLineClient client, String greeting) {
            this.client = client;
            this.greeting = greeting;
        }

        static Conn open(Endpoint e) throws IOException {
            QmpLineClient c = QmpLineClient.connect(e);
            return new Conn(c, c.readLine(TIMEOUT));
        }

        void negotiate() throws IOException {
            String r = ask("{\"execute\": \"qmp_capabilities\"}");
            if (!r.equals("{\"return\": {}}")) throw new AssertionError("negotiation failed: " + r);
        }

        /** Sends one line and returns the next line the server sends. */
        String ask(String json) throws IOException {
            send(json + "\n");
            return line();
        }

        void send(String raw) throws IOException {
            client.send(raw);
        }

        void sendBytes(byte[] raw) throws IOException {
            client.send(raw, TIMEOUT);
        }

        String line() throws IOException {
            String l = client.readLine(TIMEOUT);
            if (l == null) throw new AssertionError("the server closed the connection");
            return l;
        }

        /** Reads until the server closes; returns what came (fails after the timeout). */
        List<String> untilClosed() throws IOException {
            List<String> lines = new ArrayList<>();
            for (String l; (l = client.readLine(TIMEOUT)) != null; ) lines.add(l);
            return lines;
        }

        @Override
        public void close() throws IOException {
            client.close();
        }
    }
}
