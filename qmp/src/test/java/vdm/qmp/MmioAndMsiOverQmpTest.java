package vdm.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import vdm.model.Preset;
import vdm.qmp.model.Model;
import vdm.qmp.model.PassthroughCommands;

/**
 * x-vdm-mmio-read/-write, x-vdm-msi-fire and x-vdm-query-msi over a real server on TCP loopback, on WideHost
 * (docs/examples/wide-host.json): its e1000e at 00:02.0 has MSI (at 0xd0) and MSI-X (5 entries, table and PBA in
 * BAR3), its gpu at 01:00.0 MSI with per-vector masking (at 0x68) and MSI-X, its nvme at 02:00.0 MSI-X only (65 entries in
 * BAR0), and its e1000 on segment 1 neither. Register offsets and bits are PCI 3.0 6.8 (Linux's pci_regs.h).
 */
class MmioAndMsiOverQmpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String E1000E = "0000:00:02.0", GPU = "0000:01:00.0", NVME = "0000:02:00.0", SEGMENT1_E1000 = "0001:00:02.0";

    static Path wideHost() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("docs/examples/wide-host.json"))) return p.resolve("docs/examples/wide-host.json");
        }
        throw new AssertionError("docs/examples/wide-host.json not found above " + Path.of("").toAbsolutePath());
    }

    static TestServer start() throws IOException {
        return start(wideHost());
    }

    static TestServer start(Path host) throws IOException {
        CommandRegistry registry = CommandRegistry.withCoreCommands();
        PassthroughCommands.register(registry, new Model(host, Preset.UPSTREAM));
        return TestServer.start(registry, QmpServer.Config.DEFAULTS, true);
    }

    static TestServer.Conn loopback(TestServer s) throws IOException {
        TestServer.Conn c = TestServer.Conn.open(s.tcp());
        c.negotiate();
        return c;
    }

    static JsonNode ask(TestServer.Conn c, String command, String arguments) throws IOException {
        return JSON.readTree(c.ask("{\"execute\": \"" + command + "\", \"arguments\": {" + arguments + "}}"));
    }

    static String error(TestServer.Conn c, String command, String arguments) throws IOException {
        JsonNode r = ask(c, command, arguments);
        assertTrue(r.has("error"), command + " " + arguments + " should fail: " + r);
        assertEquals("GenericError", r.get("error").get("class").asText(), r.toString());
        return r.get("error").get("desc").asText();
    }

    static long configRead(TestServer.Conn c, String hostaddr, int offset, int size) throws IOException {
        return ask(c, "x-vdm-config-read", "\"hostaddr\": \"" + hostaddr + "\", \"offset\": " + offset + ", \"size\": " + size)
                .get("return").get("value").asLong();
    }

    static void configWrite(TestServer.Conn c, String hostaddr, int offset, int size, long value) throws IOException {
        JsonNode r = ask(c, "x-vdm-config-write", "\"hostaddr\": \"" + hostaddr + "\", \"offset\": " + offset + ", \"size\": " + size
                + ", \"value\": " + value);
        assertTrue(r.has("return"), r.toString());
    }

    @Test
    void mmioAccessesWithABadViewSizeAlignmentOrValueAreRefusedBeforeAnythingIsReached() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            assertEquals("Parameter 'view' does not accept value 'bus'", error(c, "x-vdm-mmio-read", "\"view\": \"bus\", \"address\": 0, \"size\": 4"));
            assertEquals("Parameter 'size' expects 1, 2, 4 or 8, not 3", error(c, "x-vdm-mmio-read", "\"view\": \"hardware\", \"address\": 0, \"size\": 3"));
            assertEquals("Parameter 'size' expects 1, 2, 4 or 8, not 16", error(c, "x-vdm-mmio-write", "\"view\": \"dom0\", \"address\": 0, \"size\": 16, \"value\": 0"));
            // Xen splits an access at a page boundary (hvmemul_linear_read/write): one QMP access stays in one page.
            assertEquals("access at 0xfe000ffe (size 4) crosses a 4 KiB page boundary: a CPU's access is split there in two, so make two",
                    error(c, "x-vdm-mmio-read", "\"view\": \"dom0\", \"address\": 4261416958, \"size\": 4"));
            assertEquals("access at 0xfe000ffc (size 8) crosses a 4 KiB page boundary: a CPU's access is split there in two, so make two",
                    error(c, "x-vdm-mmio-write", "\"view\": \"hardware\", \"address\": 4261416956, \"size\": 8, \"value\": 0"));
            assertEquals("Parameter 'value' 0x100 does not fit in 1 byte",
                    error(c, "x-vdm-mmio-write", "\"view\": \"hardware\", \"address\": 0, \"size\": 1, \"value\": 256"));
            assertEquals("Parameter 'value' 0x100000000 does not fit in 4 bytes",
                    error(c, "x-vdm-mmio-write", "\"view\": \"dom0\", \"address\": 0, \"size\": 4, \"value\": 4294967296"));
            assertEquals("Parameter 'address' is missing", error(c, "x-vdm-mmio-read", "\"view\": \"hardware\", \"size\": 4"));
            assertEquals("Parameter 'value' is missing", error(c, "x-vdm-mmio-write", "\"view\": \"hardware\", \"address\": 0, \"size\": 4"));
        }
    }

    /** QEMU 7.2's uint64 (qobject_input_type_uint64), as its migrate-set-parameters max-bandwidth answers. */
    @Test
    void addressesAndValuesAreQapiUint64s() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            for (String bad : new String[] {"\"x\"", "1.5", "18446744073709551616", "true"}) {
                assertEquals("Parameter 'address' expects uint64", error(c, "x-vdm-mmio-read", "\"view\": \"dom0\", \"address\": " + bad + ", \"size\": 1"));
            }
            assertEquals("Parameter 'value' expects uint64",
                    error(c, "x-vdm-mmio-write", "\"view\": \"dom0\", \"address\": 0, \"size\": 8, \"value\": -18446744073709551615"));
            // 2^64-2 and -2 are the same uint64: both run past the last page for size 4, at the same address.
            String top = "access at 0xfffffffffffffffe (size 4) crosses a 4 KiB page boundary: a CPU's access is split there in two, so make two";
            assertEquals(top, error(c, "x-vdm-mmio-read", "\"view\": \"dom0\", \"address\": 18446744073709551614, \"size\": 4"));
            assertEquals(top, error(c, "x-vdm-mmio-read", "\"view\": \"dom0\", \"address\": -2, \"size\": 4"));
        }
    }

    @Test
    void theGuestViewNeedsExactlyOneGuestOrADomidThatNamesOne() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            assertEquals("View 'guest' needs a guest, and there is none (x-vdm-domain-create makes one)",
                    error(c, "x-vdm-mmio-read", "\"view\": \"guest\", \"address\": 0, \"size\": 4"));
            assertEquals("Parameter 'domid' is only for view 'guest' (view 'dom0' has no domain to choose)",
                    error(c, "x-vdm-mmio-read", "\"view\": \"dom0\", \"address\": 0, \"size\": 4, \"domid\": 0"));
            assertEquals("Parameter 'domid' is only for view 'guest' (view 'hardware' has no domain to choose)",
                    error(c, "x-vdm-mmio-write", "\"view\": \"hardware\", \"address\": 0, \"size\": 4, \"value\": 0, \"domid\": 1"));
            ask(c, "x-vdm-domain-create", "");
            ask(c, "x-vdm-domain-create", "");
            assertEquals("View 'guest' is ambiguous: 2 guests (d1, d2); name one with 'domid'",
                    error(c, "x-vdm-mmio-read", "\"view\": \"guest\", \"address\": 0, \"size\": 4"));
            assertEquals("No guest with domid 7 (guests: d1, d2)",
                    error(c, "x-vdm-mmio-read", "\"view\": \"guest\", \"address\": 0, \"size\": 4, \"domid\": 7"));
            assertEquals("Domain 0 is the hardware domain: use view 'dom0'",
                    error(c, "x-vdm-mmio-write", "\"view\": \"guest\", \"address\": 0, \"size\": 4, \"value\": 0, \"domid\": 0"));
            // Nothing is mapped at guest physical 0 and no intercept claims it: Xen's answer is all ones.
            assertEquals(0xffffffffL, ask(c, "x-vdm-mmio-read", "\"view\": \"guest\", \"address\": 0, \"size\": 4, \"domid\": 2")
                    .get("return").get("value").asLong());
            assertEquals("18446744073709551615", ask(c, "x-vdm-mmio-read", "\"view\": \"guest\", \"address\": 0, \"size\": 8, \"domid\": 1")
                    .get("return").get("value").toString(), "a uint64 prints unsigned");
        }
    }

    @Test
    void firingNeedsAKnownDeviceWithMsiOrMsixAndAnIndexItCanRaise() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            JsonNode none = ask(c, "x-vdm-msi-fire", "\"hostaddr\": \"0000:05:00.0\", \"vector\": 0");
            assertEquals("DeviceNotFound", none.get("error").get("class").asText());
            assertEquals("Device '0000:05:00.0' not found", none.get("error").get("desc").asText());
            assertTrue(error(c, "x-vdm-msi-fire", "\"hostaddr\": \"nonsense\", \"vector\": 0")
                    .startsWith("Parameter 'hostaddr' expects a PCI address SSSS:BB:DD.F: "));
            assertEquals("Device '0001:00:02.0' has neither an MSI nor an MSI-X capability: it interrupts by INTx only",
                    error(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + SEGMENT1_E1000 + "\", \"vector\": 0"));
            // The nvme has MSI-X only: with MSI-X disabled the index is still checked against its 65 entries.
            assertEquals("0000:02:00.0: MSI-X entry 65: the table has 65 entries (0..64)",
                    error(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + NVME + "\", \"vector\": 65"));
            assertEquals("Parameter 'vector' expects a value from 0 to 2047, not -1",
                    error(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + NVME + "\", \"vector\": -1"));
            // The e1000e has both: MSI-X disabled, so the vector is MSI's, of which it has one.
            assertEquals("0000:00:02.0: MSI vector 1: the function has 1 MSI vector (0..0)",
                    error(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + E1000E + "\", \"vector\": 1"));
            // With MSI-X enabled (Message Control bit 15 at 0xa0 + 2) the same device's index is an MSI-X entry.
            configWrite(c, E1000E, 0xa2, 2, 0xc000);
            assertEquals("0000:00:02.0: MSI-X entry 5: the table has 5 entries (0..4)",
                    error(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + E1000E + "\", \"vector\": 5"));
            assertEquals(0xc004, configRead(c, E1000E, 0xa2, 2), "the refusals left Message Control as it was");
        }
    }

    @Test
    void queryMsiReadsTheMsiCapabilityAsProgrammedAndIsEmptyForADeviceWithout() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            assertEquals("{}", ask(c, "x-vdm-query-msi", "\"hostaddr\": \"" + SEGMENT1_E1000 + "\"").get("return").toString());
            JsonNode gpu = ask(c, "x-vdm-query-msi", "\"hostaddr\": \"" + GPU + "\"").get("return");
            assertTrue(gpu.has("msix"), gpu.toString());
            assertEquals(JSON.readTree("{\"offset\":104,\"enabled\":false,\"per-vector-mask\":true,\"vectors\":1,\"enabled-vectors\":1,"
                    + "\"address\":0,\"messages\":[{\"vector\":0,\"data\":0,\"masked\":false,\"pending\":false}]}"), gpu.get("msi"));
            // A 64-bit capability with masking: address 0x6c/0x70, data 0x74, mask 0x78 (PCI_MSI_*_64 from 0x68).
            configWrite(c, GPU, 0x6c, 4, 0xfee01000L);
            configWrite(c, GPU, 0x70, 4, 0);
            configWrite(c, GPU, 0x74, 2, 0x4041);
            configWrite(c, GPU, 0x78, 4, 1);
            configWrite(c, GPU, 0x6a, 2, 0x0001);
            JsonNode msi = ask(c, "x-vdm-query-msi", "\"hostaddr\": \"" + GPU + "\"").get("return").get("msi");
            assertTrue(msi.get("enabled").asBoolean(), msi.toString());
            assertEquals(0xfee01000L, msi.get("address").asLong());
            assertEquals(0x4041, msi.get("messages").get(0).get("data").asInt());
            assertTrue(msi.get("messages").get(0).get("masked").asBoolean());
            JsonNode missing = ask(c, "x-vdm-query-msi", "\"hostaddr\": \"0001:00:03.0\"");
            assertEquals("Device '0001:00:03.0' not found", missing.get("error").get("desc").asText());
        }
    }

    /**
     * QEMU 7.2 shows nothing of MSI or MSI-X: PciDeviceInfo (qapi/pci.json) has bus, slot, function, class_info, id,
     * irq, irq_pin, qdev_id, pci_bridge and regions, and hmp_info_pci_device prints no more (checked on the real
     * qemu-system-x86_64 7.2 with an MSI-X nvme). Enabling MSI-X changes neither; vdm adds only its x-vdm- members.
     */
    @Test
    void queryPciAndInfoPciShowNoMsiStateAsQemusDoNot() throws IOException {
        java.util.Set<String> qemu = java.util.Set.of("bus", "slot", "function", "class_info", "id", "irq", "irq_pin", "qdev_id",
                "pci_bridge", "regions");
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            String hmp = "\"command-line\": \"info pci\"";
            String before = ask(c, "human-monitor-command", hmp).get("return").asText();
            JsonNode pciBefore = ask(c, "query-pci", "").get("return");
            configWrite(c, NVME, 0x42, 2, 0x8000);
            configWrite(c, E1000E, 0xa2, 2, 0x8000);
            assertEquals(before, ask(c, "human-monitor-command", hmp).get("return").asText());
            JsonNode pci = ask(c, "query-pci", "").get("return");
            assertEquals(pciBefore, pci);
            java.util.List<JsonNode> devices = new java.util.ArrayList<>();
            java.util.ArrayDeque<JsonNode> lists = new java.util.ArrayDeque<>(java.util.List.of(pci.get(0).get("devices")));
            while (!lists.isEmpty()) {
                for (JsonNode d : lists.pop()) {
                    devices.add(d);
                    if (d.has("pci_bridge") && d.get("pci_bridge").has("devices")) lists.push(d.get("pci_bridge").get("devices"));
                }
            }
            assertTrue(devices.stream().anyMatch(d -> d.get("bus").asInt() == 2), "the nvme behind 00:1c.0 is listed");
            for (JsonNode d : devices) {
                for (var it = d.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    assertTrue(qemu.contains(name) || name.startsWith("x-vdm-"), name + " is not QEMU's: " + d);
                }
            }
        }
    }

    /**
     * Class descriptions as QEMU 7.2 gives them (pci_class_descriptions): the real qemu-system-x86_64 7.2 with an nvme
     * (1b36:0010, class 0x0108, which QEMU does not list) answers class_info {"class": 264} with no desc, and info pci
     * prints "Class 0264: PCI device 1b36:0010" (the class in decimal); its host bridge is "Host bridge".
     */
    @Test
    void classDescriptionsAreQemusAndAnUnlistedClassHasNone() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            String text = ask(c, "human-monitor-command", "\"command-line\": \"info pci\"").get("return").asText();
            assertTrue(text.contains("  Bus  2, device   0, function 0:\r\n    Class 0264: PCI device 1b36:0010\r\n"), text);
            assertTrue(text.contains("  Bus  0, device   0, function 0:\r\n    Host bridge: PCI device 8086:0d57\r\n"), text);
            JsonNode root = ask(c, "query-pci", "").get("return").get(0).get("devices");
            JsonNode nvme = null;
            for (JsonNode d : root) {
                if (d.get("slot").asInt() == 0x1c) nvme = d.get("pci_bridge").get("devices").get(0);
            }
            assertEquals(JSON.readTree("{\"class\": 264}"), nvme.get("class_info"), nvme.toString());
            assertEquals("PCI bridge", root.get(1).get("class_info").get("desc").asText(), root.get(1).toString());
        }
    }

    private static String fireOutcome(TestServer.Conn c, String hostaddr, int vector, String capability) throws IOException {
        JsonNode r = ask(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + hostaddr + "\", \"vector\": " + vector).get("return");
        assertEquals(capability, r.get("capability").asText(), r.toString());
        assertEquals(vector, r.get("vector").asInt());
        return r.get("outcome").asText();
    }

    /**
     * MSI with per-vector masking (PCI 3.0 6.8.1, 6.8.3.3) on the gpu at 01:00.0, whose MSI-X stays disabled: nothing
     * while MSI is off or Bus Master is clear; a masked vector latches its Pending bit and goes out on unmask.
     */
    @Test
    void anMsiVectorIsDisabledPendingOrSentAsTheCapabilityAndBusMasterSay() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            int command = (int) configRead(c, GPU, 0x04, 2);
            assertEquals("disabled", fireOutcome(c, GPU, 0, "MSI"));
            configWrite(c, GPU, 0x6c, 4, 0xfee00000L);
            configWrite(c, GPU, 0x74, 2, 0x0031);
            configWrite(c, GPU, 0x78, 4, 1);          // vector 0 masked
            configWrite(c, GPU, 0x6a, 2, 0x0001);     // MSI Enable
            configWrite(c, GPU, 0x04, 2, command | 0x4);
            assertEquals("pending", fireOutcome(c, GPU, 0, "MSI"));
            assertEquals(1, configRead(c, GPU, 0x7c, 4), "the Pending bit of vector 0");
            assertTrue(ask(c, "x-vdm-query-msi", "\"hostaddr\": \"" + GPU + "\"").get("return").get("msi").get("messages").get(0)
                    .get("pending").asBoolean());
            configWrite(c, GPU, 0x78, 4, 0);          // unmask: the latched message goes out
            assertEquals(0, configRead(c, GPU, 0x7c, 4));
            assertEquals("sent", fireOutcome(c, GPU, 0, "MSI"));
            configWrite(c, GPU, 0x04, 2, command & ~0x4);
            assertEquals("disabled", fireOutcome(c, GPU, 0, "MSI"), "no memory write without Bus Master");
            assertEquals(0, configRead(c, GPU, 0x7c, 4), "and nothing latched");
        }
    }

    /**
     * Multiple messages (PCI 3.0 6.8.1.3, 6.8.3.3): WideHost with the catalog's ahci-msi8 (8 vectors, 64-bit, per-vector
     * masking, MSI at 0x88) in place of its virtio-net at 00:03.0. With Multiple Message Enable at 4, vector k carries
     * Message Data with its low two bits k; a vector the function lacks, or one software did not enable, is refused.
     */
    @Test
    void multipleMessageMsiFiresOnlyEnabledVectorsEachWithItsOwnData(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path host = dir.resolve("ahci-host.json");
        String json = Files.readString(wideHost());
        assertTrue(json.contains("\"device\" : \"virtio-net-pci\""));
        Files.writeString(host, json.replace("\"device\" : \"virtio-net-pci\"", "\"device\" : \"ahci-msi8\""));
        String ahci = "0000:00:03.0";
        try (TestServer s = start(host); TestServer.Conn c = loopback(s)) {
            configWrite(c, ahci, 0x04, 2, configRead(c, ahci, 0x04, 2) | 0x4);
            configWrite(c, ahci, 0x8c, 4, 0xfee00000L);
            configWrite(c, ahci, 0x94, 2, 0x0040);
            configWrite(c, ahci, 0x8a, 2, 2 << 4 | 1); // MME = 2 (4 vectors), MSI Enable
            JsonNode msi = ask(c, "x-vdm-query-msi", "\"hostaddr\": \"" + ahci + "\"").get("return").get("msi");
            assertEquals(136, msi.get("offset").asInt());
            assertEquals(8, msi.get("vectors").asInt());
            assertEquals(4, msi.get("enabled-vectors").asInt());
            assertEquals(4, msi.get("messages").size());
            for (int k = 0; k < 4; k++) assertEquals(0x40 | k, msi.get("messages").get(k).get("data").asInt(), msi.toString());
            assertEquals("0000:00:03.0: MSI vector 8: the function has 8 MSI vectors (0..7)",
                    error(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + ahci + "\", \"vector\": 8"));
            assertEquals("0000:00:03.0: MSI vector 5 is not enabled: Multiple Message Enable allocates 4 of the 8 vectors",
                    error(c, "x-vdm-msi-fire", "\"hostaddr\": \"" + ahci + "\", \"vector\": 5"));
            configWrite(c, ahci, 0x98, 4, 1 << 2);
            assertEquals("pending", fireOutcome(c, ahci, 2, "MSI"));
            assertEquals("sent", fireOutcome(c, ahci, 3, "MSI"));
            assertEquals(1 << 2, configRead(c, ahci, 0x9c, 4), "only vector 2 is pending");
        }
    }

    /**
     * info pci prints query-pci's answer, as hmp_info_pci does: a bridge's bus numbers, then its three ranges (from the
     * registers, pci_bridge_get_base/limit; "IO range [0x%04x, 0x%04x]" and so on, as the real QEMU 7.2 prints them for
     * a pcie-root-port), its BARs and id, then the devices behind it, before the next device on the parent bus.
     * query-pci has one root bus and no segments, so neither has WideHost's device on segment 1.
     */
    @Test
    void infoPciPrintsQueryPciWithBridgeRangesAndTheDevicesBehindEachBridge() throws IOException {
        try (TestServer s = start(); TestServer.Conn c = loopback(s)) {
            String text = ask(c, "human-monitor-command", "\"command-line\": \"info pci\"").get("return").asText();
            String rootPort = "  Bus  0, device   1, function 0:\r\n    PCI bridge: PCI device 1b36:000c\r\n";
            int at = text.indexOf(rootPort);
            assertTrue(at >= 0, text);
            String section = text.substring(at, text.indexOf("  Bus  0, device   2, function 0:", at));
            assertTrue(section.contains("      BUS 0.\r\n      secondary bus 1.\r\n      subordinate bus 1.\r\n"
                    + "      IO range [0xe000, 0xefff]\r\n      memory range [0xfc000000, 0xfdffffff]\r\n"
                    + "      prefetchable memory range [0x8000000000, 0x801fffffff]\r\n"), section);
            int id = section.indexOf("      id \"\"\r\n");
            assertTrue(id > 0 && section.indexOf("  Bus  1, device   0, function 0:") > id
                    && section.indexOf("  Bus  1, device   0, function 1:") > id, "the functions on bus 1 follow the bridge: " + section);
            JsonNode pci = ask(c, "query-pci", "").get("return");
            JsonNode range = pci.get(0).get("devices").get(1).get("pci_bridge").get("bus").get("io_range");
            assertEquals(JSON.readTree("{\"base\": 57344, \"limit\": 61439}"), range);
            assertEquals(1, pci.size(), "one root bus");
            assertFalse(text.contains("  Bus  0, device   2, function 0:\r\n    Ethernet controller: PCI device 8086:100e"),
                    "segment 1's e1000 is in neither");
        }
    }
}
