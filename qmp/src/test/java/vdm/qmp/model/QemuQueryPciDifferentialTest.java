package vdm.qmp.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vdm.Vdm;
import vdm.testkit.QemuVersion;

/**
 * A guest's query-pci against the real QEMU 7.2: a paused {@code pc} machine with Cirrus VGA has the xenfv machine's
 * emulated functions at the same slots (i440FX, PIIX3, its IDE, PIIX4 ACPI, cirrus-vga), and every one of them must
 * come back from {@link QueryPci#guest} member for member, member sets included. The xen-platform device at 03.0
 * needs Xen, so QEMU has no slot 3 and vdm has only that more. QEMU must be installed: a missing one fails the test.
 */
class QemuQueryPciDifferentialTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Process qemu;
    private static Path dir;
    private static JsonNode fromQemu;

    @BeforeAll
    static void askQemu() throws Exception {
        QemuVersion.requireInstalled(QemuVersion.BOOKWORM);
        dir = Files.createTempDirectory("vdm-query-pci");
        Path socket = dir.resolve("qemu.sock");
        qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "pc", "-accel", "tcg", "-S", "-nodefaults", "-vga", "cirrus",
                "-display", "none", "-qmp", "unix:" + socket + ",server=on,wait=off")
                .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(socket) && qemu.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        if (!Files.exists(socket)) fail("QEMU's QMP socket did not appear: " + Files.readString(dir.resolve("qemu.log")));
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            in.readLine();
            ch.write(ByteBuffer.wrap("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-pci\"}\n".getBytes(StandardCharsets.UTF_8)));
            in.readLine();
            fromQemu = JSON.readTree(in.readLine()).get("return");
        }
    }

    @AfterAll
    static void stopQemu() throws Exception {
        if (qemu != null) {
            qemu.destroy();
            if (!qemu.waitFor(10, TimeUnit.SECONDS)) qemu.destroyForcibly();
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    /** As a client reads it off the socket (numbers compare by value, not by the Java type that held them). */
    static JsonNode wire(JsonNode n) {
        try {
            return JSON.readTree(n.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A bus's devices by "slot.function". */
    private static Map<String, JsonNode> bySlot(JsonNode devices) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode d : devices) out.put(d.get("slot").asInt() + "." + d.get("function").asInt(), d);
        return out;
    }

    @Test
    void theEmulatedFunctionsAnswerAsQemuDoesMemberForMember() {
        Vdm vdm = Vdm.defaultHost().build();
        int domid = vdm.libxl().domainCreate(1);
        JsonNode guest = wire(QueryPci.guest(vdm, domid));
        assertEquals(1, fromQemu.size(), "QEMU's pc machine has one root bus");
        assertEquals(1, guest.size());
        assertEquals(fromQemu.get(0).get("bus"), guest.get(0).get("bus"));
        Map<String, JsonNode> qemuDevices = bySlot(fromQemu.get(0).get("devices"));
        Map<String, JsonNode> vdmDevices = bySlot(guest.get(0).get("devices"));
        assertEquals(java.util.Set.of("0.0", "1.0", "1.1", "1.3", "2.0"), qemuDevices.keySet(), "QEMU's own bus, as this test expects it");
        JsonNode platform = vdmDevices.remove("3.0");
        assertEquals(qemuDevices.keySet(), vdmDevices.keySet(), "the same functions at the same slots, besides xen-platform");
        for (var e : qemuDevices.entrySet()) assertEquals(e.getValue(), vdmDevices.get(e.getKey()), "function " + e.getKey());
        assertTrue(platform != null, "xen-platform at 03.0");
    }

    @Test
    void xenPlatformHasItsIdentityFromXenPlatformC() throws IOException {
        Vdm vdm = Vdm.defaultHost().build();
        JsonNode platform = bySlot(wire(QueryPci.guest(vdm, vdm.libxl().domainCreate(1))).get(0).get("devices")).get("3.0");
        // xen_platform_class_init and xen_platform_realize (hw/i386/xen/xen_platform.c), class 0xff80 has no desc
        JsonNode expected = JSON.readTree("""
                {"bus":0,"slot":3,"function":0,"class_info":{"class":65408},
                 "id":{"vendor":22611,"device":1,"subsystem":1,"subsystem-vendor":22611},"irq_pin":1,"irq":0,"qdev_id":"",
                 "regions":[{"bar":0,"type":"io","address":-1,"size":256},
                            {"bar":1,"type":"memory","address":-1,"size":16777216,"prefetch":true,"mem_type_64":false}]}""");
        assertEquals(expected, platform);
    }
}
