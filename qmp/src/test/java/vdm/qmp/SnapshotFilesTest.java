package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vdm.model.Preset;
import vdm.qmp.model.Model;
import vdm.qmp.model.PassthroughCommands;
import vdm.toolstack.GuestEject;

/**
 * Issue 16: snapshot files only inside {@code --state-dir} (no link or ".." out of it, regular files only, at most
 * 4 MiB), file I/O off the model thread (a FIFO holds no other command), errors that quote no file content; and an
 * unplug accepted before a snapshot load is cancelled with the model it belonged to.
 */
class SnapshotFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private record Served(TestServer server, Model model) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static Served start(Path stateDir) throws IOException {
        CommandRegistry registry = CommandRegistry.withCoreCommands();
        Model model = new Model(null, Preset.UPSTREAM);
        model.stateDir(stateDir);
        PassthroughCommands.register(registry, model);
        return new Served(TestServer.start(registry, QmpServer.Config.DEFAULTS, false), model);
    }

    private static JsonNode ask(TestServer.Conn c, String json) throws IOException {
        return JSON.readTree(c.ask(json));
    }

    private static String save(String file) {
        return "{\"execute\": \"x-vdm-snapshot-save\", \"arguments\": {\"file\": " + JSON.valueToTree(file) + "}}";
    }

    private static String load(String file) {
        return "{\"execute\": \"x-vdm-snapshot-load\", \"arguments\": {\"file\": " + JSON.valueToTree(file) + "}}";
    }

    private static String error(JsonNode reply) {
        assertTrue(reply.has("error"), "expected an error: " + reply);
        assertEquals("GenericError", reply.get("error").get("class").asText());
        return reply.get("error").get("desc").asText();
    }

    @Test
    void aFileInsideTheStateDirIsSavedAndLoaded() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("state"));
        try (Served s = start(dir); TestServer.Conn c = s.server().negotiated()) {
            ask(c, "{\"execute\": \"x-vdm-domain-create\"}");
            assertEquals("{\"return\":{}}", ask(c, save("one.json")).toString());
            Files.createDirectory(dir.resolve("sub"));
            assertEquals("{\"return\":{}}", ask(c, save("sub/two.json")).toString());
            assertEquals("{\"return\":{}}", ask(c, save(dir.resolve("three.json").toString())).toString(), "an absolute path inside DIR");
            assertTrue(Files.readString(dir.resolve("one.json")).contains("\"vdm-snapshot\""));
            ask(c, "{\"execute\": \"x-vdm-domain-create\"}");
            assertEquals("{\"return\":{}}", ask(c, load("one.json")).toString());
            assertEquals(2, ask(c, "{\"execute\": \"x-vdm-domain-list\"}").get("return").size(), "dom0 and the one guest saved");
            assertEquals("{\"return\":{}}", ask(c, load("sub/two.json")).toString());
            try (var files = Files.list(dir)) {
                assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file is left");
            }
        }
    }

    @Test
    void withoutAStateDirFileArgumentsAreRefusedSayingWhy() throws IOException {
        try (Served s = start(null); TestServer.Conn c = s.server().negotiated()) {
            Path target = tmp.resolve("x.json");
            String why = "file arguments are disabled: vdm serve was started without --state-dir";
            assertTrue(error(ask(c, save(target.toString()))).startsWith(why));
            assertFalse(Files.exists(target));
            assertTrue(error(ask(c, load("/etc/passwd"))).startsWith(why));
        }
    }

    @Test
    void nothingOutsideTheStateDirIsReachedByDotDotAbsolutePathsOrLinks() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("state"));
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path secret = Files.writeString(outside.resolve("secret.json"), "root:$6$hash:19000:0:99999:7:::\n");
        Files.createSymbolicLink(dir.resolve("link.json"), secret);
        Files.createSymbolicLink(dir.resolve("out"), outside);
        Files.createSymbolicLink(dir.resolve("dangling.json"), outside.resolve("new.json"));
        try (Served s = start(dir); TestServer.Conn c = s.server().negotiated()) {
            for (String name : new String[] {"../outside/secret.json", "sub/../../outside/secret.json", secret.toString(), "/etc/passwd", "link.json",
                    "out/secret.json", ""}) {
                String e = error(ask(c, load(name)));
                assertFalse(e.contains("root") || e.contains("hash"), name + ": the error quotes the file: " + e);
                assertTrue(e.startsWith("'" + name + "': "), e);
            }
            assertTrue(error(ask(c, load("../outside/secret.json"))).contains("'..' may not be used"));
            assertTrue(error(ask(c, load("/etc/passwd"))).contains("it is not a file inside the state directory"));
            assertTrue(error(ask(c, load("link.json"))).contains("link.json is a symbolic link"));
            assertTrue(error(ask(c, load("out/secret.json"))).contains("out is a symbolic link"));
            // a save neither follows a link nor writes outside
            assertTrue(error(ask(c, save("dangling.json"))).contains("is a symbolic link"));
            assertTrue(error(ask(c, save("out/new.json"))).contains("is a symbolic link"));
            assertTrue(error(ask(c, save("../outside/new.json"))).contains("'..' may not be used"));
            assertFalse(Files.exists(outside.resolve("new.json")));
            assertEquals("root:$6$hash:19000:0:99999:7:::\n", Files.readString(secret));
        }
    }

    @Test
    void onlyRegularFilesOfAtMostFourMibAreReadAndNoneIsQuoted() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("state"));
        Files.writeString(dir.resolve("shadow.json"), "root:$6$hash:19000:0:99999:7:::\n");
        Files.createDirectory(dir.resolve("adir"));
        byte[] big = new byte[(4 << 20) + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        Files.write(dir.resolve("big.json"), big);
        Path fifo = dir.resolve("fifo.json");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        try (Served s = start(dir); TestServer.Conn c = s.server().negotiated()) {
            String e = error(ask(c, load("shadow.json")));
            assertTrue(e.contains("corrupt snapshot: not one JSON document (line 1, column"), e);
            assertFalse(e.contains("root") || e.contains("hash"), e);
            assertTrue(error(ask(c, load("adir"))).contains("it is a directory"));
            assertTrue(error(ask(c, load("big.json"))).contains("it has 4194305 bytes, more than the 4194304 a snapshot may have"));
            assertTrue(error(ask(c, load("fifo.json"))).contains("it is not a regular file"));
            assertTrue(error(ask(c, save("fifo.json"))).contains("it is not a regular file"));
            assertTrue(error(ask(c, save("adir"))).contains("it is a directory"));
            assertTrue(error(ask(c, load("missing.json"))).contains("No such file or directory"));
        }
        // /dev/zero and other devices: refused before a byte is read, even through an absolute path in a state dir of /dev
        try (Served s = start(Path.of("/dev")); TestServer.Conn c = s.server().negotiated()) {
            assertTrue(error(ask(c, load("zero"))).contains("it is not a regular file"));
            assertTrue(error(ask(c, load("/dev/zero"))).contains("it is not a regular file"));
        }
    }

    @Test
    void aSlowFileHoldsNoOtherClientsModelCommand() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("state"));
        try (Served s = start(dir); TestServer.Conn a = s.server().negotiated(); TestServer.Conn b = s.server().negotiated()) {
            // a big but valid read: the document is parsed off the model thread; meanwhile b's model commands answer
            assertEquals("{\"return\":{}}", ask(a, save("doc.json")).toString());
            a.send(load("doc.json") + "\n");
            for (int i = 0; i < 20; i++) assertTrue(ask(b, "{\"execute\": \"x-vdm-domain-list\"}").has("return"));
            assertEquals("{\"return\":{}}", JSON.readTree(a.line()).toString());
        }
    }

    @Test
    void anUnplugPendingInAReplacedModelIsCancelledWithIt() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("state"));
        try (Served s = start(dir); TestServer.Conn c = s.server().negotiated()) {
            ask(c, "{\"execute\": \"x-vdm-assignable-add\", \"arguments\": {\"hostaddr\": \"0000:00:03.0\"}}");
            assertEquals(1, ask(c, "{\"execute\": \"x-vdm-domain-create\"}").get("return").get("domid").asInt());
            assertEquals("{\"return\":{}}", ask(c, "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"xen-pci-passthrough\", \"id\": \"nic0\", "
                    + "\"hostaddr\": \"0000:00:03.0\", \"domain\": 1}}").toString());
            assertEquals("{\"return\":{}}", ask(c, save("attached.json")).toString());
            // the guest ejects 2 s after the request: the load comes first
            CompletableFuture.runAsync(() -> s.model().vdm().libxl().hotplug().policy(1, GuestEject.after(Duration.ofMillis(2000))),
                    s.server().server.modelExecutor()).get(5, TimeUnit.SECONDS);
            assertEquals("{\"return\":{}}", ask(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"nic0\"}}").toString());
            assertEquals("{\"return\":{}}", ask(c, load("attached.json")).toString());
            Thread.sleep(2500);
            // the next line is the query's reply, not a DEVICE_DELETED for the loaded model's nic0, which is still there
            JsonNode list = ask(c, "{\"execute\": \"x-vdm-domain-list\"}");
            assertTrue(list.has("return"), "no event came first: " + list);
            assertEquals(1, list.get("return").get(1).get("devices").size(), "the loaded model keeps its device: " + list);
            // and the loaded model has no unplug pending: a new request is accepted and completes
            assertEquals("{\"return\":{}}", ask(c, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"nic0\"}}").toString());
            assertEquals("DEVICE_DELETED", JSON.readTree(c.line()).get("event").asText());
        }
    }
}
