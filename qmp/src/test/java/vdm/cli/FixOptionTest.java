package vdm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vdm.model.Fix;
import vdm.qmp.Endpoint;
import vdm.qmp.QmpLineClient;

/** {@code --fix NAME=on|off} and {@code --list-fixes} on scenario, explore and serve. */
class FixOptionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void scenarioUnderUpstreamWithTheResetNotificationOffFailsAtAssignableAdd() {
        // upstream alone passes every step (ScenarioCommandTest); with fix A off pciback's restore after the FLR meets
        // vPCI's stale cache: the stale-vpci-cache failure
        Cli r = Cli.run("scenario", "--preset", "upstream", "--fix", "reset-notification=off", "--device", "0000:00:03.0");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("vdm scenario: upstream + reset-notification=off (PVH dom0)"), r.out());
        assertTrue(r.out().contains("fixes: A reset-notification=off B pvh-map-pirq=on"), "the boot step shows the switch: " + r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("FAIL  pci-assignable-add")), r.out());
    }

    @Test
    void settingsApplyInTheOrderGiven() {
        Cli r = Cli.run("scenario", "--preset", "upstream", "--fix", "reset-notification=off", "--fix", "reset-notification=on",
                "--device", "0000:00:03.0");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("fixes: A reset-notification=on"), r.out());
    }

    @Test
    void aBadSettingIsPicocliUsageErrorNamingIt() {
        Cli name = Cli.run("scenario", "--fix", "warp-drive=on");
        assertEquals(2, name.exit());
        assertTrue(name.err().startsWith("Invalid value for option '--fix' (NAME=on|off): unknown fix 'warp-drive'; known: reset-notification, "),
                name.err());
        assertTrue(name.err().contains("Usage: vdm scenario"), name.err());
        Cli value = Cli.run("explore", "--fix", "pvh-map-pirq=maybe");
        assertEquals(2, value.exit());
        assertTrue(value.err().startsWith("Invalid value for option '--fix' (NAME=on|off): fix 'pvh-map-pirq' takes on or off, not 'maybe'"),
                value.err());
        Cli form = Cli.run("serve", "--fix", "setup-gsi");
        assertEquals(2, form.exit());
        assertTrue(form.err().startsWith("Invalid value for option '--fix' (NAME=on|off): --fix takes NAME=on|off, not 'setup-gsi'"), form.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"scenario", "explore", "serve"})
    void listFixesPrintsTheTableAndExitsZero(String command) {
        Cli r = Cli.run(command, "--list-fixes");
        assertEquals(0, r.exit(), r.err());
        assertEquals(Fix.table(), r.out());
        for (Fix f : Fix.values()) assertTrue(r.out().contains(f.label()) && r.out().contains(f.source()), r.out());
    }

    @Test
    void exploreWithAFixOffFindsItsFailureAndTheScenarioFileCarriesTheSetting(@TempDir Path dir) throws Exception {
        Cli r = Cli.run("explore", "--preset", "upstream", "--fix", "pvh-map-pirq=off", "--device", "0000:00:03.0",
                "--ops", "assign,attach", "--depth", "2", "--out", dir.toString(), "--quiet");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("vdm explore: upstream + pvh-map-pirq=off, PVH dom0, device 0000:00:03.0"), r.out());
        assertTrue(r.out().contains("  fixes: A reset-notification=on B pvh-map-pirq=off"), r.out());
        assertTrue(r.out().contains("Function not implemented"), r.out());
        Path file;
        try (var files = Files.list(dir)) {
            file = files.filter(p -> read(p).contains("\"ops\": [\"assign\", \"attach\"]")).findFirst().orElseThrow();
        }
        assertTrue(read(file).contains("\"preset\": \"upstream\", \"fixes\": [\"pvh-map-pirq=off\"]"), read(file));
        // upstream alone lets map_pirq through: the replay fails only because the file's setting is applied
        Cli replay = Cli.run("explore", "--replay", file.toString());
        assertEquals(1, replay.exit(), replay.out());
        assertTrue(replay.out().contains("upstream + pvh-map-pirq=off"), replay.out());
        assertTrue(replay.out().contains("Function not implemented"), replay.out());
        Cli back = Cli.run("explore", "--replay", file.toString(), "--fix", "pvh-map-pirq=on");
        assertEquals(0, back.exit(), "the command line's --fix applies after the file's: " + back.out());
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void serveWithFixesAnswersThemInFixesGetOverLoopback() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String address = "tcp:127.0.0.1:" + port;
        CompletableFuture<Cli> run = CompletableFuture.supplyAsync(() -> Cli.run("serve", "--preset", "upstream",
                "--fix", "setup-gsi=off", "--fix", "msix-adjacent=off", "--fix", "gsi-lookup=sysfs-gsi", "--qmp", address));
        QmpLineClient c = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (c == null && !run.isDone() && System.nanoTime() < deadline) {
            try {
                c = QmpLineClient.connect(new Endpoint.Tcp("127.0.0.1", port));
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        assertTrue(c != null, () -> "serve did not listen; it said " + run.getNow(null));
        try (QmpLineClient qmp = c) {
            assertTrue(qmp.readLine(Duration.ofSeconds(10)).startsWith("{\"QMP\""));
            qmp.send("{\"execute\": \"qmp_capabilities\"}\n{\"execute\": \"x-vdm-fixes-get\"}\n{\"execute\": \"quit\"}\n");
            assertEquals("{\"return\": {}}", qmp.readLine(Duration.ofSeconds(10)));
            JsonNode fixes = JSON.readTree(qmp.readLine(Duration.ofSeconds(10))).get("return");
            assertEquals("upstream", fixes.get("preset").asText());
            assertEquals(false, fixes.get("setup-gsi").asBoolean());
            assertEquals(false, fixes.get("msix-adjacent").asBoolean());
            assertEquals("sysfs-gsi", fixes.get("gsi-lookup").asText());
            assertEquals(true, fixes.get("reset-notification").asBoolean());
            assertEquals(true, fixes.get("pvh-map-pirq").asBoolean());
            for (Fix f : Fix.values()) assertTrue(fixes.has(f.label()), f.label() + " missing from " + fixes);
            assertEquals(Fix.values().length + 1, fixes.size(), fixes.toString());
        }
        Cli r = run.get(20, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.err());
        assertEquals("vdm: QMP listening on " + address + "\n", r.out());
    }
}
