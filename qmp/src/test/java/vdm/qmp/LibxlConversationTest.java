package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vdm.Vdm;
import vdm.host.DefaultHost;
import vdm.host.WideHost;
import vdm.model.Preset;
import vdm.pci.Sbdf;
import vdm.qmp.model.LibxlSockets;
import vdm.qmp.model.Model;
import vdm.qmp.model.PassthroughCommands;
import vdm.toolstack.GuestEject;

/**
 * libxl's whole conversation with a guest's QEMU, replayed from libxl's source ({@link LibxlQmp}, {@link LibxlPciFlows})
 * against vdm's per-domain sockets ({@link LibxlSockets}): query-version, attach, detach with its poll, on the default
 * host and on a device of a second PCI segment; the poll's 1000 ms and 10 s scaled to 50 ms and 500 ms.
 */
class LibxlConversationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(50), TIMEOUT = Duration.ofMillis(500);
    private static final int SLOT = 5;

    /** vdm serve --libxl-dir: the main socket and the guests' sockets in one temporary directory. */
    static final class Harness implements AutoCloseable {
        final Path dir;
        final Model model;
        final QmpServer server;
        final LibxlSockets sockets;
        final Path main;

        Harness() throws IOException {
            dir = Files.createTempDirectory("vdm-libxl");
            model = new Model(null, Preset.UPSTREAM);
            CommandRegistry r = CommandRegistry.withCoreCommands();
            PassthroughCommands.register(r, model);
            main = dir.resolve("vdm-qmp.sock");
            server = QmpServer.start(r, QmpServer.Config.DEFAULTS, List.of(new Endpoint.Unix(main)));
            sockets = LibxlSockets.open(server, model, dir);
        }

        <T> T onModel(Supplier<T> work) {
            return CompletableFuture.supplyAsync(work, server.modelExecutor()).join();
        }

        /** One command on the main socket, on a connection of its own. */
        LibxlQmp.Reply main(String cmd, String args) throws IOException {
            try (LibxlQmp ev = new LibxlQmp(main)) {
                return ev.send(cmd, args == null ? null : (ObjectNode) JSON.readTree(args));
            }
        }

        int createGuest() throws IOException {
            LibxlQmp.Reply r = main("x-vdm-domain-create", null);
            assertTrue(r.ok(), () -> r.error().toString());
            return r.value().get("domid").intValue();
        }

        Path socket(int domid) {
            return sockets.path(domid);
        }

        @Override
        public void close() throws IOException {
            sockets.close();
            server.stop().join();
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    record HostCase(String name, Supplier<Vdm> vdm, Sbdf device) {
        @Override public String toString() { return name + " " + device; }
    }

    static List<HostCase> hosts() {
        return List.of(new HostCase("default", null, DefaultHost.NIC),
                new HostCase("wide", () -> Vdm.host(WideHost.description()).preset(Preset.UPSTREAM).build(), WideHost.SEGMENT1_NIC));
    }

    private static String line(String cmd, int id, String args) {
        return "{\"execute\":\"" + cmd + "\",\"id\":" + id + (args == null ? "" : ",\"arguments\":" + args) + "}\r\n";
    }

    private static void assertSocketFile(Path p) throws IOException {
        assertTrue(Files.exists(p, LinkOption.NOFOLLOW_LINKS), p + " exists");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
    }

    private static void assertAllCrlf(LibxlQmp ev) {
        for (String l : ev.received) assertTrue(l.endsWith("}\r\n"), () -> "libxl splits on CRLF: " + l);
    }

    @ParameterizedTest
    @MethodSource("hosts")
    void libxlAttachesSeesItsSlotAndDetachesAsItsSourceSays(HostCase host) throws IOException {
        try (Harness h = new Harness()) {
            if (host.vdm() != null) h.onModel(() -> { h.model.replace(host.vdm().get()); return null; });
            Sbdf dev = host.device();
            String id = LibxlPciFlows.qdevId(dev);
            assertTrue(h.main("x-vdm-assignable-add", "{\"hostaddr\":\"" + dev + "\"}").ok());
            int domid = h.createGuest();
            Path sock = h.socket(domid);
            assertSocketFile(sock);

            // libxl_disk.c's cdrom_insert: "query-version" to learn the version on a fresh connection
            LibxlQmp version = new LibxlQmp(sock);
            LibxlQmp.Reply v = version.send("query-version", null);
            version.dispose();
            assertTrue(v.ok());
            assertEquals(List.of(line("qmp_capabilities", LibxlQmp.FIRST_ID + 1, null), line("query-version", LibxlQmp.FIRST_ID, null)),
                    version.sent, "the command's id is taken before the greeting's negotiation");
            assertTrue(version.qemuVersion[0] >= 0, "the greeting's QMP.version.qemu has integers");
            assertAllCrlf(version);

            LibxlPciFlows.Attach a = LibxlPciFlows.add(sock, dev, SLOT << 3, false);
            assertEquals("0", a.rc(), () -> String.join("\n", a.log()) + a.ev().received);
            assertEquals(SLOT << 3, a.vdevfn(), "the guest slot libxl asked for, read from query-pci");
            String hostaddr = String.format("%04x:%02x:%02x.%x", dev.segment(), dev.bus(), dev.device(), dev.function());
            assertEquals(List.of(line("qmp_capabilities", LibxlQmp.FIRST_ID + 1, null),
                    line("device_add", LibxlQmp.FIRST_ID, "{\"driver\":\"xen-pci-passthrough\",\"id\":\"" + id + "\",\"hostaddr\":\""
                            + hostaddr + "\",\"addr\":\"5.0\"}"),
                    line("query-pci", LibxlQmp.FIRST_ID + 2, null)), a.ev().sent);
            assertEquals(1, a.ev().connections, "device_add and its query-pci share a connection");
            assertAllCrlf(a.ev());
            assertEquals(domid, h.onModel(() -> h.model.vdm().libxl().device(dev).guest().id()));

            LibxlPciFlows.Detach d = LibxlPciFlows.remove(sock, dev, POLL, TIMEOUT);
            assertEquals("0", d.rc(), () -> String.join("\n", d.log()));
            assertEquals(List.of(line("qmp_capabilities", LibxlQmp.FIRST_ID + 1, null),
                    line("device_del", LibxlQmp.FIRST_ID, "{\"id\":\"" + id + "\"}"),
                    line("query-pci", LibxlQmp.FIRST_ID + 2, null)), d.evs().getFirst().sent);
            assertEquals(List.of(), d.log());
            assertTrue(h.onModel(() -> h.model.vdm().libxl().device(dev) == null), "detached");
        }
    }

    @Test
    void aGuestThatNeverEjectsLeavesTheUnplugPendingAndLibxlTimesOut() throws IOException {
        try (Harness h = new Harness()) {
            Sbdf dev = DefaultHost.NIC;
            assertTrue(h.main("x-vdm-assignable-add", "{\"hostaddr\":\"" + dev + "\"}").ok());
            int domid = h.createGuest();
            assertTrue(h.main("x-vdm-guest-eject", "{\"domid\":" + domid + ",\"eject\":\"never\"}").ok());
            assertEquals("0", LibxlPciFlows.add(h.socket(domid), dev, SLOT << 3, false).rc());

            LibxlPciFlows.Detach d = LibxlPciFlows.remove(h.socket(domid), dev, POLL, TIMEOUT);
            assertEquals("ERROR_TIMEDOUT", d.rc());
            assertEquals(List.of("libxl: warning: timed out waiting for DM to remove pci-pt-00_03.0"), d.log());
            assertTrue(d.polls() >= 2, "polled " + d.polls() + " times");
            assertEquals(d.polls(), d.evs().size(), "the first poll on device_del's connection, each later one on a fresh one");
            for (LibxlQmp ev : d.evs().subList(1, d.evs().size())) {
                assertEquals(List.of(line("qmp_capabilities", LibxlQmp.FIRST_ID + 1, null), line("query-pci", LibxlQmp.FIRST_ID, null)), ev.sent);
            }

            JsonNode guest = guest(h, domid);
            assertEquals("never", guest.get("guest-eject").asText());
            assertEquals("[\"pci-pt-00_03.0\"]", guest.get("unplug-pending").toString());
            try (LibxlQmp ev = new LibxlQmp(h.socket(domid))) {
                LibxlQmp.Reply again = ev.send("device_del", JsonNodeFactory.instance.objectNode().put("id", "pci-pt-00_03.0"));
                assertEquals("Device pci-pt-00_03.0 is already in the process of unplug", again.error().get("desc").asText());
            }
            assertTrue(h.main("x-vdm-domain-destroy", "{\"domid\":" + domid + "}").ok());
            assertFalse(Files.exists(h.socket(domid), LinkOption.NOFOLLOW_LINKS), "the socket went with the domain");
            assertTrue(h.onModel(() -> h.model.vdm().libxl().hotplug().pending(domid).isEmpty()));
        }
    }

    @Test
    void aGuestThatEjectsLateIsWaitedForWithinTheTimeout() throws IOException {
        try (Harness h = new Harness()) {
            Sbdf dev = DefaultHost.NIC;
            assertTrue(h.main("x-vdm-assignable-add", "{\"hostaddr\":\"" + dev + "\"}").ok());
            int domid = h.createGuest();
            h.onModel(() -> { h.model.vdm().libxl().hotplug().policy(domid, GuestEject.after(Duration.ofMillis(120))); return null; });
            assertEquals("0", LibxlPciFlows.add(h.socket(domid), dev, SLOT << 3, false).rc());
            long t0 = System.nanoTime();
            // libxl's own 10 s bound, so that a loaded machine cannot turn the late eject into a timeout
            LibxlPciFlows.Detach d = LibxlPciFlows.remove(h.socket(domid), dev, POLL, Duration.ofSeconds(10));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("0", d.rc(), () -> String.join("\n", d.log()) + " after " + ms + " ms, " + d.polls() + " polls; pending "
                    + h.onModel(() -> h.model.vdm().libxl().hotplug().pending(domid)));
            assertTrue(d.polls() >= 2, "the device was still there at the first poll: " + d.polls());
        }
    }

    private static JsonNode guest(Harness h, int domid) throws IOException {
        for (JsonNode d : h.main("x-vdm-domain-list", null).value()) if (d.get("domid").intValue() == domid) return d;
        throw new AssertionError("no d" + domid);
    }

    @Test
    void socketsComeAndGoWithGuestsOverQmpFromJavaAndWhenTheModelIsReplaced() throws IOException {
        try (Harness h = new Harness()) {
            int overQmp = h.createGuest();
            assertSocketFile(h.socket(overQmp));
            int fromJava = h.onModel(() -> h.model.vdm().libxl().domainCreate(1));
            assertSocketFile(h.socket(fromJava));
            assertEquals(List.of(overQmp, fromJava), h.sockets.domains());
            assertFalse(Files.exists(h.dir.resolve(LibxlSockets.PREFIX + "0")), "dom0 has no device model socket");

            assertEquals(0, (int) h.onModel(() -> h.model.vdm().libxl().domainDestroy(fromJava)));
            assertFalse(Files.exists(h.socket(fromJava), LinkOption.NOFOLLOW_LINKS));
            assertTrue(h.main("x-vdm-domain-destroy", "{\"domid\":" + overQmp + "}").ok());
            assertFalse(Files.exists(h.socket(overQmp), LinkOption.NOFOLLOW_LINKS));

            int old = h.createGuest();
            Vdm loaded = Vdm.defaultHost().preset(Preset.UPSTREAM).build();
            int fresh = loaded.libxl().domainCreate(1);
            fresh = loaded.libxl().domainCreate(1); // two guests in the loaded model: its d2 has no socket in the old one
            int second = fresh;
            h.onModel(() -> { h.model.replace(loaded); return null; });
            assertEquals(List.of(second - 1, second), h.sockets.domains(), "the loaded model's guests, not the old one's");
            assertSocketFile(h.socket(second));
            if (old != second - 1 && old != second) assertFalse(Files.exists(h.socket(old), LinkOption.NOFOLLOW_LINKS));
            int after = h.createGuest();
            assertSocketFile(h.socket(after));
            assertTrue(h.main("x-vdm-preset-set", "{\"preset\":\"broken\"}").ok(), "a reboot");
            assertEquals(List.of(), h.sockets.domains(), "a rebooted model has no guests yet");
            assertFalse(Files.exists(h.socket(after), LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void aGuestsSocketSpeaksXenPtsPropertiesAndKnowsOnlyItsGuest() throws IOException {
        try (Harness h = new Harness()) {
            assertTrue(h.main("x-vdm-assignable-add", "{\"hostaddr\":\"0000:00:03.0\"}").ok());
            assertTrue(h.main("x-vdm-assignable-add", "{\"hostaddr\":\"0000:01:00.0\"}").ok());
            int a = h.createGuest(), b = h.createGuest();
            try (LibxlQmp ev = new LibxlQmp(h.socket(a))) {
                LibxlQmp.Reply r = ev.send("device_add", obj("{\"driver\":\"xen-pci-passthrough\",\"id\":\"x\",\"hostaddr\":\"0000:00:03.0\",\"domain\":" + a + "}"));
                assertEquals("Property 'xen-pci-passthrough.domain' not found", r.error().get("desc").asText());
                r = ev.send("device_add", obj("{\"driver\":\"xen-pci-passthrough\",\"id\":\"x\",\"hostaddr\":\"0000:00:03.0\",\"addr\":\"20\"}"));
                assertEquals("Property 'xen-pci-passthrough.addr' doesn't take value '20'", r.error().get("desc").asText());
                r = ev.send("device_add", obj("{\"driver\":\"xen-pci-passthrough\",\"id\":\"x\",\"hostaddr\":\"0000:00:03.0\",\"addr\":\"2.0\"}"));
                assertEquals("PCI: slot 2 function 0 not available for xen-pci-passthrough, in use by cirrus-vga,id=(null)", r.error().get("desc").asText());
                r = ev.send("quit", null);
                assertEquals("CommandNotFound", r.error().get("class").asText(), "one guest's QEMU cannot stop vdm");
                LibxlQmp.Reply added = ev.send("device_add", obj("{\"driver\":\"xen-pci-passthrough\",\"id\":\"pci-pt-00_03.0\",\"hostaddr\":\"0000:00:03.0\",\"addr\":\"6.0\",\"permissive\":true}"));
                assertTrue(added.ok(), () -> added.error().toString());
            }
            assertTrue(h.onModel(() -> h.model.vdm().libxl().device(DefaultHost.NIC).permissive()), "permissive reached xen_pt");
            assertEquals(6, (int) h.onModel(() -> h.model.vdm().libxl().device(DefaultHost.NIC).guestSlot()));
            try (LibxlQmp ev = new LibxlQmp(h.socket(b))) {
                LibxlQmp.Reply r = ev.send("device_del", obj("{\"id\":\"pci-pt-00_03.0\"}"));
                assertEquals("DeviceNotFound", r.error().get("class").asText(), "d" + a + "'s device is not in d" + b + "'s QEMU");
                r = ev.send("query-pci", null);
                assertFalse(r.value().toString().contains("pci-pt-00_03.0"), "d" + b + "'s bus");
                assertTrue(ev.send("device_add", obj("{\"driver\":\"xen-pci-passthrough\",\"id\":\"pci-pt-01_00.0\",\"hostaddr\":\"0000:01:00.0\"}")).ok());
                r = ev.send("query-pci", null);
                JsonNode added = null;
                for (JsonNode dev : r.value().get(0).get("devices")) if (dev.get("qdev_id").asText().equals("pci-pt-01_00.0")) added = dev;
                assertEquals(List.of(4, 0), List.of(added.get("slot").intValue(), added.get("function").intValue()),
                        "the first free slot after the xenfv machine's 0-3: " + r.value());
            }
            assertTrue(h.onModel(() -> !h.model.vdm().libxl().device(Sbdf.parse("0000:01:00.0")).permissive()), "permissive only when asked");
        }
    }

    @Test
    void deviceDeletedFollowsTheReplyOnTheAskingConnectionAndReachesTheMainSocket() throws IOException {
        try (Harness h = new Harness()) {
            assertTrue(h.main("x-vdm-assignable-add", "{\"hostaddr\":\"0000:00:03.0\"}").ok());
            int domid = h.createGuest();
            assertEquals("0", LibxlPciFlows.add(h.socket(domid), DefaultHost.NIC, SLOT << 3, false).rc());
            try (TestServer.Conn mainConn = TestServer.Conn.open(new Endpoint.Unix(h.main));
                 TestServer.Conn dm = TestServer.Conn.open(new Endpoint.Unix(h.socket(domid)))) {
                mainConn.negotiate();
                dm.negotiate();
                assertEquals("{\"return\": {}}", dm.ask("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"pci-pt-00_03.0\"}}"));
                assertTrue(dm.line().contains("\"event\": \"DEVICE_DELETED\""), "the event after the reply");
                String onMain = mainConn.line();
                assertTrue(onMain.contains("\"event\": \"DEVICE_DELETED\"") && onMain.contains("pci-pt-00_03.0"), onMain);
                assertTrue(mainConn.ask("{\"execute\": \"query-status\"}").startsWith("{\"return\""), "one event on the main socket");
                assertTrue(dm.ask("{\"execute\": \"query-status\"}").startsWith("{\"return\""), "one event on the guest's socket");
            }
        }
    }

    @Test
    void theMainSocketTakesAddrAsQemuDoesToo() throws IOException {
        try (Harness h = new Harness()) {
            assertTrue(h.main("x-vdm-assignable-add", "{\"hostaddr\":\"0000:00:03.0\"}").ok());
            int domid = h.createGuest();
            LibxlQmp.Reply bad = h.main("device_add", "{\"driver\":\"xen-pci-passthrough\",\"hostaddr\":\"0000:00:03.0\",\"domain\":" + domid + ",\"addr\":\"zz\"}");
            assertEquals("Property 'xen-pci-passthrough.addr' doesn't take value 'zz'", bad.error().get("desc").asText());
            assertTrue(h.main("device_add", "{\"driver\":\"xen-pci-passthrough\",\"hostaddr\":\"0000:00:03.0\",\"domain\":" + domid + ",\"addr\":10}").ok());
            assertEquals(0x10, (int) h.onModel(() -> h.model.vdm().libxl().device(DefaultHost.NIC).guestSlot()), "QEMU reads 10 as hex");
        }
    }

    @Test
    void anUnplugCompletesWhenTheClientClosesWithoutReadingItsReply() throws IOException {
        try (Harness h = new Harness()) {
            assertTrue(h.main("x-vdm-assignable-add", "{\"hostaddr\":\"0000:00:03.0\"}").ok());
            int domid = h.createGuest();
            assertEquals("0", LibxlPciFlows.add(h.socket(domid), DefaultHost.NIC, SLOT << 3, false).rc());
            try (TestServer.Conn dm = TestServer.Conn.open(new Endpoint.Unix(h.socket(domid)))) {
                dm.send("{\"execute\": \"qmp_capabilities\"}\n{\"execute\": \"device_del\", \"arguments\": {\"id\": \"pci-pt-00_03.0\"}}\n");
            }
            TestServer.await("the detach", () -> h.onModel(() -> h.model.vdm().libxl().device(DefaultHost.NIC) == null));
        }
    }

    private static ObjectNode obj(String json) throws IOException {
        return (ObjectNode) JSON.readTree(json);
    }
}
