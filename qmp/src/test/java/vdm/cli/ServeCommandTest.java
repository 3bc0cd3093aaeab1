package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vdm.qmp.CommandRegistry;
import vdm.qmp.Endpoint;
import vdm.qmp.QmpLineClient;
import vdm.qmp.QmpServer;

class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void serveListensUntilQuitAndSaysWhere() throws Exception {
        Path socket = dir.resolve("vdm.sock");
        CompletableFuture<Cli> run = CompletableFuture.supplyAsync(
                () -> Cli.run("serve", "--preset", "broken", "--qmp", "unix:" + socket));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(socket) && !run.isDone() && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(Files.exists(socket), () -> "no socket; serve said " + run.getNow(null));
        try (QmpLineClient c = QmpLineClient.connect(new Endpoint.Unix(socket))) {
            assertTrue(c.readLine(Duration.ofSeconds(10)).startsWith("{\"QMP\""));
            c.send("{\"execute\": \"qmp_capabilities\"}\n{\"execute\": \"quit\"}\n");
            assertEquals("{\"return\": {}}", c.readLine(Duration.ofSeconds(10)));
        }
        Cli r = run.get(20, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        assertEquals("vdm: QMP listening on unix:" + socket + "\n", r.out());
        assertTrue(Files.notExists(socket));
    }

    @Test
    void badOptionsExit2WithAReason() {
        Cli preset = Cli.run("serve", "--preset", "v5");
        assertEquals(2, preset.exit());
        assertEquals("vdm serve: unknown preset 'v5'; known: broken, series-v4, upstream\n", preset.err());
        Cli address = Cli.run("serve", "--qmp", "udp:1");
        assertEquals(2, address.exit());
        assertEquals("vdm serve: bad QMP address 'udp:1': expected unix:PATH or tcp:HOST:PORT\n", address.err());
    }

    @Test
    void aMissingLibxlDirExits2() {
        Cli r = Cli.run("serve", "--libxl-dir", dir.resolve("none").toString(), "--qmp", "unix:" + dir.resolve("s"));
        assertEquals(2, r.exit());
        assertEquals("vdm serve: --libxl-dir " + dir.resolve("none") + ": No such file or directory\n", r.err());
    }

    @Test
    void withALibxlDirEachGuestGetsItsQmpSocket() throws Exception {
        Path socket = dir.resolve("vdm.sock");
        Path run = Files.createDirectory(dir.resolve("run"));
        CompletableFuture<Cli> serve = CompletableFuture.supplyAsync(
                () -> Cli.run("serve", "--qmp", "unix:" + socket, "--libxl-dir", run.toString()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(socket) && !serve.isDone() && System.nanoTime() < deadline) Thread.sleep(10);
        try (QmpLineClient c = QmpLineClient.connect(new Endpoint.Unix(socket))) {
            c.readLine(Duration.ofSeconds(10));
            c.send("{\"execute\": \"qmp_capabilities\"}\n{\"execute\": \"x-vdm-domain-create\"}\n");
            assertEquals("{\"return\": {}}", c.readLine(Duration.ofSeconds(10)));
            assertEquals("{\"return\": {\"domid\": 1}}", c.readLine(Duration.ofSeconds(10)));
            assertTrue(Files.exists(run.resolve("qmp-libxl-1")), "d1's socket");
            try (QmpLineClient guest = QmpLineClient.connect(new Endpoint.Unix(run.resolve("qmp-libxl-1")))) {
                assertTrue(guest.readLine(Duration.ofSeconds(10)).startsWith("{\"QMP\""));
            }
            c.send("{\"execute\": \"quit\"}\n");
        }
        Cli r = serve.get(20, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        assertEquals("vdm: QMP listening on unix:" + socket + "\nvdm: guests' QMP sockets in " + run + "/qmp-libxl-<domid>\n", r.out());
        assertTrue(Files.notExists(run.resolve("qmp-libxl-1")), "closed with the server");
    }

    @Test
    void aMissingHostFileIsAUsageErrorNamingTheSystemsReason() {
        Cli r = Cli.run("serve", "--host", dir.resolve("none.json").toString(), "--qmp", "unix:" + dir.resolve("s"));
        assertEquals(2, r.exit());
        assertEquals("vdm serve: --host " + dir.resolve("none.json") + ": No such file or directory\n", r.err());
    }

    @Test
    void anOccupiedSocketExits1AndLeavesTheOtherServerAlone() throws Exception {
        Path socket = dir.resolve("busy.sock");
        try (QmpServer other = QmpServer.start(CommandRegistry.withCoreCommands(), QmpServer.Config.DEFAULTS,
                java.util.List.of(new Endpoint.Unix(socket)))) {
            Cli r = Cli.run("serve", "--qmp", "unix:" + socket);
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("another server is listening there"), r.err());
            assertEquals(1, other.endpoints().size());
        }
    }

    @Test
    void theQmpClientNegotiatesSendsShorthandAndPrettyPrints() throws Exception {
        Path socket = dir.resolve("c.sock");
        try (QmpServer _ = QmpServer.start(CommandRegistry.withCoreCommands(), QmpServer.Config.DEFAULTS,
                java.util.List.of(new Endpoint.Unix(socket)))) {
            Cli r = Cli.withInput("query-status\n# a comment\n\n{\"execute\": \"query-version\", \"id\": 7}\nnope x\n",
                    "qmp", socket.toString());
            assertEquals(1, r.exit(), "a bad line makes the exit status 1");
            assertTrue(r.out().startsWith("{\n  \"QMP\" : {"), r.out());
            assertTrue(r.out().contains("\"status\" : \"running\""), r.out());
            assertTrue(r.out().contains("\"id\" : 7"), r.out());
            assertEquals("vdm qmp: line 5: 'x' is not key=value\n", r.err());
        }
    }
}
